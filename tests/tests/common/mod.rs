//! Shared helpers of the end-to-end tests: small Actix apps served over real HTTP on
//! loopback (`actix_test::start`, one worker), hand-crafted tokens, and table rows that check
//! the exact status and body of each answer.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_jwt_ext::jsonwebtoken::{Algorithm, EncodingKey};
use actix_jwt_ext::{
    jwt_required, verify_jwt_in_request, Claims, CurrentUser, JwtConfig, JwtConfigBuilder,
    JwtHeader, JwtIdentity, JwtLocation, JwtManager, JwtRequestExt as _, JwtRequired, Optional,
    TokenLocation,
};
use actix_test::TestServer;
use actix_web::dev::HttpServiceFactory;
use actix_web::http::Method;
use actix_web::{web, App, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

/// The HMAC secret of every HS256 test app (as the upstream tests, but 21 bytes long).
pub const SECRET: &str = "foobarbaz-long-enough";

// ---------------------------------------------------------------------------------------
// Configuration and servers
// ---------------------------------------------------------------------------------------

/// The reference setup of section 5: HS256 with [`SECRET`], errors under `"message"`.
pub fn config() -> JwtConfigBuilder {
    JwtConfig::builder()
        .secret_key(SECRET)
        .error_message_key("message")
}

/// A manager with the default loaders.
pub fn manager(builder: JwtConfigBuilder) -> JwtManager {
    JwtManager::new(builder.build().expect("valid test config")).expect("manager builds")
}

/// The user type of the user lookup loader.
#[derive(Debug)]
pub struct User {
    pub name: String,
}

/// A manager with the loaders the upstream tests use, driven by claims of the token:
/// `"revoked": true` is in the blocklist, `"bad_claims": true` fails the custom check, and
/// the identity `ghost` has no user. `lookups` counts the user lookups.
pub fn loader_manager(builder: JwtConfigBuilder, lookups: Arc<AtomicUsize>) -> JwtManager {
    JwtManager::builder(builder.build().expect("valid test config"))
        .token_in_blocklist_loader(|token| async move {
            Ok(token.claim("revoked") == Some(&Value::Bool(true)))
        })
        .token_verification_loader(|token| async move {
            Ok(token.claim("bad_claims") != Some(&Value::Bool(true)))
        })
        .user_lookup_loader(move |token| {
            lookups.fetch_add(1, Ordering::SeqCst);
            async move {
                Ok(token
                    .identity_str()
                    .filter(|name| *name != "ghost")
                    .map(|name| User {
                        name: name.to_owned(),
                    }))
            }
        })
        .build()
        .expect("manager builds")
}

/// Serves [`routes`] for `jwt` on 127.0.0.1 (ephemeral port, one worker).
pub fn spawn(jwt: &JwtManager) -> TestServer {
    let jwt = jwt.clone();
    actix_test::start(move || App::new().configure(jwt.init_app()).configure(routes))
}

/// A resource protected by `mw` whose `OPTIONS` route answers `ok` (when no token state is
/// set, as in flask-jwt-extended) and whose other methods answer [`who`].
fn protected(path: &str, mw: JwtRequired) -> impl HttpServiceFactory + 'static {
    web::resource(path)
        .wrap(mw)
        .route(web::route().method(Method::OPTIONS).to(options_ok))
        .to(who)
}

/// Every route the tables use.
pub fn routes(cfg: &mut web::ServiceConfig) {
    use TokenLocation::{Cookies, Headers, Json, QueryString};
    let guarded = [
        ("/protected", jwt_required()),
        ("/fresh", jwt_required().fresh()),
        ("/refresh", jwt_required().refresh()),
        ("/optional", jwt_required().optional()),
        ("/no_verify_type", jwt_required().no_verify_type()),
        ("/skip_revocation", jwt_required().skip_revocation_check()),
        ("/load_user", jwt_required().load_user()),
        ("/qs", jwt_required().locations([QueryString])),
        ("/json", jwt_required().locations([Json])),
        ("/json_refresh", jwt_required().refresh().locations([Json])),
        ("/cookies", jwt_required().locations([Cookies])),
        (
            "/all",
            jwt_required().locations([Headers, Cookies, QueryString, Json]),
        ),
        (
            "/cookies_headers",
            jwt_required().locations([Cookies, Headers]),
        ),
        (
            "/headers_cookies",
            jwt_required().locations([Headers, Cookies]),
        ),
        ("/json_qs", jwt_required().locations([Json, QueryString])),
        (
            "/headers_qs",
            jwt_required().locations([Headers, QueryString]),
        ),
    ];
    for (path, mw) in guarded {
        cfg.service(protected(path, mw));
    }
    cfg.service(web::resource("/extract").wrap(jwt_required()).to(extract))
        .service(
            web::resource("/optional_extract")
                .wrap(jwt_required().optional())
                .to(optional_extract),
        )
        .service(web::resource("/user").wrap(jwt_required()).to(user))
        .service(
            web::resource("/optional_user")
                .wrap(jwt_required().optional())
                .to(optional_user),
        )
        .service(
            web::resource("/logout")
                .wrap(jwt_required().no_verify_type())
                .to(logout),
        )
        .service(
            web::resource("/echo_json")
                .wrap(jwt_required().locations([Json]))
                .to(echo_json),
        )
        // Extractors alone, without middleware.
        .route("/bare", web::to(bare))
        .route("/bare_optional", web::to(bare_optional))
        .route("/bare_user", web::to(user))
        .route("/bare_two", web::to(two_extractors))
        .service(
            web::resource("/bare_refresh")
                .app_data(jwt_required().refresh())
                .to(bare),
        )
        .service(
            web::resource("/bare_json")
                .app_data(jwt_required().locations([TokenLocation::Json]))
                .to(echo_json),
        )
        .service(
            web::resource("/bare_json_two")
                .app_data(jwt_required().locations([TokenLocation::Json]))
                .to(two_extractors),
        )
        // verify_jwt_in_request from a handler.
        .route("/verify", web::to(verify))
        .route("/verify_fresh", web::to(verify_fresh));
}

// ---------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------

/// `{"logged_in_as": <identity>, "location": <where>}` from the verified state (nulls for an
/// optional route without a token).
async fn who(req: HttpRequest) -> HttpResponse {
    let jwt = req.jwt();
    HttpResponse::Ok().json(json!({
        "logged_in_as": jwt.as_ref().and_then(|j| j.identity().cloned()),
        "location": jwt.as_ref().map(|j| j.location().as_str()),
    }))
}

/// The `OPTIONS` view: runs without a token and sees no token state.
async fn options_ok(req: HttpRequest) -> HttpResponse {
    HttpResponse::Ok().body(if req.jwt().is_some() { "state" } else { "ok" })
}

async fn extract(
    identity: JwtIdentity<Value>,
    claims: Claims,
    header: JwtHeader,
    location: JwtLocation,
) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "logged_in_as": identity.0,
        "type": claims.0.get("type"),
        "alg": header.0.get("alg"),
        "location": location.0.as_str(),
    }))
}

async fn optional_extract(
    identity: Optional<JwtIdentity<Value>>,
    claims: Optional<Claims>,
    header: Optional<JwtHeader>,
    location: Optional<JwtLocation>,
) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "logged_in_as": identity.0.map(|i| i.0),
        "claims": claims.0.map(|c| Value::Object(c.0)).unwrap_or_else(|| json!({})),
        "header": header.0.map(|h| Value::Object(h.0)).unwrap_or_else(|| json!({})),
        "location": location.0.map(|l| l.0.as_str()),
    }))
}

async fn user(user: CurrentUser<User>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "user": user.name }))
}

async fn optional_user(user: Optional<CurrentUser<User>>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "user": user.0.as_ref().map(|u| u.name.clone()) }))
}

/// Revokes the request's own token in the registered blocklist.
async fn logout(req: HttpRequest) -> HttpResponse {
    let jwt = req.jwt().expect("jwt_required() verified a token");
    let manager = req.app_data::<JwtManager>().expect("manager registered");
    match manager.revoke(jwt.token()).await {
        Ok(()) => HttpResponse::Ok().json(json!({ "revoked": jwt.jti() })),
        Err(e) => actix_web::ResponseError::error_response(&e),
    }
}

/// The handler's own JSON extractor still reads the body the middleware buffered.
async fn echo_json(identity: JwtIdentity, body: web::Json<Value>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "logged_in_as": identity.0, "echo": body.get("extra") }))
}

/// Two token extractors on one handler, without middleware.
async fn two_extractors(identity: JwtIdentity, claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "logged_in_as": identity.0, "type": claims.0.get("type") }))
}

async fn bare(identity: JwtIdentity) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "logged_in_as": identity.0 }))
}

async fn bare_optional(identity: Optional<JwtIdentity>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "logged_in_as": identity.0.map(|i| i.0) }))
}

async fn verify_with(req: HttpRequest, options: JwtRequired) -> HttpResponse {
    match verify_jwt_in_request(&req, &options).await {
        Ok(Some(jwt)) => HttpResponse::Ok().json(json!({
            "logged_in_as": jwt.identity(),
            "location": jwt.location().as_str(),
        })),
        Ok(None) => HttpResponse::Ok().json(json!({ "logged_in_as": null })),
        Err(e) => req
            .app_data::<JwtManager>()
            .expect("manager registered")
            .error_response(&e),
    }
}

async fn verify(req: HttpRequest) -> HttpResponse {
    verify_with(req, jwt_required()).await
}

async fn verify_fresh(req: HttpRequest) -> HttpResponse {
    verify_with(req, jwt_required().fresh()).await
}

// ---------------------------------------------------------------------------------------
// Crafted tokens
// ---------------------------------------------------------------------------------------

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `b64(header).b64(claims).b64(signature)`, signed with `alg` and `key`, the header written
/// exactly as given (it need not name `alg`).
pub fn sign(alg: Algorithm, key: &EncodingKey, header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(&serde_json::to_vec(header).unwrap()),
        b64(&serde_json::to_vec(claims).unwrap())
    );
    let signature =
        actix_jwt_ext::jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).expect("signs");
    format!("{input}.{signature}")
}

/// An HS256 token signed with `secret`.
pub fn hs256_with(secret: &str, claims: &Value) -> String {
    sign(
        Algorithm::HS256,
        &EncodingKey::from_secret(secret.as_bytes()),
        &json!({"alg": "HS256", "typ": "JWT"}),
        claims,
    )
}

/// An HS256 token signed with the apps' [`SECRET`].
pub fn hs256(claims: &Value) -> String {
    hs256_with(SECRET, claims)
}

/// An HS512 token signed with the apps' [`SECRET`] (refused by an HS256 app).
pub fn hs512(claims: &Value) -> String {
    sign(
        Algorithm::HS512,
        &EncodingKey::from_secret(SECRET.as_bytes()),
        &json!({"alg": "HS512", "typ": "JWT"}),
        claims,
    )
}

/// An unsecured token: `{"alg":"none"}` and an empty signature.
pub fn alg_none(claims: &Value) -> String {
    format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(&serde_json::to_vec(claims).unwrap())
    )
}

/// The text of a PEM file of `tests/fixtures/`.
pub fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// An RS256 token signed with `fixtures/rsa_private.pem`.
pub fn rs256(claims: &Value) -> String {
    let key = EncodingKey::from_rsa_pem(fixture("rsa_private.pem").as_bytes()).unwrap();
    sign(
        Algorithm::RS256,
        &key,
        &json!({"alg": "RS256", "typ": "JWT"}),
        claims,
    )
}

/// `token` with its payload segment replaced by `payload` (signature kept).
pub fn with_payload(token: &str, payload: &str) -> String {
    let mut parts = token.split('.');
    let (header, _, signature) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    format!("{header}.{payload}.{signature}")
}

/// `token` with its signature segment replaced by `signature`.
pub fn with_signature(token: &str, signature: &str) -> String {
    let (input, _) = token.rsplit_once('.').unwrap();
    format!("{input}.{signature}")
}

// ---------------------------------------------------------------------------------------
// Table rows
// ---------------------------------------------------------------------------------------

/// One HTTP request.
#[derive(Clone, Debug)]
pub struct Req {
    pub method: Method,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<(String, Vec<u8>)>,
}

impl Req {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    /// Appends a header line (several lines of one name stay separate on the wire).
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// `Authorization: Bearer <token>`.
    pub fn bearer(self, token: &str) -> Self {
        self.header("Authorization", format!("Bearer {token}"))
    }

    /// `Cookie: access_token_cookie=<token>`.
    pub fn cookie(self, token: &str) -> Self {
        self.header("Cookie", format!("access_token_cookie={token}"))
    }

    pub fn body(mut self, content_type: &str, bytes: impl Into<Vec<u8>>) -> Self {
        self.body = Some((content_type.to_owned(), bytes.into()));
        self
    }

    pub fn json(self, value: &Value) -> Self {
        self.body("application/json", serde_json::to_vec(value).unwrap())
    }
}

/// What the answer's body must be.
#[derive(Clone, Debug)]
pub enum Expect {
    /// Exactly `{"message":"<text>"}\n` with `Content-Type: application/json`.
    Msg(String),
    /// Exactly these bytes.
    Raw(String),
    /// This JSON document.
    Json(Value),
    /// These JSON pointers have these values.
    Fields(Vec<(&'static str, Value)>),
    /// An empty body (HEAD).
    Empty,
}

/// The section 5 error body for `text`.
pub fn msg(text: impl Into<String>) -> Expect {
    Expect::Msg(text.into())
}

/// One table row: a named request and its expected answer.
#[derive(Clone, Debug)]
pub struct Row {
    pub id: String,
    pub req: Req,
    pub status: u16,
    pub expect: Expect,
}

pub fn row(id: impl Into<String>, req: Req, status: u16, expect: Expect) -> Row {
    Row {
        id: id.into(),
        req,
        status,
        expect,
    }
}

/// `{"message":<json string>}` plus the newline Flask's `jsonify` writes.
pub fn message_body(text: &str) -> String {
    format!("{{\"message\":{}}}\n", serde_json::to_string(text).unwrap())
}

/// Sends the row's request and compares the answer; `Err` describes the difference.
pub async fn check(srv: &TestServer, row: &Row) -> Result<(), String> {
    let id = &row.id;
    let mut req = srv.request(row.req.method.clone(), srv.url(&row.req.path));
    for (name, value) in &row.req.headers {
        req = req.append_header((name.as_str(), value.as_str()));
    }
    let sent = match &row.req.body {
        Some((content_type, bytes)) => {
            req.insert_header(("content-type", content_type.as_str()))
                .send_body(bytes.clone())
                .await
        }
        None => req.send().await,
    };
    let mut resp = sent.map_err(|e| format!("{id}: request failed: {e}"))?;
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = resp
        .body()
        .await
        .map_err(|e| format!("{id}: body unreadable: {e}"))?;
    let text = String::from_utf8_lossy(&body).into_owned();
    if status != row.status {
        return Err(format!(
            "{id}: status {status}, expected {}; body {text:?}",
            row.status
        ));
    }
    let json = || {
        serde_json::from_slice::<Value>(&body)
            .map_err(|e| format!("{id}: not JSON ({e}): {text:?}"))
    };
    match &row.expect {
        Expect::Msg(message) => {
            let want = message_body(message);
            if text != want {
                return Err(format!("{id}: body {text:?}, expected {want:?}"));
            }
            if resp.headers().contains_key("www-authenticate") {
                return Err(format!("{id}: unexpected WWW-Authenticate header"));
            }
            if content_type != "application/json" {
                return Err(format!(
                    "{id}: content-type {content_type:?}, expected \"application/json\""
                ));
            }
        }
        Expect::Raw(want) => {
            if &text != want {
                return Err(format!("{id}: body {text:?}, expected {want:?}"));
            }
        }
        Expect::Json(want) => {
            let got = json()?;
            if &got != want {
                return Err(format!("{id}: body {got}, expected {want}"));
            }
        }
        Expect::Fields(fields) => {
            let got = json()?;
            for (pointer, want) in fields {
                if got.pointer(pointer) != Some(want) {
                    return Err(format!("{id}: {pointer} of {got} is not {want}"));
                }
            }
        }
        Expect::Empty => {
            if !body.is_empty() {
                return Err(format!("{id}: body {text:?}, expected none"));
            }
        }
    }
    Ok(())
}

/// Runs every row (against its server) and fails once, listing every row that differs.
pub async fn run_table(section: &str, rows: &[(&TestServer, Row)]) {
    let mut failures = Vec::new();
    for (srv, row) in rows {
        if let Err(e) = check(srv, row).await {
            failures.push(e);
        }
    }
    assert!(
        failures.is_empty(),
        "{section}: {} of {} rows differ from the reference:\n  {}",
        failures.len(),
        rows.len(),
        failures.join("\n  ")
    );
}

/// [`run_table`] with one server for all rows.
pub async fn run(section: &str, srv: &TestServer, rows: Vec<Row>) {
    let rows: Vec<_> = rows.into_iter().map(|r| (srv, r)).collect();
    run_table(section, &rows).await;
}

/// `{"logged_in_as": <identity>, "location": <location>}`.
pub fn ok_as(identity: impl Into<Value>, location: &str) -> Expect {
    Expect::Json(json!({ "logged_in_as": identity.into(), "location": location }))
}

/// An atomic counter shared with a loader.
pub fn counter() -> Arc<AtomicUsize> {
    Arc::new(AtomicUsize::new(0))
}
