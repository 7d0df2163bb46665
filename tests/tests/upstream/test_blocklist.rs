//! Port of upstream `tests/test_blocklist.py`.
//!
//! The fixture app: `/protected` (`jwt_required()`), `/protected_skip_blocklist`
//! (`verify_type=False, skip_revocation_check=True`), `/protected_noskip_blocklist`
//! (`verify_type=False`) and `/refresh_protected` (`refresh=True`), each answering
//! `{"foo": "bar"}`. The `token_in_blocklist_loader` is registered on the manager builder.
//!
//! The upstream `blocklist_type` parameter is a leftover of v3's `JWT_BLACKLIST_TOKEN_CHECKS`:
//! no upstream test reads it, so both cases of each parametrised test run the same scenario,
//! here as there (the helper takes the parameter and ignores it, as upstream does).

use actix_jwt_ext::{jwt_required, JwtManager};
use actix_test::TestServer;
use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::support_c::{config, foo_bar, get_bearer, manager_with, serve, Seen};

fn app(jwt: &JwtManager) -> TestServer {
    serve(jwt, |cfg| {
        cfg.service(
            web::resource("/protected")
                .wrap(jwt_required())
                .route(web::get().to(foo_bar)),
        )
        .service(
            web::resource("/protected_skip_blocklist")
                .wrap(jwt_required().no_verify_type().skip_revocation_check())
                .route(web::get().to(foo_bar)),
        )
        .service(
            web::resource("/protected_noskip_blocklist")
                .wrap(jwt_required().no_verify_type())
                .route(web::get().to(foo_bar)),
        )
        .service(
            web::resource("/refresh_protected")
                .wrap(jwt_required().refresh())
                .route(web::get().to(foo_bar)),
        );
    })
}

/// A manager whose `token_in_blocklist_loader` answers `revoked` and records its arguments.
fn blocklisting(revoked: bool, seen: &Seen) -> JwtManager {
    let seen = seen.clone();
    manager_with(config(), move |b| {
        b.token_in_blocklist_loader(move |token| {
            seen.record(&token);
            async move { Ok(revoked) }
        })
    })
}

async fn blocklisted_access_token_revocation_skip(_blocklist_type: &[&str]) {
    let seen = Seen::default();
    let jwt = blocklisting(true, &seen);
    let srv = app(&jwt);
    let access_token = jwt.access_token("username").encode().await.unwrap();

    let (status, body) = get_bearer(&srv, "/protected_skip_blocklist", &access_token).await;
    assert_eq!(body, json!({"foo": "bar"}));
    assert_eq!(status, 200);
    // Upstream's asserts inside the loader never run (it is skipped); here: not called at all.
    assert_eq!(
        seen.calls(),
        0,
        "skip_revocation_check must not consult the loader"
    );
}

/// Upstream: `test_blocklisted_access_token_revocation_skip[blocklist_type0]` (`["access"]`).
#[actix_web::test]
async fn test_blocklisted_access_token_revocation_skip_access() {
    blocklisted_access_token_revocation_skip(&["access"]).await;
}

/// Upstream: `test_blocklisted_access_token_revocation_skip[blocklist_type1]`
/// (`["refresh", "access"]`).
#[actix_web::test]
async fn test_blocklisted_access_token_revocation_skip_refresh_access() {
    blocklisted_access_token_revocation_skip(&["refresh", "access"]).await;
}

async fn blocklisted_access_token_revocation_no_skip(_blocklist_type: &[&str]) {
    let seen = Seen::default();
    let jwt = blocklisting(true, &seen);
    let srv = app(&jwt);
    let access_token = jwt.access_token("username").encode().await.unwrap();

    let (status, body) = get_bearer(&srv, "/protected_noskip_blocklist", &access_token).await;
    assert_eq!(body, json!({"msg": "Token has been revoked"}));
    assert_eq!(status, 401);
    seen.assert_saw("HS256", "username");
}

/// Upstream: `test_blocklisted_access_token_revocation_no_skip[blocklist_type0]` (`["access"]`).
#[actix_web::test]
async fn test_blocklisted_access_token_revocation_no_skip_access() {
    blocklisted_access_token_revocation_no_skip(&["access"]).await;
}

/// Upstream: `test_blocklisted_access_token_revocation_no_skip[blocklist_type1]`
/// (`["refresh", "access"]`).
#[actix_web::test]
async fn test_blocklisted_access_token_revocation_no_skip_refresh_access() {
    blocklisted_access_token_revocation_no_skip(&["refresh", "access"]).await;
}

async fn non_blocklisted_access_token(_blocklist_type: &[&str]) {
    let seen = Seen::default();
    let jwt = blocklisting(false, &seen);
    let srv = app(&jwt);
    let access_token = jwt.access_token("username").encode().await.unwrap();

    let (status, body) = get_bearer(&srv, "/protected", &access_token).await;
    assert_eq!(body, json!({"foo": "bar"}));
    assert_eq!(status, 200);
    seen.assert_saw("HS256", "username");
}

/// Upstream: `test_non_blocklisted_access_token[blocklist_type0]` (`["access"]`).
#[actix_web::test]
async fn test_non_blocklisted_access_token_access() {
    non_blocklisted_access_token(&["access"]).await;
}

/// Upstream: `test_non_blocklisted_access_token[blocklist_type1]` (`["refresh", "access"]`).
#[actix_web::test]
async fn test_non_blocklisted_access_token_refresh_access() {
    non_blocklisted_access_token(&["refresh", "access"]).await;
}

async fn blocklisted_access_token(_blocklist_type: &[&str]) {
    let jwt = blocklisting(true, &Seen::default());
    let srv = app(&jwt);
    let access_token = jwt.access_token("username").encode().await.unwrap();

    let (status, body) = get_bearer(&srv, "/protected", &access_token).await;
    assert_eq!(body, json!({"msg": "Token has been revoked"}));
    assert_eq!(status, 401);
}

/// Upstream: `test_blocklisted_access_token[blocklist_type0]` (`["access"]`).
#[actix_web::test]
async fn test_blocklisted_access_token_access() {
    blocklisted_access_token(&["access"]).await;
}

/// Upstream: `test_blocklisted_access_token[blocklist_type1]` (`["refresh", "access"]`).
#[actix_web::test]
async fn test_blocklisted_access_token_refresh_access() {
    blocklisted_access_token(&["refresh", "access"]).await;
}

async fn non_blocklisted_refresh_token(_blocklist_type: &[&str]) {
    let jwt = blocklisting(false, &Seen::default());
    let srv = app(&jwt);
    let refresh_token = jwt.refresh_token("username").encode().await.unwrap();

    let (status, body) = get_bearer(&srv, "/refresh_protected", &refresh_token).await;
    assert_eq!(body, json!({"foo": "bar"}));
    assert_eq!(status, 200);
}

/// Upstream: `test_non_blocklisted_refresh_token[blocklist_type0]` (`["refresh"]`).
#[actix_web::test]
async fn test_non_blocklisted_refresh_token_refresh() {
    non_blocklisted_refresh_token(&["refresh"]).await;
}

/// Upstream: `test_non_blocklisted_refresh_token[blocklist_type1]` (`["refresh", "access"]`).
#[actix_web::test]
async fn test_non_blocklisted_refresh_token_refresh_access() {
    non_blocklisted_refresh_token(&["refresh", "access"]).await;
}

async fn blocklisted_refresh_token(_blocklist_type: &[&str]) {
    let jwt = blocklisting(true, &Seen::default());
    let srv = app(&jwt);
    let refresh_token = jwt.refresh_token("username").encode().await.unwrap();

    let (status, body) = get_bearer(&srv, "/refresh_protected", &refresh_token).await;
    assert_eq!(body, json!({"msg": "Token has been revoked"}));
    assert_eq!(status, 401);
}

/// Upstream: `test_blocklisted_refresh_token[blocklist_type0]` (`["refresh"]`).
#[actix_web::test]
async fn test_blocklisted_refresh_token_refresh() {
    blocklisted_refresh_token(&["refresh"]).await;
}

/// Upstream: `test_blocklisted_refresh_token[blocklist_type1]` (`["refresh", "access"]`).
#[actix_web::test]
async fn test_blocklisted_refresh_token_refresh_access() {
    blocklisted_refresh_token(&["refresh", "access"]).await;
}

/// Upstream: `test_custom_blocklisted_message`.
#[actix_web::test]
async fn test_custom_blocklisted_message() {
    let seen = Seen::default();
    let recorder = seen.clone();
    let jwt = manager_with(config(), move |b| {
        b.token_in_blocklist_loader(|_token| async { Ok(true) })
            .revoked_token_loader(move |token| {
                recorder.record(token);
                HttpResponse::NotFound().json(json!({"baz": "foo"}))
            })
    });
    let srv = app(&jwt);
    let access_token = jwt.access_token("username").encode().await.unwrap();

    let (status, body) = get_bearer(&srv, "/protected", &access_token).await;
    assert_eq!(body, json!({"baz": "foo"}));
    assert_eq!(status, 404);
    seen.assert_saw("HS256", "username");
}
