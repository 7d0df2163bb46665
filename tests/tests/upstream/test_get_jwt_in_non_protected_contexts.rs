//! Port of upstream `tests/test_get_jwt_in_non_protected_contexts.py`.
//!
//! Upstream: inside a request context where neither `@jwt_required()` nor
//! `verify_jwt_in_request()` ran, `get_jwt()`, `get_jwt_header()`, `get_jwt_identity()`,
//! `current_user.foo` and `get_current_user()` raise `RuntimeError` (a 500 in a view).
//!
//! Adapted: there is no request context to reach into from anywhere; the accessors are
//! extractors and [`JwtRequestExt`]. Each case runs the accessor's counterpart in a handler of
//! a route *without* `jwt_required()`, over real HTTP, and checks the three answers that stand
//! in for the `RuntimeError`:
//! 1. [`JwtRequestExt::jwt`] on an unprotected route is `None` even when a valid token is sent:
//!    no verification ran, so there is no state to read (upstream's "must call
//!    `@jwt_required()` first").
//! 2. Deliberately different: the extractor itself never reads unverified state, it verifies
//!    the request (extractors alone protect a handler), so without a token the request is
//!    refused with 401 `Missing Authorization Header` instead of a 500.
//! 3. In an app where no `JwtManager` is registered (nothing to verify with) the extractor
//!    answers 500 with an opaque body, the counterpart of the unhandled `RuntimeError`.
//!
//! The upstream fixture's `JWTManager(app)` has no secret; a manager needs one at build here.

use actix_jwt_ext::{
    Claims, CurrentUser, JwtConfig, JwtHeader, JwtIdentity, JwtManager, JwtRequestExt as _,
};
use actix_web::{web, App, FromRequest, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::support_a::get;

/// What the state accessor sees on an unprotected route.
async fn state(req: HttpRequest) -> HttpResponse {
    HttpResponse::Ok().body(if req.jwt().is_some() { "state" } else { "none" })
}

/// Runs the three checks of the module docs for the accessor `handler` extracts with `E`.
async fn non_protected<E, F, Fut>(handler: F)
where
    E: FromRequest + 'static,
    F: Fn(E) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = HttpResponse> + 'static,
{
    let jwt = JwtManager::new(
        JwtConfig::builder()
            .secret_key("foobarbaz")
            .build()
            .unwrap(),
    )
    .unwrap();
    let token = jwt.access_token("username").encode().await.unwrap();
    let app_jwt = jwt.clone();
    let h = handler.clone();
    let srv = actix_test::start(move || {
        App::new()
            .configure(app_jwt.init_app())
            .route("/state", web::get().to(state))
            .route("/accessor", web::get().to(h.clone()))
    });

    // 1. No verification ran: no state, even with a valid token.
    assert_eq!(
        get(&srv, "/state", Some(&token)).await,
        (200, "none".to_owned())
    );

    // 2. The extractor verifies instead of reading missing state: 401, not a 500.
    let (status, body) = get(&srv, "/accessor", None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"msg": "Missing Authorization Header"})
    );

    // 3. No manager registered at all: 500 with an opaque body.
    let srv =
        actix_test::start(move || App::new().route("/accessor", web::get().to(handler.clone())));
    let (status, body) = get(&srv, "/accessor", Some(&token)).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"msg": "Internal Server Error"})
    );
}

/// A user type with a `foo` attribute (`current_user.foo`).
#[derive(Debug)]
struct User {
    foo: String,
}

/// `test_get_jwt_in_non_protected_route` (`get_jwt()` is [`Claims`]).
#[actix_web::test]
async fn test_get_jwt_in_non_protected_route() {
    non_protected(|claims: Claims| async move { HttpResponse::Ok().json(claims.0) }).await;
}

/// `test_get_jwt_header_in_non_protected_route` (`get_jwt_header()` is [`JwtHeader`]).
#[actix_web::test]
async fn test_get_jwt_header_in_non_protected_route() {
    non_protected(|header: JwtHeader| async move { HttpResponse::Ok().json(header.0) }).await;
}

/// `test_get_jwt_identity_in_non_protected_route` (`get_jwt_identity()` is [`JwtIdentity`]).
#[actix_web::test]
async fn test_get_jwt_identity_in_non_protected_route() {
    non_protected(|identity: JwtIdentity| async move { HttpResponse::Ok().body(identity.0) }).await;
}

/// `test_current_user_in_non_protected_route` (`current_user.foo`: a field of
/// [`CurrentUser`]).
#[actix_web::test]
async fn test_current_user_in_non_protected_route() {
    non_protected(|current_user: CurrentUser<User>| async move {
        HttpResponse::Ok().body(current_user.foo.clone())
    })
    .await;
}

/// `test_get_current_user_in_non_protected_route` (`get_current_user()`: the whole
/// [`CurrentUser`]).
#[actix_web::test]
async fn test_get_current_user_in_non_protected_route() {
    non_protected(|current_user: CurrentUser<User>| async move {
        HttpResponse::Ok().body(format!("{:?}", *current_user))
    })
    .await;
}
