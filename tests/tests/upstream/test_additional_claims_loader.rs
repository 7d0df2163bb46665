//! Port of upstream `tests/test_additional_claims_loader.py`.
//!
//! The fixture app: `/protected` (`jwt_required()`) and `/protected2` (`refresh=True`), both
//! answering `jsonify(get_jwt())`, here the [`Claims`] extractor. Loaders are registered on the
//! manager builder. They receive the identity in its serialised form (a `serde_json::Value`),
//! since a Rust closure cannot take "any Python object".

use actix_jwt_ext::{jwt_required, Claims, JwtManager};
use actix_test::TestServer;
use actix_web::{web, HttpResponse};
use serde_json::{json, Map, Value};

use crate::support_c::{config, get_bearer, manager_with, serve, NotSerializable};

async fn get_claims(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(Value::Object(claims.0))
}

fn app(jwt: &JwtManager) -> TestServer {
    serve(jwt, |cfg| {
        cfg.service(
            web::resource("/protected")
                .wrap(jwt_required())
                .route(web::get().to(get_claims)),
        )
        .service(
            web::resource("/protected2")
                .wrap(jwt_required().refresh())
                .route(web::get().to(get_claims)),
        );
    })
}

/// `{name: value}`, what the upstream loaders return.
fn claims(name: &str, value: &str) -> Map<String, Value> {
    Map::from_iter([(name.to_owned(), Value::from(value))])
}

/// Upstream: `test_additional_claims_in_access_token`.
#[actix_web::test]
async fn test_additional_claims_in_access_token() {
    let jwt = manager_with(config(), |b| {
        b.additional_claims_loader(|_identity| claims("foo", "bar"))
    });
    let access_token = jwt.access_token("username").encode().await.unwrap();

    let (status, body) = get_bearer(&app(&jwt), "/protected", &access_token).await;
    assert_eq!(body["foo"], "bar");
    assert_eq!(status, 200);
}

/// Upstream: `test_non_serializable_claims`.
///
/// Adapted: upstream's loader returns the Flask `app` object and `create_access_token` raises
/// `TypeError`. Here the loader returns a typed `Map<String, Value>`, which always serialises,
/// so the equivalent failure is additional claims that do not serialise: token creation fails
/// with `JwtError::Encode` (an error, not a panic and not a token).
#[actix_web::test]
async fn test_non_serializable_claims() {
    let jwt = manager_with(config(), |b| {
        b.additional_claims_loader(|_identity| Map::new())
    });

    let whole = jwt
        .access_token("username")
        .claims(NotSerializable)
        .encode()
        .await;
    assert!(
        matches!(whole, Err(ref e) if e.kind() == actix_jwt_ext::ErrorKind::Encode),
        "claims object that does not serialise: {whole:?}"
    );
    let one = jwt
        .access_token("username")
        .claim("app", NotSerializable)
        .encode()
        .await;
    assert!(
        matches!(one, Err(ref e) if e.kind() == actix_jwt_ext::ErrorKind::Encode),
        "claim that does not serialise: {one:?}"
    );
    // A value that serialises but is not a mapping (like returning `app`, not a dict).
    let not_a_map = jwt.access_token("username").claims(["app"]).encode().await;
    assert!(
        matches!(not_a_map, Err(ref e) if e.kind() == actix_jwt_ext::ErrorKind::Encode),
        "claims that are not an object: {not_a_map:?}"
    );
}

/// Upstream: `test_token_from_complex_object`.
///
/// Adapted: the identity is a `TestObject` struct; both loaders receive its serialised form
/// (`{"username": "username"}`) and read the field from it, as the upstream loaders read
/// `test_obj.username`.
#[actix_web::test]
async fn test_token_from_complex_object() {
    #[derive(serde::Serialize)]
    struct TestObject {
        username: String,
    }

    let jwt = manager_with(config(), |b| {
        b.additional_claims_loader(|test_obj| {
            Map::from_iter([("username".to_owned(), test_obj["username"].clone())])
        })
        .user_identity_loader(|test_obj| test_obj["username"].clone())
    });
    let access_token = jwt
        .access_token(TestObject {
            username: "username".into(),
        })
        .encode()
        .await
        .unwrap();

    // Make sure the changes appear in the token
    let decoded_token = jwt.decode_token(&access_token).await.unwrap();
    assert_eq!(decoded_token.claims()["sub"], "username");
    assert_eq!(decoded_token.claims()["username"], "username");

    let (status, body) = get_bearer(&app(&jwt), "/protected", &access_token).await;
    assert_eq!(body["username"], "username");
    assert_eq!(status, 200);
}

/// Upstream: `test_additional_claims_in_refresh_token`.
#[actix_web::test]
async fn test_additional_claims_in_refresh_token() {
    let jwt = manager_with(config(), |b| {
        b.additional_claims_loader(|_identity| claims("foo", "bar"))
    });
    let refresh_token = jwt.refresh_token("username").encode().await.unwrap();

    let (status, body) = get_bearer(&app(&jwt), "/protected2", &refresh_token).await;
    assert_eq!(body["foo"], "bar");
    assert_eq!(status, 200);
}

/// Upstream: `test_additional_claims_in_refresh_token_specified_at_creation`.
#[actix_web::test]
async fn test_additional_claims_in_refresh_token_specified_at_creation() {
    let jwt = manager_with(config(), |b| b);
    let refresh_token = jwt
        .refresh_token("username")
        .claims(json!({"foo": "bar"}))
        .encode()
        .await
        .unwrap();

    let (status, body) = get_bearer(&app(&jwt), "/protected2", &refresh_token).await;
    assert_eq!(body["foo"], "bar");
    assert_eq!(status, 200);
}

/// Upstream: `test_additional_claims_in_access_token_specified_at_creation`.
#[actix_web::test]
async fn test_additional_claims_in_access_token_specified_at_creation() {
    let jwt = manager_with(config(), |b| b);
    let access_token = jwt
        .access_token("username")
        .claims(json!({"foo": "bar"}))
        .encode()
        .await
        .unwrap();

    let (status, body) = get_bearer(&app(&jwt), "/protected", &access_token).await;
    assert_eq!(body["foo"], "bar");
    assert_eq!(status, 200);
}

/// Upstream: `test_addition_claims_merge`.
#[actix_web::test]
async fn test_addition_claims_merge() {
    let jwt = manager_with(config(), |b| {
        b.additional_claims_loader(|_identity| claims("default", "value"))
    });
    let access_token = jwt
        .access_token("username")
        .claims(json!({"foo": "bar"}))
        .encode()
        .await
        .unwrap();

    let (status, body) = get_bearer(&app(&jwt), "/protected", &access_token).await;
    assert_eq!(body["foo"], "bar");
    assert_eq!(body["default"], "value");
    assert_eq!(status, 200);
}

/// Upstream: `test_addition_claims_merge_tie_goes_to_create_access_token`.
#[actix_web::test]
async fn test_addition_claims_merge_tie_goes_to_create_access_token() {
    let jwt = manager_with(config(), |b| {
        b.additional_claims_loader(|_identity| claims("default", "value"))
    });
    let access_token = jwt
        .access_token("username")
        .claims(json!({"default": "foo"}))
        .encode()
        .await
        .unwrap();

    let (status, body) = get_bearer(&app(&jwt), "/protected", &access_token).await;
    assert_eq!(body["default"], "foo");
    assert_eq!(status, 200);
}
