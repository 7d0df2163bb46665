//! Port of upstream `tests/test_jwt_header_loader.py`.
//!
//! The fixture app: `/protected` (`jwt_required()`) and `/protected2` (`refresh=True`), both
//! answering `jsonify(get_jwt_header())`, here the [`JwtHeader`] extractor. The
//! `additional_headers_loader` is registered on the manager builder; `additional_headers=` is
//! [`TokenBuilder::headers`](actix_jwt_ext::TokenBuilder::headers).

use actix_jwt_ext::{jwt_required, JwtHeader, JwtManager};
use actix_test::TestServer;
use actix_web::{web, HttpResponse};
use serde_json::{json, Map, Value};

use crate::support_c::{config, get_bearer, manager_with, serve, NotSerializable};

async fn get_header(header: JwtHeader) -> HttpResponse {
    HttpResponse::Ok().json(Value::Object(header.0))
}

fn app(jwt: &JwtManager) -> TestServer {
    serve(jwt, |cfg| {
        cfg.service(
            web::resource("/protected")
                .wrap(jwt_required())
                .route(web::get().to(get_header)),
        )
        .service(
            web::resource("/protected2")
                .wrap(jwt_required().refresh())
                .route(web::get().to(get_header)),
        );
    })
}

/// `{name: value}`, what the upstream loaders return.
fn headers(name: &str, value: &str) -> Map<String, Value> {
    Map::from_iter([(name.to_owned(), Value::from(value))])
}

/// Upstream: `test_jwt_headers_in_access_token`.
#[actix_web::test]
async fn test_jwt_headers_in_access_token() {
    let jwt = manager_with(config(), |b| {
        b.additional_headers_loader(|_identity| headers("foo", "bar"))
    });
    let access_token = jwt.access_token("username").encode().await.unwrap();

    let (status, body) = get_bearer(&app(&jwt), "/protected", &access_token).await;
    assert_eq!(body.get("foo"), Some(&json!("bar")));
    assert_eq!(status, 200);
}

/// Upstream: `test_non_serializable_headers`.
///
/// Adapted: upstream's loader returns the Flask `app` object and `create_access_token` raises
/// `TypeError`. Here the loader returns a typed `Map<String, Value>`, which always serialises,
/// so the equivalent failure is additional headers that do not serialise: token creation fails
/// with `JwtError::Encode`.
#[actix_web::test]
async fn test_non_serializable_headers() {
    let jwt = manager_with(config(), |b| {
        b.additional_headers_loader(|_identity| Map::new())
    });

    let whole = jwt
        .access_token("username")
        .headers(NotSerializable)
        .encode()
        .await;
    assert!(
        matches!(whole, Err(ref e) if e.kind() == actix_jwt_ext::ErrorKind::Encode),
        "headers object that does not serialise: {whole:?}"
    );
    let one = jwt
        .access_token("username")
        .header("app", NotSerializable)
        .encode()
        .await;
    assert!(
        matches!(one, Err(ref e) if e.kind() == actix_jwt_ext::ErrorKind::Encode),
        "header that does not serialise: {one:?}"
    );
    // A value that serialises but is not a mapping (like returning `app`, not a dict).
    let not_a_map = jwt.access_token("username").headers(["app"]).encode().await;
    assert!(
        matches!(not_a_map, Err(ref e) if e.kind() == actix_jwt_ext::ErrorKind::Encode),
        "headers that are not an object: {not_a_map:?}"
    );
}

/// Upstream: `test_jwt_headers_in_refresh_token`.
#[actix_web::test]
async fn test_jwt_headers_in_refresh_token() {
    let jwt = manager_with(config(), |b| {
        b.additional_headers_loader(|_identity| headers("foo", "bar"))
    });
    let refresh_token = jwt.refresh_token("username").encode().await.unwrap();

    let (status, body) = get_bearer(&app(&jwt), "/protected2", &refresh_token).await;
    assert_eq!(body.get("foo"), Some(&json!("bar")));
    assert_eq!(status, 200);
}

/// Upstream: `test_jwt_header_in_refresh_token_specified_at_creation`.
#[actix_web::test]
async fn test_jwt_header_in_refresh_token_specified_at_creation() {
    let jwt = manager_with(config(), |b| b);
    let refresh_token = jwt
        .refresh_token("username")
        .headers(json!({"foo": "bar"}))
        .encode()
        .await
        .unwrap();

    let (status, body) = get_bearer(&app(&jwt), "/protected2", &refresh_token).await;
    assert_eq!(body.get("foo"), Some(&json!("bar")));
    assert_eq!(status, 200);
}

/// Upstream: `test_jwt_header_in_access_token_specified_at_creation`.
#[actix_web::test]
async fn test_jwt_header_in_access_token_specified_at_creation() {
    let jwt = manager_with(config(), |b| b);
    let access_token = jwt
        .access_token("username")
        .headers(json!({"foo": "bar"}))
        .encode()
        .await
        .unwrap();

    let (status, body) = get_bearer(&app(&jwt), "/protected", &access_token).await;
    assert_eq!(body.get("foo"), Some(&json!("bar")));
    assert_eq!(status, 200);
}

/// Upstream: `test_jwt_header_in_access_token_specified_at_creation_override`.
#[actix_web::test]
async fn test_jwt_header_in_access_token_specified_at_creation_override() {
    let jwt = manager_with(config(), |b| {
        b.additional_headers_loader(|_identity| headers("ping", "pong"))
    });
    let access_token = jwt
        .access_token("username")
        .headers(json!({"foo": "bar"}))
        .encode()
        .await
        .unwrap();

    let (status, body) = get_bearer(&app(&jwt), "/protected", &access_token).await;
    assert_eq!(body.get("foo"), Some(&json!("bar")));
    assert_eq!(status, 200);
}

/// Upstream: `test_jwt_header_in_refresh_token_specified_at_creation_override`.
#[actix_web::test]
async fn test_jwt_header_in_refresh_token_specified_at_creation_override() {
    let jwt = manager_with(config(), |b| {
        b.additional_headers_loader(|_identity| headers("ping", "pong"))
    });
    let access_token = jwt
        .refresh_token("username")
        .headers(json!({"foo": "bar"}))
        .encode()
        .await
        .unwrap();

    let (status, body) = get_bearer(&app(&jwt), "/protected2", &access_token).await;
    assert_eq!(body.get("foo"), Some(&json!("bar")));
    assert_eq!(status, 200);
}
