//! Port of upstream `tests/test_view_decorators.py`.
//!
//! The fixture app (`JWT_SECRET_KEY="foobarbaz"`, tokens in headers) is [`serve`]d with the
//! five upstream routes, each wrapped in the `jwt_required()` variant of its decorator.
//!
//! Two Flask habits have no Actix counterpart and are replaced by their equivalent:
//! - changing `app.config` mid-test: the configuration is fixed when the [`JwtManager`] is
//!   built, so the test builds a second app with the changed configuration (same secret, so
//!   the tokens made earlier still verify);
//! - registering a loader (`@jwtM.expired_token_loader`...) mid-test: loaders are given to the
//!   [`JwtManagerBuilder`], so the test builds a second app with the loader.
//!
//! Negative lifetimes (`expires_delta=timedelta(minutes=-1)`, `fresh=timedelta(minutes=-1)`)
//! cannot be a [`std::time::Duration`]: an expired token gets its `exp` as an additional claim
//! (which overrides the computed one, as in flask-jwt-extended), and a stale fresh token gets
//! [`Fresh::Until`] a past instant. Both give the same claims as upstream's tokens.

use std::time::Duration;

use actix_jwt_ext::jsonwebtoken::Algorithm;
use actix_jwt_ext::{
    jwt_required, verify_jwt_in_request, DecodedToken, Fresh, JwtConfig, JwtConfigBuilder,
    JwtIdentity, JwtManager, JwtManagerBuilder, Optional, TokenLocation,
};
use actix_test::TestServer;
use actix_web::http::StatusCode;
use actix_web::{web, App, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::common::{hs256_with, now};
use crate::support_b::{bearer, Client};

const SECRET: &str = "foobarbaz";

// ---------------------------------------------------------------------------------------------
// The fixture app
// ---------------------------------------------------------------------------------------------

fn config() -> JwtConfigBuilder {
    JwtConfig::builder().secret_key(SECRET)
}

fn builder(config: JwtConfigBuilder) -> JwtManagerBuilder {
    JwtManager::builder(config.build().expect("valid config"))
}

fn manager() -> JwtManager {
    builder(config()).build().expect("manager")
}

async fn foo_bar() -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar"}))
}

/// `optional_protected`: `baz` when `get_jwt_identity()` is truthy, else `bar`.
async fn optional_protected(identity: Optional<JwtIdentity>) -> HttpResponse {
    if identity.0.is_some_and(|id| !id.0.is_empty()) {
        HttpResponse::Ok().json(json!({"foo": "baz"}))
    } else {
        HttpResponse::Ok().json(json!({"foo": "bar"}))
    }
}

fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/protected")
            .wrap(jwt_required())
            .route(web::get().to(foo_bar)),
    )
    .service(
        web::resource("/fresh_protected")
            .wrap(jwt_required().fresh())
            .route(web::get().to(foo_bar)),
    )
    .service(
        web::resource("/refresh_protected")
            .wrap(jwt_required().refresh())
            .route(web::get().to(foo_bar)),
    )
    .service(
        web::resource("/optional_protected")
            .wrap(jwt_required().optional())
            .route(web::get().to(optional_protected)),
    )
    .service(
        web::resource("/no_typecheck_protected")
            .wrap(jwt_required().no_verify_type())
            .route(web::get().to(foo_bar)),
    );
}

fn no_extra_routes(_: &mut web::ServiceConfig) {}

/// The fixture app for `jwt`, plus the routes a test adds (`@app.route` in the test body).
fn serve(jwt: &JwtManager, extra: fn(&mut web::ServiceConfig)) -> TestServer {
    let jwt = jwt.clone();
    actix_test::start(move || {
        App::new()
            .configure(jwt.init_app())
            .configure(routes)
            .configure(extra)
    })
}

fn msg(text: &str) -> Value {
    json!({ "msg": text })
}

fn foo() -> Value {
    json!({"foo": "bar"})
}

/// `jsonify(msg="foobar"), <status>` from a custom loader, when the token it was handed is the
/// one upstream's loader asserts on; otherwise a 500 that names what differs.
fn foobar_if(status: u16, token: &DecodedToken, want_type: Option<&str>) -> HttpResponse {
    let alg_ok = token.header().get("alg") == Some(&json!("HS256"));
    let sub_ok = token.claim("sub") == Some(&json!("username"));
    let type_ok = want_type.is_none_or(|t| token.token_type() == t);
    if alg_ok && sub_ok && type_ok {
        HttpResponse::build(StatusCode::from_u16(status).expect("status"))
            .json(json!({"msg": "foobar"}))
    } else {
        HttpResponse::InternalServerError().body(format!(
            "loader got header {:?} claims {:?}",
            token.header(),
            token.claims()
        ))
    }
}

/// An access token whose `exp` is one minute in the past (`expires_delta=-1 minute`).
async fn expired_access_token(jwt: &JwtManager) -> String {
    jwt.access_token("username")
        .claim("exp", now() - 60)
        .encode()
        .await
        .expect("token")
}

/// The three tokens most upstream tests make first.
struct Tokens {
    access_token: String,
    fresh_access_token: String,
    refresh_token: String,
}

async fn tokens(jwt: &JwtManager) -> Tokens {
    Tokens {
        access_token: jwt.access_token("username").encode().await.expect("token"),
        fresh_access_token: jwt
            .access_token("username")
            .fresh(true)
            .encode()
            .await
            .expect("token"),
        refresh_token: jwt.refresh_token("username").encode().await.expect("token"),
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

/// `test_jwt_required`.
#[actix_web::test]
async fn test_jwt_required() {
    let url = "/protected";
    let jwt = manager();
    let srv = serve(&jwt, no_extra_routes);
    let mut test_client = Client::new(&srv);
    let t = tokens(&jwt).await;

    // Access and fresh access should be able to access this
    for token in [&t.access_token, &t.fresh_access_token] {
        test_client
            .get_with(url, &[("Authorization", &bearer(token))])
            .await
            .expect(200, foo());
    }

    // Test accessing jwt_required with no jwt in the request
    test_client
        .get(url)
        .await
        .expect(401, msg("Missing Authorization Header"));

    // Test refresh token access to jwt_required
    test_client
        .get_with(url, &[("Authorization", &bearer(&t.refresh_token))])
        .await
        .expect(422, msg("Only non-refresh tokens are allowed"));
}

/// `test_fresh_jwt_required`.
#[actix_web::test]
async fn test_fresh_jwt_required() {
    let url = "/fresh_protected";
    let jwt = manager();
    let srv = serve(&jwt, no_extra_routes);
    let mut test_client = Client::new(&srv);
    let t = tokens(&jwt).await;
    let fresh_timed_access_token = jwt
        .access_token("username")
        .fresh(Duration::from_secs(5 * 60))
        .encode()
        .await
        .unwrap();
    // fresh=timedelta(minutes=-1): fresh until a minute ago.
    let stale_timed_access_token = jwt
        .access_token("username")
        .fresh(Fresh::Until(now() as f64 - 60.0))
        .encode()
        .await
        .unwrap();

    for (token, status, body) in [
        (&t.fresh_access_token, 200, foo()),
        (&t.access_token, 401, msg("Fresh token required")),
        (&fresh_timed_access_token, 200, foo()),
        (&stale_timed_access_token, 401, msg("Fresh token required")),
    ] {
        test_client
            .get_with(url, &[("Authorization", &bearer(token))])
            .await
            .expect(status, body);
    }

    test_client
        .get(url)
        .await
        .expect(401, msg("Missing Authorization Header"));

    test_client
        .get_with(url, &[("Authorization", &bearer(&t.refresh_token))])
        .await
        .expect(422, msg("Only non-refresh tokens are allowed"));

    // Test with custom response (a loader registered on a second app, see module docs)
    let custom = builder(config())
        .needs_fresh_token_loader(|token| foobar_if(201, token, None))
        .build()
        .unwrap();
    let srv = serve(&custom, no_extra_routes);
    Client::new(&srv)
        .get_with(url, &[("Authorization", &bearer(&t.access_token))])
        .await
        .expect(201, msg("foobar"));
}

/// `test_refresh_jwt_required`.
#[actix_web::test]
async fn test_refresh_jwt_required() {
    let url = "/refresh_protected";
    let jwt = manager();
    let srv = serve(&jwt, no_extra_routes);
    let mut test_client = Client::new(&srv);
    let t = tokens(&jwt).await;

    for token in [&t.fresh_access_token, &t.access_token] {
        test_client
            .get_with(url, &[("Authorization", &bearer(token))])
            .await
            .expect(422, msg("Only refresh tokens are allowed"));
    }

    test_client
        .get(url)
        .await
        .expect(401, msg("Missing Authorization Header"));

    test_client
        .get_with(url, &[("Authorization", &bearer(&t.refresh_token))])
        .await
        .expect(200, foo());
}

/// `test_jwt_required_no_typecheck`: this route works with access or refresh tokens.
#[actix_web::test]
async fn test_jwt_required_no_typecheck() {
    let url = "/no_typecheck_protected";
    let jwt = manager();
    let srv = serve(&jwt, no_extra_routes);
    let mut test_client = Client::new(&srv);
    let t = tokens(&jwt).await;

    for token in [&t.access_token, &t.fresh_access_token, &t.refresh_token] {
        test_client
            .get_with(url, &[("Authorization", &bearer(token))])
            .await
            .expect(200, foo());
    }

    test_client
        .get(url)
        .await
        .expect(401, msg("Missing Authorization Header"));
}

async fn jwt_optional() {
    let url = "/optional_protected";
    let jwt = manager();
    let srv = serve(&jwt, no_extra_routes);
    let mut test_client = Client::new(&srv);
    let t = tokens(&jwt).await;
    let expired_token = expired_access_token(&jwt).await;

    for (token, status, body) in [
        (&t.fresh_access_token, 200, json!({"foo": "baz"})),
        (&t.access_token, 200, json!({"foo": "baz"})),
        (
            &t.refresh_token,
            422,
            msg("Only non-refresh tokens are allowed"),
        ),
        (&expired_token, 401, msg("Token has expired")),
    ] {
        test_client
            .get_with(url, &[("Authorization", &bearer(token))])
            .await
            .expect(status, body);
    }
}

/// `test_jwt_optional[delta_func0]` (`timedelta`).
#[actix_web::test]
async fn test_jwt_optional_timedelta() {
    jwt_optional().await;
}

/// `test_jwt_optional[delta_func1]` (`dateutil.relativedelta`): Rust has one duration type,
/// and `relativedelta(minutes=-1)` gives the same `exp` as `timedelta(minutes=-1)`, so this
/// case runs the same scenario.
#[actix_web::test]
async fn test_jwt_optional_relativedelta() {
    jwt_optional().await;
}

/// `test_jwt_optional_with_no_valid_jwt`.
#[actix_web::test]
async fn test_jwt_optional_with_no_valid_jwt() {
    let url = "/optional_protected";
    let jwt = manager();
    let srv = serve(&jwt, no_extra_routes);
    let mut test_client = Client::new(&srv);
    let bad_header = "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'";

    // No auth headers
    test_client.get(url).await.expect(200, foo());

    for (value, status, body) in [
        // auth header with type that isn't configured to be checked
        ("basic creds", 200, foo()),
        // auth header with Bearer type but no JWT
        ("Bearer ", 422, msg(bad_header)),
        // Bearer token malformed
        ("Bearer xxx", 422, msg("Not enough segments")),
        // auth header comma seperated with no bearer token
        ("Foo 1, Bar 2, Baz, 3", 200, foo()),
        // auth header comma seperated with missing bearer token
        ("Foo 1, Bearer, Baz, 3", 422, msg(bad_header)),
        // Bearer token comma seperated with malformed bearer token
        ("Foo 1, Bearer 2, Baz, 3", 422, msg("Not enough segments")),
        // Unexpected token
        ("Bearer ,,0", 422, msg(bad_header)),
    ] {
        let response = test_client.get_with(url, &[("Authorization", value)]).await;
        assert_eq!(response.status, status, "Authorization: {value:?}");
        assert_eq!(response.json(), body, "Authorization: {value:?}");
    }
}

fn protected_other(cfg: &mut web::ServiceConfig) {
    // @jwt_required(locations="headers")
    cfg.service(
        web::resource("/protected_other")
            .wrap(jwt_required().locations([TokenLocation::Headers]))
            .to(foo_bar),
    );
}

/// `test_override_jwt_location`.
///
/// Adapted: `JWT_TOKEN_LOCATION=["cookies"]` is set at build. Deliberately different:
/// upstream's `@jwt_required(locations="INVALID_LOCATION")` answers 500 at the first request;
/// here a location is a [`TokenLocation`], so such a route cannot be written: the name does not
/// parse (with the message of upstream's `RuntimeError`), and a configuration naming it fails
/// at startup with a `ConfigError`.
#[actix_web::test]
async fn test_override_jwt_location() {
    let jwt = builder(config().token_location([TokenLocation::Cookies]))
        .build()
        .unwrap();
    let srv = serve(&jwt, protected_other);
    let mut test_client = Client::new(&srv);
    let access_token = jwt.access_token("username").encode().await.unwrap();
    let auth = bearer(&access_token);
    let headers = [("Authorization", auth.as_str())];

    test_client
        .get_with("/protected_other", &headers)
        .await
        .expect(200, foo());

    test_client
        .get_with("/protected", &headers)
        .await
        .expect(401, msg("Missing cookie \"access_token_cookie\""));

    // "/protected_invalid": the invalid location is refused before any app can be built.
    let err = "INVALID_LOCATION"
        .parse::<TokenLocation>()
        .expect_err("not a location");
    assert_eq!(
        err.to_string(),
        "'INVALID_LOCATION' is not a valid location"
    );
    let err = JwtConfig::from_vars([
        ("JWT_SECRET_KEY", SECRET),
        ("JWT_TOKEN_LOCATION", "INVALID_LOCATION"),
    ])
    .expect_err("invalid location refused at startup");
    assert_eq!(err.setting(), Some("JWT_TOKEN_LOCATION"));
}

/// `test_invalid_jwt`.
#[actix_web::test]
async fn test_invalid_jwt() {
    let url = "/protected";
    let invalid_token = "aaaaa.bbbbb.ccccc";
    let headers = [("Authorization", "Bearer aaaaa.bbbbb.ccccc")];
    assert_eq!(headers[0].1, bearer(invalid_token));

    // Test default response
    let srv = serve(&manager(), no_extra_routes);
    Client::new(&srv)
        .get_with(url, &headers)
        .await
        .expect(422, msg("Invalid header padding"));

    // Test custom response (a loader registered on a second app, see module docs)
    let custom = builder(config())
        .invalid_token_loader(|_err| HttpResponse::Created().json(json!({"msg": "foobar"})))
        .build()
        .unwrap();
    let srv = serve(&custom, no_extra_routes);
    Client::new(&srv)
        .get_with(url, &headers)
        .await
        .expect(201, msg("foobar"));
}

/// `test_jwt_missing_claims`.
#[actix_web::test]
async fn test_jwt_missing_claims() {
    let srv = serve(&manager(), no_extra_routes);
    // encode_token(app, {"foo": "bar"})
    let token = hs256_with(SECRET, &json!({"foo": "bar"}));

    Client::new(&srv)
        .get_with("/protected", &[("Authorization", &bearer(&token))])
        .await
        .expect(422, msg("Missing claim: sub"));
}

/// `test_jwt_invalid_audience`. Adapted: `JWT_DECODE_AUDIENCE` is set on a second app.
#[actix_web::test]
async fn test_jwt_invalid_audience() {
    let url = "/protected";
    let srv = serve(&manager(), no_extra_routes);

    // No audience claim expected or provided - OK
    let access_token = hs256_with(SECRET, &json!({"sub": "me"}));
    let response = Client::new(&srv)
        .get_with(url, &[("Authorization", &bearer(&access_token))])
        .await;
    assert_eq!(response.status, 200, "{response:?}");

    // Audience claim expected and not provided - not OK
    let jwt = builder(config().decode_audience(["my_audience"]))
        .build()
        .unwrap();
    let srv = serve(&jwt, no_extra_routes);
    let mut test_client = Client::new(&srv);
    let access_token = hs256_with(SECRET, &json!({"sub": "me"}));
    test_client
        .get_with(url, &[("Authorization", &bearer(&access_token))])
        .await
        .expect(422, msg("Token is missing the \"aud\" claim"));

    // Audience claim still expected and wrong one provided - not OK
    let access_token = hs256_with(SECRET, &json!({"aud": "different_audience", "sub": "me"}));
    test_client
        .get_with(url, &[("Authorization", &bearer(&access_token))])
        .await
        .expect(422, msg("Audience doesn't match"));
}

/// `test_jwt_invalid_issuer`. Adapted: `JWT_DECODE_ISSUER` is set on a second app.
#[actix_web::test]
async fn test_jwt_invalid_issuer() {
    let url = "/protected";
    let srv = serve(&manager(), no_extra_routes);

    // No issuer claim expected or provided - OK
    let access_token = hs256_with(SECRET, &json!({"sub": "me"}));
    let response = Client::new(&srv)
        .get_with(url, &[("Authorization", &bearer(&access_token))])
        .await;
    assert_eq!(response.status, 200, "{response:?}");

    // Issuer claim expected and not provided - not OK
    let jwt = builder(config().decode_issuer(["my_issuer"]))
        .build()
        .unwrap();
    let srv = serve(&jwt, no_extra_routes);
    let mut test_client = Client::new(&srv);
    let access_token = hs256_with(SECRET, &json!({"sub": "me"}));
    test_client
        .get_with(url, &[("Authorization", &bearer(&access_token))])
        .await
        .expect(422, msg("Token is missing the \"iss\" claim"));

    // Issuer claim still expected and wrong one provided - not OK
    let access_token = hs256_with(SECRET, &json!({"iss": "different_issuer", "sub": "me"}));
    test_client
        .get_with(url, &[("Authorization", &bearer(&access_token))])
        .await
        .expect(422, msg("Invalid issuer"));
}

/// `test_malformed_token`.
#[actix_web::test]
async fn test_malformed_token() {
    let srv = serve(&manager(), no_extra_routes);
    let access_token = "foobarbaz";
    Client::new(&srv)
        .get_with("/protected", &[("Authorization", &bearer(access_token))])
        .await
        .expect(422, msg("Not enough segments"));
}

async fn expired_token() {
    let url = "/protected";
    let jwt = manager();
    let srv = serve(&jwt, no_extra_routes);
    let token = expired_access_token(&jwt).await;
    let auth = bearer(&token);
    let headers = [("Authorization", auth.as_str())];

    // Test default response
    Client::new(&srv)
        .get_with(url, &headers)
        .await
        .expect(401, msg("Token has expired"));

    // Test new custom response (a loader registered on a second app, see module docs)
    let custom = builder(config())
        .expired_token_loader(|token| foobar_if(201, token, Some("access")))
        .build()
        .unwrap();
    let srv = serve(&custom, no_extra_routes);
    Client::new(&srv)
        .get_with(url, &headers)
        .await
        .expect(201, msg("foobar"));
}

/// `test_expired_token[delta_func0]` (`timedelta`).
#[actix_web::test]
async fn test_expired_token_timedelta() {
    expired_token().await;
}

/// `test_expired_token[delta_func1]` (`dateutil.relativedelta`): same `exp` as with
/// `timedelta`, so the same scenario (Rust has one duration type).
#[actix_web::test]
async fn test_expired_token_relativedelta() {
    expired_token().await;
}

/// `/test` of `test_expired_token_via_decode_token`: an unprotected view that decodes an
/// expired token. Flask's app-wide error handlers turn the exception into the loader's answer;
/// in Actix the handler returns the error with `?`, and it renders through the same loaders.
async fn decode_expired(req: HttpRequest) -> actix_web::Result<HttpResponse> {
    let jwt = req.app_data::<JwtManager>().expect("manager");
    let token = expired_access_token(jwt).await;
    jwt.decode_token(&token).await?;
    Ok(HttpResponse::Ok().json(json!({"msg": "baz"})))
}

fn test_route(cfg: &mut web::ServiceConfig) {
    cfg.route("/test", web::get().to(decode_expired));
}

/// `test_expired_token_via_decode_token`. Adapted: see [`decode_expired`].
#[actix_web::test]
async fn test_expired_token_via_decode_token() {
    let jwt = builder(config())
        .expired_token_loader(|token| foobar_if(401, token, None))
        .build()
        .unwrap();
    let srv = serve(&jwt, test_route);
    let response = Client::new(&srv).get("/test").await;
    assert_eq!(response.json(), msg("foobar"));
    assert_eq!(response.status, 401);
}

/// `test_no_token`.
#[actix_web::test]
async fn test_no_token() {
    let url = "/protected";

    // Test default response
    let srv = serve(&manager(), no_extra_routes);
    Client::new(&srv)
        .get(url)
        .await
        .expect(401, msg("Missing Authorization Header"));

    // Test custom response (a loader registered on a second app, see module docs)
    let custom = builder(config())
        .unauthorized_loader(|_err| HttpResponse::Created().json(json!({"msg": "foobar"})))
        .build()
        .unwrap();
    let srv = serve(&custom, no_extra_routes);
    Client::new(&srv).get(url).await.expect(201, msg("foobar"));
}

/// `test_different_token_algorightm` (sic). Adapted: `JWT_ALGORITHM="HS512"` is set on a
/// second app; the token was made by the first.
#[actix_web::test]
async fn test_different_token_algorightm() {
    let url = "/protected";
    let token = manager().access_token("username").encode().await.unwrap();

    let hs512 = builder(config().algorithm(Algorithm::HS512))
        .build()
        .unwrap();
    let srv = serve(&hs512, no_extra_routes);
    Client::new(&srv)
        .get_with(url, &[("Authorization", &bearer(&token))])
        .await
        .expect(422, msg("The specified alg value is not allowed"));
}

/// `/custom` of `test_verify_jwt_in_request_returns_decoded_token`: `jwt_header, jwt_data =
/// verify_jwt_in_request()`, then the header and data are checked; a failed check answers 500
/// (upstream: the assertion error).
async fn custom(req: HttpRequest) -> HttpResponse {
    let jwt = req.app_data::<JwtManager>().expect("manager").clone();
    match verify_jwt_in_request(&req, &jwt_required()).await {
        Ok(Some(verified)) => {
            let (jwt_header, jwt_data) = (verified.header(), verified.claims());
            if jwt_header.get("alg") == Some(&json!("HS256"))
                && jwt_data.get("sub") == Some(&json!("username"))
            {
                HttpResponse::Ok().json(json!({"foo": "bar"}))
            } else {
                HttpResponse::InternalServerError().body(format!("{jwt_header:?} {jwt_data:?}"))
            }
        }
        Ok(None) => HttpResponse::InternalServerError().body("no token verified"),
        Err(e) => jwt.error_response(&e),
    }
}

fn custom_route(cfg: &mut web::ServiceConfig) {
    cfg.route("/custom", web::get().to(custom));
}

/// `test_verify_jwt_in_request_returns_decoded_token`.
#[actix_web::test]
async fn test_verify_jwt_in_request_returns_decoded_token() {
    let jwt = manager();
    let srv = serve(&jwt, custom_route);
    let token = jwt.access_token("username").encode().await.unwrap();

    Client::new(&srv)
        .get_with("/custom", &[("Authorization", &bearer(&token))])
        .await
        .expect(200, foo());
}

/// `test_non_string_identity`.
#[actix_web::test]
async fn test_non_string_identity() {
    let jwt = manager();
    let srv = serve(&jwt, no_extra_routes);
    let token = jwt.access_token(1234).encode().await.unwrap();

    Client::new(&srv)
        .get_with("/protected", &[("Authorization", &bearer(&token))])
        .await
        .expect(422, msg("Subject must be a string"));
}
