//! Port of upstream `tests/test_claims_verification.py`.
//!
//! The fixture app: an `additional_claims_loader` returning `{"foo": "bar"}`, and three views
//! answering `{"foo": "bar"}`: `/protected1` (`jwt_required()`), `/protected2`
//! (`fresh=True`) and `/protected3` (`optional=True`). Each test registers a
//! `token_verification_loader` (and maybe a `token_verification_failed_loader`) on the
//! manager builder and sends a fresh access token to the parametrised `url`.

use actix_jwt_ext::{jwt_required, JwtManager, JwtManagerBuilder};
use actix_test::TestServer;
use actix_web::{web, HttpResponse};
use serde_json::{json, Map, Value};

use crate::support_c::{config, foo_bar, get_bearer, manager_with, serve, Seen};

fn app(jwt: &JwtManager) -> TestServer {
    serve(jwt, |cfg| {
        cfg.service(
            web::resource("/protected1")
                .wrap(jwt_required())
                .route(web::get().to(foo_bar)),
        )
        .service(
            web::resource("/protected2")
                .wrap(jwt_required().fresh())
                .route(web::get().to(foo_bar)),
        )
        .service(
            web::resource("/protected3")
                .wrap(jwt_required().optional())
                .route(web::get().to(foo_bar)),
        );
    })
}

/// The fixture's manager (`add_claims` -> `{"foo": "bar"}`) plus the test's loaders.
fn manager(loaders: impl FnOnce(JwtManagerBuilder) -> JwtManagerBuilder) -> JwtManager {
    manager_with(config(), |b| {
        loaders(b.additional_claims_loader(|_identity| {
            Map::from_iter([("foo".to_owned(), Value::from("bar"))])
        }))
    })
}

async fn successful_claims_validation(url: &str) {
    let seen = Seen::default();
    let recorder = seen.clone();
    let jwt = manager(move |b| {
        b.token_verification_loader(move |token| {
            recorder.record(&token);
            async { Ok(true) }
        })
    });
    let srv = app(&jwt);
    let access_token = jwt
        .access_token("username")
        .fresh(true)
        .encode()
        .await
        .unwrap();

    let (status, body) = get_bearer(&srv, url, &access_token).await;
    assert_eq!(body["foo"], "bar");
    assert_eq!(status, 200);
    seen.assert_saw("HS256", "username");
}

/// Upstream: `test_successful_claims_validation[/protected1]`.
#[actix_web::test]
async fn test_successful_claims_validation_protected1() {
    successful_claims_validation("/protected1").await;
}

/// Upstream: `test_successful_claims_validation[/protected2]`.
#[actix_web::test]
async fn test_successful_claims_validation_protected2() {
    successful_claims_validation("/protected2").await;
}

/// Upstream: `test_successful_claims_validation[/protected3]`.
#[actix_web::test]
async fn test_successful_claims_validation_protected3() {
    successful_claims_validation("/protected3").await;
}

async fn unsuccessful_claims_validation(url: &str) {
    let seen = Seen::default();
    let recorder = seen.clone();
    let jwt = manager(move |b| {
        b.token_verification_loader(move |token| {
            recorder.record(&token);
            async { Ok(false) }
        })
    });
    let srv = app(&jwt);
    let access_token = jwt
        .access_token("username")
        .fresh(true)
        .encode()
        .await
        .unwrap();

    let (status, body) = get_bearer(&srv, url, &access_token).await;
    assert_eq!(body, json!({"msg": "User claims verification failed"}));
    assert_eq!(status, 400);
    seen.assert_saw("HS256", "username");
}

/// Upstream: `test_unsuccessful_claims_validation[/protected1]`.
#[actix_web::test]
async fn test_unsuccessful_claims_validation_protected1() {
    unsuccessful_claims_validation("/protected1").await;
}

/// Upstream: `test_unsuccessful_claims_validation[/protected2]`.
#[actix_web::test]
async fn test_unsuccessful_claims_validation_protected2() {
    unsuccessful_claims_validation("/protected2").await;
}

/// Upstream: `test_unsuccessful_claims_validation[/protected3]`.
#[actix_web::test]
async fn test_unsuccessful_claims_validation_protected3() {
    unsuccessful_claims_validation("/protected3").await;
}

async fn claims_validation_custom_error(url: &str) {
    let seen = Seen::default();
    let recorder = seen.clone();
    let jwt = manager(move |b| {
        b.token_verification_loader(|_token| async { Ok(false) })
            .token_verification_failed_loader(move |token| {
                recorder.record(token);
                let sub = token.identity_str().unwrap_or_default();
                HttpResponse::NotFound().json(json!({"msg": format!("claims failed for {sub}")}))
            })
    });
    let srv = app(&jwt);
    let access_token = jwt
        .access_token("username")
        .fresh(true)
        .encode()
        .await
        .unwrap();

    let (status, body) = get_bearer(&srv, url, &access_token).await;
    assert_eq!(body, json!({"msg": "claims failed for username"}));
    assert_eq!(status, 404);
    seen.assert_saw("HS256", "username");
}

/// Upstream: `test_claims_validation_custom_error[/protected1]`.
#[actix_web::test]
async fn test_claims_validation_custom_error_protected1() {
    claims_validation_custom_error("/protected1").await;
}

/// Upstream: `test_claims_validation_custom_error[/protected2]`.
#[actix_web::test]
async fn test_claims_validation_custom_error_protected2() {
    claims_validation_custom_error("/protected2").await;
}

/// Upstream: `test_claims_validation_custom_error[/protected3]`.
#[actix_web::test]
async fn test_claims_validation_custom_error_protected3() {
    claims_validation_custom_error("/protected3").await;
}
