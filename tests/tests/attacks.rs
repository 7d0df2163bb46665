//! The attack suite of issue 9: hostile tokens and requests, grouped as RFC 8725 (JWT Best
//! Current Practices) and the OWASP JWT and CSRF cheat sheets group them, sent over real HTTP
//! to small test apps. Every case states the answer it expects (status, and the exact body
//! where it is deterministic); every answer of every case must also be below 500, and a sweep
//! sends every bad input class to every protected route kind.
//!
//! Where flask-jwt-extended answers 500 (an uncaught exception in Flask), this crate answers a
//! 4xx on purpose; the cases say so in a comment.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/mod.rs"]
mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_jwt_ext::jsonwebtoken::{Algorithm, EncodingKey};
use actix_jwt_ext::{InMemoryBlocklist, JwtConfig, JwtConfigBuilder, JwtManager, TokenLocation};
use actix_test::TestServer;
use actix_web::http::header::HeaderValue;
use actix_web::http::Method;
use actix_web::{web, App, HttpResponse};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde_json::{json, Value};

use common::{b64, fixture, hs256, hs256_with, message_body, now, sign, SECRET};

// ---------------------------------------------------------------------------------------
// Requests and expectations
// ---------------------------------------------------------------------------------------

/// One request, header values as raw bytes (so that non-ASCII bytes reach the server).
#[derive(Clone, Debug)]
struct Attack {
    method: Method,
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Option<(String, Vec<u8>)>,
}

fn get(path: impl Into<String>) -> Attack {
    Attack {
        method: Method::GET,
        path: path.into(),
        headers: Vec::new(),
        body: None,
    }
}

fn post(path: impl Into<String>) -> Attack {
    Attack {
        method: Method::POST,
        ..get(path)
    }
}

impl Attack {
    fn h(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers
            .push((name.to_owned(), value.as_ref().to_vec()));
        self
    }
    fn bearer(self, token: impl AsRef<[u8]>) -> Self {
        let mut v = b"Bearer ".to_vec();
        v.extend_from_slice(token.as_ref());
        self.h("Authorization", v)
    }
    fn cookie(self, pairs: impl AsRef<[u8]>) -> Self {
        self.h("Cookie", pairs)
    }
    fn body(mut self, content_type: &str, bytes: impl Into<Vec<u8>>) -> Self {
        self.body = Some((content_type.to_owned(), bytes.into()));
        self
    }
    fn json(self, v: &Value) -> Self {
        self.body("application/json", serde_json::to_vec(v).unwrap())
    }
}

/// The answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    elapsed: Duration,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn send(srv: &TestServer, a: &Attack) -> Result<Answer, String> {
    let started = Instant::now();
    let mut req = srv
        .request(a.method.clone(), srv.url(&a.path))
        .timeout(Duration::from_secs(10));
    for (name, value) in &a.headers {
        let value = HeaderValue::from_bytes(value).map_err(|e| format!("header value: {e}"))?;
        req = req.append_header((name.as_str(), value));
    }
    let sent = match &a.body {
        Some((ct, bytes)) => {
            req.insert_header(("content-type", ct.as_str()))
                .send_body(bytes.clone())
                .await
        }
        None => req.send().await,
    };
    let mut resp = sent.map_err(|e| format!("request failed: {e}"))?;
    let body = resp
        .body()
        .limit(4 * 1024 * 1024)
        .await
        .map_err(|e| format!("body: {e}"))?;
    Ok(Answer {
        status: resp.status().as_u16(),
        headers: resp
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.as_bytes().to_vec()))
            .collect(),
        body: body.to_vec(),
        elapsed: started.elapsed(),
    })
}

/// What the body must be.
#[derive(Clone, Debug)]
enum Want {
    /// Exactly `{"message":"<text>"}\n`, as JSON.
    Msg(String),
    /// This JSON document.
    Json(Value),
    /// Any body (the status alone is checked); used where the answer comes from Actix itself.
    Any,
    /// `{"message":"<text>..."}`: the message starts with this text (the rest names a
    /// position that depends on the parser).
    Prefix(String),
}

fn m(text: impl Into<String>) -> Want {
    Want::Msg(text.into())
}

fn ok(identity: &str) -> Want {
    Want::Json(json!({"logged_in_as": identity, "location": "headers"}))
}

/// One case: name, server, request, expected status and body.
struct Case<'a> {
    id: String,
    srv: &'a TestServer,
    req: Attack,
    status: u16,
    want: Want,
}

fn case<'a>(
    id: impl Into<String>,
    srv: &'a TestServer,
    req: Attack,
    status: u16,
    want: Want,
) -> Case<'a> {
    Case {
        id: id.into(),
        srv,
        req,
        status,
        want,
    }
}

async fn check(c: &Case<'_>) -> Result<Answer, String> {
    let id = &c.id;
    let a = send(c.srv, &c.req)
        .await
        .map_err(|e| format!("{id}: {e}"))?;
    let text = a.text();
    if a.status >= 500 {
        return Err(format!("{id}: server error {} {text:?}", a.status));
    }
    if a.status != c.status {
        return Err(format!(
            "{id}: status {}, expected {}; body {text:?}",
            a.status, c.status
        ));
    }
    match &c.want {
        Want::Msg(msg) => {
            let want = message_body(msg);
            if text != want {
                return Err(format!("{id}: body {text:?}, expected {want:?}"));
            }
            let ct = a
                .headers
                .iter()
                .find(|(k, _)| k == "content-type")
                .map(|(_, v)| v.as_slice());
            if ct != Some(b"application/json".as_slice()) {
                return Err(format!("{id}: content-type {ct:?}"));
            }
        }
        Want::Json(want) => match serde_json::from_slice::<Value>(&a.body) {
            Ok(got) if &got == want => {}
            _ => return Err(format!("{id}: body {text:?}, expected {want}")),
        },
        Want::Any => {}
        Want::Prefix(prefix) => {
            let got = serde_json::from_slice::<Value>(&a.body).ok();
            let message = got.as_ref().and_then(|v| v["message"].as_str());
            if !message.is_some_and(|msg| msg.starts_with(prefix.as_str())) {
                return Err(format!(
                    "{id}: body {text:?}, expected a message starting {prefix:?}"
                ));
            }
        }
    }
    Ok(a)
}

/// Runs every case and fails once, listing each that differs. Returns the case count.
async fn run(group: &str, cases: Vec<Case<'_>>) -> usize {
    let mut failures = Vec::new();
    for c in &cases {
        if let Err(e) = check(c).await {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{group}: {} of {} cases failed:\n  {}",
        failures.len(),
        cases.len(),
        failures.join("\n  ")
    );
    cases.len()
}

// ---------------------------------------------------------------------------------------
// Apps and keys
// ---------------------------------------------------------------------------------------

const ALL: [TokenLocation; 4] = [
    TokenLocation::Headers,
    TokenLocation::Cookies,
    TokenLocation::QueryString,
    TokenLocation::Json,
];

/// A manager with an in-memory blocklist (revocation by `jti`, `/logout` revokes).
fn revoking(builder: JwtConfigBuilder) -> JwtManager {
    JwtManager::builder(builder.build().unwrap())
        .blocklist(InMemoryBlocklist::new())
        .build()
        .unwrap()
}

fn serve(jwt: &JwtManager) -> TestServer {
    common::spawn(jwt)
}

/// HS256, every location, blocklist.
fn hs_app() -> JwtManager {
    revoking(common::config().token_location(ALL))
}

fn rs_builder() -> JwtConfigBuilder {
    JwtConfig::builder()
        .algorithm(Algorithm::RS256)
        .private_key(fixture("rsa_private.pem"))
        .public_key(fixture("rsa_public.pem"))
        .error_message_key("message")
}

fn es_builder() -> JwtConfigBuilder {
    JwtConfig::builder()
        .algorithm(Algorithm::ES256)
        .private_key(fixture("ec_private.pem"))
        .public_key(fixture("ec_public.pem"))
        .error_message_key("message")
}

fn rsa_key(name: &str) -> EncodingKey {
    EncodingKey::from_rsa_pem(fixture(name).as_bytes()).unwrap()
}

fn ec_key(name: &str) -> EncodingKey {
    EncodingKey::from_ec_pem(fixture(name).as_bytes()).unwrap()
}

fn hmac(secret: &[u8]) -> EncodingKey {
    EncodingKey::from_secret(secret)
}

/// The DER bytes of a PEM file.
fn pem_der(name: &str) -> Vec<u8> {
    let body: String = fixture(name)
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    STANDARD.decode(body).unwrap()
}

fn claims(sub: &str) -> Value {
    json!({"sub": sub, "type": "access", "jti": format!("j-{sub}"), "fresh": false, "exp": now() + 600})
}

/// A signed token whose header carries `extra` members beside `alg`.
fn signed_with_header(alg: Algorithm, key: &EncodingKey, header: Value, claims: &Value) -> String {
    sign(alg, key, &header, claims)
}

/// An HS256 token over raw header and payload bytes (segments as given, signed correctly).
fn hs_raw(header: &[u8], payload: &[u8]) -> String {
    hs_segments(&b64(header), &b64(payload))
}

/// An HS256 token over the given encoded segments, signed correctly.
fn hs_segments(header: &str, payload: &str) -> String {
    let input = format!("{header}.{payload}");
    let sig = actix_jwt_ext::jsonwebtoken::crypto::sign(
        input.as_bytes(),
        &hmac(SECRET.as_bytes()),
        Algorithm::HS256,
    )
    .unwrap();
    format!("{input}.{sig}")
}

fn split(token: &str) -> (String, String, Vec<u8>) {
    let mut p = token.split('.');
    let (h, pl, s) = (p.next().unwrap(), p.next().unwrap(), p.next().unwrap());
    (
        h.to_owned(),
        pl.to_owned(),
        URL_SAFE_NO_PAD.decode(s).unwrap(),
    )
}

fn resign(token: &str, sig: &[u8]) -> String {
    let (h, p, _) = split(token);
    format!("{h}.{p}.{}", b64(sig))
}

/// ECDSA r||s to ASN.1 DER.
fn der(sig: &[u8]) -> Vec<u8> {
    fn int(b: &[u8]) -> Vec<u8> {
        let mut b: Vec<u8> = b.iter().copied().skip_while(|&x| x == 0).collect();
        if b.first().is_none_or(|&x| x >= 0x80) {
            b.insert(0, 0);
        }
        let mut out = vec![0x02, b.len() as u8];
        out.extend(b);
        out
    }
    let (r, s) = sig.split_at(sig.len() / 2);
    let mut inner = int(r);
    inner.extend(int(s));
    let mut out = vec![0x30, inner.len() as u8];
    out.extend(inner);
    out
}

/// The order of P-256.
const P256_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

/// The other valid ECDSA signature of the same message: (r, n - s).
fn high_s(sig: &[u8]) -> Vec<u8> {
    let (r, s) = sig.split_at(32);
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = i16::from(P256_N[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    let mut v = r.to_vec();
    v.extend(out);
    v
}

/// Percent-encodes every byte outside the unreserved set.
fn pct(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

// ---------------------------------------------------------------------------------------
// RFC 8725 §2.1, §3.1, §3.2 / OWASP "None hashing algorithm", "Algorithm confusion":
// algorithm and signature
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn algorithm_and_signature() {
    let hs = serve(&hs_app());
    let rs = serve(&manager_of(rs_builder()));
    let es = serve(&manager_of(es_builder()));
    let c = claims("alice");
    let body = b64(&serde_json::to_vec(&c).unwrap());
    let not_allowed = || m("The specified alg value is not allowed");
    let bad_sig = || m("Signature verification failed");
    let g = |t: &str| get("/protected").bearer(t);

    let mut cases = Vec::new();
    for spelling in ["none", "None", "NONE", "nOnE"] {
        let header = b64(json!({"alg": spelling, "typ": "JWT"})
            .to_string()
            .as_bytes());
        let token = format!("{header}.{body}.");
        cases.push(case(
            format!("alg {spelling}, empty signature"),
            &hs,
            g(&token),
            422,
            not_allowed(),
        ));
        let real = hs256(&c);
        let with_sig = format!("{header}.{body}.{}", real.rsplit('.').next().unwrap());
        cases.push(case(
            format!("alg {spelling}, HS256 signature kept"),
            &hs,
            g(&with_sig),
            422,
            not_allowed(),
        ));
        // The same on the RS256 app, where "none" is no more allowed than HS256.
        cases.push(case(
            format!("RS256 app, alg {spelling}"),
            &rs,
            g(&token),
            422,
            not_allowed(),
        ));
    }
    // RFC 8725 §2.1 key confusion: HS256 keyed with the RS256 app's public key PEM.
    let pem = fixture("rsa_public.pem");
    let confused = sign(
        Algorithm::HS256,
        &hmac(pem.as_bytes()),
        &json!({"alg": "HS256", "typ": "JWT"}),
        &c,
    );
    cases.push(case(
        "RS256 app, HS256 signed with the public key PEM",
        &rs,
        g(&confused),
        422,
        not_allowed(),
    ));
    let confused_der = sign(
        Algorithm::HS256,
        &hmac(&pem_der("rsa_public.pem")),
        &json!({"alg": "HS256"}),
        &c,
    );
    cases.push(case(
        "RS256 app, HS256 signed with the public key DER",
        &rs,
        g(&confused_der),
        422,
        not_allowed(),
    ));
    // Algorithms outside the allow-list.
    cases.push(case(
        "HS256 app, HS512 token",
        &hs,
        g(&common::hs512(&c)),
        422,
        not_allowed(),
    ));
    let hs384 = sign(
        Algorithm::HS384,
        &hmac(SECRET.as_bytes()),
        &json!({"alg": "HS384"}),
        &c,
    );
    cases.push(case(
        "HS256 app, HS384 token",
        &hs,
        g(&hs384),
        422,
        not_allowed(),
    ));
    let rs_tok = common::rs256(&c);
    cases.push(case(
        "HS256 app, RS256 token",
        &hs,
        g(&rs_tok),
        422,
        not_allowed(),
    ));
    let ps = sign(
        Algorithm::PS256,
        &rsa_key("rsa_private.pem"),
        &json!({"alg": "PS256"}),
        &c,
    );
    cases.push(case(
        "RS256 app, PS256 token by the same key",
        &rs,
        g(&ps),
        422,
        not_allowed(),
    ));
    let es_tok = sign(
        Algorithm::ES256,
        &ec_key("ec_private.pem"),
        &json!({"alg": "ES256"}),
        &c,
    );
    cases.push(case(
        "RS256 app, ES256 token",
        &rs,
        g(&es_tok),
        422,
        not_allowed(),
    ));
    for alg in ["hs256", "HS256 ", "HS 256", "", "RSA-OAEP", "A128GCM"] {
        let t = hs_segments(&b64(json!({"alg": alg}).to_string().as_bytes()), &body);
        cases.push(case(format!("alg {alg:?}"), &hs, g(&t), 422, not_allowed()));
    }
    for alg in [
        json!(1),
        json!(null),
        json!(["HS256"]),
        json!({"HS256": true}),
    ] {
        let t = hs_segments(&b64(json!({"alg": alg}).to_string().as_bytes()), &body);
        cases.push(case(format!("alg {alg}"), &hs, g(&t), 422, not_allowed()));
    }
    let no_alg = hs_segments(&b64(br#"{"typ":"JWT"}"#), &body);
    cases.push(case(
        "no alg",
        &hs,
        g(&no_alg),
        422,
        m("Algorithm not specified"),
    ));
    // Signatures on the ES256 app: empty, truncated, zeroed, DER-encoded, high-S is separate.
    let es_good = sign(
        Algorithm::ES256,
        &ec_key("ec_private.pem"),
        &json!({"alg": "ES256", "typ": "JWT"}),
        &c,
    );
    let (_, _, es_sig) = split(&es_good);
    cases.push(case("ES256 control", &es, g(&es_good), 200, ok("alice")));
    cases.push(case(
        "ES256 empty signature",
        &es,
        g(&resign(&es_good, b"")),
        422,
        bad_sig(),
    ));
    cases.push(case(
        "ES256 truncated signature (63 bytes)",
        &es,
        g(&resign(&es_good, &es_sig[..63])),
        422,
        bad_sig(),
    ));
    cases.push(case(
        "ES256 r only (32 bytes)",
        &es,
        g(&resign(&es_good, &es_sig[..32])),
        422,
        bad_sig(),
    ));
    cases.push(case(
        "ES256 zeroed signature",
        &es,
        g(&resign(&es_good, &[0u8; 64])),
        422,
        bad_sig(),
    ));
    cases.push(case(
        "ES256 r = s = n",
        &es,
        g(&resign(&es_good, &[P256_N, P256_N].concat())),
        422,
        bad_sig(),
    ));
    cases.push(case(
        "ES256 DER-encoded signature",
        &es,
        g(&resign(&es_good, &der(&es_sig))),
        422,
        bad_sig(),
    ));
    cases.push(case(
        "ES256 signature + trailing byte",
        &es,
        g(&resign(&es_good, &[es_sig.as_slice(), &[0]].concat())),
        422,
        bad_sig(),
    ));
    // Foreign keys.
    let foreign_es = sign(
        Algorithm::ES256,
        &ec_key("attacker_ec_private.pem"),
        &json!({"alg": "ES256"}),
        &c,
    );
    cases.push(case(
        "ES256 signed by an attacker key",
        &es,
        g(&foreign_es),
        422,
        bad_sig(),
    ));
    let other_es = sign(
        Algorithm::ES256,
        &ec_key("ec_other_private.pem"),
        &json!({"alg": "ES256"}),
        &c,
    );
    cases.push(case(
        "ES256 signed by another fixture key",
        &es,
        g(&other_es),
        422,
        bad_sig(),
    ));
    let foreign_rs = sign(
        Algorithm::RS256,
        &rsa_key("attacker_rsa_private.pem"),
        &json!({"alg": "RS256"}),
        &c,
    );
    cases.push(case(
        "RS256 signed by an attacker key",
        &rs,
        g(&foreign_rs),
        422,
        bad_sig(),
    ));
    let (_, _, rs_sig) = split(&rs_tok);
    cases.push(case(
        "RS256 truncated signature",
        &rs,
        g(&resign(&rs_tok, &rs_sig[..255])),
        422,
        bad_sig(),
    ));
    cases.push(case(
        "RS256 empty signature",
        &rs,
        g(&resign(&rs_tok, b"")),
        422,
        bad_sig(),
    ));
    cases.push(case(
        "HS256 signed with another secret",
        &hs,
        g(&hs256_with("another-secret-entirely", &c)),
        422,
        bad_sig(),
    ));
    cases.push(case(
        "HS256 signed with an empty secret",
        &hs,
        g(&hs256_with("", &c)),
        422,
        bad_sig(),
    ));
    let hs_tok = hs256(&c);
    let (_, _, hs_sig) = split(&hs_tok);
    cases.push(case(
        "HS256 truncated MAC",
        &hs,
        g(&resign(&hs_tok, &hs_sig[..16])),
        422,
        bad_sig(),
    ));
    cases.push(case(
        "HS256 empty MAC",
        &hs,
        g(&resign(&hs_tok, b"")),
        422,
        bad_sig(),
    ));
    cases.push(case("HS256 control", &hs, g(&hs_tok), 200, ok("alice")));
    run("algorithm and signature", cases).await;
}

fn manager_of(builder: JwtConfigBuilder) -> JwtManager {
    revoking(builder)
}

// ---------------------------------------------------------------------------------------
// RFC 8725 §3.10 / OWASP: header parameters never select or fetch a key
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn header_parameters() {
    // A key server the attacker controls; it must never be asked.
    let fetches = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&fetches);
    let keys = actix_test::start(move || {
        let counter = Arc::clone(&counter);
        App::new().default_service(web::to(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { HttpResponse::Ok().json(json!({"keys": []})) }
        }))
    });
    let jku = keys.url("/jwks.json");
    let hs = serve(&hs_app());
    let es = serve(&manager_of(es_builder()));
    let c = claims("alice");
    let bad_sig = || m("Signature verification failed");
    let g = |t: &str| get("/protected").bearer(t);
    let attacker = b"attacker-secret-attacker-secret";
    let attack_hs = |extra: Value| {
        let mut header = json!({"alg": "HS256", "typ": "JWT"});
        header
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        signed_with_header(Algorithm::HS256, &hmac(attacker), header, &c)
    };
    let ec_der = pem_der("attacker_ec_public.pem");
    let point = &ec_der[ec_der.len() - 64..];
    let jwk = json!({"kty": "EC", "crv": "P-256", "x": b64(&point[..32]), "y": b64(&point[32..])});
    let attack_es = |extra: Value| {
        let mut header = json!({"alg": "ES256", "typ": "JWT"});
        header
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        signed_with_header(
            Algorithm::ES256,
            &ec_key("attacker_ec_private.pem"),
            header,
            &c,
        )
    };
    #[rustfmt::skip]
    let mut cases = vec![
        case("kid path traversal, signed with an empty key", &hs, g(&signed_with_header(Algorithm::HS256, &hmac(b""), json!({"alg": "HS256", "kid": "../../../../dev/null"}), &c)), 422, bad_sig()),
        case("kid SQL injection", &hs, g(&attack_hs(json!({"kid": "x' UNION SELECT 'attacker-secret-attacker-secret"}))), 422, bad_sig()),
        case("kid not a string", &hs, g(&signed_with_header(Algorithm::HS256, &hmac(SECRET.as_bytes()), json!({"alg": "HS256", "kid": 7}), &c)), 422, m("Key ID header parameter must be a string")),
        case("jku to an attacker key set", &hs, g(&attack_hs(json!({"jku": jku}))), 422, bad_sig()),
        case("x5u to an attacker certificate", &hs, g(&attack_hs(json!({"x5u": keys.url("/cert.pem")}))), 422, bad_sig()),
        case("jwk oct with the attacker secret", &hs, g(&attack_hs(json!({"jwk": {"kty": "oct", "k": b64(attacker)}}))), 422, bad_sig()),
        case("ES256: jwk with the attacker's own public key", &es, g(&attack_es(json!({"jwk": jwk}))), 422, bad_sig()),
        case("ES256: jku + kid to the attacker", &es, g(&attack_es(json!({"jku": keys.url("/jwks"), "kid": "attacker"}))), 422, bad_sig()),
        case("ES256: x5c with the attacker key", &es, g(&attack_es(json!({"x5c": [STANDARD.encode(&ec_der)]}))), 422, bad_sig()),
        case("ES256: x5u to the attacker", &es, g(&attack_es(json!({"x5u": keys.url("/x5u")}))), 422, bad_sig()),
        // Valid signature with the real key: the parameters are ignored, never obeyed.
        case("valid token with an unknown kid and jku", &hs, g(&signed_with_header(Algorithm::HS256, &hmac(SECRET.as_bytes()), json!({"alg": "HS256", "kid": "nope", "jku": jku}), &c)), 200, ok("alice")),
        case("crit naming an unknown extension", &hs, g(&signed_with_header(Algorithm::HS256, &hmac(SECRET.as_bytes()), json!({"alg": "HS256", "crit": ["exp"], "exp": 1}), &c)), 422, m("Unsupported critical extension: exp")),
        case("crit naming a private extension", &hs, g(&signed_with_header(Algorithm::HS256, &hmac(SECRET.as_bytes()), json!({"alg": "HS256", "crit": ["http://example.com/must-understand"]}), &c)), 422, m("Unsupported critical extension: http://example.com/must-understand")),
        case("crit empty list", &hs, g(&signed_with_header(Algorithm::HS256, &hmac(SECRET.as_bytes()), json!({"alg": "HS256", "crit": []}), &c)), 422, m("Invalid 'crit' header: must be a non-empty list")),
        case("crit a string", &hs, g(&signed_with_header(Algorithm::HS256, &hmac(SECRET.as_bytes()), json!({"alg": "HS256", "crit": "b64"}), &c)), 422, m("Invalid 'crit' header: must be a non-empty list")),
        case("crit with a number", &hs, g(&signed_with_header(Algorithm::HS256, &hmac(SECRET.as_bytes()), json!({"alg": "HS256", "crit": [1]}), &c)), 422, m("Invalid 'crit' header: values must be strings")),
        case("crit b64, b64 false, detached payload", &hs, g(&hs_segments(&b64(br#"{"alg":"HS256","crit":["b64"],"b64":false}"#), "")), 422, m("Unsupported critical extension: b64")),
        case("b64 false without crit", &hs, g(&signed_with_header(Algorithm::HS256, &hmac(SECRET.as_bytes()), json!({"alg": "HS256", "b64": false}), &c)), 422, m("Payload segment must be empty when 'b64' is false.")),
        case("b64 true without crit", &hs, g(&signed_with_header(Algorithm::HS256, &hmac(SECRET.as_bytes()), json!({"alg": "HS256", "b64": true}), &c)), 422, m("The 'b64' header parameter requires 'b64' to be listed in 'crit'.")),
        case("b64 false, empty payload", &hs, g(&hs_segments(&b64(br#"{"alg":"HS256","b64":false}"#), "")), 422, m("The 'b64' header parameter requires 'b64' to be listed in 'crit'.")),
    ];
    cases.push(case(
        "ES256 control after the attacks",
        &es,
        g(&sign(
            Algorithm::ES256,
            &ec_key("ec_private.pem"),
            &json!({"alg": "ES256", "kid": "attacker", "jwk": jwk}),
            &c,
        )),
        200,
        ok("alice"),
    ));
    run("header parameters", cases).await;
    assert_eq!(fetches.load(Ordering::SeqCst), 0, "a key URL was fetched");
}

// ---------------------------------------------------------------------------------------
// RFC 8725 §3.4, §3.8 / OWASP: encoding and structure
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn encoding_and_structure() {
    let hs = serve(&hs_app());
    // Claims whose payload segment needs padding (length not a multiple of 4).
    let mut c = claims("alice");
    c["pad"] = json!("");
    while b64(&serde_json::to_vec(&c).unwrap())
        .len()
        .is_multiple_of(4)
    {
        c["pad"] = json!(format!("{}x", c["pad"].as_str().unwrap()));
    }
    let good = hs256(&c);
    let (h, p, s) = split(&good);
    let sig = b64(&s);
    let g = |t: &str| get("/protected").bearer(t);
    let header_json = br#"{"alg":"HS256","typ":"JWT"}"#;
    let padded = |seg: &str| format!("{seg}{}", "=".repeat((4 - seg.len() % 4) % 4));
    // A payload whose encoding holds '-' and '_' (so the standard alphabet differs).
    let mut odd = c.clone();
    odd["pad"] = json!("\u{3ff}\u{3ff}?>?>~~~");
    let odd_tok = hs256(&odd);
    let (_, odd_p, _) = split(&odd_tok);
    assert!(odd_p.contains(['-', '_']));
    let std_p = odd_p.replace('-', "+").replace('_', "/");
    let std_sig = sig.replace('-', "+").replace('_', "/");
    let dup = hs_raw(header_json, br#"{"sub":"a","type":"access","sub":"b"}"#);
    let dup_type = hs_raw(
        header_json,
        br#"{"sub":"a","type":"refresh","type":"access"}"#,
    );
    let dup_alg = format!("{}.{p}.", b64(br#"{"alg":"HS256","alg":"none"}"#));
    let deep = hs_raw(
        header_json,
        format!(r#"{{"sub":"a","deep":{}}}"#, nested(10_000)).as_bytes(),
    );
    let deep_header = hs_segments(
        &b64(format!(r#"{{"alg":"HS256","x":{}}}"#, nested(10_000)).as_bytes()),
        &p,
    );
    let deep_objects = hs_raw(
        header_json,
        format!(
            r#"{{"sub":"a","deep":{}{}}}"#,
            r#"{"a":"#.repeat(5_000),
            "}".repeat(5_000)
        )
        .as_bytes(),
    );
    let fat_header = hs_segments(
        &b64(format!(r#"{{"alg":"HS256","x":"{}"}}"#, "A".repeat(40_000)).as_bytes()),
        &p,
    );

    #[rustfmt::skip]
    let cases = vec![
        case("1 segment", &hs, g("eyJhbGciOiJIUzI1NiJ9"), 422, m("Not enough segments")),
        case("2 segments", &hs, g(&format!("{h}.{p}")), 422, m("Not enough segments")),
        // PyJWT's split: header = first, signature = last, payload = everything between.
        case("4 segments", &hs, g(&format!("{good}.{sig}")), 422, m("Invalid payload padding")),
        case("5 segments", &hs, g(&format!("{h}.{p}.{p}.{p}.{sig}")), 422, m("Invalid payload padding")),
        case("empty segments", &hs, g(".."), 422, m("Invalid header string: unexpected end of data at line 1 column 0")),
        case("padded signature (PyJWT accepts)", &hs, g(&format!("{h}.{p}.{}", padded(&sig))), 200, ok("alice")),
        case("padded segments, signed as sent (PyJWT accepts)", &hs, g(&hs_segments(&padded(&h), &padded(&p))), 200, ok("alice")),
        case("padded payload, signature of the unpadded input", &hs, g(&format!("{h}.{}.{sig}", padded(&p))), 422, m("Signature verification failed")),
        case("excess header padding", &hs, g(&format!("{h}====.{p}.{sig}")), 422, m("Invalid header padding")),
        case("excess signature padding", &hs, g(&format!("{h}.{p}.{sig}====")), 422, m("Invalid crypto padding")),
        case("impossible length header", &hs, g(&format!("{h}A.{p}.{sig}")), 422, m("Invalid header padding")),
        case("standard alphabet payload", &hs, g(&format!("{h}.{std_p}.{}", b64(&split(&odd_tok).2))), 422, m("Invalid payload padding")),
        case("standard alphabet signature", &hs, g(&format!("{h}.{p}.{std_sig}")), if std_sig == sig { 200 } else { 422 }, if std_sig == sig { ok("alice") } else { m("Invalid crypto padding") }),
        case("non-UTF-8 header", &hs, g(&hs_segments(&b64(b"{\"alg\":\"HS256\",\"x\":\"\xff\"}"), &p)), 422, m("Invalid header string: invalid UTF-8 at byte 20")),
        case("non-UTF-8 payload", &hs, g(&hs_raw(header_json, b"{\"sub\":\"\xc3\x28\"}")), 422, m("Invalid payload string: invalid UTF-8 at byte 8")),
        case("header is an array", &hs, g(&hs_segments(&b64(br#"["HS256"]"#), &p)), 422, m("Invalid header string: must be a json object")),
        case("header is a string", &hs, g(&hs_segments(&b64(br#""HS256""#), &p)), 422, m("Invalid header string: must be a json object")),
        case("payload is an array", &hs, g(&hs_raw(header_json, br#"[{"sub":"a"}]"#)), 422, m("Invalid payload string: must be a json object")),
        case("payload is null", &hs, g(&hs_raw(header_json, b"null")), 422, m("Invalid payload string: must be a json object")),
        case("payload is a number", &hs, g(&hs_raw(header_json, b"42")), 422, m("Invalid payload string: must be a json object")),
        case("payload with trailing garbage", &hs, g(&hs_raw(header_json, br#"{"sub":"a"} x"#)), 422, m("Invalid payload string: invalid JSON at line 1 column 13")),
        // Python's json.loads keeps the last duplicate; so does every reader here.
        case("duplicate sub: the last one, everywhere", &hs, g(&dup), 200, ok("b")),
        case("duplicate type: last is access (protected)", &hs, g(&dup_type), 200, ok("a")),
        case("duplicate type: last is access (refresh route)", &hs, get("/refresh").bearer(&dup_type), 422, m("Only refresh tokens are allowed")),
        case("duplicate alg: last is none", &hs, g(&dup_alg), 422, m("The specified alg value is not allowed")),
        case("10,000 nested arrays in a claim", &hs, g(&deep), 422, Want::Prefix("Invalid payload string: ".into())),
        case("10,000 nested arrays in the header", &hs, g(&deep_header), 422, Want::Prefix("Invalid header string: ".into())),
        case("5,000 nested objects in a claim", &hs, g(&deep_objects), 422, m("Invalid payload string: invalid JSON at line 1 column 649")),
        case("40 KB header member (bounded)", &hs, g(&fat_header), 200, ok("alice")),
    ];
    let started = Instant::now();
    run("encoding and structure", cases).await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "structure cases took {:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------
// RFC 8725 §3.10 (time) / OWASP "Token expiry": time claims, zero default leeway
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn time_claims() {
    let hs = serve(&hs_app());
    let g = |extra: Value| {
        let mut c = json!({"sub": "alice", "type": "access"});
        c.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        get("/protected").bearer(hs256(&c))
    };
    let t = now();
    let expired = || m("Token has expired");
    #[rustfmt::skip]
    let cases = vec![
        case("exp == now is expired", &hs, g(json!({"exp": t})), 401, expired()),
        case("exp 1 s ago (zero default leeway)", &hs, g(json!({"exp": t - 1})), 401, expired()),
        case("exp 30 s ago (jsonwebtoken's 60 s leeway would accept)", &hs, g(json!({"exp": t - 30})), 401, expired()),
        case("exp true (int(True) == 1)", &hs, g(json!({"exp": true})), 401, expired()),
        case("exp 0", &hs, g(json!({"exp": 0})), 401, expired()),
        case("exp negative", &hs, g(json!({"exp": -1})), 401, expired()),
        case("exp in 60 s (control)", &hs, g(json!({"exp": t + 60})), 200, ok("alice")),
        case("nbf in 30 s", &hs, g(json!({"nbf": t + 30})), 422, m("The token is not yet valid (nbf)")),
        case("nbf in 2 s (no leeway)", &hs, g(json!({"nbf": t + 2})), 422, m("The token is not yet valid (nbf)")),
        case("iat in 30 s", &hs, g(json!({"iat": t + 30})), 422, m("The token is not yet valid (iat)")),
        case("iat far future", &hs, g(json!({"iat": 99_999_999_999i64})), 422, m("The token is not yet valid (iat)")),
        case("exp a word", &hs, g(json!({"exp": "tomorrow"})), 422, m("Expiration Time claim (exp) must be an integer.")),
        // Python's int() takes numeric strings; a time claim is a number here.
        case("exp a numeric string", &hs, g(json!({"exp": (t + 600).to_string()})), 422, m("Expiration Time claim (exp) must be an integer.")),
        case("exp null", &hs, g(json!({"exp": null})), 422, m("Expiration Time claim (exp) must be an integer.")),
        case("exp an object", &hs, g(json!({"exp": {"$gt": 0}})), 422, m("Expiration Time claim (exp) must be an integer.")),
        case("nbf a list", &hs, g(json!({"nbf": []})), 422, m("Not Before claim (nbf) must be an integer.")),
        case("iat a string", &hs, g(json!({"iat": "now"})), 422, m("Issued At claim (iat) must be an integer.")),
        case("exp expired and nbf future: nbf first", &hs, g(json!({"exp": t - 10, "nbf": t + 30})), 422, m("The token is not yet valid (nbf)")),
    ];
    let huge = hs_raw(br#"{"alg":"HS256"}"#, br#"{"sub":"alice","exp":1e400}"#);
    let mut cases = cases;
    cases.push(case(
        "exp 1e400 (overflow)",
        &hs,
        get("/protected").bearer(&huge),
        422,
        m("Invalid payload string: invalid JSON at line 1 column 26"),
    ));
    run("time claims", cases).await;
}

// ---------------------------------------------------------------------------------------
// RFC 8725 §3.9, §3.11, §3.12 / OWASP: identity, type, freshness, issuer, audience
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn identity_type_freshness_iss_aud() {
    let hs = serve(&hs_app());
    let strict = serve(&manager_of(
        common::config()
            .decode_issuer(["https://issuer.example"])
            .decode_audience(["api"]),
    ));
    let t = |extra: Value| {
        let mut c = json!({"sub": "alice", "type": "access", "fresh": true, "iss": "https://issuer.example", "aud": "api"});
        c.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        hs256(&c)
    };
    let g = |path: &str, extra: Value| get(path).bearer(t(extra));
    #[rustfmt::skip]
    let cases = vec![
        case("refresh token on an access route", &hs, g("/protected", json!({"type": "refresh"})), 422, m("Only non-refresh tokens are allowed")),
        case("refresh token on a fresh route", &hs, g("/fresh", json!({"type": "refresh"})), 422, m("Only non-refresh tokens are allowed")),
        case("access token on a refresh route", &hs, g("/refresh", json!({})), 422, m("Only refresh tokens are allowed")),
        case("type 'Refresh' on a refresh route", &hs, g("/refresh", json!({"type": "Refresh"})), 422, m("Only refresh tokens are allowed")),
        case("type ['refresh'] on a refresh route", &hs, g("/refresh", json!({"type": ["refresh"]})), 422, m("Only refresh tokens are allowed")),
        case("refresh token in the access JSON key", &hs, post("/json_refresh").json(&json!({"refresh_token": t(json!({}))})), 422, m("Only refresh tokens are allowed")),
        case("refresh control", &hs, g("/refresh", json!({"type": "refresh"})), 200, ok("alice")),
        case("fresh false on a fresh route", &hs, g("/fresh", json!({"fresh": false})), 401, m("Fresh token required")),
        case("fresh timestamp in the past", &hs, g("/fresh", json!({"fresh": now() - 10})), 401, m("Fresh token required")),
        // flask-jwt-extended 500s on a non-boolean, non-numeric `fresh`; refused here.
        case("fresh 'true' (a string)", &hs, g("/fresh", json!({"fresh": "true"})), 401, m("Fresh token required")),
        case("fresh control", &hs, g("/fresh", json!({})), 200, ok("alice")),
        case("no sub", &hs, get("/protected").bearer(hs256(&json!({"type": "access"}))), 422, m("Missing claim: sub")),
        case("sub a number", &hs, g("/protected", json!({"sub": 1})), 422, m("Subject must be a string")),
        case("sub an object", &hs, g("/protected", json!({"sub": {"role": "admin"}})), 422, m("Subject must be a string")),
        case("jti a number", &hs, g("/protected", json!({"jti": 5})), 422, m("JWT ID must be a string")),
        case("iss an array holding the issuer", &strict, g("/protected", json!({"iss": ["https://issuer.example"]})), 422, m("Payload Issuer (iss) must be a string")),
        case("iss a prefix of the issuer", &strict, g("/protected", json!({"iss": "https://issuer"})), 422, m("Invalid issuer")),
        case("iss extends the issuer", &strict, g("/protected", json!({"iss": "https://issuer.example.evil"})), 422, m("Invalid issuer")),
        case("iss other case", &strict, g("/protected", json!({"iss": "HTTPS://ISSUER.EXAMPLE"})), 422, m("Invalid issuer")),
        case("iss missing", &strict, get("/protected").bearer(hs256(&json!({"sub": "alice", "aud": "api"}))), 422, m("Token is missing the \"iss\" claim")),
        case("aud a prefix", &strict, g("/protected", json!({"aud": "ap"})), 422, m("Audience doesn't match")),
        case("aud extends", &strict, g("/protected", json!({"aud": "apix"})), 422, m("Audience doesn't match")),
        case("aud [1]", &strict, g("/protected", json!({"aud": [1]})), 422, m("Invalid claim format in token")),
        case("aud ['api', 1]", &strict, g("/protected", json!({"aud": ["api", 1]})), 422, m("Invalid claim format in token")),
        case("aud ['api', null]", &strict, g("/protected", json!({"aud": ["api", null]})), 422, m("Invalid claim format in token")),
        case("aud {'api': 1}", &strict, g("/protected", json!({"aud": {"api": 1}})), 422, m("Invalid claim format in token")),
        case("aud empty", &strict, g("/protected", json!({"aud": ""})), 422, m("Token is missing the \"aud\" claim")),
        case("aud list control", &strict, g("/protected", json!({"aud": ["other", "api"]})), 200, ok("alice")),
    ];
    run("identity, type, freshness, iss, aud", cases).await;
}

// ---------------------------------------------------------------------------------------
// OWASP: token locations (headers, cookies, query string)
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn locations() {
    let jwt = manager_of(common::config());
    let plain = serve(&jwt);
    let all = serve(&hs_app());
    let good = hs256(&claims("alice"));
    let other = hs256(&claims("mallory"));
    let bad = hs256_with("wrong-secret-wrong", &claims("mallory"));
    let missing_type = || {
        m("Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'")
    };
    let q = |v: &str| Value::String(v.to_owned());
    #[rustfmt::skip]
    let cases = vec![
        // Two lines are joined with ", " as a WSGI server joins them for Flask.
        case("two Bearer lines: ambiguous, refused", &plain, get("/protected").bearer(&good).bearer(&other), 401, missing_type()),
        case("Basic line then Bearer line", &plain, get("/protected").h("Authorization", "Basic YTpi").bearer(&good), 200, ok("alice")),
        case("Bearer line then a forged Bearer in one line", &plain, get("/protected").h("Authorization", format!("Bearer {good}, Bearer {bad}")), 401, missing_type()),
        case("lower-case scheme", &plain, get("/protected").h("Authorization", format!("bearer {good}")), 401, missing_type()),
        case("three words", &plain, get("/protected").h("Authorization", format!("Bearer {good} x")), 422, m("Bad Authorization header. Expected 'Authorization: Bearer <JWT>'")),
        case("non-ASCII bytes in the token (Latin-1)", &plain, get("/protected").bearer(b"\xe9t\xe9.\xe9.\xe9"), 422, m("Invalid header padding")),
        case("non-ASCII byte in the signature", &plain, get("/protected").bearer([good.as_bytes(), b"\xff"].concat()), 422, m("Invalid crypto padding")),
        case("non-ASCII byte in the scheme", &plain, get("/protected").h("Authorization", [b"B\xe9arer ".as_slice(), good.as_bytes()].concat()), 401, missing_type()),
        case("obs-text only", &plain, get("/protected").h("Authorization", b"\x80\x81\xfe"), 401, missing_type()),
        case("Cookie without '='", &all, get("/cookies").cookie("access_token_cookie"), 401, m("Missing cookie \"access_token_cookie\"")),
        case("Cookie with non-ASCII bytes, then the token", &all, get("/cookies").cookie([b"\xff\xfe=\xe9; access_token_cookie=".as_slice(), bad.as_bytes()].concat()), 422, m("Signature verification failed")),
        case("Cookie value with non-ASCII bytes", &all, get("/cookies").cookie(b"access_token_cookie=\xe9\xe9.\xe9.\xe9"), 422, m("Invalid header padding")),
        case("Cookie quoted value", &all, get("/cookies").cookie(format!("access_token_cookie=\"{good}\"")), 200, Want::Json(json!({"logged_in_as": "alice", "location": "cookies"}))),
        case("Cookie only separators", &all, get("/cookies").cookie(";;;  ; = ;"), 401, m("Missing cookie \"access_token_cookie\"")),
        case("duplicate query parameter: first wins (good first)", &all, get(format!("/qs?jwt={good}&jwt={bad}")), 200, Want::Json(json!({"logged_in_as": "alice", "location": "query_string"}))),
        case("duplicate query parameter: first wins (bad first)", &all, get(format!("/qs?jwt={bad}&jwt={good}")), 422, m("Signature verification failed")),
        case("query with invalid percent-encoding", &all, get("/qs?jwt=%ff%fe.%00.%"), 422, m("Invalid header padding")),
        case("query parameter name percent-encoded", &all, get(format!("/qs?%6Awt={good}")), 200, Want::Json(json!({"logged_in_as": "alice", "location": "query_string"}))),
        case("JSON key holds a number", &all, post("/json").json(&json!({"access_token": 5})), 422, m("Invalid token type. Token must be a <class 'bytes'>")),
        case("JSON body is an array", &all, post("/json").json(&json!([q(&good)])), 401, m("Missing \"access_token\" key in json data.")),
        // get_json(silent=True) upstream: a body that is not JSON holds no token.
        case("JSON body is not JSON", &all, post("/json").body("application/json", b"{\"access_token\":".to_vec()), 401, m("Missing \"access_token\" key in json data.")),
    ];
    run("locations", cases).await;
}

// ---------------------------------------------------------------------------------------
// OWASP CSRF cheat sheet: double submit cookie
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn csrf() {
    let all = serve(&hs_app());
    let tok = |csrf: Value, ty: &str| {
        hs256(&json!({"sub": "alice", "type": ty, "csrf": csrf, "jti": "c1"}))
    };
    let access = tok(json!("access-csrf-value"), "access");
    let refresh = tok(json!("refresh-csrf-value"), "refresh");
    let p = |cookie: String| post("/cookies").cookie(cookie);
    let ac = |t: &str| format!("access_token_cookie={t}");
    let mismatch = || m("CSRF double submit tokens do not match");
    let in_cookies = Want::Json(json!({"logged_in_as": "alice", "location": "cookies"}));
    #[rustfmt::skip]
    let cases = vec![
        case("no CSRF header", &all, p(ac(&access)), 401, m("Missing CSRF token")),
        case("injected CSRF cookie, no header", &all, p(format!("{}; csrf_access_token=access-csrf-value", ac(&access))), 401, m("Missing CSRF token")),
        case("injected CSRF cookie with a chosen value, no header", &all, p(format!("{}; csrf_access_token=evil", ac(&access))), 401, m("Missing CSRF token")),
        case("refresh CSRF value on an access route", &all, p(ac(&access)).h("X-CSRF-TOKEN", "refresh-csrf-value"), 401, mismatch()),
        case("refresh cookie + refresh CSRF on an access route", &all, post("/cookies").cookie(format!("refresh_token_cookie={refresh}")).h("X-CSRF-TOKEN", "refresh-csrf-value"), 401, m("Missing cookie \"access_token_cookie\"")),
        case("prefix of the CSRF value", &all, p(ac(&access)).h("X-CSRF-TOKEN", "access-csrf"), 401, mismatch()),
        case("CSRF value + space", &all, p(ac(&access)).h("X-CSRF-TOKEN", "access-csrf-value x"), 401, mismatch()),
        case("non-ASCII CSRF value (Latin-1 bytes)", &all, p(ac(&access)).h("X-CSRF-TOKEN", b"\xe9\xff"), 401, mismatch()),
        case("non-ASCII CSRF value (UTF-8 bytes)", &all, p(ac(&access)).h("X-CSRF-TOKEN", "ünïcødé".as_bytes()), 401, mismatch()),
        // flask-jwt-extended 500s comparing a non-string claim; refused here.
        case("non-string csrf claim", &all, p(ac(&tok(json!(5), "access"))).h("X-CSRF-TOKEN", "5"), 401, mismatch()),
        case("csrf claim missing", &all, p(ac(&hs256(&json!({"sub": "alice"})))).h("X-CSRF-TOKEN", "x"), 422, m("Missing claim: csrf")),
        case("two CSRF header lines", &all, p(ac(&access)).h("X-CSRF-TOKEN", "access-csrf-value").h("X-CSRF-TOKEN", "access-csrf-value"), 401, mismatch()),
        case("CSRF in a form field (form check off)", &all, p(ac(&access)).body("application/x-www-form-urlencoded", b"csrf_token=access-csrf-value".to_vec()), 401, m("Missing CSRF token")),
        case("valid double submit (control)", &all, p(ac(&access)).h("X-CSRF-TOKEN", "access-csrf-value"), 200, in_cookies),
    ];
    run("csrf", cases).await;
}

// ---------------------------------------------------------------------------------------
// OWASP "Token explicit revocation": revocation by jti
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn revocation() {
    let hs_jwt = hs_app();
    let hs = serve(&hs_jwt);
    let es_jwt = manager_of(es_builder());
    let es = serve(&es_jwt);
    let revoked = || m("Token has been revoked");
    let g = |t: &str| get("/protected").bearer(t);

    let token = hs_jwt.access_token("alice").encode().await.unwrap();
    let es_token = es_jwt.access_token("alice").encode().await.unwrap();
    for (srv, t) in [(&hs, &token), (&es, &es_token)] {
        let a = send(srv, &get("/logout").bearer(t)).await.unwrap();
        assert_eq!(a.status, 200, "logout: {}", a.text());
    }
    let (h, p, s) = split(&token);
    let padded_sig = format!("{h}.{p}.{}=", b64(&s));
    let pad = |seg: &str| format!("{seg}{}", "=".repeat((4 - seg.len() % 4) % 4));
    let reencoded = hs_segments(&pad(&h), &pad(&p));
    // The same claims (same jti) under a reordered header, signed again.
    let payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&p).unwrap()).unwrap();
    let resigned = sign(
        Algorithm::HS256,
        &hmac(SECRET.as_bytes()),
        &json!({"typ": "JWT", "alg": "HS256", "kid": "new"}),
        &payload,
    );
    let (_, _, es_sig) = split(&es_token);
    let es_high_s = resign(&es_token, &high_s(&es_sig));
    let fresh = hs_jwt.access_token("alice").encode().await.unwrap();
    #[rustfmt::skip]
    let cases = vec![
        case("revoked token", &hs, g(&token), 401, revoked()),
        case("revoked token, signature with '=' padding", &hs, g(&padded_sig), 401, revoked()),
        case("revoked token, segments re-encoded with padding and re-signed", &hs, g(&reencoded), 401, revoked()),
        case("revoked jti under a new header, re-signed", &hs, g(&resigned), 401, revoked()),
        case("revoked token from a cookie", &hs, get("/cookies").cookie(format!("access_token_cookie={token}")), 401, revoked()),
        case("revoked token from the query string", &hs, get(format!("/qs?jwt={token}")), 401, revoked()),
        case("revoked token from JSON", &hs, post("/json").json(&json!({"access_token": token})), 401, revoked()),
        case("revoked token on an optional route", &hs, get("/optional").bearer(&token), 401, revoked()),
        case("ES256 revoked token", &es, g(&es_token), 401, revoked()),
        // ECDSA high-S (r, n - s) verifies, as in PyJWT; revocation still holds by jti.
        case("ES256 revoked token, high-S copy", &es, g(&es_high_s), 401, revoked()),
        case("ES256 revoked token, DER signature", &es, g(&resign(&es_token, &der(&es_sig))), 422, m("Signature verification failed")),
        case("another token of the same user (control)", &hs, g(&fresh), 200, ok("alice")),
    ];
    run("revocation", cases).await;

    // Concurrent replays of the revoked token: every one refused.
    let replays = (0..32).map(|i| {
        let t = if i % 2 == 0 {
            token.clone()
        } else {
            padded_sig.clone()
        };
        let hs = &hs;
        async move { send(hs, &get("/protected").bearer(&t)).await }
    });
    for a in futures_util::future::join_all(replays).await {
        let a = a.unwrap();
        assert_eq!(
            (a.status, a.text()),
            (401, message_body("Token has been revoked"))
        );
    }
}

// ---------------------------------------------------------------------------------------
// RFC 8725 §3.6 / OWASP: no token, secret or expected signature in any answer
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn leaks() {
    let jwt = hs_app();
    let hs = serve(&jwt);
    let c = claims("alice");
    let good = hs256(&c);
    let (h, p, _) = split(&good);
    let expected_sig = b64(&split(&good).2);
    let forged = hs256_with("attacker-guess", &c);
    let expired = hs256(&json!({"sub": "alice", "exp": now() - 5}));
    let csrf = hs256(&json!({"sub": "alice", "csrf": "the-csrf-value"}));
    let attempts: Vec<(String, Attack)> = vec![
        ("forged signature".into(), get("/protected").bearer(&forged)),
        ("forged, query".into(), get(format!("/qs?jwt={forged}"))),
        (
            "forged, JSON".into(),
            post("/json").json(&json!({"access_token": forged})),
        ),
        (
            "forged, cookie".into(),
            get("/cookies").cookie(format!("access_token_cookie={forged}")),
        ),
        (
            "truncated signature".into(),
            get("/protected").bearer(&good[..good.len() - 3]),
        ),
        ("expired".into(), get("/protected").bearer(&expired)),
        (
            "payload not UTF-8".into(),
            get("/protected").bearer(hs_raw(br#"{"alg":"HS256"}"#, b"{\"sub\":\"\xff\"}")),
        ),
        (
            "payload junk".into(),
            get("/protected").bearer(format!("{h}.{}.x", b64(br#"{"sub":"alice","secret":"#))),
        ),
        (
            "CSRF mismatch".into(),
            post("/cookies")
                .cookie(format!("access_token_cookie={csrf}"))
                .h("X-CSRF-TOKEN", "guess"),
        ),
        (
            "alg none".into(),
            get("/protected").bearer(common::alg_none(&c)),
        ),
        ("wrong type".into(), get("/refresh").bearer(&good)),
        (
            "bad header".into(),
            get("/protected").h("Authorization", format!("Bearer {good} {good}")),
        ),
    ];
    let mut failures = Vec::new();
    for (id, req) in &attempts {
        let a = send(&hs, req).await.unwrap();
        let mut texts = vec![a.text()];
        texts.extend(
            a.headers
                .iter()
                .map(|(k, v)| format!("{k}: {}", String::from_utf8_lossy(v))),
        );
        let sent_token = req
            .headers
            .iter()
            .find(|(k, _)| k == "Authorization")
            .map(|(_, v)| {
                String::from_utf8_lossy(v)
                    .trim_start_matches("Bearer ")
                    .to_owned()
            });
        for text in &texts {
            let mut needles: Vec<String> = vec![
                SECRET.to_owned(),
                good.clone(),
                forged.clone(),
                p.clone(),
                "the-csrf-value".into(),
            ];
            needles.extend(sent_token.clone());
            needles.extend(
                expected_sig
                    .as_bytes()
                    .windows(6)
                    .map(|w| String::from_utf8_lossy(w).into_owned()),
            );
            for needle in &needles {
                if text.contains(needle.as_str()) {
                    failures.push(format!("{id}: answer {text:?} contains {needle:?}"));
                }
            }
        }
        if a.status >= 500 || a.status < 400 {
            failures.push(format!("{id}: status {}", a.status));
        }
    }
    assert!(failures.is_empty(), "leaks:\n  {}", failures.join("\n  "));
    assert_eq!(attempts.len(), 12);
}

// ---------------------------------------------------------------------------------------
// RFC 8725 §3.x / OWASP: denial of service (sizes, nesting, bounded time)
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn denial_of_service() {
    let hs = serve(&hs_app());
    let good = hs256(&claims("alice"));
    let big_body = json!({"access_token": good, "pad": "x".repeat(70 * 1024)});
    let mb = "A".repeat(1024 * 1024);
    let deep = hs_raw(
        br#"{"alg":"HS256"}"#,
        format!(r#"{{"sub":"a","d":{}}}"#, nested(100_000)).as_bytes(),
    );
    let many_dots = ".".repeat(60_000);
    let many_members = hs_raw(
        br#"{"alg":"HS256"}"#,
        format!(
            "{{{}\"sub\":\"a\"}}",
            (0..3000)
                .map(|i| format!("\"k{i}\":{i},"))
                .collect::<String>()
        )
        .as_bytes(),
    );
    #[rustfmt::skip]
    let cases = vec![
        case("JSON body over 64 KiB", &hs, post("/json").json(&big_body), 413, m("Request body too large")),
        case("JSON body over 64 KiB, refresh route", &hs, post("/json_refresh").json(&json!({"refresh_token": "x", "pad": "y".repeat(70 * 1024)})), 413, m("Request body too large")),
        case("1 MB token in the JSON body", &hs, post("/json").json(&json!({"access_token": mb})), 413, m("Request body too large")),
        case("JSON body exactly under the limit", &hs, post("/json").json(&json!({"access_token": good, "pad": "x".repeat(60 * 1024)})), 200, Want::Json(json!({"logged_in_as": "alice", "location": "json"}))),
        // Actix's own head limit answers before the crate runs.
        case("1 MB Authorization header", &hs, get("/protected").bearer(&mb), 431, Want::Any),
        case("100,000 nested arrays in a claim", &hs, post("/json").json(&json!({"access_token": deep})), 413, m("Request body too large")),
        case("60,000 dots", &hs, get("/protected").bearer(&many_dots), 422, m("Invalid header string: unexpected end of data at line 1 column 0")),
        case("3,000 claims", &hs, get("/protected").bearer(&many_members), 200, ok("a")),
    ];
    let started = Instant::now();
    run("denial of service", cases).await;
    let a = send(
        &hs,
        &get("/protected").bearer(hs_raw(
            br#"{"alg":"HS256"}"#,
            format!(r#"{{"sub":"a","d":{}}}"#, nested(20_000)).as_bytes(),
        )),
    )
    .await
    .unwrap();
    assert_eq!(a.status, 422, "{}", a.text());
    assert!(
        a.elapsed < Duration::from_secs(2),
        "deep nesting took {:?}",
        a.elapsed
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "DoS cases took {:?}",
        started.elapsed()
    );
}

// ---------------------------------------------------------------------------------------
// Every bad input class to every protected route kind: never a 5xx
// ---------------------------------------------------------------------------------------

/// Builds the request that delivers a token to one route kind.
type RouteKind = Box<dyn Fn(&[u8]) -> Attack>;

#[actix_web::test]
async fn every_bad_input_on_every_route_kind() {
    let jwt = hs_app();
    let srv = serve(&jwt);
    let c = claims("alice");
    let good = hs256(&c);
    let (h, p, s) = split(&good);
    let header_json = br#"{"alg":"HS256","typ":"JWT"}"#;
    let none = |alg: &str| format!("{}.{p}.", b64(json!({"alg": alg}).to_string().as_bytes()));
    let revoked = jwt.access_token("alice").encode().await.unwrap();
    assert_eq!(
        send(&srv, &get("/logout").bearer(&revoked))
            .await
            .unwrap()
            .status,
        200
    );
    let ht = |extra: Value| {
        let mut c = json!({"sub": "alice", "type": "access", "csrf": "v"});
        c.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        hs256(&c)
    };
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty", b"".to_vec()),
        ("space", b" ".to_vec()),
        ("1 segment", b"abc".to_vec()),
        ("2 segments", format!("{h}.{p}").into_bytes()),
        ("4 segments", format!("{good}.x").into_bytes()),
        ("5 segments", format!("{good}.x.y").into_bytes()),
        ("alg none", none("none").into_bytes()),
        ("alg None", none("None").into_bytes()),
        ("alg NONE", none("NONE").into_bytes()),
        ("alg nOnE", none("nOnE").into_bytes()),
        ("HS512", common::hs512(&c).into_bytes()),
        ("RS256", common::rs256(&c).into_bytes()),
        (
            "foreign secret",
            hs256_with("nope-nope-nope", &c).into_bytes(),
        ),
        ("empty signature", format!("{h}.{p}.").into_bytes()),
        (
            "huge signature",
            format!("{h}.{p}.{}", "A".repeat(4000)).into_bytes(),
        ),
        ("padded", format!("{h}.{p}.{}=", b64(&s)).into_bytes()),
        ("bad padding", format!("{h}=.{p}.{}", b64(&s)).into_bytes()),
        (
            // The signature in the standard alphabet; when its base64url form happens to hold
            // neither '-' nor '_', one '+' is forced in so that the input is always a bad one.
            "standard alphabet",
            {
                let url = b64(&s);
                let standard = if url.contains(['-', '_']) {
                    url.replace('-', "+").replace('_', "/")
                } else {
                    format!("+{}", &url[1..])
                };
                format!("{h}.{p}.{standard}").into_bytes()
            },
        ),
        (
            "non-UTF-8 payload",
            hs_raw(header_json, b"{\"sub\":\"\xff\"}").into_bytes(),
        ),
        ("non-ASCII token", b"\xe9.\xe9.\xe9".to_vec()),
        (
            "non-object payload",
            hs_raw(header_json, b"[1]").into_bytes(),
        ),
        (
            "duplicate claims",
            hs_raw(header_json, br#"{"sub":"a","sub":"b"}"#).into_bytes(),
        ),
        (
            "deep nesting",
            hs_raw(
                header_json,
                format!(r#"{{"sub":"a","d":{}}}"#, nested(10_000)).as_bytes(),
            )
            .into_bytes(),
        ),
        (
            "large header",
            hs_segments(
                &b64(format!(r#"{{"alg":"HS256","x":"{}"}}"#, "A".repeat(20_000)).as_bytes()),
                &p,
            )
            .into_bytes(),
        ),
        (
            "crit",
            signed_with_header(
                Algorithm::HS256,
                &hmac(SECRET.as_bytes()),
                json!({"alg": "HS256", "crit": ["x"]}),
                &c,
            )
            .into_bytes(),
        ),
        (
            "b64",
            signed_with_header(
                Algorithm::HS256,
                &hmac(SECRET.as_bytes()),
                json!({"alg": "HS256", "b64": false}),
                &c,
            )
            .into_bytes(),
        ),
        (
            "kid number",
            signed_with_header(
                Algorithm::HS256,
                &hmac(SECRET.as_bytes()),
                json!({"alg": "HS256", "kid": 1}),
                &c,
            )
            .into_bytes(),
        ),
        ("expired", ht(json!({"exp": now() - 1})).into_bytes()),
        ("nbf future", ht(json!({"nbf": now() + 60})).into_bytes()),
        ("iat future", ht(json!({"iat": now() + 60})).into_bytes()),
        ("exp string", ht(json!({"exp": "x"})).into_bytes()),
        (
            "exp overflow",
            hs_raw(header_json, br#"{"sub":"a","exp":1e999}"#).into_bytes(),
        ),
        ("sub number", ht(json!({"sub": 5})).into_bytes()),
        ("no sub", hs256(&json!({"type": "access"})).into_bytes()),
        ("type list", ht(json!({"type": ["refresh"]})).into_bytes()),
        ("fresh string", ht(json!({"fresh": "yes"})).into_bytes()),
        ("fresh object", ht(json!({"fresh": {"a": 1}})).into_bytes()),
        ("csrf number", ht(json!({"csrf": 5})).into_bytes()),
        (
            "csrf non-ASCII",
            ht(json!({"csrf": "\u{e9}\u{1f600}"})).into_bytes(),
        ),
        ("aud non-string", ht(json!({"aud": [1, {}]})).into_bytes()),
        ("iss array", ht(json!({"iss": ["a"]})).into_bytes()),
        ("jti number", ht(json!({"jti": 1})).into_bytes()),
        ("revoked", revoked.clone().into_bytes()),
    ];
    let kinds: Vec<(&str, RouteKind)> = vec![
        ("header/access", Box::new(|t| get("/protected").bearer(t))),
        ("header/refresh", Box::new(|t| get("/refresh").bearer(t))),
        ("header/fresh", Box::new(|t| get("/fresh").bearer(t))),
        ("header/optional", Box::new(|t| get("/optional").bearer(t))),
        ("header/user", Box::new(|t| get("/extract").bearer(t))),
        (
            "cookie/access GET",
            Box::new(|t| get("/cookies").cookie([b"access_token_cookie=".as_slice(), t].concat())),
        ),
        (
            "cookie/access POST+CSRF",
            Box::new(|t| {
                post("/cookies")
                    .cookie([b"access_token_cookie=".as_slice(), t].concat())
                    .h("X-CSRF-TOKEN", b"v\xe9")
            }),
        ),
        (
            "cookie/refresh",
            Box::new(|t| {
                post("/refresh")
                    .cookie([b"refresh_token_cookie=".as_slice(), t].concat())
                    .h("X-CSRF-TOKEN", "v")
            }),
        ),
        (
            "cookie/fresh",
            Box::new(|t| get("/fresh").cookie([b"access_token_cookie=".as_slice(), t].concat())),
        ),
        (
            "cookie/optional",
            Box::new(|t| get("/optional").cookie([b"access_token_cookie=".as_slice(), t].concat())),
        ),
        (
            "query/access",
            Box::new(|t| get(format!("/qs?jwt={}", pct(t)))),
        ),
        (
            "query/refresh",
            Box::new(|t| get(format!("/refresh?jwt={}", pct(t)))),
        ),
        (
            "query/fresh",
            Box::new(|t| get(format!("/fresh?jwt={}", pct(t)))),
        ),
        (
            "query/optional",
            Box::new(|t| get(format!("/optional?jwt={}", pct(t)))),
        ),
        (
            "json/access",
            Box::new(|t| post("/json").json(&json!({"access_token": String::from_utf8_lossy(t)}))),
        ),
        (
            "json/refresh",
            Box::new(|t| {
                post("/json_refresh").json(&json!({"refresh_token": String::from_utf8_lossy(t)}))
            }),
        ),
        (
            "json/fresh",
            Box::new(|t| post("/fresh").json(&json!({"access_token": String::from_utf8_lossy(t)}))),
        ),
        (
            "json/optional",
            Box::new(|t| {
                post("/optional").json(&json!({"access_token": String::from_utf8_lossy(t)}))
            }),
        ),
    ];
    // Validly signed inputs whose odd parts are not checked by default (no `aud`/`iss`
    // configured, `fresh`/`csrf` read only by fresh and cookie routes) or are equivalent
    // encodings of a good token.
    const MAY_PASS: [&str; 10] = [
        "padded",
        "duplicate claims",
        "large header",
        "type list",
        "fresh string",
        "fresh object",
        "csrf number",
        "csrf non-ASCII",
        "aud non-string",
        "iss array",
    ];
    let mut failures = Vec::new();
    let mut sent = 0;
    for (input, bytes) in &inputs {
        for (kind, build) in &kinds {
            let req = build(bytes);
            sent += 1;
            match send(&srv, &req).await {
                Ok(a) if a.status >= 500 => {
                    failures.push(format!("{input} via {kind}: {} {:?}", a.status, a.text()))
                }
                // A bad input never authenticates; only the optional route may answer 200,
                // and then with no identity (an empty token is "no token").
                Ok(a)
                    if a.status < 400
                        && !(kind.ends_with("optional")
                            && a.text().contains("\"logged_in_as\":null"))
                        && !MAY_PASS.contains(input) =>
                {
                    failures.push(format!(
                        "{input} via {kind}: accepted {} {:?}",
                        a.status,
                        a.text()
                    ))
                }
                Ok(_) => {}
                Err(e) => failures.push(format!("{input} via {kind}: {e}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {sent} requests failed:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}
