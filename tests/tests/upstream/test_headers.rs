//! Port of upstream `tests/test_headers.py`.
//!
//! The fixture app: `/protected` (`jwt_required()`) answering `{"foo": "bar"}`. Upstream tests
//! change `app.config` (or register a loader) between requests; the configuration of a
//! [`JwtManager`] is fixed once built, so such a test builds a second app with the new setting
//! (same secret, so the tokens of the first app stay valid) and sends the later requests there.

use actix_jwt_ext::{jwt_required, JwtConfigBuilder, JwtManager, JwtManagerBuilder};
use actix_test::TestServer;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use crate::common::Req;
use crate::support_c::{config, foo_bar, manager_with, send, serve};

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

/// `GET /protected` with one header line `name: value` (upstream's `headers={name: value}`).
async fn get_with(srv: &TestServer, name: &str, value: String) -> (u16, Value) {
    send(srv, Req::get("/protected").header(name, value)).await
}

/// Upstream: `test_default_headers`.
#[actix_web::test]
async fn test_default_headers() {
    let (jwt, srv) = app(config());
    let access_token = jwt.access_token("username").encode().await.unwrap();

    // Ensure other authorization types don't work
    let (status, body) = get_with(&srv, "Authorization", "Basic basiccreds".into()).await;
    let error_msg =
        "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'";
    assert_eq!(status, 401);
    assert_eq!(body, json!({"msg": error_msg}));

    // Ensure default headers work
    let (status, body) = get_with(&srv, "Authorization", format!("Bearer {access_token}")).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));

    // Ensure default headers work with multiple field values
    let value = format!("Bearer {access_token}, Basic creds");
    let (status, body) = get_with(&srv, "Authorization", value).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));

    // Ensure default headers work with multiple field values in any position
    let value = format!("Basic creds, Bearer {access_token}");
    let (status, body) = get_with(&srv, "Authorization", value).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));
}

/// Upstream: `test_header_with_trailing_spaces_and_commas`.
#[actix_web::test]
async fn test_header_with_trailing_spaces_and_commas() {
    let (jwt, srv) = app(config());
    let access_token = jwt.access_token("username").encode().await.unwrap();

    let value = format!("Bearer {access_token},   ");
    let (status, body) = get_with(&srv, "Authorization", value).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));
}

/// Upstream: `test_custom_header_name`.
#[actix_web::test]
async fn test_custom_header_name() {
    let (jwt, srv) = app(config().header_name("Foo"));
    let access_token = jwt.access_token("username").encode().await.unwrap();

    // Ensure 'default' headers no longer work
    let (status, body) = get_with(&srv, "Authorization", format!("Bearer {access_token}")).await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"msg": "Missing Foo Header"}));

    // Ensure new headers do work
    let (status, body) = get_with(&srv, "Foo", format!("Bearer {access_token}")).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));

    // Ensure new headers work with multiple field values
    let value = format!("Bearer {access_token}, Basic randomcredshere");
    let (status, body) = get_with(&srv, "Foo", value).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));

    // Ensure new headers work with multiple field values in any position
    let value = format!("Basic randomcredshere, Bearer {access_token}");
    let (status, body) = get_with(&srv, "Foo", value).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));
}

/// Upstream: `test_custom_header_type`.
///
/// Adapted: upstream sets `JWT_HEADER_TYPE = ""` half-way; the last two requests go to a
/// second app built with `header_type("")`.
#[actix_web::test]
async fn test_custom_header_type() {
    let (jwt, srv) = app(config().header_type("JWT"));
    let access_token = jwt.access_token("username").encode().await.unwrap();

    // Ensure 'default' headers no longer work
    let (status, body) = get_with(&srv, "Authorization", format!("Bearer {access_token}")).await;
    let error_msg =
        "Missing 'JWT' type in 'Authorization' header. Expected 'Authorization: JWT <JWT>'";
    assert_eq!(status, 401);
    assert_eq!(body, json!({"msg": error_msg}));

    // Ensure new headers do work
    let (status, body) = get_with(&srv, "Authorization", format!("JWT {access_token}")).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));

    // Ensure new headers work with multiple field values
    let value = format!("JWT {access_token}, Basic creds");
    let (status, body) = get_with(&srv, "Authorization", value).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));

    // Ensure new headers work with multiple field values in any position
    let value = format!("Basic creds, JWT {access_token}");
    let (status, body) = get_with(&srv, "Authorization", value).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));

    // Ensure new headers without a type also work
    let (_, untyped) = app(config().header_type(""));
    let (status, body) = get_with(&untyped, "Authorization", access_token.clone()).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));

    // Ensure header with too many parts fails
    let (status, body) =
        get_with(&untyped, "Authorization", format!("Bearer {access_token}")).await;
    let expected_json = json!({"msg": "Bad Authorization header. Expected 'Authorization: <JWT>'"});
    assert_eq!(body, expected_json);
    assert_eq!(status, 422);
}

/// Upstream: `test_missing_headers`.
///
/// Adapted: upstream registers the `unauthorized_loader` half-way; the last request goes to a
/// second app built with it.
#[actix_web::test]
async fn test_missing_headers() {
    let (_, srv) = app(config());

    // Ensure 'default' no headers response
    let (status, body) = send(&srv, Req::get("/protected")).await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"msg": "Missing Authorization Header"}));

    // Test custom no headers response
    let (_, custom) = app_with(config(), |b| {
        b.unauthorized_loader(|_err_str| HttpResponse::Created().json(json!({"foo": "bar"})))
    });
    let (status, body) = send(&custom, Req::get("/protected")).await;
    assert_eq!(status, 201);
    assert_eq!(body, json!({"foo": "bar"}));
}

/// Upstream: `test_header_without_jwt`.
#[actix_web::test]
async fn test_header_without_jwt() {
    let (_, srv) = app(config());

    let (status, body) = get_with(&srv, "Authorization", "Bearer ".into()).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"msg": "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'"})
    );
}

/// Upstream: `test_custom_error_msg_key`.
#[actix_web::test]
async fn test_custom_error_msg_key() {
    let (_, srv) = app(config().error_message_key("message"));
    let (_, body) = send(&srv, Req::get("/protected")).await;
    assert_eq!(body, json!({"message": "Missing Authorization Header"}));
}
