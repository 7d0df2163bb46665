//! Authorization end to end, over real HTTP (`actix_test::start` on 127.0.0.1, an ephemeral
//! port, `awc` as the client): `Requirement`s, the three ways to attach one, middleware order,
//! RFC 6750 challenges and the loaders that replace a refusal.
//!
//! - Tables: every predicate and combinator, one row per (requirement, claims, expected
//!   status, kind and text). Each row is served twice (`jwt_required().require(r)` and the
//!   standalone `.wrap(r)`) by three managers: flask-jwt-extended's `{"msg": ...}` body, a
//!   custom `JWT_ERROR_MESSAGE_KEY`, and an `error_renderer` that shows `err.kind().as_str()`
//!   in a header and in the body, so that the kind is checked and not only the text.
//! - The three attachment forms (middleware option, standalone middleware, `Require<P>`
//!   extractor and `Optional<Require<P>>`).
//! - Order: requirements at app, scope and resource level under `Logger`, `DefaultHeaders`
//!   and a recording `wrap_fn` (outer middleware see the refusals as responses); a refused
//!   request never reaches the handler's `web::Json` extractor (403 before 400).
//! - RFC 6750: off by default; with `JWT_WWW_AUTHENTICATE` every refusal's challenge is
//!   parsed back with the small `auth-param` parser below and compared param by param.
//! - `forbidden_loader` and `error_renderer` answers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_jwt_ext::jsonwebtoken::{Algorithm, EncodingKey};
use actix_jwt_ext::{
    jwt_required, ErrorKind, InMemoryBlocklist, JwtConfig, JwtConfigBuilder, JwtError, JwtIdentity,
    JwtManager, JwtManagerBuilder, Optional, Policy, Require, Requirement,
};
use actix_test::TestServer;
use actix_web::dev::Service as _;
use actix_web::http::header::HeaderMap;
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{DefaultHeaders, Logger};
use actix_web::{web, App, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

/// The HMAC secret of the test apps (distinctive, so that a leak would be seen).
const SECRET: &str = "authz-secret-Qx81-long-enough-for-hs256";

// ---------------------------------------------------------------------------------------
// HTTP client helpers
// ---------------------------------------------------------------------------------------

/// One answer: status, headers, body text.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| String::from_utf8(v.as_bytes().to_vec()).expect("UTF-8 header"))
    }

    fn www(&self) -> Option<String> {
        self.header("www-authenticate")
    }

    fn www_count(&self) -> usize {
        self.headers.get_all("www-authenticate").count()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }
}

/// One request.
#[derive(Clone, Debug)]
struct Call {
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<(String, String)>,
}

impl Call {
    fn new(method: Method, path: &str) -> Self {
        Self {
            method,
            path: path.to_owned(),
            headers: Vec::new(),
            body: None,
        }
    }

    fn get(path: &str) -> Self {
        Self::new(Method::GET, path)
    }

    fn post(path: &str) -> Self {
        Self::new(Method::POST, path)
    }

    fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn bearer(self, token: &str) -> Self {
        self.header("Authorization", &format!("Bearer {token}"))
    }

    fn maybe_bearer(self, token: Option<&str>) -> Self {
        match token {
            Some(token) => self.bearer(token),
            None => self,
        }
    }

    fn json_body(mut self, body: &str) -> Self {
        self.body = Some(("application/json".to_owned(), body.to_owned()));
        self
    }
}

async fn send(srv: &TestServer, call: &Call) -> Answer {
    let mut req = srv.request(call.method.clone(), srv.url(&call.path));
    for (name, value) in &call.headers {
        req = req.append_header((name.as_str(), value.as_str()));
    }
    let sent = match &call.body {
        Some((content_type, body)) => {
            req.insert_header(("content-type", content_type.as_str()))
                .send_body(body.clone())
                .await
        }
        None => req.send().await,
    };
    let mut resp = sent.unwrap_or_else(|e| panic!("{} {}: {e}", call.method, call.path));
    let body = resp.body().await.expect("body");
    Answer {
        status: resp.status().as_u16(),
        headers: resp.headers().clone(),
        body: String::from_utf8(body.to_vec()).expect("UTF-8 body"),
    }
}

async fn get(srv: &TestServer, path: &str, token: Option<&str>) -> Answer {
    send(srv, &Call::get(path).maybe_bearer(token)).await
}

/// flask-jwt-extended's error body: `{"<key>":"<text>"}` and a newline (written here, not
/// with the crate's `jsonify`, so that the test does not trust the code under test).
fn body_of(key: &str, text: &str) -> String {
    format!(
        "{{{}:{}}}\n",
        serde_json::to_string(key).unwrap(),
        serde_json::to_string(text).unwrap()
    )
}

/// Asserts status and the default `{"msg": ...}` body (and its content type).
#[track_caller]
fn assert_refusal(a: &Answer, status: u16, text: &str, ctx: &str) {
    assert_eq!(a.status, status, "{ctx}: status (body {:?})", a.body);
    assert_eq!(a.body, body_of("msg", text), "{ctx}: body");
    assert_eq!(
        a.header("content-type").as_deref(),
        Some("application/json"),
        "{ctx}: content type"
    );
}

#[track_caller]
fn assert_ok(a: &Answer, body: &str, ctx: &str) {
    assert_eq!(a.status, 200, "{ctx}: status (body {:?})", a.body);
    assert_eq!(a.body, body, "{ctx}: body");
}

// ---------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn config() -> JwtConfigBuilder {
    JwtConfig::builder().secret_key(SECRET)
}

fn manager(builder: JwtConfigBuilder) -> JwtManager {
    JwtManager::new(builder.build().expect("valid config")).expect("manager builds")
}

/// An access token for `alice` with `claims` added (they override reserved claims).
async fn access(jwt: &JwtManager, claims: Value) -> String {
    jwt.access_token("alice")
        .claims(claims)
        .encode()
        .await
        .expect("encodes")
}

async fn refresh(jwt: &JwtManager, claims: Value) -> String {
    jwt.refresh_token("alice")
        .claims(claims)
        .encode()
        .await
        .expect("encodes")
}

/// An HS256 token with exactly these claims (no `type`, no `fresh` unless given).
fn crafted(claims: &Value) -> String {
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let input = format!(
        "{}.{}",
        b64(&json!({"alg": "HS256", "typ": "JWT"})),
        b64(claims)
    );
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    let signature =
        actix_jwt_ext::jsonwebtoken::crypto::sign(input.as_bytes(), &key, Algorithm::HS256)
            .expect("signs");
    format!("{input}.{signature}")
}

/// The minimal claims a crafted token needs, plus `extra`.
fn crafted_claims(extra: Value) -> Value {
    let mut claims = json!({"sub": "alice", "jti": "crafted-jti", "iat": now(), "nbf": now(),
        "exp": now() + 600});
    for (k, v) in extra.as_object().unwrap() {
        claims[k] = v.clone();
    }
    claims
}

// ---------------------------------------------------------------------------------------
// Requirements and handlers shared by the tests
// ---------------------------------------------------------------------------------------

fn admins() -> Requirement {
    Requirement::role("admin").message("Admins only!")
}

struct Admins;

impl Policy for Admins {
    fn requirement() -> Requirement {
        admins()
    }
}

struct Readers;

impl Policy for Readers {
    fn requirement() -> Requirement {
        Requirement::scope("reports:read")
    }
}

#[derive(serde::Deserialize)]
struct Plan {
    plan: String,
    seats: u32,
}

fn paid_plan() -> Requirement {
    Requirement::claims(|p: &Plan| p.plan != "free" && p.seats > 0)
}

#[derive(serde::Deserialize)]
struct Tenant {
    tenant: String,
}

/// An asynchronous check: tenant `closed` is refused, `down` makes the "policy service" fail.
fn tenant_open() -> Requirement {
    Requirement::claims_async(|t: Tenant| async move {
        match t.tenant.as_str() {
            "down" => Err(JwtError::store_unavailable("policy service down")),
            "closed" => Ok(false),
            _ => Ok(true),
        }
    })
}

async fn ok() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

async fn who(id: JwtIdentity) -> HttpResponse {
    HttpResponse::Ok().body(id.0)
}

async fn maybe_who(id: Optional<JwtIdentity>) -> HttpResponse {
    HttpResponse::Ok().body(id.0.map_or_else(|| "anonymous".to_owned(), |id| id.0))
}

async fn require_admin(admin: Require<Admins>) -> HttpResponse {
    HttpResponse::Ok().body(admin.identity_str().unwrap_or("?").to_owned())
}

async fn require_reader(reader: Require<Readers>) -> HttpResponse {
    HttpResponse::Ok().body(reader.identity_str().unwrap_or("?").to_owned())
}

async fn maybe_admin(admin: Optional<Require<Admins>>) -> HttpResponse {
    HttpResponse::Ok().body(match &admin.0 {
        Some(admin) => admin.identity_str().unwrap_or("?").to_owned(),
        None => "anonymous".to_owned(),
    })
}

#[derive(serde::Deserialize)]
struct Note {
    text: String,
}

/// Counts its runs: a refused request must never get here.
async fn save_note(runs: web::Data<AtomicUsize>, note: web::Json<Note>) -> HttpResponse {
    runs.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Created().body(note.into_inner().text)
}

async fn save_note_require(
    _admin: Require<Admins>,
    runs: web::Data<AtomicUsize>,
    note: web::Json<Note>,
) -> HttpResponse {
    runs.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Created().body(note.into_inner().text)
}

// ---------------------------------------------------------------------------------------
// 1. Tables
// ---------------------------------------------------------------------------------------

/// The token a row sends.
#[derive(Clone, Debug)]
enum Tok {
    /// An access token minted by the manager, with these claims added.
    Claims(Value),
    /// A hand-made token with exactly [`crafted_claims`] and these.
    Crafted(Value),
}

fn c(claims: Value) -> Tok {
    Tok::Claims(claims)
}

struct Row {
    name: &'static str,
    req: Requirement,
    tok: Tok,
    status: u16,
    kind: &'static str,
    msg: &'static str,
}

type Refusal = (u16, &'static str, &'static str);

const ROLE: Refusal = (403, "missing_role", "Missing required role");
const SCOPE: Refusal = (403, "missing_scope", "Insufficient scope");
const CLAIM: Refusal = (403, "claim_mismatch", "Claim requirement not met");
const DENIED: Refusal = (403, "requirement_failed", "Access denied");
const UNAVAILABLE: Refusal = (503, "store_unavailable", "Service unavailable");

fn met(name: &'static str, req: Requirement, tok: Tok) -> Row {
    Row {
        name,
        req,
        tok,
        status: 200,
        kind: "",
        msg: "",
    }
}

fn no(name: &'static str, req: Requirement, tok: Tok, (status, kind, msg): Refusal) -> Row {
    Row {
        name,
        req,
        tok,
        status,
        kind,
        msg,
    }
}

/// How a table server renders errors.
#[derive(Clone, Copy, Debug)]
enum Flavor {
    /// flask-jwt-extended's default, `{"msg": ...}`.
    Default,
    /// `JWT_ERROR_MESSAGE_KEY=detail`.
    Keyed,
    /// An `error_renderer` showing the kind.
    Rendered,
}

/// An error renderer that shows the kind in `X-Error-Kind` and in the body.
fn render_kind(e: &JwtError) -> Option<HttpResponse> {
    Some(
        HttpResponse::build(e.status())
            .insert_header(("x-error-kind", e.kind().as_str()))
            .content_type("application/json")
            .body(json!({"kind": e.kind().as_str(), "text": e.public_message()}).to_string()),
    )
}

/// Serves each requirement at `/inline/{i}` (`jwt_required().require(r)`) and `/wrap/{i}`
/// (`.wrap(r)` alone).
fn table_server(jwt: &JwtManager, reqs: &[Requirement]) -> TestServer {
    let jwt = jwt.clone();
    let reqs = reqs.to_vec();
    actix_test::start(move || {
        let mut app = App::new().configure(jwt.init_app());
        for (i, r) in reqs.iter().enumerate() {
            app = app
                .service(
                    web::resource(format!("/inline/{i}"))
                        .wrap(jwt_required().require(r.clone()))
                        .to(ok),
                )
                .service(web::resource(format!("/wrap/{i}")).wrap(r.clone()).to(ok));
        }
        app
    })
}

/// Runs `rows` against the three flavours of a manager built by `customise`, through both
/// attachment forms, and reports every mismatch at once.
async fn run_table(
    title: &str,
    rows: Vec<Row>,
    customise: fn(JwtManagerBuilder) -> JwtManagerBuilder,
) {
    let build = |cfg: JwtConfigBuilder, flavor: Flavor| {
        let b = customise(JwtManager::builder(cfg.build().unwrap()));
        match flavor {
            Flavor::Rendered => b.error_renderer(render_kind),
            Flavor::Default | Flavor::Keyed => b,
        }
        .build()
        .unwrap()
    };
    let managers = [
        (Flavor::Default, build(config(), Flavor::Default)),
        (
            Flavor::Keyed,
            build(config().error_message_key("detail"), Flavor::Keyed),
        ),
        (Flavor::Rendered, build(config(), Flavor::Rendered)),
    ];
    let reqs: Vec<Requirement> = rows.iter().map(|r| r.req.clone()).collect();
    let servers: Vec<(Flavor, TestServer)> = managers
        .iter()
        .map(|(flavor, jwt)| (*flavor, table_server(jwt, &reqs)))
        .collect();
    let minter = &managers[0].1;
    let mut failures = Vec::new();
    let mut checked = 0;
    for (i, row) in rows.iter().enumerate() {
        let token = match &row.tok {
            Tok::Claims(claims) => access(minter, claims.clone()).await,
            Tok::Crafted(extra) => crafted(&crafted_claims(extra.clone())),
        };
        for form in ["inline", "wrap"] {
            for (flavor, srv) in &servers {
                let a = get(srv, &format!("/{form}/{i}"), Some(&token)).await;
                checked += 1;
                let ctx = format!("{title} / {} [{form}, {flavor:?}]", row.name);
                let mut fail = |what: String| failures.push(format!("{ctx}: {what}"));
                if a.status != row.status {
                    fail(format!(
                        "status {} (expected {}), body {:?}",
                        a.status, row.status, a.body
                    ));
                    continue;
                }
                if a.www_count() != 0 {
                    fail(format!("unexpected WWW-Authenticate {:?}", a.www()));
                }
                if row.status == 200 {
                    if a.body != "ok" {
                        fail(format!("body {:?}", a.body));
                    }
                    continue;
                }
                match flavor {
                    Flavor::Default => {
                        if a.body != body_of("msg", row.msg) {
                            fail(format!("body {:?}, expected text {:?}", a.body, row.msg));
                        }
                        if a.header("content-type").as_deref() != Some("application/json") {
                            fail(format!("content type {:?}", a.header("content-type")));
                        }
                    }
                    Flavor::Keyed => {
                        if a.body != body_of("detail", row.msg) {
                            fail(format!("body {:?}, expected text {:?}", a.body, row.msg));
                        }
                    }
                    Flavor::Rendered => {
                        if a.header("x-error-kind").as_deref() != Some(row.kind) {
                            fail(format!(
                                "kind header {:?}, expected {:?}",
                                a.header("x-error-kind"),
                                row.kind
                            ));
                        }
                        if a.json() != json!({"kind": row.kind, "text": row.msg}) {
                            fail(format!("rendered body {:?}", a.body));
                        }
                    }
                }
            }
        }
    }
    assert_eq!(checked, rows.len() * 6);
    assert!(
        failures.is_empty(),
        "{} of {checked} answers wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn same(b: JwtManagerBuilder) -> JwtManagerBuilder {
    b
}

#[actix_web::test]
async fn role_requirements_table() {
    use Requirement as R;
    let none: Vec<String> = Vec::new();
    let rows = vec![
        met(
            "role: string claim equal to it",
            R::role("admin"),
            c(json!({"roles": "admin"})),
        ),
        met(
            "role: array holding it",
            R::role("admin"),
            c(json!({"roles": ["user", "admin"]})),
        ),
        no(
            "role: array without it",
            R::role("admin"),
            c(json!({"roles": ["user"]})),
            ROLE,
        ),
        no(
            "role: empty array",
            R::role("admin"),
            c(json!({"roles": []})),
            ROLE,
        ),
        no("role: claim missing", R::role("admin"), c(json!({})), ROLE),
        no(
            "role: claim a number",
            R::role("admin"),
            c(json!({"roles": 1})),
            ROLE,
        ),
        no(
            "role: claim an object",
            R::role("admin"),
            c(json!({"roles": {"admin": true}})),
            ROLE,
        ),
        no(
            "role: claim a nested array",
            R::role("admin"),
            c(json!({"roles": [["admin"]]})),
            ROLE,
        ),
        no(
            "role: claim null",
            R::role("admin"),
            c(json!({"roles": null})),
            ROLE,
        ),
        no(
            "role: claim a bool",
            R::role("admin"),
            c(json!({"roles": true})),
            ROLE,
        ),
        met(
            "role: mixed array, its string element counts",
            R::role("admin"),
            c(json!({"roles": [1, null, {"admin": true}, "admin"]})),
        ),
        no(
            "role: mixed array without the string",
            R::role("admin"),
            c(json!({"roles": [1, true, {"admin": true}, ["admin"], "user"]})),
            ROLE,
        ),
        no(
            "role: a space-separated string is one role",
            R::role("admin"),
            c(json!({"roles": "user admin"})),
            ROLE,
        ),
        no(
            "role: no substring match",
            R::role("admin"),
            c(json!({"roles": "superadmin"})),
            ROLE,
        ),
        no(
            "role: case-sensitive",
            R::role("admin"),
            c(json!({"roles": ["Admin"]})),
            ROLE,
        ),
        no(
            "role: other claims are not read",
            R::role("admin"),
            c(json!({"role": "admin", "groups": ["admin"], "scope": "admin"})),
            ROLE,
        ),
        no(
            "role: the identity is not a role",
            R::role("alice"),
            c(json!({})),
            ROLE,
        ),
        met(
            "roles: all present, in any order",
            R::roles(["admin", "editor"]),
            c(json!({"roles": ["editor", "x", "admin"]})),
        ),
        no(
            "roles: one of two missing",
            R::roles(["admin", "editor"]),
            c(json!({"roles": ["admin"]})),
            ROLE,
        ),
        no(
            "roles: a string claim holds one role only",
            R::roles(["admin", "editor"]),
            c(json!({"roles": "admin"})),
            ROLE,
        ),
        met(
            "roles: a one-role list and a string claim",
            R::roles(["admin"]),
            c(json!({"roles": "admin"})),
        ),
        no(
            "roles: an empty list is never met",
            R::roles(none.clone()),
            c(json!({"roles": ["admin"]})),
            ROLE,
        ),
        met(
            "any_role: one present",
            R::any_role(["admin", "editor"]),
            c(json!({"roles": ["user", "editor"]})),
        ),
        met(
            "any_role: string claim",
            R::any_role(["admin", "editor"]),
            c(json!({"roles": "admin"})),
        ),
        no(
            "any_role: none present",
            R::any_role(["admin", "editor"]),
            c(json!({"roles": ["user"]})),
            ROLE,
        ),
        no(
            "any_role: claim missing",
            R::any_role(["admin", "editor"]),
            c(json!({})),
            ROLE,
        ),
        no(
            "any_role: an empty list is never met",
            R::any_role(none),
            c(json!({"roles": ["admin"]})),
            ROLE,
        ),
    ];
    run_table("roles", rows, same).await;
}

#[actix_web::test]
async fn custom_roles_claim_table() {
    use Requirement as R;
    let rows = vec![
        met(
            "groups: array",
            R::role("admin"),
            c(json!({"groups": ["admin"]})),
        ),
        met(
            "groups: string",
            R::role("admin"),
            c(json!({"groups": "admin"})),
        ),
        no(
            "groups: `roles` is no longer read",
            R::role("admin"),
            c(json!({"roles": ["admin"], "groups": ["user"]})),
            ROLE,
        ),
        no(
            "groups: claim missing",
            R::role("admin"),
            c(json!({"roles": ["admin"]})),
            ROLE,
        ),
        no(
            "groups: wrong type",
            R::role("admin"),
            c(json!({"groups": 7})),
            ROLE,
        ),
        met(
            "groups: any_role",
            R::any_role(["a", "b"]),
            c(json!({"groups": ["b"]})),
        ),
        no(
            "groups: roles (all)",
            R::roles(["a", "b"]),
            c(json!({"groups": ["a"], "roles": ["a", "b"]})),
            ROLE,
        ),
        met(
            "groups: roles (all) met",
            R::roles(["a", "b"]),
            c(json!({"groups": ["b", "a"]})),
        ),
    ];
    run_table("roles_claim(groups)", rows, |b| b.roles_claim("groups")).await;
}

#[actix_web::test]
async fn scope_requirements_table() {
    use Requirement as R;
    let none: Vec<String> = Vec::new();
    let rows = vec![
        met(
            "scope: space-separated string",
            R::scope("read"),
            c(json!({"scope": "read write"})),
        ),
        met(
            "scope: the only scope",
            R::scope("read"),
            c(json!({"scope": "read"})),
        ),
        no(
            "scope: not granted",
            R::scope("read"),
            c(json!({"scope": "write"})),
            SCOPE,
        ),
        no(
            "scope: no prefix match",
            R::scope("read"),
            c(json!({"scope": "reader"})),
            SCOPE,
        ),
        no(
            "scope: case-sensitive",
            R::scope("read"),
            c(json!({"scope": "READ"})),
            SCOPE,
        ),
        no(
            "scope: comma is no separator",
            R::scope("read"),
            c(json!({"scope": "read,write"})),
            SCOPE,
        ),
        no(
            "scope: tab is no separator",
            R::scope("write"),
            c(json!({"scope": "read\twrite"})),
            SCOPE,
        ),
        met(
            "scope: extra spaces",
            R::scope("write"),
            c(json!({"scope": "  read   write "})),
        ),
        no(
            "scope: empty string",
            R::scope("read"),
            c(json!({"scope": ""})),
            SCOPE,
        ),
        no(
            "scope: no scope nor scp",
            R::scope("read"),
            c(json!({})),
            SCOPE,
        ),
        met(
            "scope: duplicate scopes in the token",
            R::scope("a"),
            c(json!({"scope": "a a"})),
        ),
        met(
            "scopes: duplicates in the requirement",
            R::scopes(["a", "a"]),
            c(json!({"scope": "a"})),
        ),
        met(
            "scp: array",
            R::scope("read"),
            c(json!({"scp": ["write", "read"]})),
        ),
        met(
            "scp: space-separated string",
            R::scope("read"),
            c(json!({"scp": "write read"})),
        ),
        no(
            "scp: array without it",
            R::scope("read"),
            c(json!({"scp": ["write"]})),
            SCOPE,
        ),
        no(
            "scp: array elements are not split",
            R::scope("read"),
            c(json!({"scp": ["read write"]})),
            SCOPE,
        ),
        no(
            "scp: nested array",
            R::scope("read"),
            c(json!({"scp": [["read"]]})),
            SCOPE,
        ),
        no("scp: number", R::scope("read"), c(json!({"scp": 7})), SCOPE),
        no(
            "scope of wrong type (array) grants nothing, even with scp",
            R::scope("read"),
            c(json!({"scope": ["read"], "scp": ["read"]})),
            SCOPE,
        ),
        no(
            "scope of wrong type (number) grants nothing, even with scp",
            R::scope("read"),
            c(json!({"scope": 5, "scp": "read"})),
            SCOPE,
        ),
        no(
            "scope null grants nothing, even with scp",
            R::scope("read"),
            c(json!({"scope": null, "scp": ["read"]})),
            SCOPE,
        ),
        no(
            "a scope claim hides scp",
            R::scope("read"),
            c(json!({"scope": "other", "scp": ["read"]})),
            SCOPE,
        ),
        met(
            "scope wins over scp",
            R::scope("read"),
            c(json!({"scope": "read", "scp": ["other"]})),
        ),
        met(
            "scopes: all granted",
            R::scopes(["read", "write"]),
            c(json!({"scope": "write read"})),
        ),
        no(
            "scopes: one missing",
            R::scopes(["read", "write"]),
            c(json!({"scope": "read"})),
            SCOPE,
        ),
        met(
            "scopes: from scp",
            R::scopes(["read", "write"]),
            c(json!({"scp": ["read", "write"]})),
        ),
        no(
            "scopes: one missing from scp",
            R::scopes(["read", "write"]),
            c(json!({"scp": ["write"]})),
            SCOPE,
        ),
        no(
            "scopes: an empty list is never met",
            R::scopes(none),
            c(json!({"scope": "a"})),
            SCOPE,
        ),
        no(
            "scope: an empty scope is never met, by an empty scope claim",
            R::scope(""),
            c(json!({"scope": ""})),
            SCOPE,
        ),
        no(
            "scope: an empty scope is never met, by a double space",
            R::scope(""),
            c(json!({"scope": "a  b"})),
            SCOPE,
        ),
        no(
            "scope: an empty scope is never met, by a string scp",
            R::scope(""),
            c(json!({"scp": " "})),
            SCOPE,
        ),
        no(
            "scope: an empty scope is never met, by an scp array holding one",
            R::scope(""),
            c(json!({"scp": [""]})),
            SCOPE,
        ),
    ];
    run_table("scopes", rows, same).await;
}

#[actix_web::test]
async fn claim_requirements_table() {
    use Requirement as R;
    let rows = vec![
        met(
            "equals: string",
            R::claim_equals("tenant", "acme"),
            c(json!({"tenant": "acme"})),
        ),
        no(
            "equals: other string",
            R::claim_equals("tenant", "acme"),
            c(json!({"tenant": "other"})),
            CLAIM,
        ),
        no(
            "equals: case-sensitive",
            R::claim_equals("tenant", "acme"),
            c(json!({"tenant": "ACME"})),
            CLAIM,
        ),
        no(
            "equals: claim missing",
            R::claim_equals("tenant", "acme"),
            c(json!({})),
            CLAIM,
        ),
        no(
            "equals: wrong type (array)",
            R::claim_equals("tenant", "acme"),
            c(json!({"tenant": ["acme"]})),
            CLAIM,
        ),
        no(
            "equals: wrong type (string \"1\")",
            R::claim_equals("level", 1),
            c(json!({"level": "1"})),
            CLAIM,
        ),
        met(
            "equals: 1 equals 1.0",
            R::claim_equals("level", 1),
            c(json!({"level": 1.0})),
        ),
        met(
            "equals: 1.0 equals 1",
            R::claim_equals("level", 1.0),
            c(json!({"level": 1})),
        ),
        no(
            "equals: 1 is not 1.5",
            R::claim_equals("level", 1),
            c(json!({"level": 1.5})),
            CLAIM,
        ),
        met(
            "equals: negative",
            R::claim_equals("level", -3),
            c(json!({"level": -3})),
        ),
        met(
            "equals: u64::MAX",
            R::claim_equals("big", u64::MAX),
            c(json!({"big": u64::MAX})),
        ),
        no(
            "equals: u64::MAX is not -1",
            R::claim_equals("big", u64::MAX),
            c(json!({"big": -1})),
            CLAIM,
        ),
        met(
            "equals: bool",
            R::claim_equals("vip", true),
            c(json!({"vip": true})),
        ),
        no(
            "equals: bool vs false",
            R::claim_equals("vip", true),
            c(json!({"vip": false})),
            CLAIM,
        ),
        no(
            "equals: bool vs \"true\"",
            R::claim_equals("vip", true),
            c(json!({"vip": "true"})),
            CLAIM,
        ),
        no(
            "equals: bool vs 1",
            R::claim_equals("vip", true),
            c(json!({"vip": 1})),
            CLAIM,
        ),
        no(
            "equals: missing is not false",
            R::claim_equals("vip", false),
            c(json!({})),
            CLAIM,
        ),
        met(
            "equals: null",
            R::claim_equals("gone", Value::Null),
            c(json!({"gone": null})),
        ),
        no(
            "equals: missing is not null",
            R::claim_equals("gone", Value::Null),
            c(json!({})),
            CLAIM,
        ),
        met(
            "equals: objects by value",
            R::claim_equals("org", json!({"id": 1, "name": "x"})),
            c(json!({"org": {"name": "x", "id": 1.0}})),
        ),
        no(
            "equals: object with an extra key",
            R::claim_equals("org", json!({"id": 1})),
            c(json!({"org": {"id": 1, "name": "x"}})),
            CLAIM,
        ),
        met(
            "equals: the identity claim",
            R::claim_equals("sub", "alice"),
            c(json!({})),
        ),
        met(
            "equals: minted type is access",
            R::claim_equals("type", "access"),
            c(json!({})),
        ),
        no(
            "equals: type is not refresh",
            R::claim_equals("type", "refresh"),
            c(json!({})),
            CLAIM,
        ),
        met(
            "equals: decode default, type absent reads as access",
            R::claim_equals("type", "access"),
            Tok::Crafted(json!({})),
        ),
        met(
            "equals: decode default, fresh absent reads as false",
            R::claim_equals("fresh", false),
            Tok::Crafted(json!({})),
        ),
        no(
            "equals: decode default is not refresh",
            R::claim_equals("type", "refresh"),
            Tok::Crafted(json!({})),
            CLAIM,
        ),
        met(
            "contains: array holding it",
            R::claim_contains("groups", "admin"),
            c(json!({"groups": ["x", "admin"]})),
        ),
        no(
            "contains: a string claim contains nothing (no substring)",
            R::claim_contains("groups", "admin"),
            c(json!({"groups": "notadmin"})),
            CLAIM,
        ),
        no(
            "contains: a string claim equal to it is no array",
            R::claim_contains("groups", "admin"),
            c(json!({"groups": "admin"})),
            CLAIM,
        ),
        no(
            "contains: no substring of elements",
            R::claim_contains("groups", "admin"),
            c(json!({"groups": ["administrators"]})),
            CLAIM,
        ),
        no(
            "contains: nested array",
            R::claim_contains("groups", "admin"),
            c(json!({"groups": [["admin"]]})),
            CLAIM,
        ),
        no(
            "contains: object",
            R::claim_contains("groups", "admin"),
            c(json!({"groups": {"admin": true}})),
            CLAIM,
        ),
        no(
            "contains: claim missing",
            R::claim_contains("groups", "admin"),
            c(json!({})),
            CLAIM,
        ),
        met(
            "contains: numbers by value",
            R::claim_contains("ids", 2),
            c(json!({"ids": [1, 2.0]})),
        ),
        no(
            "contains: \"2\" is not 2",
            R::claim_contains("ids", 2),
            c(json!({"ids": ["2"]})),
            CLAIM,
        ),
        met(
            "contains: an array element",
            R::claim_contains("pairs", json!([1, 2])),
            c(json!({"pairs": [[1, 2], [3]]})),
        ),
    ];
    run_table("claims", rows, same).await;
}

#[actix_web::test]
async fn custom_predicates_table() {
    use Requirement as R;
    let rows = vec![
        met(
            "claims<T>: met",
            paid_plan(),
            c(json!({"plan": "pro", "seats": 3})),
        ),
        no(
            "claims<T>: unmet",
            paid_plan(),
            c(json!({"plan": "free", "seats": 3})),
            DENIED,
        ),
        no(
            "claims<T>: unmet (seats)",
            paid_plan(),
            c(json!({"plan": "pro", "seats": 0})),
            DENIED,
        ),
        no(
            "claims<T>: wrong type does not deserialise (403, not 422)",
            paid_plan(),
            c(json!({"plan": "pro", "seats": "three"})),
            DENIED,
        ),
        no(
            "claims<T>: missing field does not deserialise",
            paid_plan(),
            c(json!({"plan": "pro"})),
            DENIED,
        ),
        no(
            "claims<T>: out of range does not deserialise",
            paid_plan(),
            c(json!({"plan": "pro", "seats": -1})),
            DENIED,
        ),
        met(
            "claims_async: met",
            tenant_open(),
            c(json!({"tenant": "open"})),
        ),
        no(
            "claims_async: unmet",
            tenant_open(),
            c(json!({"tenant": "closed"})),
            DENIED,
        ),
        no(
            "claims_async: does not deserialise",
            tenant_open(),
            c(json!({"tenant": 5})),
            DENIED,
        ),
        no(
            "claims_async: Err is that error (503)",
            tenant_open(),
            c(json!({"tenant": "down"})),
            UNAVAILABLE,
        ),
        met(
            "token: over the identity",
            R::token(|t| t.identity_str() == Some("alice")),
            c(json!({})),
        ),
        no(
            "token: over the identity, unmet",
            R::token(|t| t.identity_str() == Some("alice")),
            c(json!({"sub": "bob"})),
            DENIED,
        ),
        met(
            "token: over the header",
            R::token(|t| t.header().get("alg") == Some(&json!("HS256"))),
            c(json!({})),
        ),
        no(
            "token: over the header, unmet",
            R::token(|t| t.header().contains_key("kid")),
            c(json!({})),
            DENIED,
        ),
    ];
    run_table("custom", rows, same).await;
}

#[actix_web::test]
async fn combinators_table() {
    use Requirement as R;
    let rows = vec![
        met("all: empty is met", R::all([]), c(json!({}))),
        no(
            "any: empty is never met",
            R::any([]),
            c(json!({"roles": ["admin"], "scope": "read"})),
            DENIED,
        ),
        met(
            "all: both met",
            R::all([R::role("admin"), R::scope("read")]),
            c(json!({"roles": ["admin"], "scope": "read"})),
        ),
        no(
            "all: first unmet answers (role)",
            R::all([R::role("admin"), R::scope("read")]),
            c(json!({"scope": "read"})),
            ROLE,
        ),
        no(
            "all: second unmet answers (scope)",
            R::all([R::role("admin"), R::scope("read")]),
            c(json!({"roles": ["admin"]})),
            SCOPE,
        ),
        no(
            "all: both unmet, the first in order answers",
            R::all([R::role("admin"), R::scope("read")]),
            c(json!({})),
            ROLE,
        ),
        no(
            "all: both unmet, order reversed",
            R::all([R::scope("read"), R::role("admin")]),
            c(json!({})),
            SCOPE,
        ),
        met(
            "any: the second met",
            R::any([R::role("admin"), R::scope("read")]),
            c(json!({"scope": "read"})),
        ),
        no(
            "any: mixed kinds unmet is requirement_failed",
            R::any([R::role("admin"), R::scope("read")]),
            c(json!({})),
            DENIED,
        ),
        no(
            "any: same kinds keep the kind (role)",
            R::any([R::role("admin"), R::role("editor")]),
            c(json!({"roles": ["user"]})),
            ROLE,
        ),
        no(
            "any: same kinds keep the kind (scope)",
            R::any([R::scope("a"), R::scope("b")]),
            c(json!({"scope": "c"})),
            SCOPE,
        ),
        no(
            "any: same kinds keep the kind (claim)",
            R::any([R::claim_equals("a", 1), R::claim_contains("b", 2)]),
            c(json!({"a": 2, "b": [1]})),
            CLAIM,
        ),
        no(
            "any: one alternative is its refusal",
            R::any([R::role("admin")]),
            c(json!({})),
            ROLE,
        ),
        met(
            "not: inner unmet",
            R::not(R::role("banned")),
            c(json!({"roles": ["user"]})),
        ),
        met(
            "not: inner claim missing",
            R::not(R::role("banned")),
            c(json!({})),
        ),
        no(
            "not: inner met",
            R::not(R::role("banned")),
            c(json!({"roles": ["banned"]})),
            DENIED,
        ),
        no(
            "!: inner met",
            !R::role("banned"),
            c(json!({"roles": "banned"})),
            DENIED,
        ),
        met(
            "!: inner unmet",
            !R::role("banned"),
            c(json!({"roles": "user"})),
        ),
        no(
            "!scope: met scope refused as requirement_failed",
            !R::scope("read"),
            c(json!({"scope": "read"})),
            DENIED,
        ),
        met(
            "not(not(x)): x met",
            !!R::role("admin"),
            c(json!({"roles": ["admin"]})),
        ),
        no(
            "not(not(x)): x unmet",
            !!R::role("admin"),
            c(json!({})),
            DENIED,
        ),
        met(
            "and: both met",
            R::role("admin").and(R::scope("write")),
            c(json!({"roles": ["admin"], "scope": "write"})),
        ),
        no(
            "and: second unmet",
            R::role("admin").and(R::scope("write")),
            c(json!({"roles": ["admin"]})),
            SCOPE,
        ),
        no(
            "and: first unmet",
            R::role("admin").and(R::scope("write")),
            c(json!({"scope": "write"})),
            ROLE,
        ),
        met(
            "or: second met",
            R::role("admin").or(R::role("editor")),
            c(json!({"roles": ["editor"]})),
        ),
        no(
            "or: same kinds",
            R::role("admin").or(R::role("editor")),
            c(json!({})),
            ROLE,
        ),
        no(
            "or: mixed kinds",
            R::role("admin").or(R::scope("read")),
            c(json!({})),
            DENIED,
        ),
        met(
            "or: mixed, one met",
            R::role("admin").or(R::scope("read")),
            c(json!({"scope": "read"})),
        ),
        met(
            "and not: met",
            R::role("admin").and(!R::claim_equals("suspended", true)),
            c(json!({"roles": ["admin"]})),
        ),
        no(
            "and not: suspended",
            R::role("admin").and(!R::claim_equals("suspended", true)),
            c(json!({"roles": ["admin"], "suspended": true})),
            DENIED,
        ),
        met(
            "async in all: met",
            R::all([tenant_open(), R::role("admin")]),
            c(json!({"tenant": "open", "roles": ["admin"]})),
        ),
        no(
            "async in all: an earlier unmet answers before the async check runs",
            R::all([R::role("admin"), tenant_open()]),
            c(json!({"tenant": "down"})),
            ROLE,
        ),
        no(
            "async in all: async unmet",
            R::role("admin").and(tenant_open()),
            c(json!({"tenant": "closed", "roles": ["admin"]})),
            DENIED,
        ),
        no(
            "async: not() of a failing check fails closed (503, not met)",
            !tenant_open(),
            c(json!({"tenant": "down"})),
            UNAVAILABLE,
        ),
        no(
            "async in any: a failing check answers (503) before later alternatives",
            R::any([tenant_open(), R::role("admin")]),
            c(json!({"tenant": "down", "roles": ["admin"]})),
            UNAVAILABLE,
        ),
        met(
            "async in any: an earlier met alternative answers first",
            R::any([R::role("admin"), tenant_open()]),
            c(json!({"tenant": "down", "roles": ["admin"]})),
        ),
        no(
            "async in any: mixed kinds",
            R::any([tenant_open(), R::role("admin")]),
            c(json!({"tenant": "closed"})),
            DENIED,
        ),
        // Messages.
        no(
            "message: replaces the kind's text",
            R::role("admin").message("Admins only!"),
            c(json!({})),
            (403, "missing_role", "Admins only!"),
        ),
        met(
            "message: met",
            R::role("admin").message("Admins only!"),
            c(json!({"roles": "admin"})),
        ),
        no(
            "message: an inner message answers through all",
            R::all([R::role("admin").message("inner")]),
            c(json!({})),
            (403, "missing_role", "inner"),
        ),
        no(
            "message: inner on the second of and",
            R::role("admin").and(R::scope("read").message("Need read")),
            c(json!({"roles": ["admin"]})),
            (403, "missing_scope", "Need read"),
        ),
        no(
            "message: outer overrides inner (role unmet)",
            R::role("admin")
                .message("inner")
                .and(R::scope("read"))
                .message("outer"),
            c(json!({"scope": "read"})),
            (403, "missing_role", "outer"),
        ),
        no(
            "message: outer overrides inner (scope unmet)",
            R::role("admin")
                .message("inner")
                .and(R::scope("read"))
                .message("outer"),
            c(json!({"roles": ["admin"]})),
            (403, "missing_scope", "outer"),
        ),
        no(
            "message: a lone alternative keeps its message",
            R::any([R::role("a").message("m1")]),
            c(json!({})),
            (403, "missing_role", "m1"),
        ),
        no(
            "message: several alternatives answer with the shared kind's text",
            R::any([R::role("a").message("m1"), R::role("b").message("m2")]),
            c(json!({})),
            ROLE,
        ),
        no(
            "message: on an any of mixed kinds",
            R::any([R::role("a").message("m1"), R::scope("b")]).message("outer"),
            c(json!({})),
            (403, "requirement_failed", "outer"),
        ),
        no(
            "message: on not",
            R::not(R::role("admin")).message("Admins may not"),
            c(json!({"roles": ["admin"]})),
            (403, "requirement_failed", "Admins may not"),
        ),
        no(
            "message: a not does not show its inner message",
            R::not(R::role("admin").message("inner")),
            c(json!({"roles": ["admin"]})),
            DENIED,
        ),
        no(
            "message: on claims<T>",
            paid_plan().message("Pro plan required"),
            c(json!({"plan": "free", "seats": 1})),
            (403, "requirement_failed", "Pro plan required"),
        ),
        no(
            "message: on claims_async",
            tenant_open().message("Tenant closed"),
            c(json!({"tenant": "closed"})),
            (403, "requirement_failed", "Tenant closed"),
        ),
        no(
            "message: not for a store error",
            tenant_open().message("Tenant closed"),
            c(json!({"tenant": "down"})),
            UNAVAILABLE,
        ),
        no(
            "message: on claim_equals",
            R::claim_equals("tenant", "acme").message("Wrong tenant"),
            c(json!({"tenant": "x"})),
            (403, "claim_mismatch", "Wrong tenant"),
        ),
    ];
    run_table("combinators", rows, same).await;
}

#[test]
fn forbidden_kinds_have_status_403_and_their_names() {
    for (kind, name) in [
        (ErrorKind::MissingRole, "missing_role"),
        (ErrorKind::MissingScope, "missing_scope"),
        (ErrorKind::ClaimMismatch, "claim_mismatch"),
        (ErrorKind::RequirementFailed, "requirement_failed"),
    ] {
        assert_eq!(kind.status(), StatusCode::FORBIDDEN, "{name}");
        assert_eq!(kind.as_str(), name);
        assert_eq!(kind.to_string(), name);
    }
}

#[actix_web::test]
async fn custom_error_message_key_and_roles_claim_must_not_be_empty() {
    let jwt = manager(config().error_message_key("error"));
    let srv = table_server(&jwt, &[admins()]);
    let user = access(&jwt, json!({"roles": ["user"]})).await;
    for form in ["inline", "wrap"] {
        let a = get(&srv, &format!("/{form}/0"), Some(&user)).await;
        assert_eq!(a.status, 403);
        assert_eq!(a.body, "{\"error\":\"Admins only!\"}\n", "{form}");
    }
    for name in ["", "  "] {
        let err = JwtManager::builder(config().build().unwrap())
            .roles_claim(name)
            .build()
            .unwrap_err();
        assert_eq!(
            err.setting(),
            Some("JwtManagerBuilder::roles_claim"),
            "{name:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 2. The three attachment forms
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn the_three_attachment_forms_answer_alike() {
    let jwt = manager(config());
    let preflights = web::Data::new(AtomicUsize::new(0));
    let srv = {
        let jwt = jwt.clone();
        let preflights = preflights.clone();
        actix_test::start(move || {
            App::new()
                .configure(jwt.init_app())
                .app_data(preflights.clone())
                .service(
                    web::resource("/inline")
                        .wrap(jwt_required().require(admins()))
                        .to(who),
                )
                .service(
                    web::scope("/inside")
                        .wrap(admins())
                        .wrap(jwt_required())
                        .route("", web::get().to(who)),
                )
                .service(
                    web::resource("/alone")
                        .wrap(admins())
                        .route(web::route().method(Method::OPTIONS).to(
                            |runs: web::Data<AtomicUsize>| async move {
                                runs.fetch_add(1, Ordering::SeqCst);
                                HttpResponse::Ok()
                                    .insert_header(("x-preflight", "handler"))
                                    .body("preflight")
                            },
                        ))
                        .route(web::get().to(who)),
                )
                .service(
                    web::resource("/outermost")
                        .wrap(jwt_required())
                        .wrap(admins())
                        .to(who),
                )
                .route("/extract", web::get().to(require_admin))
                .route("/maybe", web::get().to(maybe_admin))
                .service(
                    web::resource("/twice")
                        .wrap(
                            jwt_required()
                                .require(admins())
                                .require(Requirement::scope("write")),
                        )
                        .to(who),
                )
                .service(
                    web::resource("/alone-refresh")
                        .app_data(jwt_required().refresh())
                        .wrap(admins())
                        .to(ok),
                )
                .service(
                    web::scope("/inside-optional")
                        .wrap(admins())
                        .wrap(jwt_required().optional())
                        .route("", web::get().to(maybe_who)),
                )
        })
    };
    let admin = access(&jwt, json!({"roles": ["admin"]})).await;
    let user = access(&jwt, json!({"roles": ["user"]})).await;
    let admin_refresh = refresh(&jwt, json!({"roles": ["admin"]})).await;

    for path in ["/inline", "/inside", "/alone", "/outermost", "/extract"] {
        assert_ok(&get(&srv, path, Some(&admin)).await, "alice", path);
        assert_refusal(
            &get(&srv, path, Some(&user)).await,
            403,
            "Admins only!",
            path,
        );
        assert_refusal(
            &get(&srv, path, None).await,
            401,
            "Missing Authorization Header",
            path,
        );
        assert_refusal(
            &get(&srv, path, Some("garbage")).await,
            422,
            "Not enough segments",
            path,
        );
        assert_refusal(
            &get(&srv, path, Some(&admin_refresh)).await,
            422,
            "Only non-refresh tokens are allowed",
            path,
        );
    }

    // OPTIONS passes the standalone requirement untouched, with or without a (bad) token.
    for token in [None, Some("garbage"), Some(user.as_str())] {
        let a = send(
            &srv,
            &Call::new(Method::OPTIONS, "/alone").maybe_bearer(token),
        )
        .await;
        assert_ok(&a, "preflight", &format!("OPTIONS /alone with {token:?}"));
        assert_eq!(a.header("x-preflight").as_deref(), Some("handler"));
    }
    assert_eq!(preflights.load(Ordering::SeqCst), 3);

    // Two `.require` calls: both must be met.
    let admin_writer = access(&jwt, json!({"roles": ["admin"], "scope": "write"})).await;
    let user_writer = access(&jwt, json!({"roles": ["user"], "scope": "write"})).await;
    assert_ok(
        &get(&srv, "/twice", Some(&admin_writer)).await,
        "alice",
        "twice",
    );
    assert_refusal(
        &get(&srv, "/twice", Some(&admin)).await,
        403,
        "Insufficient scope",
        "twice",
    );
    assert_refusal(
        &get(&srv, "/twice", Some(&user_writer)).await,
        403,
        "Admins only!",
        "twice",
    );

    // The standalone requirement verifies with the `JwtRequired` options in `app_data`.
    let user_refresh = refresh(&jwt, json!({"roles": ["user"]})).await;
    assert_ok(
        &get(&srv, "/alone-refresh", Some(&admin_refresh)).await,
        "ok",
        "refresh",
    );
    assert_refusal(
        &get(&srv, "/alone-refresh", Some(&admin)).await,
        422,
        "Only refresh tokens are allowed",
        "refresh",
    );
    assert_refusal(
        &get(&srv, "/alone-refresh", Some(&user_refresh)).await,
        403,
        "Admins only!",
        "refresh",
    );

    // `Optional<Require<P>>`: no token is None, a token must meet the policy.
    assert_ok(&get(&srv, "/maybe", None).await, "anonymous", "maybe");
    assert_ok(&get(&srv, "/maybe", Some(&admin)).await, "alice", "maybe");
    assert_refusal(
        &get(&srv, "/maybe", Some(&user)).await,
        403,
        "Admins only!",
        "maybe",
    );
    assert_refusal(
        &get(&srv, "/maybe", Some("garbage")).await,
        422,
        "Not enough segments",
        "maybe",
    );
    assert_refusal(
        &get(&srv, "/maybe", Some(&admin_refresh)).await,
        422,
        "Only non-refresh tokens are allowed",
        "maybe",
    );

    // A requirement below an optional `jwt_required()` still needs a token.
    assert_ok(
        &get(&srv, "/inside-optional", Some(&admin)).await,
        "alice",
        "inside-optional",
    );
    assert_refusal(
        &get(&srv, "/inside-optional", Some(&user)).await,
        403,
        "Admins only!",
        "inside-optional",
    );
    assert_refusal(
        &get(&srv, "/inside-optional", None).await,
        401,
        "Missing Authorization Header",
        "inside-optional",
    );
}

// ---------------------------------------------------------------------------------------
// 3. Order
// ---------------------------------------------------------------------------------------

type Seen = Arc<Mutex<Vec<(String, u16)>>>;

#[actix_web::test]
async fn app_level_requirement_under_logger_and_outer_middleware() {
    let jwt = manager(config());
    let runs = web::Data::new(AtomicUsize::new(0));
    let seen: Seen = Arc::default();
    let srv = {
        let (jwt, runs, seen) = (jwt.clone(), runs.clone(), seen.clone());
        actix_test::start(move || {
            let seen = seen.clone();
            App::new()
                .configure(jwt.init_app())
                .app_data(runs.clone())
                .route("/a", web::get().to(who))
                .route("/notes", web::post().to(save_note))
                .wrap(admins())
                .wrap(Logger::default())
                .wrap(DefaultHeaders::new().add(("x-outer", "seen")))
                .wrap_fn(move |req, srv| {
                    let seen = seen.clone();
                    let path = req.path().to_owned();
                    let fut = srv.call(req);
                    async move {
                        let res = fut.await?;
                        seen.lock().unwrap().push((path, res.status().as_u16()));
                        Ok(res)
                    }
                })
        })
    };
    let admin = access(&jwt, json!({"roles": ["admin"]})).await;
    let user = access(&jwt, json!({"roles": ["user"]})).await;

    let a = get(&srv, "/a", None).await;
    assert_refusal(&a, 401, "Missing Authorization Header", "app none");
    assert_eq!(a.header("x-outer").as_deref(), Some("seen"));
    let a = get(&srv, "/a", Some(&user)).await;
    assert_refusal(&a, 403, "Admins only!", "app user");
    assert_eq!(a.header("x-outer").as_deref(), Some("seen"));
    let a = get(&srv, "/a", Some("garbage")).await;
    assert_refusal(&a, 422, "Not enough segments", "app garbage");
    assert_eq!(a.header("x-outer").as_deref(), Some("seen"));
    let a = get(&srv, "/a", Some(&admin)).await;
    assert_ok(&a, "alice", "app admin");
    assert_eq!(a.header("x-outer").as_deref(), Some("seen"));

    check_notes(
        &srv,
        "/notes",
        &admin,
        &user,
        &runs,
        Some(("x-outer", "seen")),
    )
    .await;

    let seen = seen.lock().unwrap().clone();
    let a_seen: Vec<u16> = seen
        .iter()
        .filter(|(p, _)| p == "/a")
        .map(|(_, s)| *s)
        .collect();
    assert_eq!(
        a_seen,
        [401, 403, 422, 200],
        "the outermost middleware saw each answer"
    );
    let notes_seen: Vec<u16> = seen
        .iter()
        .filter(|(p, _)| p == "/notes")
        .map(|(_, s)| *s)
        .collect();
    assert_eq!(notes_seen, [403, 401, 400, 201, 403]);
}

/// Sends the body-extractor sequence to `path` and checks the handler's run counter: a
/// refused request with an invalid JSON body is 403 (or 401), never 400, and the handler
/// never runs; an admin's invalid body is 400; a valid one is 201.
async fn check_notes(
    srv: &TestServer,
    path: &str,
    admin: &str,
    user: &str,
    runs: &AtomicUsize,
    outer_header: Option<(&str, &str)>,
) {
    let before = runs.load(Ordering::SeqCst);
    let invalid = "{not json";
    let cases: [(&str, Option<&str>, &str, u16); 5] = [
        ("non-admin, invalid body", Some(user), invalid, 403),
        ("no token, invalid body", None, invalid, 401),
        ("admin, invalid body", Some(admin), invalid, 400),
        ("admin, valid body", Some(admin), r#"{"text": "hi"}"#, 201),
        (
            "non-admin, valid body",
            Some(user),
            r#"{"text": "hi"}"#,
            403,
        ),
    ];
    let mut expected_runs = before;
    for (name, token, body, status) in cases {
        let a = send(srv, &Call::post(path).maybe_bearer(token).json_body(body)).await;
        let ctx = format!("{path}: {name}");
        assert_eq!(a.status, status, "{ctx}: body {:?}", a.body);
        match status {
            403 => assert_eq!(a.body, body_of("msg", "Admins only!"), "{ctx}"),
            401 => assert_eq!(
                a.body,
                body_of("msg", "Missing Authorization Header"),
                "{ctx}"
            ),
            201 => {
                assert_eq!(a.body, "hi", "{ctx}");
                expected_runs += 1;
            }
            _ => {}
        }
        assert_eq!(
            runs.load(Ordering::SeqCst),
            expected_runs,
            "{ctx}: handler runs"
        );
        if let Some((name, value)) = outer_header {
            assert_eq!(
                a.header(name).as_deref(),
                Some(value),
                "{ctx}: outer header"
            );
        }
    }
    assert_eq!(runs.load(Ordering::SeqCst), before + 1);
}

#[actix_web::test]
async fn scope_and_resource_level_requirements_run_before_body_extractors() {
    let jwt = manager(config());
    let runs = web::Data::new(AtomicUsize::new(0));
    let srv = {
        let (jwt, runs) = (jwt.clone(), runs.clone());
        actix_test::start(move || {
            App::new()
                .configure(jwt.init_app())
                .app_data(runs.clone())
                .service(
                    web::scope("/s")
                        .wrap(admins())
                        .wrap(jwt_required())
                        .wrap(DefaultHeaders::new().add(("x-scope-outer", "1")))
                        .route("/notes", web::post().to(save_note)),
                )
                .service(
                    web::resource("/r/notes")
                        .wrap(jwt_required().require(admins()))
                        .wrap(Logger::default())
                        .wrap(DefaultHeaders::new().add(("x-resource-outer", "1")))
                        .route(web::post().to(save_note)),
                )
                .service(
                    web::resource("/w/notes")
                        .wrap(admins())
                        .wrap(DefaultHeaders::new().add(("x-resource-outer", "1")))
                        .route(web::post().to(save_note)),
                )
                .route("/x/notes", web::post().to(save_note_require))
                .service(
                    web::resource("/opt")
                        .wrap(jwt_required().optional().require(admins()))
                        .to(maybe_who),
                )
                .wrap(DefaultHeaders::new().add(("x-app-outer", "1")))
                .wrap(Logger::default())
        })
    };
    let admin = access(&jwt, json!({"roles": ["admin"]})).await;
    let user = access(&jwt, json!({"roles": ["user"]})).await;

    check_notes(
        &srv,
        "/s/notes",
        &admin,
        &user,
        &runs,
        Some(("x-scope-outer", "1")),
    )
    .await;
    check_notes(
        &srv,
        "/r/notes",
        &admin,
        &user,
        &runs,
        Some(("x-resource-outer", "1")),
    )
    .await;
    check_notes(
        &srv,
        "/w/notes",
        &admin,
        &user,
        &runs,
        Some(("x-resource-outer", "1")),
    )
    .await;
    // `Require<P>` first among the parameters: answers before `web::Json` here too.
    check_notes(
        &srv,
        "/x/notes",
        &admin,
        &user,
        &runs,
        Some(("x-app-outer", "1")),
    )
    .await;

    // optional().require(r): no token passes, a token must meet it.
    let a = get(&srv, "/opt", None).await;
    assert_ok(&a, "anonymous", "opt none");
    assert_ok(&get(&srv, "/opt", Some(&admin)).await, "alice", "opt admin");
    let a = get(&srv, "/opt", Some(&user)).await;
    assert_refusal(&a, 403, "Admins only!", "opt user");
    assert_eq!(a.header("x-app-outer").as_deref(), Some("1"));
    assert_refusal(
        &get(&srv, "/opt", Some("garbage")).await,
        422,
        "Not enough segments",
        "opt bad",
    );
}

// ---------------------------------------------------------------------------------------
// 4. RFC 6750 challenges
// ---------------------------------------------------------------------------------------

/// A parsed challenge: the auth-scheme and its auth-params, in order.
type Challenge = (String, Vec<(String, String)>);

fn is_tchar(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// Parses one RFC 7235 `challenge` whose params are all `name=quoted-string`:
/// `auth-scheme [ 1*SP auth-param *( OWS "," OWS auth-param ) ]`, unescaping quoted-pairs.
/// Refuses anything else (an unterminated string, a bad quoted-pair, a repeated param, a
/// trailing comma, control characters).
fn parse_challenge(header: &str) -> Result<Challenge, String> {
    let b = header.as_bytes();
    let mut i = 0;
    let token = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && is_tchar(b[*i]) {
            *i += 1;
        }
        String::from_utf8(b[start..*i].to_vec()).unwrap()
    };
    let ows = |i: &mut usize| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t') {
            *i += 1;
        }
    };
    let scheme = token(&mut i);
    if scheme.is_empty() {
        return Err(format!("no auth-scheme in {header:?}"));
    }
    let mut params: Vec<(String, String)> = Vec::new();
    if i == b.len() {
        return Ok((scheme, params));
    }
    if b[i] != b' ' {
        return Err(format!("no SP after the scheme at {i} in {header:?}"));
    }
    while i < b.len() && b[i] == b' ' {
        i += 1;
    }
    loop {
        let name = token(&mut i);
        if name.is_empty() {
            return Err(format!("no auth-param name at {i} in {header:?}"));
        }
        ows(&mut i);
        if b.get(i) != Some(&b'=') {
            return Err(format!("no '=' after {name:?} in {header:?}"));
        }
        i += 1;
        ows(&mut i);
        if b.get(i) != Some(&b'"') {
            return Err(format!("{name:?} is not a quoted-string in {header:?}"));
        }
        i += 1;
        let mut value = Vec::new();
        loop {
            match b.get(i) {
                None => return Err(format!("unterminated quoted-string in {header:?}")),
                Some(b'"') => {
                    i += 1;
                    break;
                }
                Some(b'\\') => {
                    let escaped = *b
                        .get(i + 1)
                        .ok_or_else(|| format!("dangling backslash in {header:?}"))?;
                    if !(escaped == b'\t'
                        || escaped == b' '
                        || (0x21..=0x7e).contains(&escaped)
                        || escaped >= 0x80)
                    {
                        return Err(format!("bad quoted-pair in {header:?}"));
                    }
                    value.push(escaped);
                    i += 2;
                }
                Some(&ch) => {
                    let qdtext = ch == b'\t'
                        || ch == b' '
                        || ch == 0x21
                        || (0x23..=0x5b).contains(&ch)
                        || (0x5d..=0x7e).contains(&ch)
                        || ch >= 0x80;
                    if !qdtext {
                        return Err(format!("{ch:#x} is not qdtext in {header:?}"));
                    }
                    value.push(ch);
                    i += 1;
                }
            }
        }
        if params.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            return Err(format!("{name:?} repeated in {header:?}"));
        }
        params.push((name, String::from_utf8(value).map_err(|e| e.to_string())?));
        ows(&mut i);
        if i == b.len() {
            return Ok((scheme, params));
        }
        if b[i] != b',' {
            return Err(format!("expected ',' at {i} in {header:?}"));
        }
        i += 1;
        ows(&mut i);
    }
}

fn params(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

/// Asserts the answer's one `WWW-Authenticate` header is a Bearer challenge with exactly
/// `expected` params (in order), and returns the raw header.
#[track_caller]
fn assert_challenge(a: &Answer, expected: &[(&str, &str)], ctx: &str) -> String {
    assert_eq!(
        a.www_count(),
        1,
        "{ctx}: one WWW-Authenticate header ({:?})",
        a.www()
    );
    let raw = a.www().unwrap();
    let (scheme, got) =
        parse_challenge(&raw).unwrap_or_else(|e| panic!("{ctx}: unparsable challenge: {e}"));
    assert_eq!(scheme, "Bearer", "{ctx}: scheme of {raw:?}");
    assert_eq!(got, params(expected), "{ctx}: params of {raw:?}");
    raw
}

#[test]
fn the_challenge_parser_reads_the_grammar_and_refuses_the_rest() {
    assert_eq!(
        parse_challenge("Bearer").unwrap(),
        ("Bearer".to_owned(), vec![])
    );
    assert_eq!(
        parse_challenge(r#"Bearer realm="a \"b\" \\ c", error="x""#).unwrap(),
        (
            "Bearer".to_owned(),
            params(&[("realm", r#"a "b" \ c"#), ("error", "x")])
        )
    );
    assert_eq!(
        parse_challenge("Bearer  a = \"1\" ,b=\"\"").unwrap().1,
        params(&[("a", "1"), ("b", "")])
    );
    for bad in [
        "",
        " Bearer",
        "Bearer,",
        "Bearer realm",
        "Bearer realm=",
        "Bearer realm=token",
        "Bearer realm=\"open",
        "Bearer realm=\"a\" error=\"b\"",
        "Bearer realm=\"a\",",
        "Bearer realm=\"a\", realm=\"b\"",
        "Bearer realm=\"a\\",
        "Bearer realm=\"a\u{1}\"",
        "Bearer =\"a\"",
    ] {
        assert!(parse_challenge(bad).is_err(), "{bad:?} parsed");
    }
}

/// The routes of the challenge tests.
fn challenge_server(jwt: &JwtManager) -> TestServer {
    use Requirement as R;
    let jwt = jwt.clone();
    actix_test::start(move || {
        let inline = |path: &str, r: Requirement| {
            web::resource(path.to_owned())
                .wrap(jwt_required().require(r))
                .to(ok)
        };
        App::new()
            .configure(jwt.init_app())
            .service(web::resource("/protected").wrap(jwt_required()).to(ok))
            .service(web::resource("/fresh").wrap(jwt_required().fresh()).to(ok))
            .service(inline("/role", R::role("admin")))
            .service(inline("/scopes", R::scopes(["a", "b"])))
            .service(inline("/scope-msg", R::scope("a").message("Need a")))
            .service(inline("/claim", R::claim_equals("tenant", "acme")))
            .service(inline("/custom", paid_plan()))
            .service(inline("/not-scope", !R::scope("a")))
            .service(inline(
                "/any-scopes",
                R::any([R::scope("a"), R::scope("b")]),
            ))
            .service(inline("/one-any", R::any([R::scopes(["a", "b"])])))
            .service(inline("/all", R::all([R::role("admin"), R::scope("a")])))
            .service(inline("/async", tenant_open()))
            .service(inline("/quoted-scope", R::scope(r#"x"y\z"#)))
            .service(inline("/non-ascii-scope", R::scope("caf\u{e9}")))
            .service(
                web::resource("/wrap-scopes")
                    .wrap(R::scopes(["a", "b"]))
                    .to(ok),
            )
            .route("/extract", web::get().to(require_reader))
    })
}

/// The tokens of the challenge tests, minted by `jwt`.
struct Tokens {
    plain: String,
    expired: String,
    bad_signature: String,
    revoked: String,
    refresh: String,
}

async fn tokens(jwt: &JwtManager) -> Tokens {
    let other = manager(JwtConfig::builder().secret_key("another-secret-long-enough-1234"));
    let revoked = access(jwt, json!({})).await;
    let decoded = jwt.decode_token(&revoked).await.unwrap();
    jwt.revoke(&decoded).await.unwrap();
    Tokens {
        plain: access(jwt, json!({"scope": "c", "roles": ["user"]})).await,
        expired: access(jwt, json!({"exp": now() - 600})).await,
        bad_signature: access(&other, json!({})).await,
        revoked,
        refresh: refresh(jwt, json!({})).await,
    }
}

fn www_manager(vars: &[(&str, &str)]) -> JwtManager {
    let mut all = vec![("JWT_SECRET_KEY", SECRET)];
    all.extend_from_slice(vars);
    let config = JwtConfig::from_vars(all).expect("valid vars");
    JwtManager::builder(config)
        .blocklist(InMemoryBlocklist::new())
        .build()
        .unwrap()
}

#[actix_web::test]
async fn no_challenges_by_default() {
    for vars in [
        &[][..],
        &[
            ("JWT_WWW_AUTHENTICATE", "false"),
            ("JWT_WWW_AUTHENTICATE_REALM", "api"),
        ][..],
    ] {
        let jwt = www_manager(vars);
        let srv = challenge_server(&jwt);
        let t = tokens(&jwt).await;
        let cases = [
            ("/protected", None, 401),
            ("/protected", Some("garbage"), 422),
            ("/protected", Some(t.expired.as_str()), 401),
            ("/protected", Some(t.bad_signature.as_str()), 422),
            ("/protected", Some(t.revoked.as_str()), 401),
            ("/protected", Some(t.refresh.as_str()), 422),
            ("/role", Some(t.plain.as_str()), 403),
            ("/scopes", Some(t.plain.as_str()), 403),
            ("/wrap-scopes", Some(t.plain.as_str()), 403),
            ("/extract", Some(t.plain.as_str()), 403),
            ("/extract", None, 401),
        ];
        for (path, token, status) in cases {
            let a = get(&srv, path, token).await;
            assert_eq!(a.status, status, "{vars:?} {path}: {:?}", a.body);
            assert_eq!(a.www_count(), 0, "{vars:?} {path}: {:?}", a.www());
        }
    }
}

/// One challenge case: a request, its status and the challenge's params after `realm`.
struct ChallengeCase<'a> {
    name: &'a str,
    call: Call,
    status: u16,
    params: Vec<(&'a str, &'a str)>,
}

fn invalid_token(description: &str) -> Vec<(&str, &str)> {
    vec![
        ("error", "invalid_token"),
        ("error_description", description),
    ]
}

/// `Bearer a="x", b="y"` for plain values (no escapes needed).
fn expected_header(params: &[(&str, &str)]) -> String {
    let mut out = String::from("Bearer");
    for (i, (name, value)) in params.iter().enumerate() {
        assert!(
            !value.contains(['"', '\\']),
            "use a literal for escaped values"
        );
        out.push_str(if i == 0 { " " } else { ", " });
        out.push_str(&format!("{name}=\"{value}\""));
    }
    out
}

async fn check_challenges(realm: Option<&str>) {
    let mut vars = vec![("JWT_WWW_AUTHENTICATE", "true")];
    if let Some(realm) = realm {
        vars.push(("JWT_WWW_AUTHENTICATE_REALM", realm));
    }
    let jwt = www_manager(&vars);
    let srv = challenge_server(&jwt);
    let t = tokens(&jwt).await;
    let insufficient = vec![("error", "insufficient_scope")];
    let scope_ab = vec![("error", "insufficient_scope"), ("scope", "a b")];
    let with = |path: &str, token: &str| Call::get(path).bearer(token);
    let cases = vec![
        ChallengeCase {
            name: "missing token",
            call: Call::get("/protected"),
            status: 401,
            params: vec![],
        },
        ChallengeCase {
            name: "missing token (extractor)",
            call: Call::get("/extract"),
            status: 401,
            params: vec![],
        },
        ChallengeCase {
            name: "missing token (standalone)",
            call: Call::get("/wrap-scopes"),
            status: 401,
            params: vec![],
        },
        ChallengeCase {
            name: "expired",
            call: with("/protected", &t.expired),
            status: 401,
            params: invalid_token("Token has expired"),
        },
        ChallengeCase {
            name: "bad signature",
            call: with("/protected", &t.bad_signature),
            status: 422,
            params: invalid_token("Signature verification failed"),
        },
        ChallengeCase {
            name: "revoked",
            call: with("/protected", &t.revoked),
            status: 401,
            params: invalid_token("Token has been revoked"),
        },
        ChallengeCase {
            name: "malformed",
            call: with("/protected", "garbage"),
            status: 422,
            params: invalid_token("Not enough segments"),
        },
        ChallengeCase {
            name: "wrong type",
            call: with("/protected", &t.refresh),
            status: 422,
            params: invalid_token("Wrong token type"),
        },
        ChallengeCase {
            name: "not fresh",
            call: with("/fresh", &t.plain),
            status: 401,
            params: invalid_token("Fresh token required"),
        },
        ChallengeCase {
            name: "another auth scheme is no bearer token (401, scheme only)",
            call: Call::get("/protected").header("Authorization", "Token abc"),
            status: 401,
            params: vec![],
        },
        ChallengeCase {
            name: "bad Authorization header",
            call: Call::get("/protected").header("Authorization", "Bearer a b"),
            status: 422,
            params: invalid_token("Bad Authorization header"),
        },
        ChallengeCase {
            name: "expired on a requirement route",
            call: with("/role", &t.expired),
            status: 401,
            params: invalid_token("Token has expired"),
        },
        ChallengeCase {
            name: "scopes unmet",
            call: with("/scopes", &t.plain),
            status: 403,
            params: scope_ab.clone(),
        },
        ChallengeCase {
            name: "scopes unmet (standalone)",
            call: with("/wrap-scopes", &t.plain),
            status: 403,
            params: scope_ab.clone(),
        },
        ChallengeCase {
            name: "scope unmet with a message",
            call: with("/scope-msg", &t.plain),
            status: 403,
            params: vec![("error", "insufficient_scope"), ("scope", "a")],
        },
        ChallengeCase {
            name: "scope unmet (extractor)",
            call: with("/extract", &t.plain),
            status: 403,
            params: vec![("error", "insufficient_scope"), ("scope", "reports:read")],
        },
        ChallengeCase {
            name: "scope unmet inside all",
            call: with("/all", &access(&jwt, json!({"roles": ["admin"]})).await),
            status: 403,
            params: vec![("error", "insufficient_scope"), ("scope", "a")],
        },
        ChallengeCase {
            name: "a lone any alternative keeps its scopes",
            call: with("/one-any", &t.plain),
            status: 403,
            params: scope_ab.clone(),
        },
        ChallengeCase {
            name: "several scope alternatives name no scope",
            call: with("/any-scopes", &t.plain),
            status: 403,
            params: insufficient.clone(),
        },
        ChallengeCase {
            name: "role unmet",
            call: with("/role", &t.plain),
            status: 403,
            params: insufficient.clone(),
        },
        ChallengeCase {
            name: "role unmet inside all",
            call: with("/all", &t.plain),
            status: 403,
            params: insufficient.clone(),
        },
        ChallengeCase {
            name: "claim unmet",
            call: with("/claim", &t.plain),
            status: 403,
            params: insufficient.clone(),
        },
        ChallengeCase {
            name: "custom unmet",
            call: with("/custom", &t.plain),
            status: 403,
            params: insufficient.clone(),
        },
        ChallengeCase {
            name: "not(scope) names no scope",
            call: with("/not-scope", &access(&jwt, json!({"scope": "a"})).await),
            status: 403,
            params: insufficient.clone(),
        },
        ChallengeCase {
            name: "a scope no header can carry is left out",
            call: with("/non-ascii-scope", &t.plain),
            status: 403,
            params: insufficient.clone(),
        },
    ];
    let ctx0 = format!("realm {realm:?}");
    for case in cases {
        let ctx = format!("{ctx0}: {}", case.name);
        let a = send(&srv, &case.call).await;
        assert_eq!(a.status, case.status, "{ctx}: body {:?}", a.body);
        let mut expected: Vec<(&str, &str)> = Vec::new();
        if let Some(realm) = realm {
            expected.push(("realm", realm));
        }
        expected.extend(case.params.iter().copied());
        let raw = assert_challenge(&a, &expected, &ctx);
        assert_eq!(raw, expected_header(&expected), "{ctx}");
    }

    // The scope's `"` and `\` travel as quoted-pairs.
    let a = get(&srv, "/quoted-scope", Some(&t.plain)).await;
    let mut expected = vec![];
    if let Some(realm) = realm {
        expected.push(("realm", realm));
    }
    expected.extend([("error", "insufficient_scope"), ("scope", r#"x"y\z"#)]);
    let raw = assert_challenge(&a, &expected, "quoted scope");
    assert!(
        raw.ends_with(r#"error="insufficient_scope", scope="x\"y\\z""#),
        "{raw}"
    );

    // A store error is no question of credentials: no challenge.
    let a = get(
        &srv,
        "/async",
        Some(&access(&jwt, json!({"tenant": "down"})).await),
    )
    .await;
    assert_refusal(&a, 503, "Service unavailable", "store error");
    assert_eq!(a.www_count(), 0, "store error: {:?}", a.www());
}

#[actix_web::test]
async fn challenges_without_realm() {
    check_challenges(None).await;
    // The exact forms, written out.
    let jwt = www_manager(&[("JWT_WWW_AUTHENTICATE", "true")]);
    let srv = challenge_server(&jwt);
    let t = tokens(&jwt).await;
    assert_eq!(
        get(&srv, "/protected", None).await.www().as_deref(),
        Some("Bearer")
    );
    assert_eq!(
        get(&srv, "/protected", Some(&t.expired))
            .await
            .www()
            .as_deref(),
        Some(r#"Bearer error="invalid_token", error_description="Token has expired""#)
    );
    assert_eq!(
        get(&srv, "/scopes", Some(&t.plain)).await.www().as_deref(),
        Some(r#"Bearer error="insufficient_scope", scope="a b""#)
    );
    assert_eq!(
        get(&srv, "/role", Some(&t.plain)).await.www().as_deref(),
        Some(r#"Bearer error="insufficient_scope""#)
    );
}

#[actix_web::test]
async fn challenges_with_realm() {
    check_challenges(Some("example api")).await;
    let jwt = www_manager(&[
        ("JWT_WWW_AUTHENTICATE", "true"),
        ("JWT_WWW_AUTHENTICATE_REALM", "example api"),
    ]);
    let srv = challenge_server(&jwt);
    let t = tokens(&jwt).await;
    assert_eq!(
        get(&srv, "/protected", None).await.www().as_deref(),
        Some(r#"Bearer realm="example api""#)
    );
    assert_eq!(
        get(&srv, "/protected", Some(&t.revoked))
            .await
            .www()
            .as_deref(),
        Some(
            r#"Bearer realm="example api", error="invalid_token", error_description="Token has been revoked""#
        )
    );
    assert_eq!(
        get(&srv, "/scopes", Some(&t.plain)).await.www().as_deref(),
        Some(r#"Bearer realm="example api", error="insufficient_scope", scope="a b""#)
    );
}

#[actix_web::test]
async fn realm_quotes_and_backslashes_are_quoted_pairs() {
    for (realm, literal) in [
        (r#"my "api" \ v1"#, r#"Bearer realm="my \"api\" \\ v1""#),
        (r#"\"#, r#"Bearer realm="\\""#),
        ("tab\there", "Bearer realm=\"tab\there\""),
        (
            "~!#$%&'()*+,-./:;<=>?@[]^_`{|}",
            r#"Bearer realm="~!#$%&'()*+,-./:;<=>?@[]^_`{|}""#,
        ),
    ] {
        let jwt = manager(
            config()
                .www_authenticate(true)
                .www_authenticate_realm(realm),
        );
        let srv = challenge_server(&jwt);
        let a = get(&srv, "/protected", None).await;
        assert_eq!(a.status, 401);
        let raw = assert_challenge(&a, &[("realm", realm)], realm);
        assert_eq!(raw, literal);
        let user = access(&jwt, json!({})).await;
        let a = get(&srv, "/scopes", Some(&user)).await;
        assert_challenge(
            &a,
            &[
                ("realm", realm),
                ("error", "insufficient_scope"),
                ("scope", "a b"),
            ],
            realm,
        );
    }
}

#[test]
fn a_realm_no_header_can_carry_is_a_startup_error() {
    for realm in [
        "line\nbreak",
        "carriage\rreturn",
        "nul\u{0}",
        "bell\u{7}",
        "del\u{7f}",
        "caf\u{e9}",
        "emoji \u{1f600}",
    ] {
        let ctx = format!("{realm:?}");
        let err = JwtConfig::from_vars([
            ("JWT_SECRET_KEY", SECRET),
            ("JWT_WWW_AUTHENTICATE", "true"),
            ("JWT_WWW_AUTHENTICATE_REALM", realm),
        ])
        .unwrap_err();
        assert_eq!(err.setting(), Some("JWT_WWW_AUTHENTICATE_REALM"), "{ctx}");
        assert!(
            err.to_string().contains("JWT_WWW_AUTHENTICATE_REALM"),
            "{ctx}: {err}"
        );

        let err = config()
            .www_authenticate(true)
            .www_authenticate_realm(realm)
            .build()
            .unwrap_err();
        assert_eq!(err.setting(), Some("JWT_WWW_AUTHENTICATE_REALM"), "{ctx}");

        // The manager checks again: an unchecked config, or a field set after `build`.
        let unchecked = config()
            .www_authenticate(true)
            .www_authenticate_realm(realm)
            .build_unchecked();
        let err = JwtManager::new(unchecked).unwrap_err();
        assert_eq!(err.setting(), Some("JWT_WWW_AUTHENTICATE_REALM"), "{ctx}");
        let mut edited = config().www_authenticate(true).build().unwrap();
        edited.www_authenticate_realm = Some(realm.to_owned());
        let err = JwtManager::builder(edited).build().unwrap_err();
        assert_eq!(err.setting(), Some("JWT_WWW_AUTHENTICATE_REALM"), "{ctx}");
    }
    // Printable ASCII is fine; an empty realm means none.
    let ok = JwtConfig::from_vars([
        ("JWT_SECRET_KEY", SECRET),
        ("JWT_WWW_AUTHENTICATE", "true"),
        ("JWT_WWW_AUTHENTICATE_REALM", "ok ~ realm"),
    ])
    .unwrap();
    assert!(ok.www_authenticate);
    assert_eq!(ok.www_authenticate_realm.as_deref(), Some("ok ~ realm"));
    let empty = JwtConfig::from_vars([
        ("JWT_SECRET_KEY", SECRET),
        ("JWT_WWW_AUTHENTICATE_REALM", ""),
    ])
    .unwrap();
    assert_eq!(empty.www_authenticate_realm, None);
    assert!(!empty.www_authenticate, "off by default");
    let err = JwtConfig::from_vars([
        ("JWT_SECRET_KEY", SECRET),
        ("JWT_WWW_AUTHENTICATE", "sometimes"),
    ])
    .unwrap_err();
    assert_eq!(err.setting(), Some("JWT_WWW_AUTHENTICATE"));
}

#[actix_web::test]
async fn challenges_never_carry_the_token_the_secret_or_claim_values() {
    const MARK: &str = "zq7mark";
    let jwt = www_manager(&[
        ("JWT_WWW_AUTHENTICATE", "true"),
        ("JWT_WWW_AUTHENTICATE_REALM", "api"),
    ]);
    let srv = challenge_server(&jwt);
    let claims = json!({
        "sub": "zq7mark-user",
        "roles": ["zq7mark-role"],
        "scope": "zq7mark-scope zq7mark-other",
        "scp": ["zq7mark-scp"],
        "tenant": "zq7mark-tenant",
        "plan": "zq7mark-plan",
        "seats": 0,
    });
    let live = access(&jwt, claims.clone()).await;
    let mut expired_claims = claims.clone();
    expired_claims["exp"] = json!(now() - 600);
    let expired = access(&jwt, expired_claims).await;
    let other = manager(JwtConfig::builder().secret_key("another-secret-long-enough-1234"));
    let forged = access(&other, claims.clone()).await;
    let revoked = access(&jwt, claims.clone()).await;
    jwt.revoke(&jwt.decode_token(&revoked).await.unwrap())
        .await
        .unwrap();
    let refresh_token = refresh(&jwt, claims.clone()).await;
    let cases = [
        ("/role", &live, 403),
        ("/scopes", &live, 403),
        ("/claim", &live, 403),
        ("/custom", &live, 403),
        ("/any-scopes", &live, 403),
        ("/extract", &live, 403),
        ("/wrap-scopes", &live, 403),
        ("/fresh", &live, 401),
        ("/protected", &expired, 401),
        ("/protected", &forged, 422),
        ("/protected", &revoked, 401),
        ("/protected", &refresh_token, 422),
    ];
    for (path, token, status) in cases {
        let a = get(&srv, path, Some(token)).await;
        assert_eq!(a.status, status, "{path}: {:?}", a.body);
        let header = a.www().unwrap_or_else(|| panic!("{path}: no challenge"));
        parse_challenge(&header).unwrap();
        assert!(!header.contains(MARK), "{path}: claim value in {header:?}");
        assert!(!header.contains(SECRET), "{path}: secret in {header:?}");
        assert!(
            !header.contains(token.as_str()),
            "{path}: token in {header:?}"
        );
        for segment in token.split('.') {
            assert!(
                !header.contains(segment),
                "{path}: token segment in {header:?}"
            );
        }
        assert!(
            !a.body.contains(MARK),
            "{path}: claim value in the body {:?}",
            a.body
        );
    }
}

#[actix_web::test]
async fn loader_and_renderer_answers_keep_the_challenge_unless_they_set_one() {
    let config = config()
        .www_authenticate(true)
        .www_authenticate_realm("api")
        .build()
        .unwrap();
    let jwt = JwtManager::builder(config)
        .blocklist(InMemoryBlocklist::new())
        .forbidden_loader(|token, message| {
            HttpResponse::Forbidden().json(json!({"who": token.identity_str(), "why": message}))
        })
        .unauthorized_loader(|message| {
            HttpResponse::Unauthorized().body(format!("login: {message}"))
        })
        .error_renderer(|e| match e.kind() {
            ErrorKind::Expired => Some(
                HttpResponse::Unauthorized()
                    .insert_header(("WWW-Authenticate", r#"Bearer realm="custom""#))
                    .body("expired, custom"),
            ),
            ErrorKind::BadSignature => Some(HttpResponse::UnprocessableEntity().body("forged")),
            ErrorKind::ClaimMismatch => Some(HttpResponse::Forbidden().body("rendered 403")),
            _ => None,
        })
        .build()
        .unwrap();
    let srv = challenge_server(&jwt);
    let t = tokens(&jwt).await;

    let a = get(&srv, "/role", Some(&t.plain)).await;
    assert_eq!(a.status, 403);
    assert_eq!(
        a.json(),
        json!({"who": "alice", "why": "Missing required role"})
    );
    assert_challenge(
        &a,
        &[("realm", "api"), ("error", "insufficient_scope")],
        "forbidden loader",
    );

    let a = get(&srv, "/scopes", Some(&t.plain)).await;
    assert_eq!(
        a.json(),
        json!({"who": "alice", "why": "Insufficient scope"})
    );
    assert_challenge(
        &a,
        &[
            ("realm", "api"),
            ("error", "insufficient_scope"),
            ("scope", "a b"),
        ],
        "forbidden loader, scope",
    );

    let a = get(&srv, "/claim", Some(&t.plain)).await;
    assert_eq!((a.status, a.body.as_str()), (403, "rendered 403"));
    assert_challenge(
        &a,
        &[("realm", "api"), ("error", "insufficient_scope")],
        "renderer 403",
    );

    let a = get(&srv, "/protected", None).await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (401, "login: Missing Authorization Header")
    );
    assert_challenge(&a, &[("realm", "api")], "unauthorized loader");

    let a = get(&srv, "/protected", Some(&t.bad_signature)).await;
    assert_eq!((a.status, a.body.as_str()), (422, "forged"));
    assert_challenge(
        &a,
        &[
            ("realm", "api"),
            ("error", "invalid_token"),
            ("error_description", "Signature verification failed"),
        ],
        "renderer without a challenge",
    );

    let a = get(&srv, "/protected", Some(&t.expired)).await;
    assert_eq!((a.status, a.body.as_str()), (401, "expired, custom"));
    assert_challenge(
        &a,
        &[("realm", "custom")],
        "renderer with its own challenge",
    );
}

#[actix_web::test]
async fn store_errors_get_no_challenge() {
    let config = config()
        .www_authenticate(true)
        .www_authenticate_realm("api")
        .build()
        .unwrap();
    let jwt = JwtManager::builder(config)
        .token_in_blocklist_loader(|token| async move {
            if token.claim("store") == Some(&json!("down")) {
                Err(JwtError::store_unavailable("blocklist down"))
            } else {
                Ok(false)
            }
        })
        .build()
        .unwrap();
    let srv = challenge_server(&jwt);
    let down = access(&jwt, json!({"store": "down", "roles": ["admin"]})).await;
    for path in ["/protected", "/role", "/wrap-scopes", "/extract"] {
        let a = get(&srv, path, Some(&down)).await;
        assert_refusal(&a, 503, "Service unavailable", path);
        assert_eq!(a.www_count(), 0, "{path}: {:?}", a.www());
    }
    let a = get(
        &srv,
        "/async",
        Some(&access(&jwt, json!({"tenant": "down"})).await),
    )
    .await;
    assert_refusal(&a, 503, "Service unavailable", "async");
    assert_eq!(a.www_count(), 0);
    // The same server does challenge a refusal (the test can fail).
    let a = get(&srv, "/role", Some(&access(&jwt, json!({})).await)).await;
    assert_challenge(
        &a,
        &[("realm", "api"), ("error", "insufficient_scope")],
        "control",
    );
}

// ---------------------------------------------------------------------------------------
// 5. Loaders
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn forbidden_loader_replaces_the_403_answer() {
    let jwt = JwtManager::builder(config().build().unwrap())
        .forbidden_loader(|token, message| {
            HttpResponse::Forbidden()
                .insert_header(("x-loader", "forbidden"))
                .json(json!({
                    "who": token.identity_str(),
                    "roles": token.claim("roles"),
                    "why": message,
                }))
        })
        .build()
        .unwrap();
    let srv = {
        let jwt = jwt.clone();
        actix_test::start(move || {
            App::new()
                .configure(jwt.init_app())
                .service(
                    web::resource("/inline")
                        .wrap(jwt_required().require(admins()))
                        .to(ok),
                )
                .service(
                    web::resource("/plain")
                        .wrap(jwt_required().require(Requirement::role("admin")))
                        .to(ok),
                )
                .service(web::resource("/wrap").wrap(admins()).to(ok))
                .route("/extract", web::get().to(require_admin))
                .service(web::resource("/scope").wrap(Requirement::scope("a")).to(ok))
                .service(web::resource("/custom").wrap(paid_plan()).to(ok))
                .service(web::resource("/async").wrap(tenant_open()).to(ok))
        })
    };
    let user = access(&jwt, json!({"roles": ["user"], "tenant": "closed"})).await;
    for (path, why) in [
        ("/inline", "Admins only!"),
        ("/wrap", "Admins only!"),
        ("/extract", "Admins only!"),
        ("/plain", "Missing required role"),
        ("/scope", "Insufficient scope"),
        ("/custom", "Access denied"),
        ("/async", "Access denied"),
    ] {
        let a = get(&srv, path, Some(&user)).await;
        assert_eq!(a.status, 403, "{path}");
        assert_eq!(a.header("x-loader").as_deref(), Some("forbidden"), "{path}");
        assert_eq!(
            a.json(),
            json!({"who": "alice", "roles": ["user"], "why": why}),
            "{path}"
        );
    }
    // Only refusals of a requirement go to it.
    let a = get(&srv, "/inline", None).await;
    assert_refusal(&a, 401, "Missing Authorization Header", "no token");
    assert_eq!(a.header("x-loader"), None);
    let a = get(&srv, "/wrap", Some("garbage")).await;
    assert_refusal(&a, 422, "Not enough segments", "bad token");
    let down = access(&jwt, json!({"tenant": "down"})).await;
    assert_refusal(
        &get(&srv, "/async", Some(&down)).await,
        503,
        "Service unavailable",
        "store",
    );
    let admin = access(&jwt, json!({"roles": ["admin"], "tenant": "open"})).await;
    assert_ok(&get(&srv, "/inline", Some(&admin)).await, "ok", "admin");
    assert_ok(
        &get(&srv, "/async", Some(&admin)).await,
        "ok",
        "admin async",
    );
}

#[actix_web::test]
async fn error_renderer_replaces_the_403_answer_before_the_forbidden_loader() {
    let jwt = JwtManager::builder(config().build().unwrap())
        .forbidden_loader(|_token, message| {
            HttpResponse::Forbidden().body(format!("loader: {message}"))
        })
        .error_renderer(|e| {
            if e.kind() != ErrorKind::MissingScope && e.kind() != ErrorKind::MissingRole {
                return None;
            }
            Some(
                HttpResponse::build(StatusCode::IM_A_TEAPOT)
                    .insert_header(("x-error-kind", e.kind().as_str()))
                    .json(json!({
                        "text": e.to_string(),
                        "who": e.token().and_then(|t| t.identity_str()),
                        "scope": e.required_scope(),
                    })),
            )
        })
        .build()
        .unwrap();
    let srv = {
        let jwt = jwt.clone();
        actix_test::start(move || {
            App::new()
                .configure(jwt.init_app())
                .service(web::resource("/role").wrap(admins()).to(ok))
                .service(
                    web::resource("/scopes")
                        .wrap(jwt_required().require(Requirement::scopes(["b", "a", "b"])))
                        .to(ok),
                )
                .service(
                    web::resource("/claim")
                        .wrap(Requirement::claim_equals("tenant", "acme"))
                        .to(ok),
                )
                .route("/extract", web::get().to(require_reader))
        })
    };
    let user = access(&jwt, json!({"roles": ["user"]})).await;
    let a = get(&srv, "/role", Some(&user)).await;
    assert_eq!(a.status, 418);
    assert_eq!(a.header("x-error-kind").as_deref(), Some("missing_role"));
    assert_eq!(
        a.json(),
        json!({"text": "Admins only!", "who": "alice", "scope": null})
    );
    let a = get(&srv, "/scopes", Some(&user)).await;
    assert_eq!(a.status, 418);
    assert_eq!(a.header("x-error-kind").as_deref(), Some("missing_scope"));
    assert_eq!(
        a.json(),
        json!({"text": "Insufficient scope", "who": "alice", "scope": "b a"})
    );
    let a = get(&srv, "/extract", Some(&user)).await;
    assert_eq!(a.status, 418);
    assert_eq!(
        a.json(),
        json!({"text": "Insufficient scope", "who": "alice", "scope": "reports:read"})
    );
    // `None` falls back to the forbidden loader.
    let a = get(&srv, "/claim", Some(&user)).await;
    assert_eq!(
        (a.status, a.body.as_str()),
        (403, "loader: Claim requirement not met")
    );
}
