//! Port of upstream `tests/test_json.py`.
//!
//! The fixture app: `JWT_TOKEN_LOCATION = "json"`, `POST /protected` (`jwt_required()`) and
//! `POST /refresh` (`refresh=True`), both answering `{"foo": "bar"}`. Upstream tests that
//! change `app.config` or register a loader do it before (or between) requests; here the
//! setting goes into the configuration of the app the requests are sent to (a second app for
//! the requests after a mid-test change).

use actix_jwt_ext::{jwt_required, JwtConfigBuilder, JwtManager, JwtManagerBuilder, TokenLocation};
use actix_test::TestServer;
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::common::Req;
use crate::support_c::{config, foo_bar, manager_with, send, serve};

fn json_config() -> JwtConfigBuilder {
    config().token_location([TokenLocation::Json])
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
                .route(web::post().to(foo_bar)),
        )
        .service(
            web::resource("/refresh")
                .wrap(jwt_required().refresh())
                .route(web::post().to(foo_bar)),
        );
    });
    (jwt, srv)
}

fn app(config: JwtConfigBuilder) -> (JwtManager, TestServer) {
    app_with(config, |b| b)
}

async fn tokens(jwt: &JwtManager) -> (String, String) {
    (
        jwt.access_token("username").encode().await.unwrap(),
        jwt.refresh_token("username").encode().await.unwrap(),
    )
}

/// Upstream's `data={key: token}`: an `application/x-www-form-urlencoded` body.
fn form(path: &str, key: &str, token: &str) -> Req {
    Req::post(path).body(
        "application/x-www-form-urlencoded",
        format!("{key}={token}"),
    )
}

/// Upstream: `test_content_type`.
#[actix_web::test]
async fn test_content_type() {
    let (jwt, srv) = app(json_config());
    let (access_token, refresh_token) = tokens(&jwt).await;

    let (status, body) = send(&srv, form("/protected", "access_token", &access_token)).await;
    let expected_json = json!({"msg": "Invalid content-type. Must be application/json."});
    assert_eq!(status, 401);
    assert_eq!(body, expected_json);

    let (status, body) = send(&srv, form("/refresh", "refresh_token", &refresh_token)).await;
    assert_eq!(status, 401);
    assert_eq!(body, expected_json);
}

/// Upstream: `test_custom_body_key`.
#[actix_web::test]
async fn test_custom_body_key() {
    let (jwt, srv) = app(json_config().json_key("Foo").refresh_json_key("Bar"));
    let (access_token, refresh_token) = tokens(&jwt).await;

    // Ensure 'default' keys no longer work
    let data = json!({"access_token": access_token});
    let (status, body) = send(&srv, Req::post("/protected").json(&data)).await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"msg": "Missing \"Foo\" key in json data."}));

    let data = json!({"refresh_token": refresh_token});
    let (status, body) = send(&srv, Req::post("/refresh").json(&data)).await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"msg": "Missing \"Bar\" key in json data."}));

    // Ensure new keys do work
    let data = json!({"Foo": access_token});
    let (status, body) = send(&srv, Req::post("/protected").json(&data)).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));

    let data = json!({"Bar": refresh_token});
    let (status, body) = send(&srv, Req::post("/refresh").json(&data)).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));
}

/// Upstream: `test_missing_keys`.
///
/// Adapted: upstream registers the `unauthorized_loader` half-way; the last request goes to a
/// second app built with it.
#[actix_web::test]
async fn test_missing_keys() {
    let (_, srv) = app(json_config());
    let request = || Req::post("/protected").header("content-type", "application/json");

    // Ensure 'default' no json response
    let (status, body) = send(&srv, request()).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({"msg": "Missing \"access_token\" key in json data."})
    );

    // Test custom no json response
    let (_, custom) = app_with(json_config(), |b| {
        b.unauthorized_loader(|_err_str| HttpResponse::Created().json(json!({"foo": "bar"})))
    });
    let (status, body) = send(&custom, request()).await;
    assert_eq!(status, 201);
    assert_eq!(body, json!({"foo": "bar"}));
}

/// Upstream: `test_defaults`.
#[actix_web::test]
async fn test_defaults() {
    let (jwt, srv) = app(json_config());
    let (access_token, refresh_token) = tokens(&jwt).await;

    let data = json!({"access_token": access_token});
    let (status, body) = send(&srv, Req::post("/protected").json(&data)).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));

    let data = json!({"refresh_token": refresh_token});
    let (status, body) = send(&srv, Req::post("/refresh").json(&data)).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));
}

/// Upstream: `test_custom_content_type`.
#[actix_web::test]
async fn test_custom_content_type() {
    let (jwt, srv) = app(json_config());
    let (access_token, refresh_token) = tokens(&jwt).await;
    let content_type = "application/json;charset=UTF-8";
    let json_body = |data: serde_json::Value| serde_json::to_vec(&data).unwrap();

    let data = json!({"access_token": access_token});
    let req = Req::post("/protected").body(content_type, json_body(data));
    let (status, body) = send(&srv, req).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));

    let data = json!({"refresh_token": refresh_token});
    let req = Req::post("/refresh").body(content_type, json_body(data));
    let (status, body) = send(&srv, req).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "bar"}));
}
