//! Port of upstream `tests/test_multiple_token_locations.py`.
//!
//! Two fixtures, as upstream: [`app`] searches the four locations by configuration
//! (`JWT_TOKEN_LOCATION`), [`app_with_locations`] has `JWT_TOKEN_LOCATION=["headers"]` and
//! names the four locations on the route (`@jwt_required(locations=[...])`). The handler
//! answers `get_jwt_request_location()` through the [`JwtLocation`] extractor.
//!
//! Upstream tests that change `JWT_TOKEN_LOCATION` on the fixture get an app built with the
//! changed configuration: the configuration of a [`JwtManager`] is fixed once it is built.

use actix_jwt_ext::TokenLocation::{self, Cookies, Headers, Json, QueryString};
use actix_jwt_ext::{jwt_required, JwtConfig, JwtCookiesExt as _, JwtLocation, JwtManager};
use actix_test::TestServer;
use actix_web::{web, App, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::support_b::{bearer, Body, Client};

const ALL: [TokenLocation; 4] = [Headers, Cookies, QueryString, Json];

async fn cookie_login(req: HttpRequest) -> actix_web::Result<HttpResponse> {
    let jwt = req.app_data::<JwtManager>().expect("manager");
    let access_token = jwt.access_token("username").encode().await?;
    let cookies = jwt.set_access_cookies(&access_token).await?;
    Ok(HttpResponse::Ok()
        .jwt_cookies(cookies)
        .json(json!({"login": true})))
}

async fn access_protected(location: JwtLocation) -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": "bar", "location": location.0.as_str()}))
}

/// An app with `config_locations` as `JWT_TOKEN_LOCATION`, and `route_locations` as the
/// `locations=` of `/protected` (`None`: plain `@jwt_required()`).
fn build(
    config_locations: &[TokenLocation],
    route_locations: Option<&'static [TokenLocation]>,
) -> (JwtManager, TestServer) {
    let config = JwtConfig::builder()
        .secret_key("foobarbaz")
        .token_location(config_locations.iter().copied())
        .build()
        .expect("valid config");
    let jwt = JwtManager::new(config).expect("manager");
    let app_jwt = jwt.clone();
    let srv = actix_test::start(move || {
        let guard = match route_locations {
            Some(locations) => jwt_required().locations(locations.iter().copied()),
            None => jwt_required(),
        };
        App::new()
            .configure(app_jwt.init_app())
            .route("/cookie_login", web::get().to(cookie_login))
            .service(
                web::resource("/protected")
                    .wrap(guard)
                    .route(web::get().to(access_protected))
                    .route(web::post().to(access_protected)),
            )
    });
    (jwt, srv)
}

/// Fixture `app`: the four locations in the configuration.
fn app() -> (JwtManager, TestServer) {
    build(&ALL, None)
}

/// Fixture `app_with_locations`: headers in the configuration, the four on the route.
fn app_with_locations() -> (JwtManager, TestServer) {
    build(&[Headers], Some(&ALL))
}

/// Fixture `app` after `app.config["JWT_TOKEN_LOCATION"] = token_locations`.
fn app_located(token_locations: &[TokenLocation]) -> (JwtManager, TestServer) {
    build(token_locations, None)
}

fn located(location: &str) -> Value {
    json!({"foo": "bar", "location": location})
}

/// `test_header_access`.
///
/// Adapted: upstream's loop makes the token with each app but sends it with
/// `app.test_client()` both times (so `app_with_locations` is never asked); each request goes
/// to its own app here.
#[actix_web::test]
async fn test_header_access() {
    for (jwt, srv) in [app(), app_with_locations()] {
        let mut test_client = Client::new(&srv);
        let access_token = jwt.access_token("username").encode().await.unwrap();

        test_client
            .get_with("/protected", &[("Authorization", &bearer(&access_token))])
            .await
            .expect(200, located("headers"));
    }
}

/// `test_cookie_access`.
#[actix_web::test]
async fn test_cookie_access() {
    for (_, srv) in [app(), app_with_locations()] {
        let mut test_client = Client::new(&srv);
        test_client.get("/cookie_login").await;
        test_client
            .get("/protected")
            .await
            .expect(200, located("cookies"));
    }
}

/// `test_query_string_access`.
#[actix_web::test]
async fn test_query_string_access() {
    for (jwt, srv) in [app(), app_with_locations()] {
        let mut test_client = Client::new(&srv);
        let access_token = jwt.access_token("username").encode().await.unwrap();

        let url = format!("/protected?jwt={access_token}");
        test_client
            .get(&url)
            .await
            .expect(200, located("query_string"));
    }
}

/// `test_json_access`.
#[actix_web::test]
async fn test_json_access() {
    for (jwt, srv) in [app(), app_with_locations()] {
        let mut test_client = Client::new(&srv);
        let access_token = jwt.access_token("username").encode().await.unwrap();
        let data = json!({"access_token": access_token});
        test_client
            .send(
                actix_web::http::Method::POST,
                "/protected",
                &[],
                Body::Json(data),
            )
            .await
            .expect(200, located("json"));
    }
}

async fn no_jwt_in_request(token_locations: &[TokenLocation], expected_err: &str) {
    let (_, srv) = app_located(token_locations);
    Client::new(&srv)
        .get("/protected")
        .await
        .expect(401, json!({ "msg": expected_err }));
}

/// `test_no_jwt_in_request[options0]` (`["cookies", "headers"]`).
#[actix_web::test]
async fn test_no_jwt_in_request_cookies_headers() {
    no_jwt_in_request(
        &[Cookies, Headers],
        "Missing JWT in cookies or headers (Missing cookie \
         \"access_token_cookie\"; Missing Authorization Header)",
    )
    .await;
}

/// `test_no_jwt_in_request[options1]` (`["json", "query_string"]`).
#[actix_web::test]
async fn test_no_jwt_in_request_json_query_string() {
    no_jwt_in_request(
        &[Json, QueryString],
        "Missing JWT in json or query_string (Invalid \
         content-type. Must be application/json.; \
         Missing 'jwt' query paramater)",
    )
    .await;
}

/// Test order doesn't matter if at least one valid token is set.
async fn order_of_jwt_locations_in_request(token_locations: &[TokenLocation]) {
    let (_, srv) = app_located(token_locations);
    let mut test_client = Client::new(&srv);
    test_client.get("/cookie_login").await;
    test_client
        .get("/protected")
        .await
        .expect(200, located("cookies"));
}

/// `test_order_of_jwt_locations_in_request[options0]` (`["cookies", "headers"]`).
#[actix_web::test]
async fn test_order_of_jwt_locations_in_request_cookies_headers() {
    order_of_jwt_locations_in_request(&[Cookies, Headers]).await;
}

/// `test_order_of_jwt_locations_in_request[options1]` (`["headers", "cookies"]`).
#[actix_web::test]
async fn test_order_of_jwt_locations_in_request_headers_cookies() {
    order_of_jwt_locations_in_request(&[Headers, Cookies]).await;
}

async fn order_with_one_invalid_token(
    token_locations: &[TokenLocation],
    status_code: u16,
    expected: Value,
) {
    let (jwt, srv) = app_located(token_locations);
    let mut test_client = Client::new(&srv);

    let access_token = jwt.access_token("username").encode().await.unwrap();
    // invalidate the token, to check token location precedence
    let access_token = format!("000000{}", &access_token[5..]);
    // set valid cookies
    test_client.get("/cookie_login").await;
    test_client
        .get_with("/protected", &[("Authorization", &bearer(&access_token))])
        .await
        .expect(status_code, expected);
}

/// `test_order_of_jwt_locations_with_one_invalid_token_in_request[options0]`
/// (`["cookies", "headers"]`: the valid cookie is found first).
#[actix_web::test]
async fn test_order_of_jwt_locations_with_one_invalid_token_in_request_cookies_headers() {
    order_with_one_invalid_token(&[Cookies, Headers], 200, located("cookies")).await;
}

/// `test_order_of_jwt_locations_with_one_invalid_token_in_request[options1]`
/// (`["headers", "cookies"]`: the invalid header token ends the search).
#[actix_web::test]
async fn test_order_of_jwt_locations_with_one_invalid_token_in_request_headers_cookies() {
    order_with_one_invalid_token(
        &[Headers, Cookies],
        422,
        json!({"msg": "Invalid header padding"}),
    )
    .await;
}
