//! Port of upstream `tests/test_user_lookup.py`.
//!
//! The fixture app has two `jwt_required()` views answering `{"foo": user["username"]}`:
//! `/get_user1` reads `get_current_user()`, `/get_user2` the `current_user` proxy. Both are the
//! same lookup upstream (the proxy calls `get_current_user()`). The Actix counterparts of the
//! two ways in are the two places the lookup can run: `/get_user1` asks for the
//! [`CurrentUser`] extractor behind `jwt_required()` (the extractor runs the loader), and
//! `/get_user2` is behind `jwt_required().load_user()` (the middleware runs the loader during
//! verification, as flask-jwt-extended does, and the extractor reads the cached user).
//!
//! The upstream loader returns the dict `{"username": jwt_data["sub"]}`; here it returns the
//! same JSON value, so the user type is `serde_json::Value`.

use actix_jwt_ext::{jwt_required, CurrentUser, JwtManager, JwtManagerBuilder};
use actix_test::TestServer;
use actix_web::{web, HttpResponse};
use serde_json::{json, Value};

use crate::support_c::{config, get_bearer, manager_with, serve, Seen};

async fn get_user(user: CurrentUser<Value>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"foo": user["username"]}))
}

fn app(jwt: &JwtManager) -> TestServer {
    serve(jwt, |cfg| {
        cfg.service(
            web::resource("/get_user1")
                .wrap(jwt_required())
                .route(web::get().to(get_user)),
        )
        .service(
            web::resource("/get_user2")
                .wrap(jwt_required().load_user())
                .route(web::get().to(get_user)),
        );
    })
}

fn manager(loaders: impl FnOnce(JwtManagerBuilder) -> JwtManagerBuilder) -> JwtManager {
    manager_with(config(), loaders)
}

/// A `user_lookup_loader` that finds no user (`return None`).
fn no_user(b: JwtManagerBuilder) -> JwtManagerBuilder {
    b.user_lookup_loader(|_token| async { Ok(None::<Value>) })
}

async fn no_user_lookup_loader_specified(url: &str) {
    let jwt = manager(|b| b);
    let access_token = jwt.access_token("username").encode().await.unwrap();

    let (status, body) = get_bearer(&app(&jwt), url, &access_token).await;
    assert_eq!(status, 500);
    assert_eq!(body, json!({"msg": "Internal Server Error"}));
}

/// Upstream: `test_no_user_lookup_loader_specified[/get_user1]`.
///
/// Adapted: upstream's view catches the `RuntimeError` ("You must provide a
/// `@jwt.user_lookup_loader` callback to use this method") and returns its text. The Actix
/// equivalent of that misconfiguration is a [`CurrentUser`] without a registered loader: it
/// answers 500 (`JwtError::Misconfigured` naming `user_lookup_loader`, opaque body; the reason goes to the log).
#[actix_web::test]
async fn test_no_user_lookup_loader_specified_get_user1() {
    no_user_lookup_loader_specified("/get_user1").await;
}

/// Upstream: `test_no_user_lookup_loader_specified[/get_user2]`.
///
/// Adapted as the `/get_user1` case: `load_user()` without a loader loads nothing, and the
/// [`CurrentUser`] extractor answers 500 `Misconfigured`.
#[actix_web::test]
async fn test_no_user_lookup_loader_specified_get_user2() {
    no_user_lookup_loader_specified("/get_user2").await;
}

async fn load_valid_user(url: &str) {
    let jwt = manager(|b| {
        b.user_lookup_loader(
            |token| async move { Ok(Some(json!({"username": token.claim("sub")}))) },
        )
    });
    let access_token = jwt.access_token("username").encode().await.unwrap();

    let (status, body) = get_bearer(&app(&jwt), url, &access_token).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"foo": "username"}));
}

/// Upstream: `test_load_valid_user[/get_user1]`.
#[actix_web::test]
async fn test_load_valid_user_get_user1() {
    load_valid_user("/get_user1").await;
}

/// Upstream: `test_load_valid_user[/get_user2]`.
#[actix_web::test]
async fn test_load_valid_user_get_user2() {
    load_valid_user("/get_user2").await;
}

async fn load_invalid_user(url: &str) {
    let jwt = manager(no_user);
    let access_token = jwt.access_token("username").encode().await.unwrap();

    let (status, body) = get_bearer(&app(&jwt), url, &access_token).await;
    assert_eq!(status, 401);
    assert_eq!(body, json!({"msg": "Error loading the user username"}));
}

/// Upstream: `test_load_invalid_user[/get_user1]`.
#[actix_web::test]
async fn test_load_invalid_user_get_user1() {
    load_invalid_user("/get_user1").await;
}

/// Upstream: `test_load_invalid_user[/get_user2]`.
#[actix_web::test]
async fn test_load_invalid_user_get_user2() {
    load_invalid_user("/get_user2").await;
}

async fn custom_user_lookup_errors(url: &str) {
    let seen = Seen::default();
    let recorder = seen.clone();
    let jwt = manager(move |b| {
        no_user(b).user_lookup_error_loader(move |token| {
            recorder.record(token);
            HttpResponse::Created().json(json!({"foo": "bar"}))
        })
    });
    let access_token = jwt.access_token("username").encode().await.unwrap();

    let (status, body) = get_bearer(&app(&jwt), url, &access_token).await;
    assert_eq!(status, 201);
    assert_eq!(body, json!({"foo": "bar"}));
    seen.assert_saw("HS256", "username");
}

/// Upstream: `test_custom_user_lookup_errors[/get_user1]`.
#[actix_web::test]
async fn test_custom_user_lookup_errors_get_user1() {
    custom_user_lookup_errors("/get_user1").await;
}

/// Upstream: `test_custom_user_lookup_errors[/get_user2]`.
#[actix_web::test]
async fn test_custom_user_lookup_errors_get_user2() {
    custom_user_lookup_errors("/get_user2").await;
}
