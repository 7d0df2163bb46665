//! Port of upstream `tests/test_query_string.py`.
//!
//! The fixture app: `JWT_TOKEN_LOCATION = ["query_string"]` and `GET /protected`
//! (`jwt_required()`) answering `{"foo": "bar"}`. Settings upstream changes in `app.config`
//! go into the configuration of the app the requests are sent to (a second app for the
//! requests after a mid-test change).

use actix_jwt_ext::{jwt_required, JwtConfigBuilder, JwtManager, JwtManagerBuilder, TokenLocation};
use actix_test::TestServer;
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::common::Req;
use crate::support_c::{config, foo_bar, manager_with, send, serve};

fn qs_config() -> JwtConfigBuilder {
    config().token_location([TokenLocation::QueryString])
}

fn app_with(
    config: JwtConfigBuilder,
    loaders: impl FnOnce(JwtManagerBuilder) -> JwtManagerBuilder,
) -> (JwtManager, TestServer) {
    let jwt = manager_with(config, loaders);
    let srv = serve(&jwt, |cfg| {
        cfg.service(
            web::resource("/protected")
                .wrap(jwt_required())
                .route(web::get().to(foo_bar)),
        );
    });
    (jwt, srv)
}

fn app(config: JwtConfigBuilder) -> (JwtManager, TestServer) {
    app_with(config, |b| b)
}

/// Upstream: `test_default_query_paramater`.
#[actix_web::test]
async fn test_default_query_paramater() {
    let (jwt, srv) = app(qs_config());
    let access_token = jwt.access_token("username").encode().await.unwrap();

    let url = format!("/protected?jwt={access_token}");
    let (status, body) = send(&srv, Req::get(url)).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));
}

/// Upstream: `test_query_string_value_prefix`.
///
/// The space of `?jwt=bearer <JWT>` is percent-encoded on the wire (`%20`), as any HTTP client
/// sends it; the server decodes it back to `bearer <JWT>` as Werkzeug does.
#[actix_web::test]
async fn test_query_string_value_prefix() {
    let (jwt, srv) = app(qs_config().query_string_value_prefix("bearer "));
    let access_token = jwt.access_token("username").encode().await.unwrap();

    // Valid string prefix
    let url = format!("/protected?jwt=bearer%20{access_token}");
    let (status, body) = send(&srv, Req::get(url)).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));

    // Invalid string prefix
    let url = format!("/protected?jwt={access_token}");
    let (status, body) = send(&srv, Req::get(url)).await;
    let error_msg =
        "Invalid value for query parameter 'jwt'. Expected the value to start with 'bearer '";
    assert_eq!(status, 422);
    assert_eq!(body, json!({"msg": error_msg}));
}

/// Upstream: `test_custom_query_paramater`.
#[actix_web::test]
async fn test_custom_query_paramater() {
    let (jwt, srv) = app(qs_config().query_string_name("foo"));
    let access_token = jwt.access_token("username").encode().await.unwrap();

    // Ensure 'default' query paramaters no longer work
    let url = format!("/protected?jwt={access_token}");
    let (status, body) = send(&srv, Req::get(url)).await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"msg": "Missing 'foo' query paramater"}));

    // Ensure new query_string does work
    let url = format!("/protected?foo={access_token}");
    let (status, body) = send(&srv, Req::get(url)).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));
}

/// Upstream: `test_missing_query_paramater`.
///
/// Adapted: upstream registers the `unauthorized_loader` half-way; the last request goes to a
/// second app built with it.
#[actix_web::test]
async fn test_missing_query_paramater() {
    let (jwt, srv) = app(qs_config());
    let access_token = jwt.access_token("username").encode().await.unwrap();

    // Ensure no query paramaters doesn't give a response
    let (status, body) = send(&srv, Req::get("/protected")).await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"msg": "Missing 'jwt' query paramater"}));

    // Ensure headers don't work
    let (status, body) = send(&srv, Req::get("/protected").bearer(&access_token)).await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"msg": "Missing 'jwt' query paramater"}));

    // Test custom response works
    let (_, custom) = app_with(qs_config(), |b| {
        b.unauthorized_loader(|_err_str| HttpResponse::Created().json(json!({"foo": "bar"})))
    });
    let (status, body) = send(&custom, Req::get("/protected")).await;
    assert_eq!(status, 201);
    assert_eq!(body, json!({"foo": "bar"}));
}
