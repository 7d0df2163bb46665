//! Port of upstream `tests/test_decode_tokens.py`.
//!
//! These are pure-function tests upstream (`decode_token`, `create_*_token`, `get_jti`,
//! `get_unverified_jwt_headers` inside a request context), so they call the same functions of
//! this crate: [`JwtManager::decode_token`] / [`JwtManager::decode_token_with`], the token
//! builders, [`JwtManager::get_jti`] and [`get_unverified_jwt_headers`].
//!
//! General adaptations:
//! - Upstream changes `app.config[...]` between steps; configuration is fixed once a
//!   `JwtManager` is built here, so each changed configuration is a new manager built from the
//!   fixture's settings plus the change.
//! - PyJWT exception classes map to [`JwtError`] kinds with PyJWT's message:
//!   `JWTDecodeError`, `DecodeError`, `InvalidSignatureError`, `InvalidAudienceError`,
//!   `MissingRequiredClaimError`, `InvalidIssuerError`, `ImmatureSignatureError` and
//!   `InvalidSubjectError` are all invalid-token kinds of [`JwtError`] (422) with the message checked;
//!   `ExpiredSignatureError` is [`ErrorKind::Expired`](actix_jwt_ext::ErrorKind::Expired).
//! - `encode_token(app, data)` (raw `jwt.encode` with the app's key) is
//!   [`hs256_with`](crate::common::hs256_with) with the fixture's secret.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_jwt_ext::jsonwebtoken::{DecodingKey, EncodingKey};
use actix_jwt_ext::{
    dangerous::get_unverified_jwt_headers, dangerous::UnverifiedToken, DecodedToken, Expires,
    JwtConfig, JwtConfigBuilder, JwtError, JwtManager, TokenLocation,
};
use actix_web::cookie::time::{Duration as SignedDuration, OffsetDateTime};
use serde_json::{json, Map, Value};

use crate::common::{hs256_with, now};
use crate::support_a::hs256_signed_with;

/// The fixture's `JWT_SECRET_KEY`.
const SECRET: &str = "change_me";

/// The `app` fixture: secret, `JWT_TOKEN_LOCATION = ["cookies", "headers"]`, CSRF protection on.
fn app() -> JwtConfigBuilder {
    JwtConfig::builder()
        .secret_key(SECRET)
        .token_location([TokenLocation::Cookies, TokenLocation::Headers])
        .cookie_csrf_protect(true)
}

/// A manager of the fixture's settings changed by `f` (Flask: `app.config[...] = ...`).
fn manager(f: impl FnOnce(JwtConfigBuilder) -> JwtConfigBuilder) -> JwtManager {
    JwtManager::new(f(app()).build().expect("valid config")).expect("manager builds")
}

/// The `default_access_token` fixture.
fn default_access_token() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "jti": "1234",
        "sub": "username",
        "type": "access",
        "fresh": true,
        "csrf": "abcd",
    }) else {
        unreachable!()
    };
    map
}

/// `encode_token(app, token_data)`: raw HS256 with the fixture's key.
fn encode_token(data: &Map<String, Value>) -> String {
    hs256_with(SECRET, &Value::Object(data.clone()))
}

/// The decode failed with an invalid-token kind (422) and exactly this (PyJWT) message.
#[track_caller]
fn assert_invalid(result: Result<DecodedToken, JwtError>, message: &str) {
    match result {
        Err(e) if e.status() == 422 => assert_eq!(e.to_string(), message),
        Err(other) => panic!("expected InvalidToken({message:?}), got {other:?}"),
        Ok(t) => panic!(
            "expected InvalidToken({message:?}), decoded {:?}",
            t.claims()
        ),
    }
}

/// The decode failed with [`JwtError::Expired`] (`ExpiredSignatureError`).
#[track_caller]
fn assert_expired(result: Result<DecodedToken, JwtError>) {
    match result {
        Err(ref e) if e.kind() == actix_jwt_ext::ErrorKind::Expired => {}
        Err(other) => panic!("expected Expired, got {other:?}"),
        Ok(t) => panic!("expected Expired, decoded {:?}", t.claims()),
    }
}

// ---------------------------------------------------------------------------------------

async fn missing_claims(missing: &str) {
    let jwt = manager(|b| b);
    let mut data = default_access_token();
    data.remove(missing);
    let token = encode_token(&data);
    assert_invalid(
        jwt.decode_token(&token).csrf_value("abcd").await,
        &format!("Missing claim: {missing}"),
    );
}

/// `test_missing_claims[sub]`
#[actix_web::test]
async fn test_missing_claims_sub() {
    missing_claims("sub").await;
}

/// `test_missing_claims[csrf]`
#[actix_web::test]
async fn test_missing_claims_csrf() {
    missing_claims("csrf").await;
}

/// `test_default_decode_token_values`
#[actix_web::test]
async fn test_default_decode_token_values() {
    let jwt = manager(|b| b);
    let mut data = default_access_token();
    data.remove("type");
    data.remove("jti");
    data.remove("fresh");
    let decoded = jwt.decode_token(&encode_token(&data)).await.unwrap();
    assert_eq!(decoded.claim("type"), Some(&json!("access")));
    assert_eq!(decoded.claim("jti"), Some(&Value::Null));
    assert_eq!(decoded.claim("fresh"), Some(&json!(false)));
}

/// `test_supports_decoding_other_token_types`
#[actix_web::test]
async fn test_supports_decoding_other_token_types() {
    let jwt = manager(|b| b);
    let mut data = default_access_token();
    data.insert("type".into(), json!("app"));
    let decoded = jwt.decode_token(&encode_token(&data)).await.unwrap();
    assert_eq!(decoded.claim("type"), Some(&json!("app")));
    assert_eq!(decoded.token_type(), "app");
}

/// `test_encode_decode_audience` (one manager per `app.config` change).
#[actix_web::test]
async fn test_encode_decode_audience() {
    // Default, no audience
    let jwt = manager(|b| b);
    let token = jwt.access_token("username").encode().await.unwrap();
    let decoded = jwt.decode_token(&token).await.unwrap();
    assert_eq!(decoded.claim("aud"), None);

    // Encode and decode audience configured
    let jwt = manager(|b| b.encode_audience("foo").decode_audience(["foo"]));
    let token = jwt.access_token("username").encode().await.unwrap();
    let decoded = jwt.decode_token(&token).await.unwrap();
    assert_eq!(decoded.claim("aud"), Some(&json!("foo")));

    // Encode and decode mismatch
    let jwt = manager(|b| b.encode_audience("foo").decode_audience(["bar"]));
    let token = jwt.access_token("username").encode().await.unwrap();
    assert_invalid(jwt.decode_token(&token).await, "Audience doesn't match");

    // No encode defined
    let jwt = manager(|b| b.decode_audience(["foo"]));
    let token = jwt.access_token("username").encode().await.unwrap();
    assert_invalid(
        jwt.decode_token(&token).await,
        "Token is missing the \"aud\" claim",
    );

    // No decode defined
    let jwt = manager(|b| b.encode_audience("foo"));
    let token = jwt.access_token("username").encode().await.unwrap();
    let decoded = jwt.decode_token(&token).await.unwrap();
    assert_eq!(decoded.claim("aud"), Some(&json!("foo")));
}

/// Adapted: `expires_delta` is a [`Duration`] (unsigned), so a negative delta such as
/// `timedelta(minutes=-5)` cannot be passed to the builder. The expired tokens are made by
/// overriding `exp` with an additional claim (which flask-jwt-extended also lets override any
/// reserved claim) set to "now + delta", computed with the case's delta type.
#[derive(Clone, Copy, Debug)]
enum DeltaFunc {
    /// `timedelta(minutes=-5)`: `SystemTime - std::time::Duration`.
    Timedelta,
    /// `relativedelta(minutes=-5)`: Rust has no `relativedelta`; the calendar-aware
    /// counterpart here is `OffsetDateTime + time::Duration` (a signed duration).
    Relativedelta,
}

impl DeltaFunc {
    /// `exp` for "now + delta(minutes=-5)".
    fn exp_five_minutes_ago(self) -> i64 {
        match self {
            DeltaFunc::Timedelta => {
                let at = SystemTime::now() - Duration::from_secs(5 * 60);
                at.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
            }
            DeltaFunc::Relativedelta => {
                (OffsetDateTime::now_utc() + SignedDuration::minutes(-5)).unix_timestamp()
            }
        }
    }
}

/// `create_access_token("username", expires_delta=delta)` and the refresh counterpart.
async fn expired_pair(jwt: &JwtManager, delta: DeltaFunc) -> [String; 2] {
    let exp = delta.exp_five_minutes_ago();
    let access = jwt
        .access_token("username")
        .claim("exp", exp)
        .encode()
        .await
        .unwrap();
    let refresh = jwt
        .refresh_token("username")
        .claim("exp", exp)
        .encode()
        .await
        .unwrap();
    [access, refresh]
}

async fn expired_token(delta: DeltaFunc) {
    let jwt = manager(|b| b);
    let [access, refresh] = expired_pair(&jwt, delta).await;
    assert_expired(jwt.decode_token(&access).await);
    assert_expired(jwt.decode_token(&refresh).await);
}

/// `test_expired_token[timedelta]`
#[actix_web::test]
async fn test_expired_token_timedelta() {
    expired_token(DeltaFunc::Timedelta).await;
}

/// `test_expired_token[relativedelta]`
#[actix_web::test]
async fn test_expired_token_relativedelta() {
    expired_token(DeltaFunc::Relativedelta).await;
}

async fn allow_expired_token(delta: DeltaFunc) {
    let jwt = manager(|b| b);
    for token in expired_pair(&jwt, delta).await {
        let decoded = jwt.decode_token(&token).allow_expired(true).await.unwrap();
        assert_eq!(decoded.claim("sub"), Some(&json!("username")));
        assert!(decoded.claim("exp").is_some());
    }
}

/// `test_allow_expired_token[timedelta]`
#[actix_web::test]
async fn test_allow_expired_token_timedelta() {
    allow_expired_token(DeltaFunc::Timedelta).await;
}

/// `test_allow_expired_token[relativedelta]`
#[actix_web::test]
async fn test_allow_expired_token_relativedelta() {
    allow_expired_token(DeltaFunc::Relativedelta).await;
}

/// `test_never_expire_token` (`expires_delta=False` is [`Expires::Never`]).
#[actix_web::test]
async fn test_never_expire_token() {
    let jwt = manager(|b| b);
    let access = jwt
        .access_token("username")
        .expires(Expires::Never)
        .encode()
        .await
        .unwrap();
    let refresh = jwt
        .refresh_token("username")
        .expires(Expires::Never)
        .encode()
        .await
        .unwrap();
    for token in [access, refresh] {
        let decoded = jwt.decode_token(&token).await.unwrap();
        assert!(decoded.claim("exp").is_none());
    }
}

/// `test_nbf_token_in_future`
#[actix_web::test]
async fn test_nbf_token_in_future() {
    // `additional_claims={"nbf": datetime.utcnow() + timedelta(seconds=30)}`: PyJWT writes the
    // datetime as its Unix timestamp.
    let date_in_future = now() + 30;
    let jwt = manager(|b| b);
    let token = jwt
        .access_token("username")
        .claim("nbf", date_in_future)
        .encode()
        .await
        .unwrap();
    assert_invalid(
        jwt.decode_token(&token).await,
        "The token is not yet valid (nbf)",
    );

    // `JWT_DECODE_LEEWAY = 30`
    let lenient = manager(|b| b.decode_leeway(Duration::from_secs(30)));
    let token = lenient.access_token("username").encode().await.unwrap();
    lenient.decode_token(&token).await.unwrap();
    // Beyond upstream: the leeway also lets the "nbf in 30 s" token through.
    let token = lenient
        .access_token("username")
        .claim("nbf", date_in_future)
        .encode()
        .await
        .unwrap();
    lenient.decode_token(&token).await.unwrap();
}

/// `test_alternate_identity_claim`
#[actix_web::test]
async fn test_alternate_identity_claim() {
    let jwt = manager(|b| b.identity_claim("banana"));

    // Ensure decoding fails if the claim isn't there
    let mut data = default_access_token();
    assert_invalid(
        jwt.decode_token(&encode_token(&data)).await,
        "Missing claim: banana",
    );

    // Ensure the claim exists in the decoded jwt
    data.remove("sub");
    data.insert("banana".into(), json!("username"));
    let decoded = jwt.decode_token(&encode_token(&data)).await.unwrap();
    assert!(decoded.claim("banana").is_some());
    assert!(decoded.claim("sub").is_none());
    assert_eq!(decoded.identity(), Some(&json!("username")));
}

/// `test_get_jti`
#[actix_web::test]
async fn test_get_jti() {
    let jwt = manager(|b| b);
    let data = default_access_token();
    let token = encode_token(&data);
    assert_eq!(
        jwt.get_jti(&token).await.unwrap().as_deref(),
        data["jti"].as_str()
    );
}

/// `test_encode_decode_callback_values`
///
/// Adapted: upstream calls the manager's private `_encode_key_callback` /
/// `_decode_key_callback` and compares the returned secrets. Keys are opaque here, so the key
/// each callback yields is observed through signatures: the manager's tokens carry a signature
/// made with that secret (encode key), and it accepts a token signed with that secret (decode
/// key). `JWT_SECRET_KEY = "foobarbaz"` first, then loaders returning `"different secret"`.
#[actix_web::test]
async fn test_encode_decode_callback_values() {
    let jwt = manager(|b| b.secret_key("foobarbaz"));
    let token = jwt.access_token("username").encode().await.unwrap();
    assert!(
        hs256_signed_with(&token, "foobarbaz"),
        "encode key is the secret"
    );
    let foreign = hs256_with("foobarbaz", &json!({"sub": "username"}));
    jwt.decode_token(&foreign).await.unwrap();

    let custom = JwtManager::builder(app().secret_key("foobarbaz").build().unwrap())
        .encode_key_loader(|_identity| async { Ok(EncodingKey::from_secret(b"different secret")) })
        .build()
        .unwrap();
    let token = custom.access_token("").encode().await.unwrap();
    assert!(hs256_signed_with(&token, "different secret"));
    assert!(!hs256_signed_with(&token, "foobarbaz"));

    let custom = JwtManager::builder(app().secret_key("foobarbaz").build().unwrap())
        .decode_key_loader(|_token| async { Ok(DecodingKey::from_secret(b"different secret")) })
        .build()
        .unwrap();
    let foreign = hs256_with("different secret", &json!({"sub": "username"}));
    custom.decode_token(&foreign).await.unwrap();
    let with_config_secret = hs256_with("foobarbaz", &json!({"sub": "username"}));
    assert_invalid(
        custom.decode_token(&with_config_secret).await,
        "Signature verification failed",
    );
}

/// `test_custom_encode_decode_key_callbacks`
#[actix_web::test]
async fn test_custom_encode_decode_key_callbacks() {
    let encodes = Arc::new(AtomicUsize::new(0));
    let decodes = Arc::new(AtomicUsize::new(0));

    // Upstream registers the encode key loader first, then adds the decode key loader to the
    // same manager; loaders are fixed at build here, so these are two managers.
    let counter = Arc::clone(&encodes);
    let get_encode_key_1 = move |identity: Value| {
        counter.fetch_add(1, Ordering::SeqCst);
        async move {
            assert_eq!(identity, json!("username"));
            Ok(EncodingKey::from_secret(b"different secret"))
        }
    };
    let jwt = JwtManager::builder(app().secret_key("foobarbaz").build().unwrap())
        .encode_key_loader(get_encode_key_1.clone())
        .build()
        .unwrap();
    let token = jwt.access_token("username").encode().await.unwrap();
    assert_invalid(
        jwt.decode_token(&token).await,
        "Signature verification failed",
    );
    let token = jwt.refresh_token("username").encode().await.unwrap();
    assert_invalid(
        jwt.decode_token(&token).await,
        "Signature verification failed",
    );
    assert_eq!(encodes.load(Ordering::SeqCst), 2);

    let counter = Arc::clone(&decodes);
    let jwt = JwtManager::builder(app().secret_key("foobarbaz").build().unwrap())
        .encode_key_loader(get_encode_key_1)
        .decode_key_loader(move |token: Arc<UnverifiedToken>| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                assert_eq!(token.header()["alg"], "HS256");
                assert_eq!(token.claims()["sub"], "username");
                Ok(DecodingKey::from_secret(b"different secret"))
            }
        })
        .build()
        .unwrap();
    let token = jwt.access_token("username").encode().await.unwrap();
    jwt.decode_token(&token).await.unwrap();
    let token = jwt.refresh_token("username").encode().await.unwrap();
    jwt.decode_token(&token).await.unwrap();
    assert_eq!(encodes.load(Ordering::SeqCst), 4);
    assert_eq!(decodes.load(Ordering::SeqCst), 2);
}

async fn valid_aud(token_aud: Value) {
    let jwt = manager(|b| b.decode_audience(["foo", "bar"]));
    let mut data = default_access_token();
    data.insert("aud".into(), token_aud.clone());
    let decoded = jwt.decode_token(&encode_token(&data)).await.unwrap();
    assert_eq!(decoded.claim("aud"), Some(&token_aud));
}

/// `test_valid_aud[foo]`
#[actix_web::test]
async fn test_valid_aud_foo() {
    valid_aud(json!("foo")).await;
}

/// `test_valid_aud[token_aud1]` (`["bar"]`)
#[actix_web::test]
async fn test_valid_aud_token_aud1() {
    valid_aud(json!(["bar"])).await;
}

/// `test_valid_aud[token_aud2]` (`["foo", "bar", "baz"]`)
#[actix_web::test]
async fn test_valid_aud_token_aud2() {
    valid_aud(json!(["foo", "bar", "baz"])).await;
}

async fn invalid_aud(token_aud: Value) {
    let jwt = manager(|b| b.decode_audience(["foo"]));
    let mut data = default_access_token();
    data.insert("aud".into(), token_aud);
    assert_invalid(
        jwt.decode_token(&encode_token(&data)).await,
        "Audience doesn't match",
    );
}

/// `test_invalid_aud[bar]`
#[actix_web::test]
async fn test_invalid_aud_bar() {
    invalid_aud(json!("bar")).await;
}

/// `test_invalid_aud[token_aud1]` (`["bar"]`)
#[actix_web::test]
async fn test_invalid_aud_token_aud1() {
    invalid_aud(json!(["bar"])).await;
}

/// `test_invalid_aud[token_aud2]` (`["bar", "baz"]`)
#[actix_web::test]
async fn test_invalid_aud_token_aud2() {
    invalid_aud(json!(["bar", "baz"])).await;
}

async fn verify_no_aud(token_aud: Value) {
    // `JWT_DECODE_AUDIENCE = None` is the default.
    let jwt = manager(|b| b);
    assert!(jwt.config().decode_audience.is_none());
    let mut data = default_access_token();
    data.insert("aud".into(), token_aud.clone());
    let decoded = jwt.decode_token(&encode_token(&data)).await.unwrap();
    assert_eq!(decoded.claim("aud"), Some(&token_aud));
}

/// `test_verify_no_aud[bar]`
#[actix_web::test]
async fn test_verify_no_aud_bar() {
    verify_no_aud(json!("bar")).await;
}

/// `test_verify_no_aud[token_aud1]` (`["bar"]`)
#[actix_web::test]
async fn test_verify_no_aud_token_aud1() {
    verify_no_aud(json!(["bar"])).await;
}

/// `test_verify_no_aud[token_aud2]` (`["bar", "baz"]`)
#[actix_web::test]
async fn test_verify_no_aud_token_aud2() {
    verify_no_aud(json!(["bar", "baz"])).await;
}

async fn invalid_sub_values(token_sub: Value) {
    // The default, `JWT_VERIFY_SUB = True`.
    let jwt = manager(|b| b);
    let mut data = default_access_token();
    data.insert("sub".into(), token_sub);
    assert_invalid(
        jwt.decode_token(&encode_token(&data)).await,
        "Subject must be a string",
    );
}

/// `test_invalid_sub_values[123]`
#[actix_web::test]
async fn test_invalid_sub_values_123() {
    invalid_sub_values(json!(123)).await;
}

/// `test_invalid_sub_values[token_sub1]` (`{}`)
#[actix_web::test]
async fn test_invalid_sub_values_token_sub1() {
    invalid_sub_values(json!({})).await;
}

/// `test_invalid_sub_values[token_sub2]` (`[]`)
#[actix_web::test]
async fn test_invalid_sub_values_token_sub2() {
    invalid_sub_values(json!([])).await;
}

/// `test_invalid_sub_values[False]`
#[actix_web::test]
async fn test_invalid_sub_values_false() {
    invalid_sub_values(json!(false)).await;
}

async fn invalid_sub_values_allowed_with_no_verify(token_sub: Value) {
    let jwt = manager(|b| b.verify_sub(false));
    let mut data = default_access_token();
    data.insert("sub".into(), token_sub.clone());
    let decoded = jwt.decode_token(&encode_token(&data)).await.unwrap();
    assert_eq!(decoded.claim("sub"), Some(&token_sub));
}

/// `test_invalid_sub_values_allowed_with_no_verify[123]`
#[actix_web::test]
async fn test_invalid_sub_values_allowed_with_no_verify_123() {
    invalid_sub_values_allowed_with_no_verify(json!(123)).await;
}

/// `test_invalid_sub_values_allowed_with_no_verify[token_sub1]` (`{}`)
#[actix_web::test]
async fn test_invalid_sub_values_allowed_with_no_verify_token_sub1() {
    invalid_sub_values_allowed_with_no_verify(json!({})).await;
}

/// `test_invalid_sub_values_allowed_with_no_verify[token_sub2]` (`[]`)
#[actix_web::test]
async fn test_invalid_sub_values_allowed_with_no_verify_token_sub2() {
    invalid_sub_values_allowed_with_no_verify(json!([])).await;
}

/// `test_invalid_sub_values_allowed_with_no_verify[False]`
#[actix_web::test]
async fn test_invalid_sub_values_allowed_with_no_verify_false() {
    invalid_sub_values_allowed_with_no_verify(json!(false)).await;
}

/// `test_encode_iss`
#[actix_web::test]
async fn test_encode_iss() {
    let jwt = manager(|b| b.encode_issuer("foobar"));
    let token = jwt.access_token("username").encode().await.unwrap();
    let decoded = jwt.decode_token(&token).await.unwrap();
    assert_eq!(decoded.claim("iss"), Some(&json!("foobar")));
}

/// `test_mismatch_iss`
#[actix_web::test]
async fn test_mismatch_iss() {
    let jwt = manager(|b| b.encode_issuer("foobar").decode_issuer(["baz"]));
    let token = jwt.access_token("username").encode().await.unwrap();
    assert_invalid(jwt.decode_token(&token).await, "Invalid issuer");
}

/// `test_valid_decode_iss`
#[actix_web::test]
async fn test_valid_decode_iss() {
    let jwt = manager(|b| b.decode_issuer(["foobar"]));
    let mut data = default_access_token();
    data.insert("iss".into(), json!("foobar"));
    let decoded = jwt.decode_token(&encode_token(&data)).await.unwrap();
    assert_eq!(decoded.claim("iss"), Some(&json!("foobar")));
}

/// `test_invalid_decode_iss`
#[actix_web::test]
async fn test_invalid_decode_iss() {
    let jwt = manager(|b| b.decode_issuer(["baz"]));
    let mut data = default_access_token();
    data.insert("iss".into(), json!("foobar"));
    assert_invalid(
        jwt.decode_token(&encode_token(&data)).await,
        "Invalid issuer",
    );
}

/// `test_malformed_token`
#[actix_web::test]
async fn test_malformed_token() {
    let jwt = manager(|b| b);
    assert_invalid(jwt.decode_token("foobarbaz").await, "Not enough segments");
}

/// `test_jwt_headers`
#[actix_web::test]
async fn test_jwt_headers() {
    let jwt = manager(|b| b);
    let access = jwt
        .access_token("username")
        .header("foo", "bar")
        .encode()
        .await
        .unwrap();
    let refresh = jwt
        .refresh_token("username")
        .header("foo", "bar")
        .encode()
        .await
        .unwrap();
    assert_eq!(get_unverified_jwt_headers(&access).unwrap()["foo"], "bar");
    assert_eq!(get_unverified_jwt_headers(&refresh).unwrap()["foo"], "bar");
}

/// `test_token_expires_time`
#[actix_web::test]
async fn test_token_expires_time() {
    let jwt = manager(|b| {
        b.access_token_expires(Duration::from_secs(3600))
            .refresh_token_expires(Duration::from_secs(7200))
    });
    let now_timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let access = jwt.access_token("username").encode().await.unwrap();
    let refresh = jwt.refresh_token("username").encode().await.unwrap();
    let access_timestamp = jwt.decode_token(&access).await.unwrap().claims()["exp"]
        .as_f64()
        .unwrap();
    let refresh_timestamp = jwt.decode_token(&refresh).await.unwrap().claims()["exp"]
        .as_f64()
        .unwrap();
    // < 2 for a little bit of leeway from when we calculated now vs when the tokens are
    // created (both ways here: upstream only bounds the difference from above).
    assert!((access_timestamp - (now_timestamp + 3600.0)).abs() < 2.0);
    assert!((refresh_timestamp - (now_timestamp + 7200.0)).abs() < 2.0);
}

/// `test_nbf_is_present_by_default`
#[actix_web::test]
async fn test_nbf_is_present_by_default() {
    let jwt = manager(|b| b);
    let token = jwt
        .access_token("username")
        .fresh(true)
        .encode()
        .await
        .unwrap();
    let decoded = jwt.decode_token(&token).await.unwrap();
    assert!(decoded.claim("nbf").is_some());
}

/// `test_disable_nbf_encoding`
#[actix_web::test]
async fn test_disable_nbf_encoding() {
    let jwt = manager(|b| b.encode_nbf(false));
    let token = jwt
        .access_token("username")
        .fresh(true)
        .encode()
        .await
        .unwrap();
    let decoded = jwt.decode_token(&token).await.unwrap();
    assert!(decoded.claim("nbf").is_none());
}
