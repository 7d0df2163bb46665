//! Publishing public keys as a JWKS document (RFC 7517), and other processes that trust the
//! example app's tokens through it and nothing else.
//!
//! - The document of every single asymmetric key (RS256, PS256, ES256, ES384, EdDSA): its
//!   members, no private member, and a `kid` equal to the RFC 7638 thumbprint that
//!   `tests/python/jwks_client.py` computes from the PEM on its own (PyJWT + hashlib). HMAC
//!   secrets are never published.
//! - A second process: PyJWT's `PyJWKClient`, given only the JWKS URL, verifies the example
//!   app's key-set tokens (RS256, ES256, EdDSA) and refuses tampered tokens and tokens of
//!   keys the JWKS does not hold.
//! - The real flask-jwt-extended 4.7.4 (a `decode_key_loader` backed by `PyJWKClient`)
//!   accepts the same tokens on a `@jwt_required()` route.
//! - A Rust second process: a `RemoteJwks` manager pointed at the example app's JWKS.
//! - A key rotation by file (`JWT_KEYS_DIR` + `JWT_KEYS_RELOAD`) reaching both verifiers.
//! - `JwtManager::serve_jwks` at library level: headers, `GET` / `HEAD`, and the served
//!   document after `replace_key_set`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use actix_jwt_ext::jsonwebtoken::{Algorithm, EncodingKey};
use actix_jwt_ext::{jwt_required, JwtConfig, JwtIdentity, JwtManager, KeySet};
use actix_jwt_ext::{RemoteJwks, RemoteJwksBuilder};
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::{test as atest, web, App, HttpResponse};
use e2e_tests::{
    fixture, jwt_parts, now, python, send, token, workspace_root, Request, Server, TempDir, SECRET,
};
use serde_json::{json, Value};

const JWKS_PATH: &str = "/.well-known/jwks.json";

/// Members a public JWK must never carry (RSA and EC/OKP private parts, symmetric keys).
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `python tests/python/jwks_client.py <args>`: one JSON value per output line.
fn jwks_client(args: &[&str]) -> Vec<Value> {
    let script = workspace_root()
        .join("tests")
        .join("python")
        .join("jwks_client.py");
    let mut cmd = Command::new(python());
    cmd.arg(&script)
        .args(args)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdin(Stdio::null());
    // The JWKS is on loopback: no proxy may stand in between.
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run jwks_client.py: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "jwks_client.py {:?} failed ({}).\nstdout:\n{stdout}\nstderr:\n{}",
        args.first(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("jwks_client.py printed non-JSON ({e}): {l}"))
        })
        .collect()
}

/// `jwks_client.py verify <url> <tokens> [--single]`: one result per token.
fn py_verify(url: &str, tokens: &[&str], single: bool) -> Vec<Value> {
    let mut args = vec!["verify", url];
    args.extend_from_slice(tokens);
    if single {
        args.push("--single");
    }
    let out = jwks_client(&args);
    assert_eq!(out.len(), tokens.len(), "one line per token: {out:?}");
    out
}

/// `jwks_client.py flask <url> <tokens>`: `(status, body)` per token.
fn py_flask(url: &str, tokens: &[&str]) -> Vec<(u64, Value)> {
    let mut args = vec!["flask", url];
    args.extend_from_slice(tokens);
    let out = jwks_client(&args);
    assert_eq!(out.len(), tokens.len(), "one line per token: {out:?}");
    out.into_iter()
        .map(|v| (v["status"].as_u64().unwrap_or(0), v["body"].clone()))
        .collect()
}

fn fixture_path(name: &str) -> String {
    workspace_root()
        .join("tests")
        .join("fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Starts one example app per settings list, concurrently.
fn start_all(envs: &[Vec<(String, String)>]) -> Vec<Server> {
    thread::scope(|s| {
        let handles: Vec<_> = envs
            .iter()
            .map(|env| {
                s.spawn(move || {
                    let pairs: Vec<(&str, &str)> =
                        env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                    Server::example_app(&pairs)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn jwks_url(server: &Server) -> String {
    format!("{}{JWKS_PATH}", server.base_url())
}

/// `GET /.well-known/jwks.json`: the document, after checking status and headers.
fn get_jwks(server: &Server) -> Value {
    let resp = server.send(&Request::get(JWKS_PATH));
    assert_eq!(resp.status, 200, "GET {JWKS_PATH}: {}", resp.text());
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(resp.header("cache-control"), Some("public, max-age=300"));
    resp.json()
        .unwrap_or_else(|| panic!("{JWKS_PATH} is not JSON: {}", resp.text()))
}

fn kids(jwks: &Value) -> Vec<String> {
    jwks["keys"]
        .as_array()
        .unwrap_or_else(|| panic!("no keys list: {jwks}"))
        .iter()
        .map(|k| k["kid"].as_str().unwrap_or("<no kid>").to_owned())
        .collect()
}

/// `POST /login test/test`: the access and refresh tokens.
fn login(server: &Server) -> (String, String) {
    let resp = server
        .send(&Request::post("/login").json(&json!({"username": "test", "password": "test"})));
    assert_eq!(resp.status, 200, "login: {}", resp.text());
    (
        resp.str_field("access_token").expect("access_token"),
        resp.str_field("refresh_token").expect("refresh_token"),
    )
}

/// `token` with its payload replaced (`sub` → `admin`), header and signature kept.
fn tampered(token: &str) -> String {
    let (_, mut claims) = jwt_parts(token).expect("a JWS");
    claims["sub"] = json!("admin");
    let parts: Vec<&str> = token.split('.').collect();
    format!(
        "{}.{}.{}",
        parts[0],
        token::b64(claims.to_string().as_bytes()),
        parts[2]
    )
}

/// The claims of an example-app access token for `test`, valid for ten minutes.
fn access_claims() -> Value {
    let t = now();
    json!({"fresh": false, "iat": t, "jti": "jwks-publish-test", "type": "access",
           "sub": "test", "nbf": t, "exp": t + 600})
}

fn encoding_key(alg: Algorithm, private_pem: &str) -> EncodingKey {
    let pem = fixture(private_pem);
    match alg {
        Algorithm::RS256 | Algorithm::PS256 => EncodingKey::from_rsa_pem(pem.as_bytes()),
        Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(pem.as_bytes()),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(pem.as_bytes()),
        other => panic!("no PEM for {other:?}"),
    }
    .unwrap_or_else(|e| panic!("{private_pem}: {e}"))
}

/// A token with header `{"alg", "kid", "typ"}` (kid omitted when `None`), signed here.
fn signed(alg: Algorithm, kid: Option<&str>, private_pem: &str) -> String {
    let mut header = json!({"alg": format!("{alg:?}"), "typ": "JWT"});
    if let Some(kid) = kid {
        header["kid"] = json!(kid);
    }
    token::with_header(
        &header,
        &access_claims(),
        alg,
        &encoding_key(alg, private_pem),
    )
}

fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(100));
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Single keys: the document
// ---------------------------------------------------------------------------------------------

struct SingleCase {
    alg: Algorithm,
    private: &'static str,
    public: &'static str,
    kty: &'static str,
    crv: Option<&'static str>,
}

const SINGLE_CASES: [SingleCase; 5] = [
    SingleCase {
        alg: Algorithm::RS256,
        private: "rsa_private.pem",
        public: "rsa_public.pem",
        kty: "RSA",
        crv: None,
    },
    SingleCase {
        alg: Algorithm::PS256,
        private: "rsa_private.pem",
        public: "rsa_public.pem",
        kty: "RSA",
        crv: None,
    },
    SingleCase {
        alg: Algorithm::ES256,
        private: "ec_private.pem",
        public: "ec_public.pem",
        kty: "EC",
        crv: Some("P-256"),
    },
    SingleCase {
        alg: Algorithm::ES384,
        private: "ec384_private.pem",
        public: "ec384_public.pem",
        kty: "EC",
        crv: Some("P-384"),
    },
    SingleCase {
        alg: Algorithm::EdDSA,
        private: "ed25519_private.pem",
        public: "ed25519_public.pem",
        kty: "OKP",
        crv: Some("Ed25519"),
    },
];

/// The key-material members of a JWK of type `kty`.
fn material_members(kty: &str) -> &'static [&'static str] {
    match kty {
        "RSA" => &["n", "e"],
        "EC" => &["crv", "x", "y"],
        "OKP" => &["crv", "x"],
        other => panic!("unexpected kty {other}"),
    }
}

#[test]
fn single_key_documents_carry_the_rfc7638_thumbprint_as_kid() {
    let envs: Vec<_> = SINGLE_CASES
        .iter()
        .map(|c| {
            owned(&[
                ("JWT_ALGORITHM", &format!("{:?}", c.alg)),
                ("JWT_PRIVATE_KEY", &fixture(c.private)),
                ("JWT_PUBLIC_KEY", &fixture(c.public)),
            ])
        })
        .collect();
    let servers = start_all(&envs);

    // Computed by Python from the PEM files, independently of any JWKS.
    let public_files: Vec<String> = SINGLE_CASES
        .iter()
        .map(|c| fixture_path(c.public))
        .collect();
    let args: Vec<&str> = std::iter::once("thumbprint")
        .chain(public_files.iter().map(String::as_str))
        .collect();
    let expected = jwks_client(&args);
    assert_eq!(expected.len(), SINGLE_CASES.len());

    let mut rsa_kids = BTreeSet::new();
    for ((case, server), py) in SINGLE_CASES.iter().zip(&servers).zip(&expected) {
        let alg = format!("{:?}", case.alg);
        let doc = get_jwks(server);
        let keys = doc["keys"].as_array().expect("keys");
        assert_eq!(keys.len(), 1, "{alg}: one key: {doc}");
        let key = keys[0].as_object().expect("a JWK object");

        assert_eq!(key["kty"], case.kty, "{alg}: {doc}");
        assert_eq!(key["alg"], alg.as_str(), "{alg}: {doc}");
        assert_eq!(key["use"], "sig", "{alg}: {doc}");
        assert_eq!(key.get("crv").and_then(Value::as_str), case.crv, "{alg}");
        for private in PRIVATE_MEMBERS {
            assert!(
                !key.contains_key(private),
                "{alg}: private member {private}: {doc}"
            );
        }
        let mut allowed: BTreeSet<&str> = ["kty", "alg", "use", "kid"].into();
        allowed.extend(material_members(case.kty));
        let present: BTreeSet<&str> = key.keys().map(String::as_str).collect();
        assert_eq!(present, allowed, "{alg}: exactly these members: {doc}");

        // The key material is the fixture's public key, as PyJWT exports it.
        for member in material_members(case.kty) {
            assert_eq!(
                key[*member], py["jwk"][*member],
                "{alg}: member {member} differs from PyJWT's JWK of {}",
                case.public
            );
        }
        // kid = RFC 7638 SHA-256 thumbprint.
        let thumbprint = py["thumbprint"].as_str().expect("thumbprint");
        assert_eq!(
            key["kid"], thumbprint,
            "{alg}: kid is not the RFC 7638 thumbprint"
        );
        if case.kty == "RSA" {
            rsa_kids.insert(thumbprint.to_owned());
        }

        // The library's own `jwks()` for the same settings is what the app serves.
        let config = JwtConfig::builder()
            .algorithm(case.alg)
            .private_key(fixture(case.private))
            .public_key(fixture(case.public))
            .build()
            .unwrap();
        let manager = JwtManager::new(config).unwrap();
        assert_eq!(serde_json::to_value(manager.jwks()).unwrap(), doc, "{alg}");

        // Single-key tokens carry no kid; a JWKS client uses the only key.
        let (access, _) = login(server);
        let (header, _) = jwt_parts(&access).unwrap();
        assert_eq!(header, json!({"alg": alg, "typ": "JWT"}), "{alg}");
        let out = py_verify(&jwks_url(server), &[&access], true);
        assert_eq!(
            out[0]["ok"], true,
            "{alg}: PyJWT with the published key: {}",
            out[0]
        );
        assert_eq!(out[0]["claims"]["sub"], "test");
        assert_eq!(out[0]["claims"]["type"], "access");
        assert_eq!(out[0]["alg"], alg.as_str());
    }
    // The thumbprint is of the key only: RS256 and PS256 with one RSA key share the kid.
    assert_eq!(rsa_kids.len(), 1, "{rsa_kids:?}");
}

#[test]
fn hmac_secrets_are_never_published() {
    let server = Server::example_app(&[("SECRET_KEY", SECRET)]);
    let resp = server.send(&Request::get(JWKS_PATH));
    assert_eq!(resp.status, 404, "HS256 app serves a JWKS: {}", resp.text());
    // The app is up and signs with its secret.
    let (access, _) = login(&server);
    assert_eq!(jwt_parts(&access).unwrap().0["alg"], "HS256");

    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let config = JwtConfig::builder()
            .algorithm(alg)
            .secret_key(SECRET)
            .build()
            .unwrap();
        let manager = JwtManager::new(config).unwrap();
        assert!(manager.jwks().keys.is_empty(), "{alg:?}");
    }

    // In a key set, secrets are left out and asymmetric keys are published.
    let set = KeySet::builder()
        .hmac("shared", Algorithm::HS256, SECRET)
        .private_pem("ec", Algorithm::ES256, fixture("ec_private.pem"))
        .current("shared")
        .build()
        .unwrap();
    let manager = JwtManager::builder(JwtConfig::default())
        .key_set(set)
        .build()
        .unwrap();
    let doc = serde_json::to_value(manager.jwks()).unwrap();
    assert_eq!(kids(&doc), ["ec"], "{doc}");
    assert!(doc["keys"][0].get("k").is_none(), "{doc}");
}

// ---------------------------------------------------------------------------------------------
// 2-4. Key sets: other processes verify through the JWKS
// ---------------------------------------------------------------------------------------------

/// The key files of `JWT_KEYS_DIR`: `(kid, private key fixture, algorithm)`.
const KEY_FILES: [(&str, &str, Algorithm); 3] = [
    ("2026-01-rsa", "rsa_private.pem", Algorithm::RS256),
    ("2026-02-ec", "ec_private.pem", Algorithm::ES256),
    ("2026-03-ed", "ed25519_private.pem", Algorithm::EdDSA),
];

/// A verification-only key of `JWT_KEYS_DIR` (a public key: a retired key, or another
/// signer's): `(kid, public key file, the private key that signs its tokens here)`.
const VERIFY_ONLY: (&str, &str, &str) = (
    "2025-12-old",
    "rsa_other_public.pem",
    "rsa_other_private.pem",
);

/// A token of the verification-only key, as its former signer made it.
fn verify_only_token() -> String {
    signed(Algorithm::RS256, Some(VERIFY_ONLY.0), VERIFY_ONLY.2)
}

/// One example app per key of [`KEY_FILES`] (`JWT_CURRENT_KID`), all with the same key set.
struct KeySetApps {
    apps: Vec<Server>,
    _dir: TempDir,
}

impl KeySetApps {
    fn start() -> Self {
        let dir = TempDir::new();
        for (kid, pem, _) in KEY_FILES {
            dir.write(&format!("{kid}.pem"), &fixture(pem));
        }
        dir.write(&format!("{}.pem", VERIFY_ONLY.0), &fixture(VERIFY_ONLY.1));
        let path = dir.path().to_string_lossy().into_owned();
        let envs: Vec<_> = KEY_FILES
            .iter()
            .map(|(kid, _, _)| {
                owned(&[
                    ("JWT_KEYS_DIR", &path),
                    ("JWT_CURRENT_KID", kid),
                    ("JWT_KEYS_RELOAD", "0"),
                ])
            })
            .collect();
        Self {
            apps: start_all(&envs),
            _dir: dir,
        }
    }

    /// `(kid, alg, access token, refresh token)` of each app.
    fn tokens(&self) -> Vec<(&'static str, Algorithm, String, String)> {
        KEY_FILES
            .iter()
            .zip(&self.apps)
            .map(|((kid, _, alg), app)| {
                let (access, refresh) = login(app);
                let (header, claims) = jwt_parts(&access).unwrap();
                assert_eq!(
                    header,
                    json!({"alg": format!("{alg:?}"), "kid": kid, "typ": "JWT"}),
                    "key-set token header"
                );
                assert_eq!(claims["sub"], "test");
                (*kid, *alg, access, refresh)
            })
            .collect()
    }
}

#[test]
fn key_set_jwks_lists_every_key_with_kid_use_and_alg() {
    let apps = KeySetApps::start();
    // (kid, alg, the PEM file Python derives the public JWK from).
    let published: Vec<(&str, Algorithm, String)> = KEY_FILES
        .iter()
        .map(|(kid, pem, alg)| (*kid, *alg, fixture_path(pem)))
        .chain([(VERIFY_ONLY.0, Algorithm::RS256, fixture_path(VERIFY_ONLY.1))])
        .collect();
    let args: Vec<&str> = std::iter::once("thumbprint")
        .chain(published.iter().map(|(_, _, f)| f.as_str()))
        .collect();
    let expected = jwks_client(&args);
    let first = get_jwks(&apps.apps[0]);
    for app in &apps.apps {
        // Every instance publishes the same document, whichever key is current.
        assert_eq!(get_jwks(app), first);
    }
    let keys = first["keys"].as_array().unwrap();
    assert_eq!(keys.len(), published.len(), "{first}");
    for ((kid, alg, _), py) in published.iter().zip(&expected) {
        let key = keys
            .iter()
            .find(|k| k["kid"] == *kid)
            .unwrap_or_else(|| panic!("kid {kid} not published: {first}"));
        assert_eq!(key["use"], "sig", "{kid}");
        assert_eq!(key["alg"], format!("{alg:?}"), "{kid}");
        assert_eq!(key["kty"], py["jwk"]["kty"], "{kid}");
        for member in material_members(py["jwk"]["kty"].as_str().unwrap()) {
            assert_eq!(key[*member], py["jwk"][*member], "{kid}: {member}");
        }
        for private in PRIVATE_MEMBERS {
            assert!(
                key.get(private).is_none(),
                "{kid}: private member {private}"
            );
        }
    }
}

#[test]
fn pyjwkclient_verifies_key_set_tokens_and_refuses_others() {
    let apps = KeySetApps::start();
    let url = jwks_url(&apps.apps[0]);
    let tokens = apps.tokens();

    let mut batch: Vec<String> = Vec::new();
    for (_, _, access, refresh) in &tokens {
        batch.push(access.clone());
        batch.push(refresh.clone());
        batch.push(tampered(access));
    }
    // The verification-only key of the directory.
    batch.push(verify_only_token());
    // A key the JWKS does not hold (unknown kid).
    batch.push(signed(
        Algorithm::RS256,
        Some("2026-99-rsa"),
        "rsa_other_private.pem",
    ));
    batch.push(signed(
        Algorithm::ES256,
        Some("2026-99-ec"),
        "ec_other_private.pem",
    ));
    // A published kid, but signed by another key.
    batch.push(signed(
        Algorithm::ES256,
        Some("2026-02-ec"),
        "ec_other_private.pem",
    ));
    // A published kid with another algorithm than the key's `alg`.
    batch.push(signed(
        Algorithm::RS256,
        Some("2026-02-ec"),
        "rsa_private.pem",
    ));
    let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
    let out = py_verify(&url, &refs, false);

    let mut results = out.iter();
    for (kid, alg, _, _) in &tokens {
        let alg = format!("{alg:?}");
        for want_type in ["access", "refresh"] {
            let r = results.next().unwrap();
            assert_eq!(r["ok"], true, "{kid} {want_type}: {r}");
            assert_eq!(r["claims"]["sub"], "test", "{kid}");
            assert_eq!(r["claims"]["type"], want_type, "{kid}");
            assert_eq!(r["kid"], *kid);
            assert_eq!(r["alg"], alg.as_str());
        }
        let r = results.next().unwrap();
        assert_eq!(r["ok"], false, "{kid}: tampered token accepted: {r}");
        assert_eq!(r["error"], "InvalidSignatureError", "{kid}: {r}");
    }
    let r = results.next().unwrap();
    assert_eq!(r["ok"], true, "verification-only key: {r}");
    assert_eq!(r["kid"], VERIFY_ONLY.0);
    for kid in ["2026-99-rsa", "2026-99-ec"] {
        let r = results.next().unwrap();
        assert_eq!(r["ok"], false, "{kid}: {r}");
        assert_eq!(r["error"], "PyJWKClientError", "{kid}: {r}");
        assert!(
            r["message"]
                .as_str()
                .unwrap()
                .contains("Unable to find a signing key"),
            "{r}"
        );
    }
    let r = results.next().unwrap();
    assert_eq!(
        r["error"], "InvalidSignatureError",
        "other key, known kid: {r}"
    );
    let r = results.next().unwrap();
    assert_eq!(
        r["error"], "InvalidAlgorithmError",
        "alg not the key's: {r}"
    );
    assert!(results.next().is_none());
}

#[test]
fn flask_jwt_extended_accepts_tokens_through_the_jwks() {
    let apps = KeySetApps::start();
    let url = jwks_url(&apps.apps[0]);
    let tokens = apps.tokens();
    let mut batch: Vec<String> = Vec::new();
    for (_, _, access, refresh) in &tokens {
        batch.push(access.clone());
        batch.push(tampered(access));
        batch.push(refresh.clone());
    }
    batch.push(verify_only_token());
    batch.push(signed(
        Algorithm::EdDSA,
        Some("2026-99-ed"),
        "ed25519_other_private.pem",
    ));
    let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
    let out = py_flask(&url, &refs);

    let mut results = out.iter();
    for (kid, _, _, _) in &tokens {
        let (status, body) = results.next().unwrap();
        assert_eq!(*status, 200, "{kid}: {body}");
        assert_eq!(
            *body,
            json!({"logged_in_as": "test", "type": "access", "kid": kid})
        );
        let (status, body) = results.next().unwrap();
        assert_eq!(*status, 422, "{kid}: tampered: {body}");
        assert_eq!(*body, json!({"msg": "Signature verification failed"}));
        let (status, body) = results.next().unwrap();
        assert_eq!(*status, 422, "{kid}: refresh token: {body}");
        assert_eq!(*body, json!({"msg": "Only non-refresh tokens are allowed"}));
    }
    let (status, body) = results.next().unwrap();
    assert_eq!(
        (*status, body),
        (
            200,
            &json!({"logged_in_as": "test", "type": "access", "kid": VERIFY_ONLY.0})
        ),
        "verification-only key"
    );
    let (status, body) = results.next().unwrap();
    assert_eq!(*status, 422, "unknown kid: {body}");
    assert!(
        body["msg"]
            .as_str()
            .unwrap_or_default()
            .contains("Unable to find a signing key"),
        "{body}"
    );
}

async fn whoami(identity: JwtIdentity) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "logged_in_as": identity.0 }))
}

/// A manager that verifies with the JWKS at `url`, with `builder` applied.
fn remote_manager(
    url: &str,
    builder: impl FnOnce(RemoteJwksBuilder) -> RemoteJwksBuilder,
) -> JwtManager {
    let remote = builder(RemoteJwks::from_jwks_uri(url)).build().unwrap();
    JwtManager::builder(JwtConfig::default())
        .remote_jwks(remote)
        .build()
        .unwrap()
}

/// Calls the test `app` with `req`: status and JSON body (or the text as a JSON string).
async fn exchange<S, R, B>(app: &S, req: R) -> (u16, Value)
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let (status, _, body) = call(app, req).await;
    (
        status.as_u16(),
        serde_json::from_slice(&body)
            .unwrap_or_else(|_| json!(String::from_utf8_lossy(&body).into_owned())),
    )
}

/// `GET /whoami` with `token` as bearer token.
fn whoami_request(token: &str) -> atest::TestRequest {
    atest::TestRequest::get()
        .uri("/whoami")
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
}

/// `whoami!(app, token)`: the `(status, body)` of `GET /whoami` on the test `app`.
macro_rules! whoami {
    ($app:expr, $token:expr) => {
        exchange(&$app, whoami_request($token).to_request()).await
    };
}

#[actix_web::test]
async fn remote_jwks_verifier_accepts_example_app_tokens() {
    let apps = KeySetApps::start();
    let verifier = remote_manager(&jwks_url(&apps.apps[0]), |b| b);
    let app = atest::init_service(
        App::new()
            .configure(verifier.init_app())
            .service(web::resource("/whoami").wrap(jwt_required()).to(whoami)),
    )
    .await;
    let ok = json!({"logged_in_as": "test"});
    let tokens = apps.tokens();
    for (kid, _, access, refresh) in &tokens {
        assert_eq!(whoami!(app, access), (200, ok.clone()), "{kid}");
        assert_eq!(
            whoami!(app, &tampered(access)),
            (422, json!({"msg": "Signature verification failed"})),
            "{kid}: tampered"
        );
        assert_eq!(
            whoami!(app, refresh),
            (422, json!({"msg": "Only non-refresh tokens are allowed"})),
            "{kid}: refresh token"
        );
    }
    assert_eq!(
        whoami!(app, &verify_only_token()),
        (200, ok.clone()),
        "verification-only key"
    );
    // Tokens of a different key set (its own kids and keys): unknown to the JWKS.
    let others = [
        ("other-rsa", Algorithm::RS256, "rsa_other_private.pem"),
        ("other-ec", Algorithm::ES256, "ec_other_private.pem"),
        ("other-ed", Algorithm::EdDSA, "ed25519_other_private.pem"),
    ];
    for (kid, alg, pem) in others {
        let set = KeySet::builder()
            .private_pem(kid, alg, fixture(pem))
            .build()
            .unwrap();
        let signer = JwtManager::builder(JwtConfig::default())
            .key_set(set)
            .build()
            .unwrap();
        let t = signer.access_token("test").encode().await.unwrap();
        assert_eq!(jwt_parts(&t).unwrap().0["kid"], kid);
        assert_eq!(
            whoami!(app, &t),
            (422, json!({"msg": "Unknown key ID"})),
            "{kid}"
        );
    }
    // The same kids as the example app, other keys: the signature fails.
    let impostor = KeySet::builder()
        .private_pem(
            "2026-02-ec",
            Algorithm::ES256,
            fixture("ec_other_private.pem"),
        )
        .build()
        .unwrap();
    let impostor = JwtManager::builder(JwtConfig::default())
        .key_set(impostor)
        .build()
        .unwrap();
    let t = impostor.access_token("test").encode().await.unwrap();
    assert_eq!(
        whoami!(app, &t),
        (422, json!({"msg": "Signature verification failed"})),
        "known kid, other key"
    );
    // A token without kid, while the JWKS has four keys.
    let t = signed(Algorithm::RS256, None, "rsa_private.pem");
    assert_eq!(
        whoami!(app, &t),
        (422, json!({"msg": "Missing key ID"})),
        "no kid"
    );
    // And the genuine tokens still pass after all that.
    for (kid, _, access, _) in &tokens {
        assert_eq!(whoami!(app, access), (200, ok.clone()), "{kid}");
    }
}

#[actix_web::test]
async fn remote_jwks_verifier_accepts_single_key_tokens_without_kid() {
    let server = Server::example_app(&[
        ("JWT_ALGORITHM", "ES256"),
        ("JWT_PRIVATE_KEY", &fixture("ec_private.pem")),
        ("JWT_PUBLIC_KEY", &fixture("ec_public.pem")),
    ]);
    let verifier = remote_manager(&jwks_url(&server), |b| b);
    let app = atest::init_service(
        App::new()
            .configure(verifier.init_app())
            .service(web::resource("/whoami").wrap(jwt_required()).to(whoami)),
    )
    .await;
    let (access, _) = login(&server);
    assert!(jwt_parts(&access).unwrap().0.get("kid").is_none());
    assert_eq!(
        whoami!(app, &access),
        (200, json!({"logged_in_as": "test"}))
    );
    // Another P-256 key, no kid: the JWKS's only key does not verify it.
    let t = signed(Algorithm::ES256, None, "ec_other_private.pem");
    assert_eq!(
        whoami!(app, &t),
        (422, json!({"msg": "Signature verification failed"}))
    );
}

// ---------------------------------------------------------------------------------------------
// Rotation by file, seen by both verifiers
// ---------------------------------------------------------------------------------------------

/// Writes `<dir>/<kid>.pem` atomically (the app ignores files not ending in `.pem`).
fn add_key_file(dir: &TempDir, kid: &str, pem: &str) {
    let tmp = dir.path().join(format!("{kid}.pem.tmp"));
    std::fs::write(&tmp, fixture(pem)).unwrap();
    std::fs::rename(&tmp, dir.path().join(format!("{kid}.pem"))).unwrap();
}

#[actix_web::test]
async fn rotation_by_file_reaches_remote_verifiers() {
    let dir = TempDir::new();
    add_key_file(&dir, "2026-01-rsa", "rsa_private.pem");
    let path = dir.path().to_string_lossy().into_owned();
    let server = Server::example_app(&[("JWT_KEYS_DIR", &path), ("JWT_KEYS_RELOAD", "1")]);
    let url = jwks_url(&server);
    assert_eq!(kids(&get_jwks(&server)), ["2026-01-rsa"]);
    let (old, _) = login(&server);
    assert_eq!(jwt_parts(&old).unwrap().0["kid"], "2026-01-rsa");

    let verifier = remote_manager(&url, |b| {
        b.refetch_interval(Duration::ZERO)
            .max_age(Duration::from_millis(500))
    });
    let app = atest::init_service(
        App::new()
            .configure(verifier.init_app())
            .service(web::resource("/whoami").wrap(jwt_required()).to(whoami)),
    )
    .await;
    let ok = (200, json!({"logged_in_as": "test"}));
    assert_eq!(whoami!(app, &old), ok, "before the rotation");

    // Step 2 of a rotation: a new key, which becomes current (its kid sorts last).
    add_key_file(&dir, "2026-02-ec", "ec_private.pem");
    wait_until("the new key in the JWKS", Duration::from_secs(15), || {
        kids(&get_jwks(&server)) == ["2026-01-rsa", "2026-02-ec"]
    });
    let (new, _) = login(&server);
    assert_eq!(
        jwt_parts(&new).unwrap().0,
        json!({"alg": "ES256", "kid": "2026-02-ec", "typ": "JWT"})
    );
    // The remote verifier holds the old document: the unknown kid makes it fetch again.
    assert_eq!(whoami!(app, &new), ok, "new key");
    assert_eq!(whoami!(app, &old), ok, "old key, still published");
    let out = py_verify(&url, &[&old, &new], false);
    assert_eq!(out[0]["ok"], true, "{}", out[0]);
    assert_eq!(out[1]["ok"], true, "{}", out[1]);
    assert_eq!(out[1]["kid"], "2026-02-ec");

    // Step 3: the old key is dropped; its tokens are refused everywhere.
    std::fs::remove_file(dir.path().join("2026-01-rsa.pem")).unwrap();
    wait_until(
        "the old key gone from the JWKS",
        Duration::from_secs(15),
        || kids(&get_jwks(&server)) == ["2026-02-ec"],
    );
    let resp =
        server.send(&Request::get("/protected").header("Authorization", &format!("Bearer {old}")));
    assert_eq!(resp.status, 422, "{}", resp.text());
    assert_eq!(resp.json(), Some(json!({"message": "Unknown key ID"})));
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    // Past max_age the verifier answers once more from its stale keys while a background fetch
    // renews them; then the retired key is unknown.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut answer = whoami!(app, &old);
    while answer.0 == 200 && Instant::now() < deadline {
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        answer = whoami!(app, &old);
    }
    assert_eq!(
        answer,
        (422, json!({"msg": "Unknown key ID"})),
        "retired key"
    );
    assert_eq!(whoami!(app, &new), ok, "current key");
    let out = py_verify(&url, &[&old, &new], false);
    assert_eq!(out[0]["error"], "PyJWKClientError", "{}", out[0]);
    assert_eq!(out[1]["ok"], true, "{}", out[1]);
}

// ---------------------------------------------------------------------------------------------
// 5. serve_jwks at library level
// ---------------------------------------------------------------------------------------------

fn key_set_manager() -> JwtManager {
    let set = KeySet::builder()
        .public_pem("k0", Algorithm::PS384, fixture("rsa_public.pem"))
        .private_pem("k1", Algorithm::EdDSA, fixture("ed25519_private.pem"))
        .build()
        .unwrap();
    JwtManager::builder(JwtConfig::default())
        .key_set(set)
        .build()
        .unwrap()
}

/// `method /.well-known/jwks.json`.
fn jwks_request(method: Method) -> atest::TestRequest {
    atest::TestRequest::default().method(method).uri(JWKS_PATH)
}

/// Calls the test `app` with `req`: status, headers and body.
async fn call<S, R, B>(app: &S, req: R) -> (StatusCode, Vec<(String, String)>, Vec<u8>)
where
    S: Service<R, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let resp = atest::call_service(app, req).await;
    let status = resp.status();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let body = atest::read_body(resp).await.to_vec();
    (status, headers, body)
}

fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[actix_web::test]
async fn serve_jwks_serves_the_current_key_set() {
    let jwt = key_set_manager();
    let app = atest::init_service(
        App::new()
            .configure(jwt.init_app())
            .configure(jwt.serve_jwks(JWKS_PATH)),
    )
    .await;

    let (status, headers, body) = call(&app, jwks_request(Method::GET).to_request()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        header_of(&headers, "content-type"),
        Some("application/json")
    );
    assert_eq!(
        header_of(&headers, "cache-control"),
        Some("public, max-age=300")
    );
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(doc, serde_json::to_value(jwt.jwks()).unwrap());
    assert_eq!(kids(&doc), ["k0", "k1"]);
    assert_eq!(doc["keys"][0]["alg"], "PS384");
    assert_eq!(doc["keys"][0]["kty"], "RSA");
    assert_eq!(doc["keys"][1]["alg"], "EdDSA");
    assert_eq!(doc["keys"][1]["crv"], "Ed25519");
    for key in doc["keys"].as_array().unwrap() {
        assert_eq!(key["use"], "sig");
        for private in PRIVATE_MEMBERS {
            assert!(key.get(private).is_none(), "{private}: {key}");
        }
    }
    let before = jwt.access_token("alice").encode().await.unwrap();
    assert_eq!(jwt_parts(&before).unwrap().0["kid"], "k1");

    // The rotation: k0 retired, k1 kept to verify its tokens, k2 current.
    let rotated = KeySet::builder()
        .public_pem("k1", Algorithm::EdDSA, fixture("ed25519_public.pem"))
        .private_pem("k2", Algorithm::ES384, fixture("ec384_private.pem"))
        .build()
        .unwrap();
    jwt.replace_key_set(rotated).unwrap();
    let (status, headers, body) = call(&app, jwks_request(Method::GET).to_request()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        header_of(&headers, "cache-control"),
        Some("public, max-age=300")
    );
    let doc: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        kids(&doc),
        ["k1", "k2"],
        "served after replace_key_set: {doc}"
    );
    assert_eq!(doc, serde_json::to_value(jwt.jwks()).unwrap());
    assert_eq!(doc["keys"][1]["alg"], "ES384");
    assert_eq!(doc["keys"][1]["crv"], "P-384");
    let after = jwt.access_token("bob").encode().await.unwrap();
    assert_eq!(jwt_parts(&after).unwrap().0["kid"], "k2");
    assert_eq!(
        jwt.decode_token(&before).await.unwrap().identity_str(),
        Some("alice"),
        "k1 still verifies"
    );

    // Single-key and HMAC managers: the document, and no key set to replace.
    let config = JwtConfig::builder()
        .algorithm(Algorithm::ES256)
        .private_key(fixture("ec_private.pem"))
        .public_key(fixture("ec_public.pem"))
        .build()
        .unwrap();
    let single = JwtManager::new(config).unwrap();
    assert!(single.replace_key_set(one_key_set()).is_err());
    let hmac = JwtManager::new(JwtConfig::builder().secret_key(SECRET).build().unwrap()).unwrap();
    let app = atest::init_service(App::new().configure(hmac.serve_jwks(JWKS_PATH))).await;
    let (status, _, body) = call(&app, jwks_request(Method::GET).to_request()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"keys": []})
    );
}

fn one_key_set() -> KeySet {
    KeySet::builder()
        .private_pem("x", Algorithm::ES256, fixture("ec_private.pem"))
        .build()
        .unwrap()
}

/// `serve_jwks` is documented to answer `GET` and `HEAD`.
#[actix_web::test]
async fn serve_jwks_answers_head() {
    let jwt = key_set_manager();
    let app = atest::init_service(
        App::new()
            .configure(jwt.init_app())
            .configure(jwt.serve_jwks(JWKS_PATH)),
    )
    .await;
    let (get_status, get_headers, _) = call(&app, jwks_request(Method::GET).to_request()).await;
    assert_eq!(get_status, StatusCode::OK);
    // (The test service has no HTTP layer, which is what drops a HEAD answer's body: only
    // the status and headers are compared here.)
    let (status, headers, _) = call(&app, jwks_request(Method::HEAD).to_request()).await;

    // And over HTTP on the example app, which serves it with `serve_jwks` too.
    let server = Server::example_app(&[
        ("JWT_ALGORITHM", "EdDSA"),
        ("JWT_PRIVATE_KEY", &fixture("ed25519_private.pem")),
        ("JWT_PUBLIC_KEY", &fixture("ed25519_public.pem")),
    ]);
    get_jwks(&server);
    let over_http = send(server.base_url(), &Request::new("HEAD", JWKS_PATH));

    assert_eq!(
        (status.as_u16(), over_http.status),
        (200, 200),
        "HEAD {JWKS_PATH}: (library, example app)"
    );
    for name in ["content-type", "cache-control"] {
        assert_eq!(
            header_of(&headers, name),
            header_of(&get_headers, name),
            "{name}"
        );
    }
    assert_eq!(
        over_http.header("cache-control"),
        Some("public, max-age=300")
    );
    assert_eq!(over_http.header("content-type"), Some("application/json"));
}
