//! `RemoteJwks` (feature `remote-jwks`): an identity provider's tokens verified with the keys
//! of its JWKS, end to end over real HTTP.
//!
//! Each test starts a local issuer on 127.0.0.1 (an actix-web server on an ephemeral port, in
//! the test's runtime, plain HTTP or TLS) that serves an OpenID Connect discovery document and
//! a JWKS from shared mutable state, so that a test can rotate keys, count the issuer's
//! requests, and make it slow, failing, oversized or redirecting. The keys are generated in
//! the test (rcgen); tokens are signed by a separate `JwtManager` built from a `KeySet` (or by
//! hand for odd headers). The app under test is a small actix app served with
//! `actix_test::start_with`, whose `JwtManager` verifies with the `RemoteJwks`.
//!
//! Covered: discovery and JWKS, ES256 / ES384 / EdDSA / RS256 / PS256 tokens accepted through
//! `jwt_required()` and the extractors; `iss` / `aud` checks; a discovery document naming
//! another issuer; key rotation at the issuer (refetch on an unknown `kid`, rate limited by
//! `refetch_interval`); a flood of made-up `kid`s; slow, failing, garbage, oversized,
//! redirecting and down issuers (503 within the timeout, never a hang); stale keys kept
//! through an outage; per-key algorithm pinning and skipped keys; single-flight fetches under
//! concurrency; HTTPS with a private CA (and refused with the default roots); `http://` off
//! loopback refused at build.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_jwt_ext::jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind, EncodingKey};
use actix_jwt_ext::RemoteJwks;
use actix_jwt_ext::{jwt_required, Claims, Jwt, JwtConfig, JwtIdentity, JwtManager, KeySet};
use actix_test::TestServer;
use actix_web::dev::ServerHandle;
use actix_web::rt::time::sleep;
use actix_web::web::Bytes;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use e2e_tests::{fixture, now, token};
use futures_util::future::join_all;
use futures_util::StreamExt as _;
use serde_json::{json, Value};

/// The `iss` of the tokens of issuers configured with `from_jwks_uri(..).issuer(ISS)`.
const ISS: &str = "https://issuer.test";
/// The audience of this API.
const AUD: &str = "my-api";
const UNAVAILABLE: &str = "Token signing keys are unavailable";
const UNKNOWN_KID: &str = "Unknown key ID";
const MISSING_KID: &str = "Missing key ID";
const ALG_NOT_ALLOWED: &str = "The specified alg value is not allowed";
const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

fn msg(text: &str) -> Value {
    json!({ "msg": text })
}

// ---------------------------------------------------------------------------------------------
// Keys and tokens
// ---------------------------------------------------------------------------------------------

/// A signing key of the issuer: its private PEM, a manager that signs with it (kid in the
/// header), and its public JWK as the issuer publishes it.
struct Key {
    kid: String,
    alg: Algorithm,
    pem: String,
    signer: JwtManager,
    jwk: Value,
}

/// A fresh key for `alg`, generated with rcgen.
fn key(kid: &str, alg: Algorithm) -> Key {
    let rc_alg = match alg {
        Algorithm::ES256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        Algorithm::ES384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        Algorithm::EdDSA => &rcgen::PKCS_ED25519,
        _ => &rcgen::PKCS_RSA_SHA256,
    };
    let pem = rcgen::KeyPair::generate_for(rc_alg)
        .unwrap_or_else(|e| panic!("rcgen cannot generate a {alg:?} key: {e}"))
        .serialize_pem();
    key_from_pem(kid, alg, pem)
}

fn key_from_pem(kid: &str, alg: Algorithm, pem: String) -> Key {
    let set = KeySet::builder()
        .private_pem(kid, alg, pem.as_bytes())
        .build()
        .unwrap_or_else(|e| panic!("KeySet refuses the {alg:?} key {kid}: {e}"));
    let signer = JwtManager::builder(JwtConfig::default())
        .key_set(set)
        .build()
        .unwrap();
    let jwks = signer.jwks();
    assert_eq!(jwks.keys.len(), 1);
    let jwk = serde_json::to_value(&jwks.keys[0]).unwrap();
    assert_eq!(jwk["kid"], kid, "{jwk}");
    assert_eq!(jwk["alg"], format!("{alg:?}"), "{jwk}");
    Key {
        kid: kid.to_owned(),
        alg,
        pem,
        signer,
        jwk,
    }
}

impl Key {
    /// An access token for `alice` signed by the issuer, with `claims` added.
    async fn token(&self, claims: Value) -> String {
        self.signer
            .access_token("alice")
            .claims(claims)
            .encode()
            .await
            .unwrap()
    }

    fn encoding_key(&self) -> EncodingKey {
        let pem = self.pem.as_bytes();
        match self.alg {
            Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(pem),
            Algorithm::EdDSA => EncodingKey::from_ed_pem(pem),
            _ => EncodingKey::from_rsa_pem(pem),
        }
        .unwrap()
    }

    /// A token with exactly `header`, signed with this key and `alg`.
    fn token_with_header(&self, header: Value, claims: &Value, alg: Algorithm) -> String {
        token::with_header(&header, claims, alg, &self.encoding_key())
    }

    /// A token signed with this key and its algorithm, naming `kid` (any string).
    fn token_with_kid(&self, kid: &str, claims: &Value) -> String {
        self.token_with_header(
            json!({"alg": format!("{:?}", self.alg), "typ": "JWT", "kid": kid}),
            claims,
            self.alg,
        )
    }

    /// The public JWK with members replaced (`null` removes one).
    fn jwk_with(&self, changes: Value) -> Value {
        let mut jwk = self.jwk.clone();
        let object = jwk.as_object_mut().unwrap();
        for (name, value) in changes.as_object().unwrap() {
            if value.is_null() {
                object.remove(name);
            } else {
                object.insert(name.clone(), value.clone());
            }
        }
        jwk
    }
}

/// The claims a token of the issuer `iss` for `aud` adds (the signer adds `sub` and the rest).
fn iss_aud(iss: &str, aud: &str) -> Value {
    json!({ "iss": iss, "aud": aud })
}

/// Complete claims for hand-made tokens.
fn full_claims(iss: &str, aud: &str) -> Value {
    let t = now();
    json!({ "sub": "alice", "iss": iss, "aud": aud, "iat": t, "nbf": t, "exp": t + 600 })
}

/// The modulus and exponent of an RSA public key PEM (any size), from its PKCS#1 DER.
fn rsa_components(public_pem: &str) -> (Vec<u8>, Vec<u8>) {
    let key = DecodingKey::from_rsa_pem(public_pem.as_bytes()).unwrap();
    let DecodingKeyKind::SecretOrDer(der) = key.kind() else {
        panic!("an RSA PEM key is DER")
    };
    /// One DER element with `tag`: its content and what follows it.
    fn element(der: &[u8], tag: u8) -> (&[u8], &[u8]) {
        assert_eq!(der[0], tag, "DER tag");
        let (len, header) = if der[1] < 0x80 {
            (usize::from(der[1]), 2)
        } else {
            let n = usize::from(der[1] & 0x7f);
            let len = der[2..2 + n]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, 2 + n)
        };
        (&der[header..header + len], &der[header + len..])
    }
    let (sequence, _) = element(der, 0x30);
    let (n, rest) = element(sequence, 0x02);
    let (e, _) = element(rest, 0x02);
    let strip = |v: &[u8]| {
        let zeros = v.iter().take_while(|b| **b == 0).count();
        v[zeros..].to_vec()
    };
    (strip(n), strip(e))
}

// ---------------------------------------------------------------------------------------------
// The local issuer
// ---------------------------------------------------------------------------------------------

/// How the issuer answers discovery and JWKS requests.
#[derive(Clone, Debug, PartialEq)]
enum Mode {
    Normal,
    /// Sleeps, then answers normally.
    Slow(Duration),
    /// Sends the headers and the first bytes at once, the rest after the delay.
    SlowBody(Duration),
    /// HTTP 500 with a JSON body (a JWKS even, for `/jwks`).
    Status500,
    /// 200, `Content-Type: application/json`, HTML.
    NotJson,
    /// The document with chunked transfer encoding (no Content-Length).
    Chunked,
    /// 302 to `/moved`, which serves the JWKS.
    Redirect,
}

#[derive(Debug)]
struct IssuerState {
    /// The JWKs of `/jwks`.
    keys: Vec<Value>,
    /// Replaces the whole JWKS document when set.
    jwks_document: Option<Value>,
    /// Replaces the discovery document when set.
    discovery: Option<Value>,
    /// Bytes of filler in a `"padding"` member of the JWKS.
    padding: usize,
    mode: Mode,
}

#[derive(Debug, Default)]
struct Hits {
    discovery: AtomicUsize,
    jwks: AtomicUsize,
    moved: AtomicUsize,
}

#[derive(Clone, Debug)]
struct Shared {
    base: String,
    state: Arc<Mutex<IssuerState>>,
    hits: Arc<Hits>,
}

/// A running issuer, stopped on drop.
struct Issuer {
    shared: Shared,
    handle: ServerHandle,
}

impl Drop for Issuer {
    fn drop(&mut self) {
        #[allow(clippy::let_underscore_future)]
        let _ = self.handle.stop(false);
    }
}

impl Issuer {
    /// A plain-HTTP issuer publishing `keys`.
    fn start(keys: Vec<Value>) -> Self {
        Self::start_with(keys, None)
    }

    /// An issuer on 127.0.0.1 (TLS when `tls` is given), in the current actix system.
    fn start_with(keys: Vec<Value>, tls: Option<rustls::ServerConfig>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let scheme = if tls.is_some() { "https" } else { "http" };
        let shared = Shared {
            base: format!("{scheme}://127.0.0.1:{port}"),
            state: Arc::new(Mutex::new(IssuerState {
                keys,
                jwks_document: None,
                discovery: None,
                padding: 0,
                mode: Mode::Normal,
            })),
            hits: Arc::new(Hits::default()),
        };
        let data = web::Data::new(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(serve_issuer))
        })
        .workers(2)
        .disable_signals()
        .shutdown_timeout(1);
        let server = match tls {
            Some(config) => server.listen_rustls_0_23(listener, config),
            None => server.listen(listener),
        }
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self { shared, handle }
    }

    /// The issuer URL (the discovery base and the `iss` of its tokens).
    fn base(&self) -> &str {
        &self.shared.base
    }

    fn jwks_uri(&self) -> String {
        format!("{}/jwks", self.shared.base)
    }

    fn update(&self, f: impl FnOnce(&mut IssuerState)) {
        f(&mut self.shared.state.lock().unwrap());
    }

    fn set_keys(&self, keys: Vec<Value>) {
        self.update(|s| s.keys = keys);
    }

    fn set_mode(&self, mode: Mode) {
        self.update(|s| s.mode = mode);
    }

    fn jwks_hits(&self) -> usize {
        self.shared.hits.jwks.load(Ordering::SeqCst)
    }

    fn discovery_hits(&self) -> usize {
        self.shared.hits.discovery.load(Ordering::SeqCst)
    }

    fn moved_hits(&self) -> usize {
        self.shared.hits.moved.load(Ordering::SeqCst)
    }

    /// Stops the server: its port refuses connections from now on.
    async fn stop(&self) {
        self.handle.stop(false).await;
    }
}

fn jwks_document(state: &IssuerState) -> Value {
    if let Some(doc) = &state.jwks_document {
        return doc.clone();
    }
    let mut doc = json!({ "keys": state.keys });
    if state.padding > 0 {
        doc["padding"] = Value::String("x".repeat(state.padding));
    }
    doc
}

async fn serve_issuer(req: HttpRequest, shared: web::Data<Shared>) -> HttpResponse {
    let (mode, document) = {
        let state = shared.state.lock().unwrap();
        let document = match req.path() {
            DISCOVERY_PATH => {
                shared.hits.discovery.fetch_add(1, Ordering::SeqCst);
                state.discovery.clone().unwrap_or_else(|| {
                    json!({
                        "issuer": shared.base,
                        "jwks_uri": format!("{}/jwks", shared.base),
                        "id_token_signing_alg_values_supported": ["ES256", "EdDSA", "RS256"],
                    })
                })
            }
            "/jwks" => {
                shared.hits.jwks.fetch_add(1, Ordering::SeqCst);
                jwks_document(&state)
            }
            "/moved" => {
                shared.hits.moved.fetch_add(1, Ordering::SeqCst);
                return HttpResponse::Ok().json(jwks_document(&state));
            }
            _ => return HttpResponse::NotFound().finish(),
        };
        (state.mode.clone(), document)
    };
    let body = serde_json::to_vec(&document).unwrap();
    match mode {
        Mode::Normal => HttpResponse::Ok()
            .content_type("application/json")
            .body(body),
        Mode::Slow(delay) => {
            sleep(delay).await;
            HttpResponse::Ok()
                .content_type("application/json")
                .body(body)
        }
        Mode::SlowBody(delay) => {
            let tail = Bytes::copy_from_slice(&body[10..]);
            let head = Bytes::copy_from_slice(&body[..10]);
            let stream = futures_util::stream::iter([Ok::<_, actix_web::Error>(head)]).chain(
                futures_util::stream::once(async move {
                    sleep(delay).await;
                    Ok::<_, actix_web::Error>(tail)
                }),
            );
            HttpResponse::Ok()
                .content_type("application/json")
                .streaming(stream)
        }
        Mode::Status500 => HttpResponse::InternalServerError()
            .content_type("application/json")
            .body(body),
        Mode::NotJson => HttpResponse::Ok()
            .content_type("application/json")
            .body("<html><body>Service temporarily unavailable</body></html>"),
        Mode::Chunked => {
            let stream =
                futures_util::stream::once(
                    async move { Ok::<_, actix_web::Error>(Bytes::from(body)) },
                );
            HttpResponse::Ok()
                .content_type("application/json")
                .streaming(stream)
        }
        Mode::Redirect => HttpResponse::Found()
            .insert_header(("Location", format!("{}/moved", shared.base)))
            .finish(),
    }
}

// ---------------------------------------------------------------------------------------------
// The app under test
// ---------------------------------------------------------------------------------------------

/// A manager that verifies with `remote`, and an app serving it over HTTP with `workers`
/// workers: `/protected` (`jwt_required()` + `JwtIdentity`) and `/extract` (extractors only).
fn serve_app(remote: &RemoteJwks, workers: usize) -> (JwtManager, TestServer) {
    serve_app_with(JwtConfig::default(), remote, workers)
}

/// [`serve_app`] with another configuration.
fn serve_app_with(
    config: JwtConfig,
    remote: &RemoteJwks,
    workers: usize,
) -> (JwtManager, TestServer) {
    let jwt = JwtManager::builder(config)
        .remote_jwks(remote.clone())
        .build()
        .unwrap();
    let app_jwt = jwt.clone();
    let srv = actix_test::start_with(actix_test::config().workers(workers), move || {
        App::new()
            .configure(app_jwt.init_app())
            .service(
                web::resource("/protected")
                    .wrap(jwt_required())
                    .to(protected),
            )
            .route("/extract", web::get().to(extract))
    });
    (jwt, srv)
}

async fn protected(identity: JwtIdentity<String>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "logged_in_as": identity.0 }))
}

async fn extract(identity: JwtIdentity<String>, claims: Claims<Value>, jwt: Jwt) -> HttpResponse {
    let header = jwt.token().header();
    HttpResponse::Ok().json(json!({
        "sub": identity.0,
        "iss": claims.0["iss"],
        "aud": claims.0["aud"],
        "kid": header.get("kid"),
        "alg": header.get("alg"),
    }))
}

/// `GET path` with the token as bearer: status and JSON body. Never waits more than 20 s.
async fn get(srv: &TestServer, path: &str, token: &str) -> (u16, Value) {
    let exchange = async {
        let mut resp = srv
            .get(path)
            .bearer_auth(token)
            .send()
            .await
            .expect("the app answers");
        let body = resp.body().await.expect("the app's body");
        let json = serde_json::from_slice(&body)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
        (resp.status().as_u16(), json)
    };
    actix_web::rt::time::timeout(Duration::from_secs(20), exchange)
        .await
        .unwrap_or_else(|_| panic!("GET {path}: no answer within 20 s (a hang)"))
}

/// [`get`] on `/protected`, timed.
async fn timed(srv: &TestServer, token: &str) -> ((u16, Value), Duration) {
    let start = Instant::now();
    let answer = get(srv, "/protected", token).await;
    (answer, start.elapsed())
}

fn ok() -> (u16, Value) {
    (200, json!({ "logged_in_as": "alice" }))
}

fn refused(status: u16, text: &str) -> (u16, Value) {
    (status, msg(text))
}

// ---------------------------------------------------------------------------------------------
// 1. Discovery, the happy path, iss and aud
// ---------------------------------------------------------------------------------------------

#[actix_web::test]
async fn discovery_then_jwks_verifies_every_key_type_and_checks_iss_and_aud() {
    let keys = [
        key("es256-1", Algorithm::ES256),
        key("es384-1", Algorithm::ES384),
        key("ed-1", Algorithm::EdDSA),
        key("rs-1", Algorithm::RS256),
        key("ps-1", Algorithm::PS256),
    ];
    let issuer = Issuer::start(keys.iter().map(|k| k.jwk.clone()).collect());
    let remote = RemoteJwks::discover(issuer.base())
        .audience(AUD)
        .build()
        .unwrap();
    let (jwt, srv) = serve_app(&remote, 2);
    assert!(remote.cached_kids().is_empty(), "nothing fetched yet");
    assert_eq!(issuer.discovery_hits() + issuer.jwks_hits(), 0);

    let good = iss_aud(issuer.base(), AUD);
    for k in &keys {
        let t = k.token(good.clone()).await;
        assert_eq!(get(&srv, "/protected", &t).await, ok(), "{:?}", k.alg);
        let (status, body) = get(&srv, "/extract", &t).await;
        assert_eq!(status, 200, "{:?}: {body}", k.alg);
        assert_eq!(
            body,
            json!({
                "sub": "alice",
                "iss": issuer.base(),
                "aud": AUD,
                "kid": k.kid,
                "alg": format!("{:?}", k.alg),
            })
        );
    }
    // One discovery, one JWKS fetch: ten verifications from the cache.
    assert_eq!(issuer.discovery_hits(), 1);
    assert_eq!(issuer.jwks_hits(), 1);
    let mut kids = remote.cached_kids();
    kids.sort();
    assert_eq!(kids, ["ed-1", "es256-1", "es384-1", "ps-1", "rs-1"]);

    // The issuer and the audience are checked (PyJWT's messages).
    let es = &keys[0];
    let cases = [
        (
            "another issuer",
            iss_aud("https://evil.example", AUD),
            "Invalid issuer",
        ),
        (
            "the issuer with a trailing slash",
            iss_aud(&format!("{}/", issuer.base()), AUD),
            "Invalid issuer",
        ),
        (
            "no iss",
            json!({ "aud": AUD }),
            "Token is missing the \"iss\" claim",
        ),
        (
            "another audience",
            iss_aud(issuer.base(), "other-api"),
            "Audience doesn't match",
        ),
        (
            "no aud",
            json!({ "iss": issuer.base() }),
            "Token is missing the \"aud\" claim",
        ),
    ];
    for (label, claims, expected) in cases {
        let t = es.token(claims).await;
        assert_eq!(
            get(&srv, "/protected", &t).await,
            refused(422, expected),
            "{label}"
        );
        assert_eq!(
            get(&srv, "/extract", &t).await,
            refused(422, expected),
            "{label} (extractors)"
        );
    }
    // An audience list naming this API is accepted.
    let t = es
        .token(json!({ "iss": issuer.base(), "aud": ["other-api", AUD] }))
        .await;
    assert_eq!(get(&srv, "/protected", &t).await, ok());

    // A token of a key the issuer does not hold, under a published kid: a bad signature.
    let intruder = key("es256-1", Algorithm::ES256);
    let t = intruder.token(good.clone()).await;
    assert_eq!(
        get(&srv, "/protected", &t).await,
        refused(422, "Signature verification failed")
    );
    // No token at all.
    let mut resp = srv.get("/protected").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(
        serde_json::from_slice::<Value>(&resp.body().await.unwrap()).unwrap(),
        msg("Missing Authorization Header")
    );
    // The refusals fetched nothing more.
    assert_eq!((issuer.discovery_hits(), issuer.jwks_hits()), (1, 1));

    // The manager verifies only: it cannot sign and publishes no keys.
    let err = jwt.access_token("alice").encode().await.unwrap_err();
    assert!(err.kind() == actix_jwt_ext::ErrorKind::Encode, "{err:?}");
    assert!(jwt.jwks().keys.is_empty());
    // decode_token goes through the same keys.
    let decoded = jwt
        .decode_token(&keys[2].token(good.clone()).await)
        .await
        .unwrap();
    assert_eq!(decoded.identity_str(), Some("alice"));
}

#[actix_web::test]
async fn discovery_document_naming_another_issuer_gives_no_keys() {
    let es = key("es-1", Algorithm::ES256);
    let issuer = Issuer::start(vec![es.jwk.clone()]);
    let jwks_uri = issuer.jwks_uri();
    let good = iss_aud(issuer.base(), AUD);
    let t = es.token(good).await;
    for (label, doc_issuer) in [
        ("another issuer", "https://someone-else.example".to_owned()),
        ("a trailing slash", format!("{}/", issuer.base())),
        ("another letter case", issuer.base().to_uppercase()),
    ] {
        issuer
            .update(|s| s.discovery = Some(json!({ "issuer": doc_issuer, "jwks_uri": jwks_uri })));
        let before = issuer.jwks_hits();
        let remote = RemoteJwks::discover(issuer.base())
            .audience(AUD)
            .build()
            .unwrap();
        let (_jwt, srv) = serve_app(&remote, 1);
        assert_eq!(
            get(&srv, "/protected", &t).await,
            refused(503, UNAVAILABLE),
            "{label}"
        );
        let err = remote.refresh().await.unwrap_err();
        assert!(
            err.kind() == actix_jwt_ext::ErrorKind::KeysUnavailable,
            "{label}: {err:?}"
        );
        assert_eq!(issuer.jwks_hits(), before, "{label}: the JWKS was fetched");
        assert!(remote.cached_kids().is_empty());
    }
    // No issuer in the document, or no jwks_uri: no keys either.
    for (label, doc) in [
        ("no issuer", json!({ "jwks_uri": jwks_uri })),
        ("no jwks_uri", json!({ "issuer": issuer.base() })),
        (
            "issuer not a string",
            json!({ "issuer": [issuer.base()], "jwks_uri": jwks_uri }),
        ),
    ] {
        issuer.update(|s| s.discovery = Some(doc));
        let remote = RemoteJwks::discover(issuer.base()).build().unwrap();
        let err = remote.refresh().await.unwrap_err();
        assert!(
            err.kind() == actix_jwt_ext::ErrorKind::KeysUnavailable,
            "{label}: {err:?}"
        );
    }
    // Control: the right document, the same remote settings, and the token verifies.
    issuer.update(|s| s.discovery = None);
    let remote = RemoteJwks::discover(issuer.base())
        .audience(AUD)
        .build()
        .unwrap();
    assert_eq!(remote.refresh().await.unwrap(), 1);
    let (_jwt, srv) = serve_app(&remote, 1);
    assert_eq!(get(&srv, "/protected", &t).await, ok());
}

#[actix_web::test]
async fn iss_and_aud_checks_follow_the_settings() {
    let k1 = key("k1", Algorithm::ES256);
    let issuer = Issuer::start(vec![k1.jwk.clone()]);

    // from_jwks_uri without issuer or audience: neither is checked.
    let lax = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
        .build()
        .unwrap();
    let (_jwt, srv) = serve_app(&lax, 1);
    for claims in [
        json!({}),
        iss_aud("https://anyone.example", "anything"),
        json!({ "iss": ISS }),
    ] {
        let t = k1.token(claims.clone()).await;
        assert_eq!(get(&srv, "/protected", &t).await, ok(), "{claims}");
    }

    // JWT_DECODE_ISSUER / JWT_DECODE_AUDIENCE win over the remote issuer's settings.
    let remote = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
        .issuer(ISS)
        .audience(AUD)
        .build()
        .unwrap();
    let config = JwtConfig::builder()
        .decode_issuer(["https://other-issuer.test"])
        .decode_audience(["other-api"])
        // No secret: build() would want one; the manager validates the rest.
        .build_unchecked();
    let (_jwt, srv) = serve_app_with(config, &remote, 1);
    let cases = [
        (iss_aud(ISS, AUD), refused(422, "Invalid issuer")),
        (
            iss_aud("https://other-issuer.test", AUD),
            refused(422, "Audience doesn't match"),
        ),
        (iss_aud("https://other-issuer.test", "other-api"), ok()),
    ];
    for (claims, expected) in cases {
        let t = k1.token(claims.clone()).await;
        assert_eq!(get(&srv, "/protected", &t).await, expected, "{claims}");
    }

    // Several audiences: any one of them.
    let remote = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
        .issuer(ISS)
        .audience(AUD)
        .audience("second-api")
        .build()
        .unwrap();
    let (_jwt, srv) = serve_app(&remote, 1);
    for (aud, expected) in [
        (AUD, ok()),
        ("second-api", ok()),
        ("third-api", refused(422, "Audience doesn't match")),
    ] {
        let t = k1.token(iss_aud(ISS, aud)).await;
        assert_eq!(get(&srv, "/protected", &t).await, expected, "{aud}");
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Rotation at the issuer: refetch on an unknown kid, rate limited
// ---------------------------------------------------------------------------------------------

#[actix_web::test]
async fn unknown_kid_refetches_at_most_once_per_refetch_interval() {
    const INTERVAL: Duration = Duration::from_millis(1500);
    let k1 = key("k1", Algorithm::ES256);
    let k2 = key("k2", Algorithm::EdDSA);
    let k3 = key("k3", Algorithm::ES256);
    let issuer = Issuer::start(vec![k1.jwk.clone()]);
    let remote = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
        .issuer(ISS)
        .audience(AUD)
        .refetch_interval(INTERVAL)
        .build()
        .unwrap();
    let (_jwt, srv) = serve_app(&remote, 2);
    let claims = iss_aud(ISS, AUD);
    let t1 = k1.token(claims.clone()).await;
    let t2 = k2.token(claims.clone()).await;
    let t3 = k3.token(claims.clone()).await;

    let fetch_started = Instant::now();
    assert_eq!(get(&srv, "/protected", &t1).await, ok());
    assert_eq!(issuer.jwks_hits(), 1);
    assert_eq!(
        issuer.discovery_hits(),
        0,
        "from_jwks_uri does no discovery"
    );

    // The issuer rotates (adds k2) without restarting. Within the interval of the first
    // fetch, k2 is unknown and no fetch happens.
    issuer.set_keys(vec![k1.jwk.clone(), k2.jwk.clone()]);
    assert_eq!(
        get(&srv, "/protected", &t2).await,
        refused(422, UNKNOWN_KID)
    );
    assert!(
        fetch_started.elapsed() < INTERVAL,
        "the machine is too slow for this test: {:?}",
        fetch_started.elapsed()
    );
    assert_eq!(issuer.jwks_hits(), 1, "fetched within the refetch interval");

    // After the interval, the unknown kid causes one refetch, which finds k2.
    sleep(INTERVAL + Duration::from_millis(100)).await;
    let refetch_started = Instant::now();
    assert_eq!(get(&srv, "/protected", &t2).await, ok());
    assert_eq!(issuer.jwks_hits(), 2);
    assert_eq!(get(&srv, "/protected", &t1).await, ok());
    assert_eq!(get(&srv, "/extract", &t2).await.0, 200);
    assert_eq!(issuer.jwks_hits(), 2, "known kids need no fetch");
    let mut kids = remote.cached_kids();
    kids.sort();
    assert_eq!(kids, ["k1", "k2"]);

    // A second unknown kid right after: no fetch, 422, even once the issuer publishes it.
    assert_eq!(
        get(&srv, "/protected", &t3).await,
        refused(422, UNKNOWN_KID)
    );
    issuer.set_keys(vec![k1.jwk.clone(), k2.jwk.clone(), k3.jwk.clone()]);
    assert_eq!(
        get(&srv, "/protected", &t3).await,
        refused(422, UNKNOWN_KID)
    );
    let made_up = k1.token_with_kid("made-up", &full_claims(ISS, AUD));
    assert_eq!(
        get(&srv, "/protected", &made_up).await,
        refused(422, UNKNOWN_KID)
    );
    assert!(
        refetch_started.elapsed() < INTERVAL,
        "the machine is too slow for this test: {:?}",
        refetch_started.elapsed()
    );
    assert_eq!(issuer.jwks_hits(), 2, "fetched within the refetch interval");

    // After the interval it does fetch again: k3 is found.
    sleep(INTERVAL + Duration::from_millis(100)).await;
    assert_eq!(get(&srv, "/protected", &t3).await, ok());
    assert_eq!(issuer.jwks_hits(), 3);
    // And a made-up kid after another interval costs one more fetch (and is still 422).
    sleep(INTERVAL + Duration::from_millis(100)).await;
    assert_eq!(
        get(&srv, "/protected", &made_up).await,
        refused(422, UNKNOWN_KID)
    );
    assert_eq!(issuer.jwks_hits(), 4);
    assert_eq!(get(&srv, "/protected", &t1).await, ok());
    assert_eq!(issuer.jwks_hits(), 4);
}

// ---------------------------------------------------------------------------------------------
// 3. A flood of made-up kids
// ---------------------------------------------------------------------------------------------

#[actix_web::test]
async fn random_kid_flood_costs_one_fetch() {
    let k1 = key("k1", Algorithm::ES256);
    let issuer = Issuer::start(vec![k1.jwk.clone()]);
    let remote = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
        .issuer(ISS)
        .build()
        .unwrap();
    let (_jwt, srv) = serve_app(&remote, 4);
    let claims = full_claims(ISS, AUD);
    let nonce = now();
    let flood: Vec<String> = (0..50)
        .map(|i| k1.token_with_kid(&format!("attacker-{nonce}-{i}-{}", i * 7919), &claims))
        .collect();

    // Cold cache, 50 concurrent requests: the first fetches, the others wait and then get
    // their answer from that fetch.
    let answers = join_all(flood.iter().map(|t| get(&srv, "/protected", t))).await;
    for (i, answer) in answers.into_iter().enumerate() {
        assert_eq!(answer, refused(422, UNKNOWN_KID), "token {i}");
    }
    assert_eq!(issuer.jwks_hits(), 1, "50 made-up kids, concurrent");

    // 50 more, one after the other, and through the extractors: still no fetch.
    for (i, t) in flood.iter().enumerate() {
        let path = if i % 2 == 0 { "/protected" } else { "/extract" };
        assert_eq!(get(&srv, path, t).await, refused(422, UNKNOWN_KID), "{i}");
    }
    assert_eq!(issuer.jwks_hits(), 1, "50 made-up kids, sequential");

    // The real key still works, from the cache.
    let t = k1.token_with_kid("k1", &claims);
    assert_eq!(get(&srv, "/protected", &t).await, ok());
    assert_eq!(issuer.jwks_hits(), 1);
}

// ---------------------------------------------------------------------------------------------
// 4. Slow, failing and down issuers
// ---------------------------------------------------------------------------------------------

const TIMEOUT: Duration = Duration::from_millis(300);
/// What a 503 may take beyond the fetch timeout (loaded CI machines).
const MARGIN: Duration = Duration::from_secs(3);

#[actix_web::test]
async fn slow_issuer_answers_503_within_the_timeout() {
    // Long enough that a local round trip is clearly shorter, even on a loaded machine.
    const SLOW_TIMEOUT: Duration = Duration::from_secs(1);
    let k1 = key("k1", Algorithm::ES256);
    let t = k1.token(iss_aud(ISS, AUD)).await;
    for mode in [
        Mode::Slow(Duration::from_secs(8)),
        Mode::SlowBody(Duration::from_secs(8)),
    ] {
        let issuer = Issuer::start(vec![k1.jwk.clone()]);
        issuer.set_mode(mode.clone());
        let remote = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
            .issuer(ISS)
            .timeout(SLOW_TIMEOUT)
            .build()
            .unwrap();
        let (_jwt, srv) = serve_app(&remote, 2);

        let (answer, took) = timed(&srv, &t).await;
        assert_eq!(answer, refused(503, UNAVAILABLE), "{mode:?}");
        assert!(
            took >= SLOW_TIMEOUT - Duration::from_millis(50),
            "{mode:?}: 503 after {took:?}, before the fetch could time out"
        );
        assert!(took < SLOW_TIMEOUT + MARGIN, "{mode:?}: 503 after {took:?}");
        assert_eq!(issuer.jwks_hits(), 1);

        // Within the refetch interval: 503 at once, without asking the issuer.
        let (answer, took) = timed(&srv, &t).await;
        assert_eq!(answer, refused(503, UNAVAILABLE), "{mode:?}");
        assert!(
            took < SLOW_TIMEOUT / 2,
            "{mode:?}: the second 503 took {took:?}: did it wait for the issuer?"
        );
        assert_eq!(get(&srv, "/extract", &t).await, refused(503, UNAVAILABLE));
        assert_eq!(
            issuer.jwks_hits(),
            1,
            "{mode:?}: refetched within the interval"
        );

        // refresh() also gives up after the timeout.
        let start = Instant::now();
        let err = remote.refresh().await.unwrap_err();
        assert!(
            err.kind() == actix_jwt_ext::ErrorKind::KeysUnavailable,
            "{err:?}"
        );
        assert!(
            start.elapsed() < SLOW_TIMEOUT + MARGIN,
            "{:?}",
            start.elapsed()
        );
    }

    // Concurrent requests on a cold cache while the issuer is slow: one fetch, and every
    // request answers 503 once it gives up (none waits for its own fetch in turn).
    let issuer = Issuer::start(vec![k1.jwk.clone()]);
    issuer.set_mode(Mode::Slow(Duration::from_secs(8)));
    let remote = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
        .issuer(ISS)
        .timeout(SLOW_TIMEOUT)
        .build()
        .unwrap();
    let (_jwt, srv) = serve_app(&remote, 4);
    let start = Instant::now();
    let answers = join_all((0..10).map(|_| get(&srv, "/protected", &t))).await;
    let took = start.elapsed();
    for answer in answers {
        assert_eq!(answer, refused(503, UNAVAILABLE));
    }
    assert!(
        took < SLOW_TIMEOUT + MARGIN,
        "10 concurrent 503s took {took:?}"
    );
    assert_eq!(
        issuer.jwks_hits(),
        1,
        "one fetch for 10 concurrent requests"
    );
}

#[actix_web::test]
async fn issuer_recovers_after_the_refetch_interval() {
    const INTERVAL: Duration = Duration::from_millis(500);
    let k1 = key("k1", Algorithm::EdDSA);
    let t = k1.token(iss_aud(ISS, AUD)).await;
    let issuer = Issuer::start(vec![k1.jwk.clone()]);
    issuer.set_mode(Mode::Status500);
    let remote = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
        .issuer(ISS)
        .refetch_interval(INTERVAL)
        .build()
        .unwrap();
    let (_jwt, srv) = serve_app(&remote, 1);
    assert_eq!(get(&srv, "/protected", &t).await, refused(503, UNAVAILABLE));
    issuer.set_mode(Mode::Normal);
    // Right after the failure: no new attempt yet.
    assert_eq!(get(&srv, "/protected", &t).await, refused(503, UNAVAILABLE));
    assert_eq!(issuer.jwks_hits(), 1);
    // After the interval: fetched, verified, without a restart.
    sleep(INTERVAL + Duration::from_millis(100)).await;
    assert_eq!(get(&srv, "/protected", &t).await, ok());
    assert_eq!(issuer.jwks_hits(), 2);
}

#[actix_web::test]
async fn failing_issuer_answers_503() {
    let k1 = key("k1", Algorithm::ES256);
    let t = k1.token(iss_aud(ISS, AUD)).await;
    let issuer = Issuer::start(vec![k1.jwk.clone()]);
    let oct = json!({"kty": "oct", "k": token::b64(b"a-shared-secret-of-32-bytes-long"), "kid": "k1", "alg": "HS256"});
    // (label, mode, JWKS document override, padding, max_document_size)
    let cases: Vec<(&str, Mode, Option<Value>, usize, usize)> = vec![
        (
            "HTTP 500 (with a JWKS body)",
            Mode::Status500,
            None,
            0,
            256 * 1024,
        ),
        ("HTML instead of JSON", Mode::NotJson, None, 0, 256 * 1024),
        (
            "JSON without keys",
            Mode::Normal,
            Some(json!({"issuer": ISS})),
            0,
            256 * 1024,
        ),
        (
            "keys not a list",
            Mode::Normal,
            Some(json!({"keys": {"k1": k1.jwk}})),
            0,
            256 * 1024,
        ),
        (
            "an empty key list",
            Mode::Normal,
            Some(json!({"keys": []})),
            0,
            256 * 1024,
        ),
        (
            "a JSON list",
            Mode::Normal,
            Some(json!([k1.jwk])),
            0,
            256 * 1024,
        ),
        (
            "only an HMAC key",
            Mode::Normal,
            Some(json!({"keys": [oct]})),
            0,
            256 * 1024,
        ),
        ("above max_document_size", Mode::Normal, None, 8192, 4096),
        (
            "above max_document_size, chunked",
            Mode::Chunked,
            None,
            8192,
            4096,
        ),
        (
            "a 302 redirect to a valid JWKS",
            Mode::Redirect,
            None,
            0,
            256 * 1024,
        ),
    ];
    for (label, mode, document, padding, max_size) in cases {
        issuer.update(|s| {
            s.mode = mode;
            s.jwks_document = document;
            s.padding = padding;
        });
        let remote = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
            .issuer(ISS)
            .max_document_size(max_size)
            .timeout(Duration::from_secs(3))
            .build()
            .unwrap();
        let (_jwt, srv) = serve_app(&remote, 1);
        let (answer, took) = timed(&srv, &t).await;
        assert_eq!(answer, refused(503, UNAVAILABLE), "{label}");
        assert!(took < Duration::from_secs(3), "{label}: took {took:?}");
        let err = remote.refresh().await.unwrap_err();
        assert!(
            err.kind() == actix_jwt_ext::ErrorKind::KeysUnavailable,
            "{label}: {err:?}"
        );
        assert!(remote.cached_kids().is_empty(), "{label}");
    }
    assert_eq!(issuer.moved_hits(), 0, "the redirect was followed");

    // Controls: the same padded document within the size bound verifies (the size, not the
    // padding, was refused), plainly and chunked; and the redirect target itself is valid.
    for mode in [Mode::Normal, Mode::Chunked] {
        issuer.update(|s| {
            s.mode = mode.clone();
            s.jwks_document = None;
            s.padding = 8192;
        });
        let remote = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
            .issuer(ISS)
            .max_document_size(64 * 1024)
            .build()
            .unwrap();
        let (_jwt, srv) = serve_app(&remote, 1);
        assert_eq!(get(&srv, "/protected", &t).await, ok(), "{mode:?}");
    }
    let remote = RemoteJwks::from_jwks_uri(format!("{}/moved", issuer.base()))
        .issuer(ISS)
        .build()
        .unwrap();
    assert_eq!(remote.refresh().await.unwrap(), 1);
}

#[actix_web::test]
async fn issuer_down_answers_503_quickly() {
    // A port nothing listens on: bound, read, released.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let k1 = key("k1", Algorithm::ES256);
    let base = format!("http://127.0.0.1:{port}");
    let t = k1.token(iss_aud(&base, AUD)).await;
    for remote in [
        RemoteJwks::from_jwks_uri(format!("{base}/jwks"))
            .issuer(&base)
            .build()
            .unwrap(),
        RemoteJwks::discover(&base).build().unwrap(),
    ] {
        let (_jwt, srv) = serve_app(&remote, 1);
        for attempt in 0..2 {
            let (answer, took) = timed(&srv, &t).await;
            assert_eq!(answer, refused(503, UNAVAILABLE), "{remote:?} #{attempt}");
            assert!(took < Duration::from_secs(2), "{remote:?}: took {took:?}");
        }
        let start = Instant::now();
        assert!(remote.refresh().await.is_err());
        assert!(start.elapsed() < Duration::from_secs(2));
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Stale keys through an outage
// ---------------------------------------------------------------------------------------------

#[actix_web::test]
async fn stale_keys_keep_working_while_the_issuer_fails() {
    const MAX_AGE: Duration = Duration::from_millis(400);
    const INTERVAL: Duration = Duration::from_millis(100);
    let k1 = key("k1", Algorithm::ES256);
    let k2 = key("k2", Algorithm::ES256);
    let issuer = Issuer::start(vec![k1.jwk.clone()]);
    let remote = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
        .issuer(ISS)
        .max_age(MAX_AGE)
        .refetch_interval(INTERVAL)
        .timeout(TIMEOUT)
        .build()
        .unwrap();
    let (_jwt, srv) = serve_app(&remote, 2);
    let claims = iss_aud(ISS, AUD);
    let t1 = k1.token(claims.clone()).await;
    let t2 = k2.token(claims.clone()).await;
    assert_eq!(get(&srv, "/protected", &t1).await, ok());
    assert_eq!(issuer.jwks_hits(), 1);
    // Fresh keys: no fetch.
    assert_eq!(get(&srv, "/protected", &t1).await, ok());
    assert_eq!(issuer.jwks_hits(), 1);

    // The issuer fails; the keys grow stale; the refetch fails and the stale key is used.
    for (label, mode) in [
        ("HTTP 500", Mode::Status500),
        ("garbage", Mode::NotJson),
        ("slow", Mode::Slow(Duration::from_secs(3))),
    ] {
        issuer.set_mode(mode);
        sleep(MAX_AGE + Duration::from_millis(100)).await;
        let hits = issuer.jwks_hits();
        // Stale keys are served at once; a background fetch tries to renew them.
        let (answer, took) = timed(&srv, &t1).await;
        assert_eq!(answer, ok(), "{label}");
        assert!(took < MARGIN, "{label}: took {took:?}");
        let deadline = Instant::now() + TIMEOUT + MARGIN;
        while issuer.jwks_hits() == hits && Instant::now() < deadline {
            sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(
            issuer.jwks_hits(),
            hits + 1,
            "{label}: no background refetch attempted"
        );
        assert_eq!(get(&srv, "/extract", &t1).await.0, 200, "{label}");
        assert!(remote.refresh().await.is_err(), "{label}");
        assert_eq!(
            remote.cached_kids(),
            ["k1"],
            "{label}: the stale keys were dropped"
        );
        // A kid the stale keys lack is unknown (422), not "unavailable".
        sleep(INTERVAL + Duration::from_millis(50)).await;
        assert_eq!(
            get(&srv, "/protected", &t2).await,
            refused(422, UNKNOWN_KID),
            "{label}"
        );
    }

    // The issuer answers again, having withdrawn k1 for k2: once refetched, k1 is refused.
    issuer.set_mode(Mode::Normal);
    issuer.set_keys(vec![k2.jwk.clone()]);
    sleep(MAX_AGE + Duration::from_millis(100)).await;
    // The first request still gets the stale k1 and starts the renewal; once the renewed keys
    // are in, k1 is refused.
    assert_eq!(get(&srv, "/protected", &t1).await, ok());
    let deadline = Instant::now() + MARGIN;
    while remote.cached_kids() != ["k2"] && Instant::now() < deadline {
        sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(remote.cached_kids(), ["k2"]);
    assert_eq!(
        get(&srv, "/protected", &t1).await,
        refused(422, UNKNOWN_KID)
    );
    assert_eq!(get(&srv, "/protected", &t2).await, ok());

    // The issuer goes away entirely (connection refused): stale k2 keeps working.
    issuer.stop().await;
    sleep(MAX_AGE + Duration::from_millis(100)).await;
    for _ in 0..3 {
        let (answer, took) = timed(&srv, &t2).await;
        assert_eq!(answer, ok());
        assert!(took < TIMEOUT + MARGIN, "took {took:?}");
        sleep(INTERVAL + Duration::from_millis(20)).await;
    }
    assert!(remote.refresh().await.is_err());
    assert_eq!(remote.cached_kids(), ["k2"]);
}

// ---------------------------------------------------------------------------------------------
// 6. Each key pinned to one algorithm; unusable keys skipped
// ---------------------------------------------------------------------------------------------

#[actix_web::test]
async fn keys_are_pinned_to_their_algorithm_and_unusable_keys_skipped() {
    let es = key("es", Algorithm::ES256);
    let p256_says_es384 = key("p256-says-es384", Algorithm::ES256);
    let enc = key("enc", Algorithm::ES256);
    let rs512 = key("rsa-rs512", Algorithm::RS512);
    let ed_no_alg = key("ed-no-alg", Algorithm::EdDSA);
    let rsa_no_alg = key_from_pem("rsa-no-alg", Algorithm::RS256, fixture("rsa_private.pem"));
    let es384_no_alg = key("es384-no-alg", Algorithm::ES384);
    let (n, e) = rsa_components(&fixture("rsa1024_public.pem"));
    assert_eq!(n.len(), 128, "a 1024-bit modulus");
    let secret = b"a-shared-secret-of-32-bytes-long";
    let jwks = vec![
        es.jwk.clone(),
        p256_says_es384.jwk_with(json!({"alg": "ES384"})),
        enc.jwk_with(json!({"use": "enc"})),
        rs512.jwk.clone(),
        ed_no_alg.jwk_with(json!({"alg": null, "use": null})),
        rsa_no_alg.jwk_with(json!({"alg": null})),
        es384_no_alg.jwk_with(json!({"alg": null})),
        json!({"kty": "oct", "k": token::b64(secret), "kid": "hmac", "alg": "HS256"}),
        json!({"kty": "oct", "k": token::b64(secret), "kid": "hmac-no-alg"}),
        json!({"kty": "RSA", "n": token::b64(&n), "e": token::b64(&e), "kid": "rsa-1024", "alg": "RS256"}),
        ed_no_alg.jwk_with(json!({"kid": "ed-says-es256", "alg": "ES256"})),
        rs512.jwk_with(json!({"kid": "rsa-says-es256", "alg": "ES256"})),
        es.jwk_with(json!({"kid": "es-says-rs256", "alg": "RS256"})),
        es.jwk_with(json!({"kid": "es-says-hs256", "alg": "HS256"})),
        es.jwk_with(json!({"kid": "es-says-none", "alg": "none"})),
        es.jwk_with(json!({"kid": "es-unknown-alg", "alg": "ES999"})),
    ];
    let issuer = Issuer::start(jwks);
    let remote = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
        .issuer(ISS)
        .audience(AUD)
        .build()
        .unwrap();
    assert_eq!(remote.refresh().await.unwrap(), 5);
    assert_eq!(
        remote.cached_kids(),
        ["es", "rsa-rs512", "ed-no-alg", "rsa-no-alg", "es384-no-alg"]
    );
    let (jwt, srv) = serve_app(&remote, 1);
    let claims = full_claims(ISS, AUD);
    let sign = |k: &Key, kid: &str, alg: Algorithm| {
        k.token_with_header(
            json!({"alg": format!("{alg:?}"), "typ": "JWT", "kid": kid}),
            &claims,
            alg,
        )
    };
    let hs = |kid: &str, key: &[u8]| {
        token::with_header(
            &json!({"alg": "HS256", "typ": "JWT", "kid": kid}),
            &claims,
            Algorithm::HS256,
            &EncodingKey::from_secret(key),
        )
    };
    let unsigned = |header: Value| format!("{}.", token::signing_input(&header, &claims));
    let es_jwk_bytes = {
        // The HMAC secret of an alg-confusion attack: the published key's bytes.
        serde_json::to_vec(&es.jwk).unwrap()
    };
    #[rustfmt::skip]
    let cases: Vec<(&str, String, (u16, Value))> = vec![
        // Usable keys, with their pinned algorithm.
        ("ES256 key", sign(&es, "es", Algorithm::ES256), ok()),
        ("RSA key published RS512, RS512 token", sign(&rs512, "rsa-rs512", Algorithm::RS512), ok()),
        ("Ed25519 key without alg", sign(&ed_no_alg, "ed-no-alg", Algorithm::EdDSA), ok()),
        ("RSA key without alg: RS256", sign(&rsa_no_alg, "rsa-no-alg", Algorithm::RS256), ok()),
        ("P-384 key without alg: ES384", sign(&es384_no_alg, "es384-no-alg", Algorithm::ES384), ok()),
        // Another algorithm than the pinned one, even of the same family.
        ("RSA key published RS512, RS256 token", sign(&rs512, "rsa-rs512", Algorithm::RS256), refused(422, ALG_NOT_ALLOWED)),
        ("RSA key published RS512, PS512 token", sign(&rs512, "rsa-rs512", Algorithm::PS512), refused(422, ALG_NOT_ALLOWED)),
        ("RSA key without alg, PS256 token", sign(&rsa_no_alg, "rsa-no-alg", Algorithm::PS256), refused(422, ALG_NOT_ALLOWED)),
        ("RSA key without alg, RS512 token", sign(&rsa_no_alg, "rsa-no-alg", Algorithm::RS512), refused(422, ALG_NOT_ALLOWED)),
        ("HS256 with the ES256 key's JWK as secret", hs("es", &es_jwk_bytes), refused(422, ALG_NOT_ALLOWED)),
        ("alg none, ES256 kid", unsigned(json!({"alg": "none", "kid": "es"})), refused(422, ALG_NOT_ALLOWED)),
        ("alg None, ES256 kid", unsigned(json!({"alg": "None", "kid": "es"})), refused(422, ALG_NOT_ALLOWED)),
        ("no alg, ES256 kid", unsigned(json!({"kid": "es"})), refused(422, "Algorithm not specified")),
        // Skipped keys: their kids are unknown.
        ("P-256 key published ES384, ES256 token", sign(&p256_says_es384, "p256-says-es384", Algorithm::ES256), refused(422, UNKNOWN_KID)),
        ("encryption key", sign(&enc, "enc", Algorithm::ES256), refused(422, UNKNOWN_KID)),
        ("HMAC (oct) key, HS256 token", hs("hmac", secret), refused(422, UNKNOWN_KID)),
        ("HMAC (oct) key without alg", hs("hmac-no-alg", secret), refused(422, UNKNOWN_KID)),
        ("1024-bit RSA key", sign(&rsa_no_alg, "rsa-1024", Algorithm::RS256), refused(422, UNKNOWN_KID)),
        ("Ed25519 key published ES256", sign(&ed_no_alg, "ed-says-es256", Algorithm::EdDSA), refused(422, UNKNOWN_KID)),
        ("RSA key published ES256", sign(&rs512, "rsa-says-es256", Algorithm::RS512), refused(422, UNKNOWN_KID)),
        ("P-256 key published RS256", sign(&es, "es-says-rs256", Algorithm::ES256), refused(422, UNKNOWN_KID)),
        ("P-256 key published HS256", hs("es-says-hs256", &es_jwk_bytes), refused(422, UNKNOWN_KID)),
        ("P-256 key published none", unsigned(json!({"alg": "none", "kid": "es-says-none"})), refused(422, UNKNOWN_KID)),
        ("unknown alg", sign(&es, "es-unknown-alg", Algorithm::ES256), refused(422, UNKNOWN_KID)),
        // No kid with several keys: ambiguous.
        ("no kid", es.token_with_header(json!({"alg": "ES256", "typ": "JWT"}), &claims, Algorithm::ES256), refused(422, MISSING_KID)),
        ("no kid, alg none", token::unsigned(&claims), refused(422, MISSING_KID)),
        // A kid of another key than the signature's.
        ("ES256 token under another ES key's kid", sign(&p256_says_es384, "es", Algorithm::ES256), refused(422, "Signature verification failed")),
    ];
    for (label, t, expected) in &cases {
        assert_eq!(&get(&srv, "/protected", t).await, expected, "{label}");
        assert_eq!(
            &get(&srv, "/extract", t).await.0,
            &expected.0,
            "{label} (extractors)"
        );
    }
    // All answered from the one fetch of refresh() (the default interval is 10 s).
    assert_eq!(issuer.jwks_hits(), 1);
    // decode_token agrees.
    let err = jwt
        .decode_token(&sign(&rs512, "rsa-rs512", Algorithm::RS256))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), ALG_NOT_ALLOWED);

    // Restricting the accepted algorithms skips the other keys.
    let es_only = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
        .issuer(ISS)
        .audience(AUD)
        .algorithms([Algorithm::ES256])
        .build()
        .unwrap();
    assert_eq!(es_only.refresh().await.unwrap(), 1);
    assert_eq!(es_only.cached_kids(), ["es"]);
    let (_jwt, srv) = serve_app(&es_only, 1);
    assert_eq!(
        get(&srv, "/protected", &sign(&es, "es", Algorithm::ES256)).await,
        ok()
    );
    // Only one key now: a token without kid is unambiguous.
    let no_kid = es.token_with_header(
        json!({"alg": "ES256", "typ": "JWT"}),
        &claims,
        Algorithm::ES256,
    );
    assert_eq!(get(&srv, "/protected", &no_kid).await, ok());
    assert_eq!(
        get(&srv, "/protected", &token::unsigned(&claims)).await,
        refused(422, ALG_NOT_ALLOWED)
    );
    assert_eq!(
        get(
            &srv,
            "/protected",
            &sign(&rs512, "rsa-rs512", Algorithm::RS512)
        )
        .await,
        refused(422, UNKNOWN_KID)
    );
    // HMAC algorithms cannot be asked for.
    let err = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
        .algorithms([Algorithm::HS256])
        .build()
        .unwrap_err();
    assert_eq!(err.setting(), Some("RemoteJwksBuilder::algorithms"));

    // Two keys with one kid: the first is used.
    let twin = key("es", Algorithm::ES256);
    issuer.set_keys(vec![es.jwk.clone(), twin.jwk.clone()]);
    let twins = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
        .issuer(ISS)
        .audience(AUD)
        .build()
        .unwrap();
    assert_eq!(twins.refresh().await.unwrap(), 1);
    let (_jwt, srv) = serve_app(&twins, 1);
    assert_eq!(
        get(&srv, "/protected", &sign(&es, "es", Algorithm::ES256)).await,
        ok()
    );
    assert_eq!(
        get(&srv, "/protected", &sign(&twin, "es", Algorithm::ES256)).await,
        refused(422, "Signature verification failed")
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Single flight
// ---------------------------------------------------------------------------------------------

#[actix_web::test]
async fn concurrent_requests_on_a_cold_cache_share_one_fetch() {
    let k1 = key("k1", Algorithm::ES256);
    let k2 = key("k2", Algorithm::EdDSA);
    // With the default refetch interval, and with none at all: the requests that waited for
    // the running fetch use its keys, whatever the interval.
    for interval in [None, Some(Duration::ZERO)] {
        let issuer = Issuer::start(vec![k1.jwk.clone(), k2.jwk.clone()]);
        // A little slow, so that all requests arrive while the first fetch runs.
        issuer.set_mode(Mode::Slow(Duration::from_millis(300)));
        let mut builder = RemoteJwks::discover(issuer.base()).audience(AUD);
        if let Some(interval) = interval {
            builder = builder.refetch_interval(interval);
        }
        let remote = builder.build().unwrap();
        let (_jwt, srv) = serve_app(&remote, 4);
        let claims = iss_aud(issuer.base(), AUD);
        let mut tokens = Vec::new();
        for i in 0..20 {
            let k = if i % 2 == 0 { &k1 } else { &k2 };
            tokens.push(k.token(claims.clone()).await);
        }
        let start = Instant::now();
        let answers = join_all(tokens.iter().enumerate().map(|(i, t)| {
            let path = if i % 3 == 0 { "/extract" } else { "/protected" };
            get(&srv, path, t)
        }))
        .await;
        let took = start.elapsed();
        for (i, (status, body)) in answers.into_iter().enumerate() {
            assert_eq!(status, 200, "{interval:?}: request {i}: {body}");
            assert_eq!(
                body.get("logged_in_as").or(body.get("sub")),
                Some(&json!("alice")),
                "{interval:?}"
            );
        }
        assert_eq!(
            issuer.discovery_hits(),
            1,
            "{interval:?}: discovery fetched more than once"
        );
        assert_eq!(
            issuer.jwks_hits(),
            1,
            "{interval:?}: JWKS fetched more than once"
        );
        assert!(took < Duration::from_secs(5), "{interval:?}: took {took:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// 8. HTTPS, and plain http off loopback
// ---------------------------------------------------------------------------------------------

/// A test CA and a server certificate it signed for 127.0.0.1 and localhost.
struct TestPki {
    ca_der: rustls::pki_types::CertificateDer<'static>,
    server: rustls::ServerConfig,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn test_pki(ca_name: &str) -> TestPki {
    let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, ca_name);
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let server_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut server_params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    server_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "test issuer");
    let server_cert = server_params.signed_by(&server_key, &ca).unwrap();
    let key_der = rustls::pki_types::PrivateKeyDer::Pkcs8(
        rustls::pki_types::PrivatePkcs8KeyDer::from(server_key.serialize_der()),
    );
    let server = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![server_cert.der().clone(), ca.der().clone()], key_der)
        .unwrap();
    TestPki {
        ca_der: ca.der().clone(),
        server,
    }
}

/// A client configuration that trusts only `ca`, offering HTTP/1.1 by ALPN.
fn client_trusting(ca: &rustls::pki_types::CertificateDer<'static>) -> Arc<rustls::ClientConfig> {
    client_trusting_alpn(ca, &[b"http/1.1"])
}

/// A client configuration that trusts only `ca`, offering `alpn`.
fn client_trusting_alpn(
    ca: &rustls::pki_types::CertificateDer<'static>,
    alpn: &[&[u8]],
) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.clone()).unwrap();
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

#[actix_web::test]
async fn https_issuer_with_a_private_ca() {
    let pki = test_pki("remote-jwks test CA");
    let other_pki = test_pki("another CA");
    let k1 = key("k1", Algorithm::ES256);
    let k2 = key("k2", Algorithm::RS256);
    let issuer = Issuer::start_with(vec![k1.jwk.clone(), k2.jwk.clone()], Some(pki.server));
    assert!(issuer.base().starts_with("https://127.0.0.1:"));
    let claims = iss_aud(issuer.base(), AUD);
    let t1 = k1.token(claims.clone()).await;
    let t2 = k2.token(claims.clone()).await;

    // Trusting the test CA: discovery and JWKS over TLS, tokens verify.
    let remote = RemoteJwks::discover(issuer.base())
        .audience(AUD)
        .tls_config(client_trusting(&pki.ca_der))
        .build()
        .unwrap();
    let (_jwt, srv) = serve_app(&remote, 2);
    assert_eq!(get(&srv, "/protected", &t1).await, ok());
    assert_eq!(get(&srv, "/protected", &t2).await, ok());
    assert_eq!(get(&srv, "/extract", &t2).await.0, 200);
    assert_eq!((issuer.discovery_hits(), issuer.jwks_hits()), (1, 1));

    // The default configuration (webpki roots) does not trust the test CA: no keys, and the
    // issuer never saw an HTTP request.
    let untrusted = RemoteJwks::discover(issuer.base())
        .audience(AUD)
        .build()
        .unwrap();
    let (_jwt, srv) = serve_app(&untrusted, 1);
    assert_eq!(
        get(&srv, "/protected", &t1).await,
        refused(503, UNAVAILABLE)
    );
    assert!(untrusted.refresh().await.is_err());
    // Nor does a client trusting another CA.
    let wrong_ca = RemoteJwks::from_jwks_uri(issuer.jwks_uri())
        .issuer(issuer.base())
        .tls_config(client_trusting(&other_pki.ca_der))
        .build()
        .unwrap();
    let (_jwt, srv) = serve_app(&wrong_ca, 1);
    assert_eq!(
        get(&srv, "/protected", &t1).await,
        refused(503, UNAVAILABLE)
    );
    assert!(wrong_ca.refresh().await.is_err());
    assert_eq!(
        (issuer.discovery_hits(), issuer.jwks_hits()),
        (1, 1),
        "an untrusted connection reached the issuer's handlers"
    );

    // A discovery document (over trusted TLS) pointing at plain http off loopback: refused
    // before any fetch of it.
    let base = issuer.base().to_owned();
    issuer.update(|s| {
        s.discovery = Some(json!({
            "issuer": base,
            "jwks_uri": "http://keys.example.com/jwks",
        }));
    });
    let downgraded = RemoteJwks::discover(issuer.base())
        .tls_config(client_trusting(&pki.ca_der))
        .build()
        .unwrap();
    let err = downgraded.refresh().await.unwrap_err();
    assert!(
        err.kind() == actix_jwt_ext::ErrorKind::KeysUnavailable
            && std::error::Error::source(&err)
                .is_some_and(|s| s.to_string().contains("plain http")),
        "{err:?}"
    );
    assert_eq!(issuer.discovery_hits(), 2);

    // Whatever the client configuration offers by ALPN (nothing, h2, both), the fetch works.
    issuer.update(|s| s.discovery = None);
    let alpns: [&[&[u8]]; 3] = [&[], &[b"h2"], &[b"h2", b"http/1.1"]];
    for alpn in alpns {
        let remote = RemoteJwks::discover(issuer.base())
            .audience(AUD)
            .tls_config(client_trusting_alpn(&pki.ca_der, alpn))
            .build()
            .unwrap();
        assert_eq!(remote.refresh().await.unwrap(), 2, "ALPN {alpn:?}");
        let (_jwt, srv) = serve_app(&remote, 1);
        assert_eq!(get(&srv, "/protected", &t1).await, ok(), "ALPN {alpn:?}");
    }
}

#[test]
fn plain_http_off_loopback_is_refused_at_build() {
    let err = RemoteJwks::discover("http://issuer.example.com")
        .build()
        .unwrap_err();
    assert_eq!(err.setting(), Some("RemoteJwks::discover"));
    assert!(
        err.to_string().starts_with("RemoteJwks::discover: "),
        "{err}"
    );
    assert!(err.to_string().contains("plain http"), "{err}");
    let err = RemoteJwks::from_jwks_uri("http://keys.example.com/jwks")
        .build()
        .unwrap_err();
    assert_eq!(err.setting(), Some("RemoteJwks::from_jwks_uri"));
    assert!(
        err.to_string().starts_with("RemoteJwks::from_jwks_uri: "),
        "{err}"
    );
    // Neither a private address, nor names or userinfo that merely look like loopback.
    for url in [
        "http://10.0.0.7/jwks",
        "http://localhost.example.com/jwks",
        "http://127.0.0.1.example.com/jwks",
        "http://127.0.0.1@keys.example.com/jwks",
        "http://localhost@keys.example.com/jwks",
    ] {
        let err = RemoteJwks::from_jwks_uri(url).build().unwrap_err();
        assert_eq!(err.setting(), Some("RemoteJwks::from_jwks_uri"), "{url}");
    }
    // Loopback http, https anywhere, and the explicit opt-in work.
    for url in [
        "http://127.0.0.1:8080",
        "http://localhost:8080",
        "http://[::1]:8080",
        "https://issuer.example.com",
    ] {
        assert!(RemoteJwks::discover(url).build().is_ok(), "{url}");
        assert!(
            RemoteJwks::from_jwks_uri(format!("{url}/jwks"))
                .build()
                .is_ok(),
            "{url}"
        );
    }
    assert!(RemoteJwks::discover("http://issuer.example.com")
        .allow_insecure_http(true)
        .build()
        .is_ok());
    // Not URLs at all.
    for url in [
        "issuer.example.com",
        "ftp://issuer.example.com",
        "https://",
        "",
    ] {
        assert!(RemoteJwks::discover(url).build().is_err(), "{url:?}");
        assert!(RemoteJwks::from_jwks_uri(url).build().is_err(), "{url:?}");
    }
    // Zero timeout or size.
    assert!(RemoteJwks::from_jwks_uri("https://x.example/jwks")
        .timeout(Duration::ZERO)
        .build()
        .is_err());
    assert!(RemoteJwks::from_jwks_uri("https://x.example/jwks")
        .max_document_size(0)
        .build()
        .is_err());
}
