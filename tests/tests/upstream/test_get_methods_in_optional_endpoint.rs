//! Port of upstream `tests/test_get_methods_in_optional_endpoint.py`.
//!
//! Upstream: a `@jwt_required(optional=True)` view called without a token sees
//! `get_jwt() == {}`, `get_jwt_header() == {}`, `get_jwt_identity() is None`,
//! `get_current_user() is None` and `current_user is None`, and the registered
//! `user_lookup_loader` (which fails the test if called) is never called.
//!
//! Adapted: the accessors are extractors wrapped in [`Optional`]; "no token" is `None`, the
//! counterpart of `{}` / `None`. The handler checks every accessor and answers
//! `{"foo": "bar"}` only when all of them saw nothing (a 500 naming the first one that saw
//! something otherwise). The route uses `jwt_required().optional().load_user()`, the eager
//! user lookup that flask-jwt-extended always does, so the "loader is not called" check
//! covers the eager path too.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use actix_jwt_ext::{
    jwt_required, Claims, CurrentUser, JwtConfig, JwtHeader, JwtIdentity, JwtManager,
    JwtRequestExt as _, Optional,
};
use actix_web::{web, App, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use crate::support_a::get;

async fn access_protected(
    req: HttpRequest,
    jwt: Optional<Claims>,
    jwt_header: Optional<JwtHeader>,
    jwt_identity: Optional<JwtIdentity>,
    current_user: Optional<CurrentUser<String>>,
) -> HttpResponse {
    let seen = [
        ("get_jwt", jwt.0.is_some()),
        ("get_jwt_header", jwt_header.0.is_some()),
        ("get_jwt_identity", jwt_identity.0.is_some()),
        ("get_current_user / current_user", current_user.0.is_some()),
        ("request state", req.jwt().is_some()),
    ];
    match seen.iter().find(|(_, some)| *some) {
        Some((name, _)) => HttpResponse::InternalServerError().body(format!("{name} is set")),
        None => HttpResponse::Ok().json(json!({"foo": "bar"})),
    }
}

/// `test_get_jwt_in_optional_route`
#[actix_web::test]
async fn test_get_jwt_in_optional_route() {
    let lookups = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&lookups);
    let jwt = JwtManager::builder(
        JwtConfig::builder()
            .secret_key("foobarbaz")
            .build()
            .unwrap(),
    )
    .user_lookup_loader(move |_token| {
        counter.fetch_add(1, Ordering::SeqCst); // upstream: `assert True == False`
        async { Ok(Some("unexpected".to_owned())) }
    })
    .build()
    .unwrap();
    let srv = actix_test::start(move || {
        App::new().configure(jwt.init_app()).service(
            web::resource("/optional")
                .wrap(jwt_required().optional().load_user())
                .route(web::get().to(access_protected)),
        )
    });

    let (status, body) = get(&srv, "/optional", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"foo": "bar"})
    );
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        0,
        "user_lookup_loader called"
    );
}
