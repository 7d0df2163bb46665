//! Key rotation with a [`KeySet`]: keys named by `kid`, swapped while the app runs.
//!
//! - Library level, over real HTTP (`actix_test::start`, a `jwt_required()` route with the
//!   `JwtIdentity` extractor and the JWKS route): for RS256, ES256, EdDSA, HMAC and across
//!   algorithms, a token of the old key keeps working while the new key signs, and is refused
//!   with `Unknown key ID` once the old key is retired; a `kid` naming one key with another
//!   key's signature or another algorithm is refused; tokens without `kid` verify only with
//!   the `untagged` key; verify-only keys never sign; HMAC secrets are never published.
//! - Startup checks: every bad key or set is a `ConfigError` naming the setting and the `kid`,
//!   never echoing the key.
//! - The example app: `JWT_KEYS_DIR` + `JWT_KEYS_RELOAD` rotate by adding and removing files
//!   without a restart; a bad file at startup stops it (exit 2), on reload keeps the previous
//!   keys; a short `SECRET_KEY` is a logged warning.
//! - What is not a key file in `JWT_KEYS_DIR` (a FIFO, a 1 MiB file, a file of two PEM
//!   blocks): refused on reload with one log line naming the file, the previous keys served
//!   meanwhile, later rotations still picked up, and SIGTERM still prompt with a FIFO there.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use actix_jwt_ext::jsonwebtoken::{Algorithm, EncodingKey};
use actix_jwt_ext::KeySetBuilder;
use actix_jwt_ext::{jwt_required, ConfigError, JwtConfig, JwtIdentity, JwtManager, KeySet};
use actix_test::TestServer;
use actix_web::{web, App, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use e2e_tests::{fixture, jwt_parts, run_to_exit, token, AppKind, Request, Server, TempDir};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Helpers: managers, the test app, tokens
// ---------------------------------------------------------------------------------------------

/// A manager with flask-jwt-extended's defaults (errors under `msg`) and the key set `set`.
fn manager(set: KeySet) -> JwtManager {
    JwtManager::builder(JwtConfig::default())
        .key_set(set)
        .build()
        .expect("a manager with a key set builds")
}

/// A key set of one private PEM key.
fn one_key(kid: &str, alg: Algorithm, pem_fixture: &str) -> KeySet {
    KeySet::builder()
        .private_pem(kid, alg, fixture(pem_fixture))
        .build()
        .unwrap_or_else(|e| panic!("{kid} ({alg:?}, {pem_fixture}): {e}"))
}

async fn logged_in_as(identity: JwtIdentity) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "logged_in_as": identity.0 }))
}

/// `GET /protected` (`jwt_required()` + `JwtIdentity`) and `GET /jwks` (`serve_jwks`) for
/// `jwt`, over HTTP on 127.0.0.1. The server shares `jwt`'s keys, so `replace_key_set` on
/// `jwt` rotates the running app.
fn serve(jwt: &JwtManager) -> TestServer {
    let jwt = jwt.clone();
    actix_test::start(move || {
        App::new()
            .configure(jwt.init_app())
            .configure(jwt.serve_jwks("/jwks"))
            .service(
                web::resource("/protected")
                    .wrap(jwt_required())
                    .to(logged_in_as),
            )
    })
}

/// `GET path` with an optional bearer token: (status, JSON body or `null`).
async fn get(srv: &TestServer, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = srv.get(path).timeout(Duration::from_secs(10));
    if let Some(t) = token {
        req = req.insert_header(("Authorization", format!("Bearer {t}")));
    }
    let mut resp = req
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let status = resp.status().as_u16();
    let body = resp.body().await.unwrap_or_else(|e| panic!("body: {e}"));
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

/// The token is accepted on `/protected` as `who`.
async fn accepted(srv: &TestServer, token: &str, who: &str, what: &str) {
    let (status, body) = get(srv, "/protected", Some(token)).await;
    assert_eq!(
        (status, &body),
        (200, &json!({ "logged_in_as": who })),
        "{what}: expected 200 for {who}"
    );
}

/// The token is refused on `/protected` with 422 `{"msg": msg}`.
async fn refused(srv: &TestServer, token: &str, msg: &str, what: &str) {
    let (status, body) = get(srv, "/protected", Some(token)).await;
    assert_eq!(
        (status, &body),
        (422, &json!({ "msg": msg })),
        "{what}: expected 422 {msg:?}"
    );
}

/// The `kid`s of the served JWKS document, in order.
async fn served_kids(srv: &TestServer) -> Vec<String> {
    let (status, body) = get(srv, "/jwks", None).await;
    assert_eq!(status, 200, "GET /jwks: {body}");
    kids_of(&body)
}

fn kids_of(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap_or_else(|| panic!("not a JWKS document: {jwks}"))
        .iter()
        .map(|k| k["kid"].as_str().unwrap_or("<no kid>").to_owned())
        .collect()
}

/// The decoded JOSE header segment of a token, byte for byte.
fn raw_header(token: &str) -> String {
    let segment = token.split('.').next().unwrap_or_default();
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap_or_else(|e| panic!("header of {token}: {e}"));
    String::from_utf8(bytes).unwrap()
}

/// The token's header is exactly `{"alg":<alg>,"kid":<kid>,"typ":"JWT"}` (PyJWT's layout:
/// sorted keys, compact).
fn assert_header(token: &str, alg: Algorithm, kid: &str) {
    assert_eq!(
        raw_header(token),
        format!(r#"{{"alg":"{alg:?}","kid":"{kid}","typ":"JWT"}}"#),
        "header of a token that key {kid:?} signs"
    );
}

/// Valid access-token claims for `sub` (as flask-jwt-extended writes them).
fn claims(sub: &str) -> Value {
    let now = e2e_tests::now();
    json!({
        "fresh": false,
        "iat": now,
        "jti": format!("jti-{sub}-{now}"),
        "type": "access",
        "sub": sub,
        "nbf": now,
        "exp": now + 600,
    })
}

/// The private key of a PEM fixture, for the family of `alg`.
fn signing_key(alg: Algorithm, pem_fixture: &str) -> EncodingKey {
    let pem = fixture(pem_fixture);
    let key = match format!("{alg:?}").as_bytes()[0] {
        b'R' | b'P' => EncodingKey::from_rsa_pem(pem.as_bytes()),
        b'E' if alg == Algorithm::EdDSA => EncodingKey::from_ed_pem(pem.as_bytes()),
        b'E' => EncodingKey::from_ec_pem(pem.as_bytes()),
        _ => panic!("no PEM key for {alg:?}"),
    };
    key.unwrap_or_else(|e| panic!("{pem_fixture} as a {alg:?} key: {e}"))
}

/// A hand-made token: `header` as given, signed by `key` with `alg`, for `sub`.
fn forged(header: Value, alg: Algorithm, key: &EncodingKey, sub: &str) -> String {
    token::with_header(&header, &claims(sub), alg, key)
}

/// A hand-made token `{"alg": alg, "kid": kid, "typ": "JWT"}` signed with a PEM fixture.
fn signed(kid: &str, alg: Algorithm, pem_fixture: &str, sub: &str) -> String {
    forged(
        json!({ "alg": format!("{alg:?}"), "kid": kid, "typ": "JWT" }),
        alg,
        &signing_key(alg, pem_fixture),
        sub,
    )
}

// ---------------------------------------------------------------------------------------------
// 1. Rotation on a running app, per algorithm and across algorithms
// ---------------------------------------------------------------------------------------------

/// The whole life of a rotation on one running app: set A {old} → B {old, new (current)} →
/// C {new} → back to A.
async fn rotation(old: (Algorithm, &str), new: (Algorithm, &str)) {
    let (old_alg, old_pem) = old;
    let (new_alg, new_pem) = new;
    let case = format!("{old_alg:?} → {new_alg:?}");
    let set_a = || one_key("old", old_alg, old_pem);

    // A: one key.
    let jwt = manager(set_a());
    let srv = serve(&jwt);
    let t1 = jwt.access_token("alice").encode().await.unwrap();
    assert_header(&t1, old_alg, "old");
    accepted(&srv, &t1, "alice", &format!("{case}: T1 under A")).await;
    assert_eq!(served_kids(&srv).await, ["old"], "{case}: JWKS of A");
    // A token of the key to come is not accepted yet.
    let early = signed("new", new_alg, new_pem, "eve");
    refused(
        &srv,
        &early,
        "Unknown key ID",
        &format!("{case}: new key before B"),
    )
    .await;

    // B: the new key signs, the old one still verifies.
    let set_b = KeySet::builder()
        .private_pem("old", old_alg, fixture(old_pem))
        .private_pem("new", new_alg, fixture(new_pem))
        .current("new")
        .build()
        .unwrap();
    assert_eq!(set_b.current_kid(), Some("new"));
    assert_eq!(set_b.algorithm("old"), Some(old_alg));
    assert_eq!(set_b.algorithm("new"), Some(new_alg));
    jwt.replace_key_set(set_b).unwrap();
    accepted(&srv, &t1, "alice", &format!("{case}: T1 under B")).await;
    let t2 = jwt.access_token("bob").encode().await.unwrap();
    assert_header(&t2, new_alg, "new");
    accepted(&srv, &t2, "bob", &format!("{case}: T2 under B")).await;
    let decoded = jwt.decode_token(&t2).await.unwrap();
    assert_eq!(decoded.header()["kid"], "new", "{case}");
    assert_eq!(decoded.identity_str(), Some("bob"), "{case}");
    // The old key can still be asked for explicitly.
    let t1b = jwt
        .access_token("carol")
        .header("kid", "old")
        .encode()
        .await
        .unwrap();
    assert_header(&t1b, old_alg, "old");
    accepted(&srv, &t1b, "carol", &format!("{case}: kid=old under B")).await;
    accepted(
        &srv,
        &early,
        "eve",
        &format!("{case}: new key's token under B"),
    )
    .await;
    assert_eq!(served_kids(&srv).await, ["old", "new"], "{case}: JWKS of B");

    // C: the old key is retired.
    jwt.replace_key_set(one_key("new", new_alg, new_pem))
        .unwrap();
    refused(&srv, &t1, "Unknown key ID", &format!("{case}: T1 under C")).await;
    refused(
        &srv,
        &t1b,
        "Unknown key ID",
        &format!("{case}: kid=old under C"),
    )
    .await;
    accepted(&srv, &t2, "bob", &format!("{case}: T2 under C")).await;
    assert_eq!(served_kids(&srv).await, ["new"], "{case}: JWKS of C");
    let retired = jwt.access_token("x").header("kid", "old").encode().await;
    assert!(
        matches!(retired, Err(ref e) if e.kind() == actix_jwt_ext::ErrorKind::Encode),
        "{case}: signing with a retired kid: {retired:?}"
    );
    let t3 = jwt.access_token("dave").encode().await.unwrap();
    assert_header(&t3, new_alg, "new");

    // Rolling back to A: the old tokens work again, the new ones do not.
    jwt.replace_key_set(set_a()).unwrap();
    accepted(&srv, &t1, "alice", &format!("{case}: T1 after rollback")).await;
    refused(
        &srv,
        &t2,
        "Unknown key ID",
        &format!("{case}: T2 after rollback"),
    )
    .await;
}

#[actix_web::test]
async fn rotation_rs256() {
    rotation(
        (Algorithm::RS256, "rsa_private.pem"),
        (Algorithm::RS256, "rsa_other_private.pem"),
    )
    .await;
}

#[actix_web::test]
async fn rotation_es256() {
    rotation(
        (Algorithm::ES256, "ec_private.pem"),
        (Algorithm::ES256, "ec_other_private.pem"),
    )
    .await;
}

#[actix_web::test]
async fn rotation_eddsa() {
    rotation(
        (Algorithm::EdDSA, "ed25519_private.pem"),
        (Algorithm::EdDSA, "ed25519_other_private.pem"),
    )
    .await;
}

#[actix_web::test]
async fn rotation_across_algorithms() {
    rotation(
        (Algorithm::RS256, "rsa_private.pem"),
        (Algorithm::EdDSA, "ed25519_private.pem"),
    )
    .await;
    rotation(
        (Algorithm::ES384, "ec384_private.pem"),
        (Algorithm::PS256, "rsa_other_private.pem"),
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// 2. kid, signature and algorithm must agree; tokens without kid
// ---------------------------------------------------------------------------------------------

fn mixed_set() -> KeySetBuilder {
    KeySet::builder()
        .private_pem("rsa", Algorithm::RS256, fixture("rsa_private.pem"))
        .private_pem("ec", Algorithm::ES256, fixture("ec_private.pem"))
        .private_pem("ed", Algorithm::EdDSA, fixture("ed25519_private.pem"))
        .current("rsa")
}

#[actix_web::test]
async fn kid_signature_and_algorithm_must_match() {
    let jwt = manager(mixed_set().build().unwrap());
    let srv = serve(&jwt);
    let bad_sig = "Signature verification failed";
    let bad_alg = "The specified alg value is not allowed";
    let hs256_with_rsa_public = forged(
        json!({"alg": "HS256", "kid": "rsa", "typ": "JWT"}),
        Algorithm::HS256,
        &EncodingKey::from_secret(fixture("rsa_public.pem").as_bytes()),
        "mallory",
    );
    let unsigned = format!(
        "{}.",
        token::signing_input(
            &json!({"alg": "none", "kid": "ec", "typ": "JWT"}),
            &claims("mallory")
        )
    );
    let no_kid = forged(
        json!({"alg": "RS256", "typ": "JWT"}),
        Algorithm::RS256,
        &signing_key(Algorithm::RS256, "rsa_private.pem"),
        "mallory",
    );
    #[rustfmt::skip]
    let cases: Vec<(&str, String, &str)> = vec![
        ("kid rsa, signed by another RSA key", signed("rsa", Algorithm::RS256, "rsa_other_private.pem", "m"), bad_sig),
        ("kid rsa, signed by the attacker's RSA key", signed("rsa", Algorithm::RS256, "attacker_rsa_private.pem", "m"), bad_sig),
        ("kid ec, signed by another P-256 key", signed("ec", Algorithm::ES256, "ec_other_private.pem", "m"), bad_sig),
        ("kid ed, signed by another Ed25519 key", signed("ed", Algorithm::EdDSA, "ed25519_other_private.pem", "m"), bad_sig),
        ("kid ec, RS256 signed with an RSA key", signed("ec", Algorithm::RS256, "rsa_private.pem", "m"), bad_alg),
        ("kid ed, ES256 signed with the set's EC key", signed("ed", Algorithm::ES256, "ec_private.pem", "m"), bad_alg),
        ("kid rsa, PS256 with the right RSA key", signed("rsa", Algorithm::PS256, "rsa_private.pem", "m"), bad_alg),
        ("kid rsa, HS256 keyed with the RSA public PEM", hs256_with_rsa_public, bad_alg),
        ("kid ec, alg none", unsigned, bad_alg),
        ("unknown kid", signed("nope", Algorithm::RS256, "rsa_private.pem", "m"), "Unknown key ID"),
        ("empty kid", signed("", Algorithm::RS256, "rsa_private.pem", "m"), "Unknown key ID"),
        ("kid of another case", signed("RSA", Algorithm::RS256, "rsa_private.pem", "m"), "Unknown key ID"),
        ("no kid, no untagged key", no_kid.clone(), "Missing key ID"),
    ];
    for (what, token, msg) in &cases {
        refused(&srv, token, msg, what).await;
    }
    // Controls: each key's own tokens.
    accepted(
        &srv,
        &signed("rsa", Algorithm::RS256, "rsa_private.pem", "r"),
        "r",
        "rsa",
    )
    .await;
    accepted(
        &srv,
        &signed("ec", Algorithm::ES256, "ec_private.pem", "e"),
        "e",
        "ec",
    )
    .await;
    accepted(
        &srv,
        &signed("ed", Algorithm::EdDSA, "ed25519_private.pem", "d"),
        "d",
        "ed",
    )
    .await;
    for kid in ["rsa", "ec", "ed"] {
        let t = jwt
            .access_token(kid)
            .header("kid", kid)
            .encode()
            .await
            .unwrap();
        assert_header(&t, jwt_alg(kid), kid);
        accepted(&srv, &t, kid, &format!("minted with kid {kid}")).await;
    }
    // A key is pinned to its algorithm when signing too.
    let pinned = jwt
        .access_token("x")
        .header("kid", "rsa")
        .header("alg", "PS256")
        .encode()
        .await;
    assert!(
        matches!(pinned, Err(ref e) if e.kind() == actix_jwt_ext::ErrorKind::Encode),
        "kid rsa with alg PS256: {pinned:?}"
    );

    // Tokens without kid: a flask-style token of a plain single-key manager with the same key.
    let plain = JwtManager::new(
        JwtConfig::builder()
            .algorithm(Algorithm::RS256)
            .private_key(fixture("rsa_private.pem"))
            .public_key(fixture("rsa_public.pem"))
            .build()
            .unwrap(),
    )
    .unwrap();
    let flask_style = plain.access_token("legacy").encode().await.unwrap();
    assert_eq!(raw_header(&flask_style), r#"{"alg":"RS256","typ":"JWT"}"#);
    refused(
        &srv,
        &flask_style,
        "Missing key ID",
        "flask-style, no untagged key",
    )
    .await;

    jwt.replace_key_set(mixed_set().untagged("rsa").build().unwrap())
        .unwrap();
    accepted(&srv, &flask_style, "legacy", "flask-style, untagged rsa").await;
    accepted(
        &srv,
        &no_kid,
        "mallory",
        "hand-made no-kid RS256, untagged rsa",
    )
    .await;
    let no_kid_es = forged(
        json!({"alg": "ES256", "typ": "JWT"}),
        Algorithm::ES256,
        &signing_key(Algorithm::ES256, "ec_private.pem"),
        "m",
    );
    refused(
        &srv,
        &no_kid_es,
        bad_alg,
        "no kid, ES256, untagged is RS256",
    )
    .await;
    let no_kid_other = forged(
        json!({"alg": "RS256", "typ": "JWT"}),
        Algorithm::RS256,
        &signing_key(Algorithm::RS256, "rsa_other_private.pem"),
        "m",
    );
    refused(&srv, &no_kid_other, bad_sig, "no kid, another RSA key").await;
    // The untagged key does not stand in for unknown kids.
    refused(
        &srv,
        &signed("nope", Algorithm::RS256, "rsa_private.pem", "m"),
        "Unknown key ID",
        "unknown kid with an untagged key",
    )
    .await;
    // New tokens still carry the current kid.
    let t = jwt.access_token("new").encode().await.unwrap();
    assert_header(&t, Algorithm::RS256, "rsa");
    // And the plain manager refuses nothing of its own just because a kid is present: it
    // verifies kid-tagged tokens of the same key (a single key ignores kid).
    let tagged = jwt.access_token("tagged").encode().await.unwrap();
    assert_eq!(
        plain.decode_token(&tagged).await.unwrap().identity_str(),
        Some("tagged")
    );
}

fn jwt_alg(kid: &str) -> Algorithm {
    match kid {
        "rsa" => Algorithm::RS256,
        "ec" => Algorithm::ES256,
        _ => Algorithm::EdDSA,
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Verify-only keys
// ---------------------------------------------------------------------------------------------

#[actix_web::test]
async fn verify_only_keys_never_sign() {
    let set = KeySet::builder()
        .private_pem("signer", Algorithm::ES256, fixture("ec_private.pem"))
        .public_pem("ext", Algorithm::EdDSA, fixture("ed25519_public.pem"))
        .build()
        .unwrap();
    assert_eq!(
        set.current_kid(),
        Some("signer"),
        "the last *private* key is current"
    );
    assert_eq!(set.kids().collect::<Vec<_>>(), ["signer", "ext"]);
    assert_eq!(set.algorithm("ext"), Some(Algorithm::EdDSA));
    assert_eq!(set.algorithm("missing"), None);
    let jwt = manager(set);
    let srv = serve(&jwt);

    for kid in ["ext", "nope"] {
        let r = jwt.access_token("a").header("kid", kid).encode().await;
        match r {
            Err(e) if e.kind() == actix_jwt_ext::ErrorKind::Encode => {
                let msg = e.to_string();
                assert!(msg.contains(kid), "the error names {kid:?}: {msg}")
            }
            other => panic!("signing with kid {kid:?}: expected Err(Encode), got {other:?}"),
        }
    }
    let r = jwt.refresh_token("a").header("kid", "ext").encode().await;
    assert!(
        matches!(r, Err(ref e) if e.kind() == actix_jwt_ext::ErrorKind::Encode),
        "refresh: {r:?}"
    );

    // Another service holds the private half and signs with kid "ext".
    let other = manager(one_key("ext", Algorithm::EdDSA, "ed25519_private.pem"));
    let theirs = other.access_token("partner").encode().await.unwrap();
    assert_header(&theirs, Algorithm::EdDSA, "ext");
    accepted(&srv, &theirs, "partner", "token of the verify-only key").await;
    let ours = jwt.access_token("self").encode().await.unwrap();
    assert_header(&ours, Algorithm::ES256, "signer");
    accepted(&srv, &ours, "self", "token of the current key").await;
    refused(
        &srv,
        &signed("ext", Algorithm::EdDSA, "ed25519_other_private.pem", "m"),
        "Signature verification failed",
        "kid ext, another Ed25519 key",
    )
    .await;

    // The published key of "ext" is the partner's public key.
    let ours_jwks = serde_json::to_value(jwt.jwks()).unwrap();
    let theirs_jwks = serde_json::to_value(other.jwks()).unwrap();
    assert_eq!(kids_of(&ours_jwks), ["signer", "ext"]);
    assert_eq!(ours_jwks["keys"][1], theirs_jwks["keys"][0]);
    assert_eq!(ours_jwks["keys"][1]["kty"], "OKP");
    assert!(ours_jwks["keys"][1].get("d").is_none());

    // A set of public keys only verifies, and signs nothing.
    let verify_only = KeySet::builder()
        .public_pem("a", Algorithm::RS256, fixture("rsa_public.pem"))
        .public_pem("b", Algorithm::ES256, fixture("ec_public.pem"))
        .build()
        .unwrap();
    assert_eq!(verify_only.current_kid(), None);
    let checker = manager(verify_only);
    let r = checker.access_token("x").encode().await;
    assert!(
        matches!(r, Err(ref e) if e.kind() == actix_jwt_ext::ErrorKind::Encode),
        "{r:?}"
    );
    let t = signed("b", Algorithm::ES256, "ec_private.pem", "z");
    assert_eq!(
        checker.decode_token(&t).await.unwrap().identity_str(),
        Some("z")
    );
}

// ---------------------------------------------------------------------------------------------
// 4. HMAC key sets
// ---------------------------------------------------------------------------------------------

const SECRET_1: &str = "key-rotation-secret-one-0123456789abcdef";
const SECRET_2: &str = "key-rotation-secret-two-0123456789abcdef-0123456789abcdef-0123456";

#[actix_web::test]
async fn hmac_key_sets_rotate_and_are_never_published() {
    let set_a = KeySet::builder()
        .hmac("h1", Algorithm::HS256, SECRET_1)
        .build()
        .unwrap();
    assert!(set_a.jwks().keys.is_empty(), "HMAC keys are not published");
    let jwt = manager(set_a);
    let srv = serve(&jwt);
    assert!(jwt.jwks().keys.is_empty());
    assert_eq!(get(&srv, "/jwks", None).await, (200, json!({"keys": []})));
    let t1 = jwt.access_token("alice").encode().await.unwrap();
    assert_header(&t1, Algorithm::HS256, "h1");
    accepted(&srv, &t1, "alice", "T1 under A").await;

    let set_b = KeySet::builder()
        .hmac("h1", Algorithm::HS256, SECRET_1)
        .hmac("h2", Algorithm::HS512, SECRET_2)
        .build()
        .unwrap();
    assert_eq!(set_b.current_kid(), Some("h2"), "the last secret added");
    jwt.replace_key_set(set_b).unwrap();
    accepted(&srv, &t1, "alice", "T1 under B").await;
    let t2 = jwt.access_token("bob").encode().await.unwrap();
    assert_header(&t2, Algorithm::HS512, "h2");
    accepted(&srv, &t2, "bob", "T2 under B").await;
    assert_eq!(get(&srv, "/jwks", None).await, (200, json!({"keys": []})));

    let hmac = |header: Value, alg, secret: &str| {
        forged(
            header,
            alg,
            &EncodingKey::from_secret(secret.as_bytes()),
            "m",
        )
    };
    #[rustfmt::skip]
    let cases = [
        ("kid h1, HS512 with h1's secret", hmac(json!({"alg": "HS512", "kid": "h1"}), Algorithm::HS512, SECRET_1), "The specified alg value is not allowed"),
        ("kid h2, HS256 with h2's secret", hmac(json!({"alg": "HS256", "kid": "h2"}), Algorithm::HS256, SECRET_2), "The specified alg value is not allowed"),
        ("kid h2, signed with h1's secret", hmac(json!({"alg": "HS512", "kid": "h2"}), Algorithm::HS512, SECRET_1), "Signature verification failed"),
        ("kid h1, signed with h2's secret", hmac(json!({"alg": "HS256", "kid": "h1"}), Algorithm::HS256, SECRET_2), "Signature verification failed"),
        ("no kid", token::hmac(Algorithm::HS256, SECRET_1.as_bytes(), &claims("m")), "Missing key ID"),
    ];
    for (what, token, msg) in &cases {
        refused(&srv, token, msg, what).await;
    }

    jwt.replace_key_set(
        KeySet::builder()
            .hmac("h2", Algorithm::HS512, SECRET_2)
            .build()
            .unwrap(),
    )
    .unwrap();
    refused(&srv, &t1, "Unknown key ID", "T1 under C").await;
    accepted(&srv, &t2, "bob", "T2 under C").await;

    // flask-jwt-extended's tokens (HS256, no kid) verify with the untagged secret.
    let flask =
        JwtManager::new(JwtConfig::builder().secret_key(SECRET_1).build().unwrap()).unwrap();
    let legacy = flask.access_token("legacy").encode().await.unwrap();
    assert_eq!(raw_header(&legacy), r#"{"alg":"HS256","typ":"JWT"}"#);
    refused(&srv, &legacy, "Missing key ID", "legacy before untagged").await;
    jwt.replace_key_set(
        KeySet::builder()
            .hmac("legacy", Algorithm::HS256, SECRET_1)
            .hmac("h2", Algorithm::HS512, SECRET_2)
            .untagged("legacy")
            .current("h2")
            .build()
            .unwrap(),
    )
    .unwrap();
    accepted(&srv, &legacy, "legacy", "legacy with untagged").await;
    refused(
        &srv,
        &token::hmac(Algorithm::HS512, SECRET_1.as_bytes(), &claims("m")),
        "The specified alg value is not allowed",
        "no kid, HS512 with the untagged HS256 secret",
    )
    .await;
    let t3 = jwt.access_token("carol").encode().await.unwrap();
    assert_header(&t3, Algorithm::HS512, "h2");

    // Mixed: only the asymmetric key is published, and no secret in any form.
    let mixed = KeySet::builder()
        .hmac("h1", Algorithm::HS256, SECRET_1)
        .private_pem("ec", Algorithm::ES256, fixture("ec_private.pem"))
        .hmac("h3", Algorithm::HS384, SECRET_2)
        .build()
        .unwrap();
    assert_eq!(mixed.current_kid(), Some("h3"));
    let jwks = serde_json::to_value(mixed.jwks()).unwrap();
    assert_eq!(kids_of(&jwks), ["ec"]);
    jwt.replace_key_set(mixed).unwrap();
    let served = get(&srv, "/jwks", None).await;
    assert_eq!(served, (200, jwks.clone()));
    let text = jwks.to_string();
    for secret in [SECRET_1, SECRET_2] {
        assert!(!text.contains(secret));
        assert!(!text.contains(&URL_SAFE_NO_PAD.encode(secret)));
    }
    assert!(
        !text.contains("\"oct\"") && !text.contains("\"k\""),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// 5. Startup checks
// ---------------------------------------------------------------------------------------------

/// The base64 body lines of every PEM fixture: no error message may contain one.
fn pem_bodies() -> Vec<String> {
    let dir = e2e_tests::workspace_root().join("tests").join("fixtures");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        out.extend(
            text.lines()
                .filter(|l| !l.starts_with("-----") && l.len() >= 16)
                .map(|l| l[..16].to_owned()),
        );
    }
    out
}

/// `result` is a `ConfigError` for `setting` that names `kid` (quoted) and contains every
/// needle, and holds no key material.
fn assert_config_error<T: std::fmt::Debug>(
    what: &str,
    result: Result<T, ConfigError>,
    setting: &str,
    kid: Option<&str>,
    needles: &[&str],
) -> String {
    let err = match result {
        Err(e) => e,
        Ok(v) => panic!("{what}: expected a ConfigError, got {v:?}"),
    };
    let msg = err.to_string();
    assert_eq!(err.setting(), Some(setting), "{what}: {msg}");
    assert!(
        msg.starts_with(setting),
        "{what}: the message starts with {setting}: {msg}"
    );
    if let Some(kid) = kid {
        assert!(
            msg.contains(&format!("key {kid:?}")),
            "{what}: names key {kid:?}: {msg}"
        );
    }
    for needle in needles {
        assert!(msg.contains(needle), "{what}: {needle:?} in {msg}");
    }
    assert!(!msg.contains("BEGIN"), "{what}: PEM armour in {msg}");
    for body in pem_bodies() {
        assert!(!msg.contains(&body), "{what}: key material in {msg}");
    }
    msg
}

#[test]
fn startup_checks_name_the_setting_and_the_key() {
    let b = KeySet::builder;
    let p = fixture;
    let ks = "KeySet";
    #[rustfmt::skip]
    let cases: Vec<(&str, KeySetBuilder, Option<&str>, Vec<&str>)> = vec![
        ("RSA 1024 private", b().private_pem("weak", Algorithm::RS256, p("rsa1024_private.pem")), Some("weak"), vec!["2048"]),
        ("RSA 1024 public", b().public_pem("weakpub", Algorithm::RS256, p("rsa1024_public.pem")), Some("weakpub"), vec!["1024", "2048"]),
        ("RSA 1024 among good keys", b().private_pem("good", Algorithm::EdDSA, p("ed25519_private.pem")).private_pem("weak2", Algorithm::PS256, p("rsa1024_private.pem")), Some("weak2"), vec!["2048"]),
        ("P-384 private key for ES256", b().private_pem("curve", Algorithm::ES256, p("ec384_private.pem")), Some("curve"), vec!["ES256"]),
        ("P-256 public key for ES384", b().public_pem("curve2", Algorithm::ES384, p("ec_public.pem")), Some("curve2"), vec!["P-256", "ES384"]),
        ("RSA private key for ES256", b().private_pem("family", Algorithm::ES256, p("rsa_private.pem")), Some("family"), vec!["ES256"]),
        ("Ed25519 public key for RS256", b().public_pem("family2", Algorithm::RS256, p("ed25519_public.pem")), Some("family2"), vec!["RS256"]),
        ("RSA private PEM as a public key", b().public_pem("swap", Algorithm::RS256, p("rsa_private.pem")), Some("swap"), vec![]),
        ("EC private PEM as a public key", b().public_pem("swap2", Algorithm::ES256, p("ec_private.pem")), Some("swap2"), vec![]),
        ("Ed25519 private PEM as a public key", b().public_pem("swap3", Algorithm::EdDSA, p("ed25519_private.pem")), Some("swap3"), vec![]),
        ("not a PEM", b().private_pem("junk", Algorithm::RS256, "not a key"), Some("junk"), vec![]),
        ("duplicate kid", b().private_pem("dup", Algorithm::RS256, p("rsa_private.pem")).private_pem("dup", Algorithm::ES256, p("ec_private.pem")), Some("dup"), vec!["two keys"]),
        ("duplicate kid, HMAC and PEM", b().hmac("dup2", Algorithm::HS256, SECRET_1).public_pem("dup2", Algorithm::ES256, p("ec_public.pem")), Some("dup2"), vec!["two keys"]),
        ("unknown current kid", b().private_pem("a", Algorithm::EdDSA, p("ed25519_private.pem")).current("nope"), Some("nope"), vec!["current"]),
        ("current key verifies only", b().private_pem("a", Algorithm::EdDSA, p("ed25519_private.pem")).public_pem("pub", Algorithm::ES256, p("ec_public.pem")).current("pub"), Some("pub"), vec!["private key"]),
        ("unknown untagged kid", b().private_pem("a", Algorithm::EdDSA, p("ed25519_private.pem")).untagged("ghost"), Some("ghost"), vec!["untagged"]),
        ("HMAC secret for RS256", b().hmac("hs", Algorithm::RS256, SECRET_1), Some("hs"), vec!["RS256"]),
        ("empty HMAC secret", b().hmac("empty", Algorithm::HS256, ""), Some("empty"), vec!["empty"]),
        ("PEM key for HS256", b().private_pem("pemhs", Algorithm::HS256, p("rsa_private.pem")), Some("pemhs"), vec!["HS256"]),
        ("empty kid", b().private_pem("", Algorithm::EdDSA, p("ed25519_private.pem")), Some(""), vec!["empty"]),
        ("no key at all", b(), None, vec!["at least one key"]),
    ];
    for (what, builder, kid, needles) in cases {
        assert_config_error(what, builder.build(), ks, kid, &needles);
    }

    // A private key and a public key that are not a pair (the single-key configuration).
    for (alg, private, public) in [
        (Algorithm::RS256, "rsa_private.pem", "rsa_other_public.pem"),
        (Algorithm::ES256, "ec_private.pem", "ec_other_public.pem"),
        (
            Algorithm::ES384,
            "ec384_private.pem",
            "ec384_other_public.pem",
        ),
        (
            Algorithm::EdDSA,
            "ed25519_private.pem",
            "ed25519_other_public.pem",
        ),
    ] {
        let built = JwtConfig::builder()
            .algorithm(alg)
            .private_key(fixture(private))
            .public_key(fixture(public))
            .build()
            .and_then(JwtManager::new);
        assert_config_error(
            &format!("{alg:?} key mismatch"),
            built,
            "JWT_PUBLIC_KEY",
            None,
            &["pair"],
        );
    }
    // Only a manager built with a key set can swap it.
    let single =
        JwtManager::new(JwtConfig::builder().secret_key(SECRET_1).build().unwrap()).unwrap();
    assert_config_error(
        "replace_key_set on a single-key manager",
        single.replace_key_set(one_key("a", Algorithm::EdDSA, "ed25519_private.pem")),
        "KeySet",
        None,
        &["key set"],
    );
    // A short HMAC secret in a set is a warning, not an error.
    let short = KeySet::builder()
        .hmac("short", Algorithm::HS256, "tiny")
        .build();
    assert!(short.is_ok(), "{short:?}");
}

/// Writes `content` to `<dir>/<name>` atomically (a temporary name without `.pem`, then a
/// rename), so that a reload never reads half a key.
fn put(dir: &Path, name: &str, content: &str) {
    let tmp = dir.join(format!("{name}.partial"));
    std::fs::write(&tmp, content).unwrap();
    std::fs::rename(&tmp, dir.join(name)).unwrap();
}

#[test]
fn pem_directories_infer_algorithms_and_fail_naming_the_file() {
    let dir = TempDir::new();
    let d = dir.path();
    put(d, "a-ed.pem", &fixture("ed25519_private.pem"));
    put(d, "b-ec-pub.pem", &fixture("ec_public.pem"));
    put(d, "c-rsa.pem", &fixture("rsa_private.pem"));
    put(d, "d-p384.pem", &fixture("ec384_private.pem"));
    put(d, "e-rsa-pub.pem", &fixture("rsa_other_public.pem"));
    put(d, "f-p384-pub.pem", &fixture("ec384_other_public.pem"));
    dir.write("notes.txt", "not a key file");
    dir.write("z-ignored.pem.bak", "not a key file");

    let set = KeySet::from_pem_dir(d, Algorithm::PS384, None).unwrap();
    let all = [
        "a-ed",
        "b-ec-pub",
        "c-rsa",
        "d-p384",
        "e-rsa-pub",
        "f-p384-pub",
    ];
    assert_eq!(set.kids().collect::<Vec<_>>(), all);
    assert_eq!(set.current_kid(), Some("d-p384"), "the last private key");
    for (kid, alg) in [
        ("a-ed", Algorithm::EdDSA),
        ("b-ec-pub", Algorithm::ES256),
        ("c-rsa", Algorithm::PS384),
        ("d-p384", Algorithm::ES384),
        ("e-rsa-pub", Algorithm::PS384),
        ("f-p384-pub", Algorithm::ES384),
    ] {
        assert_eq!(set.algorithm(kid), Some(alg), "{kid}");
    }
    let jwks = serde_json::to_value(set.jwks()).unwrap();
    assert_eq!(kids_of(&jwks), all);
    for (jwk, (kty, crv, alg)) in jwks["keys"].as_array().unwrap().iter().zip([
        ("OKP", "Ed25519", "EdDSA"),
        ("EC", "P-256", "ES256"),
        ("RSA", "", "PS384"),
        ("EC", "P-384", "ES384"),
        ("RSA", "", "PS384"),
        ("EC", "P-384", "ES384"),
    ]) {
        assert_eq!(jwk["kty"], kty, "{jwk}");
        assert_eq!(jwk["alg"], alg, "{jwk}");
        assert_eq!(jwk["use"], "sig", "{jwk}");
        assert_eq!(jwk["crv"].as_str().unwrap_or(""), crv, "{jwk}");
        assert!(jwk.get("d").is_none(), "no private member: {jwk}");
    }
    let set = KeySet::from_pem_dir(d, Algorithm::RS256, Some("a-ed")).unwrap();
    assert_eq!(set.current_kid(), Some("a-ed"));
    assert_eq!(set.algorithm("c-rsa"), Some(Algorithm::RS256));

    let jwt = "JWT_KEYS_DIR";
    assert_config_error(
        "JWT_CURRENT_KID of a public key",
        KeySet::from_pem_dir(d, Algorithm::RS256, Some("b-ec-pub")),
        jwt,
        Some("b-ec-pub"),
        &["private key"],
    );
    assert_config_error(
        "JWT_CURRENT_KID not in the directory",
        KeySet::from_pem_dir(d, Algorithm::RS256, Some("2030-01")),
        jwt,
        Some("2030-01"),
        &[],
    );
    assert_config_error(
        "an EC algorithm for RSA keys",
        KeySet::from_pem_dir(d, Algorithm::ES256, None),
        "JWT_ALGORITHM",
        None,
        &["ES256"],
    );

    put(d, "weak.pem", &fixture("rsa1024_private.pem"));
    assert_config_error(
        "a 1024-bit RSA file",
        KeySet::from_pem_dir(d, Algorithm::RS256, None),
        jwt,
        Some("weak"),
        &["2048"],
    );
    std::fs::remove_file(d.join("weak.pem")).unwrap();
    put(
        d,
        "garbage.pem",
        "-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n",
    );
    assert_config_error(
        "a file that is no key",
        KeySet::from_pem_dir(d, Algorithm::RS256, None),
        jwt,
        Some("garbage"),
        &[],
    );
    std::fs::remove_file(d.join("garbage.pem")).unwrap();
    assert!(KeySet::from_pem_dir(d, Algorithm::RS256, None).is_ok());

    let empty = TempDir::new();
    empty.write("readme.txt", "no keys here");
    assert_config_error(
        "no .pem file",
        KeySet::from_pem_dir(empty.path(), Algorithm::RS256, None),
        jwt,
        None,
        &[],
    );
    assert_config_error(
        "a missing directory",
        KeySet::from_pem_dir(d.join("missing"), Algorithm::RS256, None),
        jwt,
        None,
        &[],
    );
}

// ---------------------------------------------------------------------------------------------
// 6. The example app: JWT_KEYS_DIR, JWT_KEYS_RELOAD
// ---------------------------------------------------------------------------------------------

/// `POST /login` as test/test: the access token.
fn login(server: &Server) -> String {
    let resp = server
        .send(&Request::post("/login").json(&json!({"username": "test", "password": "test"})));
    assert_eq!(resp.status, 200, "login: {}", resp.text());
    resp.str_field("access_token")
        .unwrap_or_else(|| panic!("no access_token in {}", resp.text()))
}

/// `GET /protected` with `token`: (status, JSON body).
fn protected(server: &Server, token: &str) -> (u16, Value) {
    let resp = server
        .send(&Request::get("/protected").header("Authorization", &format!("Bearer {token}")));
    (resp.status, resp.json().unwrap_or(Value::Null))
}

fn kid_of(token: &str) -> String {
    let (header, _) = jwt_parts(token).unwrap_or_else(|| panic!("not a JWT: {token}"));
    header["kid"].as_str().unwrap_or("<none>").to_owned()
}

fn served_kids_of(server: &Server) -> Vec<String> {
    let resp = server.send(&Request::get("/.well-known/jwks.json"));
    assert_eq!(resp.status, 200, "JWKS: {}", resp.text());
    kids_of(&resp.json().unwrap())
}

/// Polls `f` every 100 ms for at most 10 s.
fn poll<T>(server: &Server, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let limit = Duration::from_secs(10);
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() >= deadline {
            panic!(
                "{what}: not within {limit:?}\n--- example-app stderr ---\n{}",
                server.stderr()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn example_app_rotates_keys_from_its_directory() {
    let keys = TempDir::new();
    let dir = keys.path().to_str().unwrap().to_owned();
    put(
        keys.path(),
        "2026-01-ed.pem",
        &fixture("ed25519_private.pem"),
    );
    let server = Server::example_app(&[
        ("JWT_KEYS_DIR", dir.as_str()),
        ("JWT_KEYS_RELOAD", "1"),
        ("RUST_LOG", "info"),
    ]);
    let ok = json!({"logged_in_as": "test"});
    let unknown = json!({"message": "Unknown key ID"});

    let t1 = login(&server);
    assert_header(&t1, Algorithm::EdDSA, "2026-01-ed");
    assert_eq!(protected(&server, &t1), (200, ok.clone()));
    assert_eq!(served_kids_of(&server), ["2026-01-ed"]);

    // Rotation: a key file that sorts last becomes current, without a restart.
    let started = Instant::now();
    put(keys.path(), "2026-02-ec.pem", &fixture("ec_private.pem"));
    let t2 = poll(&server, "a login signed by 2026-02-ec", || {
        let t = login(&server);
        (kid_of(&t) == "2026-02-ec").then_some(t)
    });
    let rotated_after = started.elapsed();
    assert_header(&t2, Algorithm::ES256, "2026-02-ec");
    assert_eq!(
        protected(&server, &t1),
        (200, ok.clone()),
        "old token after the rotation"
    );
    assert_eq!(protected(&server, &t2), (200, ok.clone()), "new token");
    assert_eq!(served_kids_of(&server), ["2026-01-ed", "2026-02-ec"]);
    let text = server.wait_for_stderr("current kid 2026-02-ec");
    assert!(text.contains("current kid 2026-02-ec"), "{text}");

    // A bad file on reload: the previous keys stay (even though its name sorts last).
    put(
        keys.path(),
        "2026-03-weak.pem",
        &fixture("rsa1024_private.pem"),
    );
    let text = server.wait_for_stderr("keeping the previous keys");
    let line = text
        .lines()
        .find(|l| l.contains("keeping the previous keys"))
        .unwrap_or_else(|| panic!("no reload error logged:\n{text}"));
    assert!(
        line.contains("JWT_KEYS_DIR") && line.contains("\"2026-03-weak\""),
        "{line}"
    );
    assert!(!text.contains("BEGIN"), "{text}");
    assert_eq!(kid_of(&login(&server)), "2026-02-ec");
    assert_eq!(
        protected(&server, &t1),
        (200, ok.clone()),
        "old token, bad file"
    );
    assert_eq!(
        protected(&server, &t2),
        (200, ok.clone()),
        "new token, bad file"
    );
    assert_eq!(served_kids_of(&server), ["2026-01-ed", "2026-02-ec"]);
    std::fs::remove_file(keys.path().join("2026-03-weak.pem")).unwrap();

    // Retirement: the first key's file goes, and its tokens are refused.
    std::fs::remove_file(keys.path().join("2026-01-ed.pem")).unwrap();
    let after_retirement = poll(&server, "T1 refused after retiring 2026-01-ed", || {
        let answer = protected(&server, &t1);
        (answer.0 != 200).then_some(answer)
    });
    assert_eq!(after_retirement, (422, unknown), "old token, retired key");
    assert_eq!(
        protected(&server, &t2),
        (200, ok.clone()),
        "new token, retired old"
    );
    let t3 = login(&server);
    assert_header(&t3, Algorithm::ES256, "2026-02-ec");
    assert_eq!(protected(&server, &t3), (200, ok));
    assert_eq!(served_kids_of(&server), ["2026-02-ec"]);
    assert!(
        rotated_after < Duration::from_secs(10),
        "rotation took {rotated_after:?}"
    );
}

#[test]
fn example_app_refuses_a_bad_key_directory_at_startup() {
    let timeout = Duration::from_secs(30);
    let exit_code = |exit: &e2e_tests::Exit| exit.status.and_then(|s| s.code());

    // A 1024-bit RSA key next to a good one.
    let keys = TempDir::new();
    put(keys.path(), "good.pem", &fixture("ed25519_private.pem"));
    put(keys.path(), "weak.pem", &fixture("rsa1024_private.pem"));
    let dir = keys.path().to_str().unwrap().to_owned();
    let exit = run_to_exit(
        AppKind::ExampleApp,
        &[("JWT_KEYS_DIR", dir.as_str())],
        None,
        timeout,
    );
    assert_eq!(exit_code(&exit), Some(2), "{exit:?}");
    assert!(!exit.listened(), "{exit:?}");
    assert!(
        exit.stderr
            .contains("example-app: configuration error: JWT_KEYS_DIR: key \"weak\": "),
        "{}",
        exit.stderr
    );
    assert!(exit.stderr.contains("2048"), "the reason: {}", exit.stderr);
    assert!(!exit.stderr.contains("BEGIN"), "{}", exit.stderr);

    // JWT_CURRENT_KID naming no file.
    std::fs::remove_file(keys.path().join("weak.pem")).unwrap();
    let exit = run_to_exit(
        AppKind::ExampleApp,
        &[
            ("JWT_KEYS_DIR", dir.as_str()),
            ("JWT_CURRENT_KID", "2031-01"),
        ],
        None,
        timeout,
    );
    assert_eq!(exit_code(&exit), Some(2), "{exit:?}");
    assert!(
        exit.stderr
            .contains("configuration error: JWT_KEYS_DIR: key \"2031-01\""),
        "{}",
        exit.stderr
    );

    // A directory without any key file.
    let empty = TempDir::new();
    let exit = run_to_exit(
        AppKind::ExampleApp,
        &[("JWT_KEYS_DIR", empty.path().to_str().unwrap())],
        None,
        timeout,
    );
    assert_eq!(exit_code(&exit), Some(2), "{exit:?}");
    assert!(
        exit.stderr.contains("configuration error: JWT_KEYS_DIR"),
        "{}",
        exit.stderr
    );
}

#[test]
fn example_app_warns_about_a_short_secret() {
    let server = Server::example_app(&[("SECRET_KEY", "tiny-secret"), ("RUST_LOG", "info")]);
    let text = server.wait_for_stderr("shorter");
    let line = text
        .lines()
        .find(|l| l.contains("shorter"))
        .unwrap_or_else(|| panic!("no warning about the short secret:\n{text}"));
    assert!(
        line.contains("JWT_SECRET_KEY") && line.contains("11 bytes") && line.contains("WARN"),
        "{line}"
    );
    assert!(
        !text.contains("tiny-secret"),
        "the secret is logged:\n{text}"
    );
    // Only a warning, as flask-jwt-extended: the app works with it.
    let t = login(&server);
    assert_eq!(raw_header(&t), r#"{"alg":"HS256","typ":"JWT"}"#);
    assert_eq!(
        protected(&server, &t),
        (200, json!({"logged_in_as": "test"}))
    );

    // A 32-byte secret: no warning (the request log line comes after any startup warning).
    let server = Server::example_app(&[
        ("SECRET_KEY", "0123456789abcdef0123456789abcdef"),
        ("RUST_LOG", "info"),
    ]);
    let t = login(&server);
    assert_eq!(protected(&server, &t).0, 200);
    let text = server.wait_for_stderr("/protected");
    assert!(text.contains("/protected"), "no request log:\n{text}");
    assert!(!text.contains("shorter"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// 7. The example app: what is not a key file in JWT_KEYS_DIR
// ---------------------------------------------------------------------------------------------

/// The example app on a directory holding `2026-01-ed.pem`, reloading every second.
fn app_on_key_dir(keys: &TempDir) -> Server {
    put(
        keys.path(),
        "2026-01-ed.pem",
        &fixture("ed25519_private.pem"),
    );
    let dir = keys.path().to_str().unwrap().to_owned();
    let server = Server::example_app(&[
        ("JWT_KEYS_DIR", dir.as_str()),
        ("JWT_KEYS_RELOAD", "1"),
        ("RUST_LOG", "info"),
    ]);
    assert_eq!(kid_of(&login(&server)), "2026-01-ed");
    server
}

/// The stderr lines that mention `needle`.
fn lines_with(server: &Server, needle: &str) -> Vec<String> {
    server
        .stderr()
        .lines()
        .filter(|l| l.contains(needle))
        .map(str::to_owned)
        .collect()
}

/// Waits for the reload error that refuses `<kid>.pem`: the line names the setting, the kid
/// and the file's path, says `reason`, and holds no key material.
fn refusal_logged(server: &Server, keys: &TempDir, kid: &str, reason: &str) -> String {
    let file = keys.path().join(format!("{kid}.pem"));
    let file = file.to_str().unwrap().to_owned();
    let line = poll(server, &format!("a reload error naming {file}"), || {
        lines_with(server, &file).into_iter().next()
    });
    assert!(line.contains("ERROR"), "{line}");
    assert!(
        line.contains("JWT_KEYS_DIR: keeping the previous keys: "),
        "{line}"
    );
    assert!(line.contains(&format!("key \"{kid}\"")), "{line}");
    assert!(line.contains(reason), "{line}");
    let all = server.stderr();
    assert!(!all.contains("BEGIN"), "key material in the log:\n{all}");
    line
}

/// The app still serves the keys it had: 2026-01-ed signs, its tokens verify, JWKS unchanged.
fn still_serving_the_first_key(server: &Server, what: &str) {
    let t = login(server);
    assert_eq!(kid_of(&t), "2026-01-ed", "{what}: the current key");
    assert_eq!(
        protected(server, &t),
        (200, json!({"logged_in_as": "test"})),
        "{what}"
    );
    assert_eq!(served_kids_of(server), ["2026-01-ed"], "{what}");
}

/// Three reload ticks pass, and the refusal of `file` is still logged once only.
fn logged_once(server: &Server, file: &Path) {
    std::thread::sleep(Duration::from_millis(3500));
    let file = file.to_str().unwrap();
    let lines = lines_with(server, file);
    assert_eq!(
        lines.len(),
        1,
        "logged again and again:\n{}",
        lines.join("\n")
    );
}

/// A new key file is picked up: logins are signed with `kid` within 10 s.
fn rotated_to(server: &Server, keys: &TempDir, kid: &str, pem_fixture: &str) {
    put(keys.path(), &format!("{kid}.pem"), &fixture(pem_fixture));
    let t = poll(server, &format!("a login signed by {kid}"), || {
        let t = login(server);
        (kid_of(&t) == kid).then_some(t)
    });
    assert_eq!(
        protected(server, &t),
        (200, json!({"logged_in_as": "test"}))
    );
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let made = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap_or_else(|e| panic!("mkfifo(1): {e}"));
    assert!(made.success(), "mkfifo {}", path.display());
}

#[cfg(unix)]
#[test]
fn example_app_refuses_a_fifo_without_stalling_reloads_or_shutdown() {
    let keys = TempDir::new();
    let mut server = app_on_key_dir(&keys);
    let fifo = keys.path().join("k9.pem");

    // A FIFO: refused at once (nothing ever writes to it), logged once, old keys kept.
    mkfifo(&fifo);
    refusal_logged(
        &server,
        &keys,
        "k9",
        "is a FIFO (named pipe), not a regular file",
    );
    still_serving_the_first_key(&server, "FIFO in the directory");
    logged_once(&server, &fifo);

    // The reloads go on: once the FIFO is gone, a new key is picked up.
    std::fs::remove_file(&fifo).unwrap();
    rotated_to(&server, &keys, "2026-02-ec", "ec_private.pem");

    // A FIFO again, then SIGTERM: the app exits promptly, and cleanly.
    mkfifo(&fifo);
    poll(&server, "the second FIFO refused", || {
        (lines_with(&server, fifo.to_str().unwrap()).len() == 2).then_some(())
    });
    assert_eq!(kid_of(&login(&server)), "2026-02-ec", "keys kept");
    let started = Instant::now();
    let exit = server.terminate(Duration::from_secs(5));
    let took = started.elapsed();
    let exit = exit.unwrap_or_else(|| {
        panic!(
            "still running 5 s after SIGTERM\n--- stderr ---\n{}",
            server.stderr()
        )
    });
    assert!(exit.success(), "exit after SIGTERM: {exit} ({took:?})");
}

#[test]
fn example_app_refuses_an_oversized_key_file_and_keeps_serving() {
    let keys = TempDir::new();
    let server = app_on_key_dir(&keys);
    // A real key followed by 1 MiB of padding: refused for its size, before it is read.
    let mut big = fixture("rsa_private.pem");
    big.push_str(&"\n".repeat(1024 * 1024 - big.len()));
    assert_eq!(big.len(), 1_048_576);
    put(keys.path(), "2026-09-big.pem", &big);
    let limit = KeySet::MAX_PEM_FILE_SIZE;
    let line = refusal_logged(
        &server,
        &keys,
        "2026-09-big",
        &format!("is 1048576 bytes, more than the limit of {limit} bytes for a key file"),
    );
    assert_eq!(limit, 65_536, "{line}");
    still_serving_the_first_key(&server, "a 1 MiB file in the directory");
    logged_once(&server, &keys.path().join("2026-09-big.pem"));

    // Once it is gone, the directory loads again, and rotates.
    std::fs::remove_file(keys.path().join("2026-09-big.pem")).unwrap();
    rotated_to(&server, &keys, "2026-10-ec", "ec_private.pem");
}

#[test]
fn example_app_refuses_a_pem_file_of_two_blocks_naming_it() {
    let keys = TempDir::new();
    let server = app_on_key_dir(&keys);
    // Two keys in one file (its name sorts last: it would be current if it loaded).
    let two = format!(
        "{}{}",
        fixture("ec_private.pem"),
        fixture("ed25519_other_private.pem")
    );
    put(keys.path(), "2026-12-pair.pem", &two);
    refusal_logged(
        &server,
        &keys,
        "2026-12-pair",
        "holds 2 PEM blocks (PRIVATE KEY, PRIVATE KEY); a key file holds one key",
    );
    still_serving_the_first_key(&server, "a two-key file in the directory");
    logged_once(&server, &keys.path().join("2026-12-pair.pem"));

    // The same file with one key only: it loads, and becomes current.
    put(keys.path(), "2026-12-pair.pem", &fixture("ec_private.pem"));
    let t = poll(&server, "a login signed by 2026-12-pair", || {
        let t = login(&server);
        (kid_of(&t) == "2026-12-pair").then_some(t)
    });
    assert_header(&t, Algorithm::ES256, "2026-12-pair");
    assert_eq!(served_kids_of(&server), ["2026-01-ed", "2026-12-pair"]);
}
