//! The parity table (`docs/PARITY.md`) against the real flask-jwt-extended 4.7.4, and the
//! rows no other test covered.
//!
//! - The table lists exactly the names flask-jwt-extended has: its 43 options (plus
//!   `SECRET_KEY`), its 15 loaders, its 20 exported names (plus `__version__`), the 6
//!   parameters of `jwt_required` / `verify_jwt_in_request`, and every exception class it
//!   defines or handles (plus `RuntimeError`). The names are read from the installed package
//!   (the Python venv of the test suite), not copied.
//! - Every row has a counterpart, a status (`same`, `adapted`, `deliberately different`; the
//!   last two with a reason) and at least one test that exists: `path.rs::test_name` must name a
//!   function of that file, a bare path (an upstream port module, the migration guide) must
//!   exist.
//! - Tests for rows that were not covered elsewhere: the option defaults and names, custom
//!   query-string and JSON key names, the answers to every exception class, and the targeted
//!   version.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![recursion_limit = "256"]

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use actix_jwt_ext::{
    jwt_required, Expires, JwtConfig, JwtError, JwtIdentity, JwtManager, Secret, TokenLocation,
};
use actix_web::{test as atest, web, App, HttpResponse};
use e2e_tests::{fixture, python, workspace_root, TempDir};
use serde_json::{json, Map, Value};

// ---------------------------------------------------------------------------------------------
// Facts about the installed flask-jwt-extended
// ---------------------------------------------------------------------------------------------

/// Dumps, as one JSON object, what the parity table is checked against.
const FACTS_PY: &str = r#"
import datetime, inspect, json
from flask import Flask
import flask_jwt_extended as fje
from flask_jwt_extended import JWTManager, exceptions as fx
from jwt import exceptions as jx

def norm(v):
    if isinstance(v, datetime.timedelta):
        return int(v.total_seconds())
    if isinstance(v, (tuple, list, set)):
        return [norm(x) for x in v]
    return v

app = Flask("parity")
JWTManager(app)
handled = sorted(c.__name__ for c in app.error_handler_spec[None][None])
defined = sorted(n for n, c in vars(fx).items() if inspect.isclass(c) and issubclass(c, Exception))

# The answer of each registered error handler (default loaders, JWT_ERROR_MESSAGE_KEY="msg").
expired = jx.ExpiredSignatureError("Signature has expired")
expired.jwt_header, expired.jwt_data = {}, {"sub": "a"}
cases = {
    "NoAuthorizationError": fx.NoAuthorizationError("Missing Authorization Header"),
    "CSRFError": fx.CSRFError("Missing CSRF token"),
    "InvalidHeaderError": fx.InvalidHeaderError("Bad Authorization header. Expected 'Authorization: Bearer <JWT>'"),
    "InvalidQueryParamError": fx.InvalidQueryParamError("Invalid value for query parameter 'jwt'. Expected the value to start with 'Bearer '"),
    "JWTDecodeError": fx.JWTDecodeError("Missing claim: sub"),
    "WrongTokenError": fx.WrongTokenError("Only refresh tokens are allowed"),
    "RevokedTokenError": fx.RevokedTokenError({}, {"sub": "a"}),
    "FreshTokenRequired": fx.FreshTokenRequired("Fresh token required", {}, {"sub": "a"}),
    "UserLookupError": fx.UserLookupError("Error loading the user ghost", {}, {"sub": "ghost"}),
    "UserClaimsVerificationError": fx.UserClaimsVerificationError("User claims verification failed", {}, {"sub": "a"}),
    "ExpiredSignatureError": expired,
    "DecodeError": jx.DecodeError("Not enough segments"),
    "MissingRequiredClaimError": jx.MissingRequiredClaimError("aud"),
    "InvalidAudienceError": jx.InvalidAudienceError("Audience doesn't match"),
    "InvalidIssuerError": jx.InvalidIssuerError("Invalid issuer"),
    "InvalidTokenError": jx.ImmatureSignatureError("The token is not yet valid (nbf)"),
}
answers = {}
with app.test_request_context():
    for name, exc in cases.items():
        resp = app.make_response(app.handle_user_exception(exc))
        answers[name] = [resp.status_code, resp.get_data(as_text=True)]

print(json.dumps({
    "version": fje.__version__,
    "options": {k: norm(v) for k, v in app.config.items() if k.startswith("JWT_")},
    "secret_key_default": app.config.get("SECRET_KEY"),
    "names": sorted(n for n in dir(fje) if not n.startswith("_") and not inspect.ismodule(getattr(fje, n))),
    "loaders": sorted(n for n in dir(JWTManager) if n.endswith("_loader")),
    "jwt_required": list(inspect.signature(fje.jwt_required).parameters),
    "verify_jwt_in_request": list(inspect.signature(fje.verify_jwt_in_request).parameters),
    "exceptions": sorted(set(handled) | set(defined)),
    "handled": handled,
    "answers": answers,
}))
"#;

fn facts() -> &'static Value {
    static FACTS: OnceLock<Value> = OnceLock::new();
    FACTS.get_or_init(|| {
        let dir = TempDir::new();
        let out = Command::new(python())
            .args(["-c", FACTS_PY])
            .current_dir(dir.path())
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null())
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "python failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("python printed JSON")
    })
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

/// One row of a section of `docs/PARITY.md`.
#[derive(Debug)]
struct Row {
    name: String,
    counterpart: String,
    status: String,
    tests: String,
}

/// The sections of the table, by heading (`## Options` ...), in order.
fn table() -> BTreeMap<String, Vec<Row>> {
    let path = workspace_root().join("docs").join("PARITY.md");
    let text = std::fs::read_to_string(&path).expect("docs/PARITY.md");
    let mut sections: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            current = h.trim().to_owned();
            continue;
        }
        if !line.starts_with("| `") {
            continue;
        }
        let cells: Vec<&str> = line.trim().trim_matches('|').split(" | ").collect();
        assert_eq!(cells.len(), 4, "row with {} cells: {line}", cells.len());
        let name = cells[0]
            .split('`')
            .nth(1)
            .unwrap_or_else(|| panic!("no name in {line}"))
            .to_owned();
        sections.entry(current.clone()).or_default().push(Row {
            name,
            counterpart: cells[1].trim().to_owned(),
            status: cells[2].trim().to_owned(),
            tests: cells[3].trim().to_owned(),
        });
    }
    sections
}

fn section<'a>(t: &'a BTreeMap<String, Vec<Row>>, heading: &str) -> &'a [Row] {
    t.get(heading)
        .unwrap_or_else(|| panic!("docs/PARITY.md has no section \"## {heading}\""))
}

fn names(rows: &[Row]) -> BTreeSet<String> {
    let set: BTreeSet<String> = rows.iter().map(|r| r.name.clone()).collect();
    assert_eq!(set.len(), rows.len(), "duplicate rows");
    set
}

#[test]
fn parity_table_lists_every_name_of_flask_jwt_extended() {
    let f = facts();
    let t = table();

    let mut options: BTreeSet<String> = f["options"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(options.len(), 43);
    options.insert("SECRET_KEY".into());
    assert_eq!(names(section(&t, "Options")), options);

    let loaders = strings(&f["loaders"]);
    assert_eq!(loaders.len(), 15);
    assert_eq!(names(section(&t, "Loaders")), loaders);

    let mut public = strings(&f["names"]);
    assert_eq!(public.len(), 20);
    public.insert("__version__".into());
    assert_eq!(names(section(&t, "Public names")), public);

    assert_eq!(f["jwt_required"], f["verify_jwt_in_request"]);
    let params = strings(&f["jwt_required"]);
    assert_eq!(params.len(), 6);
    assert_eq!(names(section(&t, "Decorator parameters")), params);

    let mut exceptions = strings(&f["exceptions"]);
    assert_eq!(exceptions.len(), 17, "11 defined + 6 PyJWT classes handled");
    exceptions.insert("RuntimeError".into());
    assert_eq!(names(section(&t, "Exceptions")), exceptions);
}

/// `path.rs::name` references in a cell (and bare paths).
fn references(cell: &str) -> Vec<(String, Option<String>)> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .filter(|r| r.contains(".rs") || r.ends_with(".md"))
        .map(|r| match r.split_once("::") {
            Some((path, name)) => (path.to_owned(), Some(name.to_owned())),
            None => (r.to_owned(), None),
        })
        .collect()
}

#[test]
fn parity_table_rows_have_a_counterpart_a_status_and_existing_tests() {
    let root = workspace_root();
    let t = table();
    let mut problems = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rows = 0;
    for (heading, section) in &t {
        for r in section {
            rows += 1;
            let at = format!("[{heading}] {}", r.name);
            if r.counterpart.is_empty() || !r.counterpart.contains('`') {
                problems.push(format!("{at}: no counterpart"));
            }
            let status = ["same", "adapted", "deliberately different"]
                .into_iter()
                .find(|s| r.status.starts_with(&format!("**{s}**")));
            match status {
                None => problems.push(format!("{at}: status {:?}", r.status)),
                Some(s) => {
                    *counts.entry(s).or_default() += 1;
                    let reason = r.status.split_once(':').map_or("", |(_, why)| why.trim());
                    if s != "same" && reason.len() < 10 {
                        problems.push(format!("{at}: status {s} without a reason"));
                    }
                }
            }
            let refs = references(&r.tests);
            if !refs.iter().any(|(_, name)| name.is_some()) {
                problems.push(format!("{at}: no test named"));
            }
            for (path, name) in refs {
                let file = root.join(&path);
                let Ok(text) = std::fs::read_to_string(&file) else {
                    problems.push(format!("{at}: {path} does not exist"));
                    continue;
                };
                if let Some(name) = name {
                    if !text.contains(&format!("fn {name}("))
                        && !text.contains(&format!("fn {name}<"))
                    {
                        problems.push(format!("{at}: no fn {name} in {path}"));
                    }
                }
            }
        }
    }
    println!("parity table: {rows} rows, by status {counts:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Options: names and defaults
// ---------------------------------------------------------------------------------------------

/// A configuration in the form the facts give flask-jwt-extended's `app.config`: lifetimes in
/// seconds (`false` for no `exp`), names as strings, lists as lists, unset as `null`.
fn rendered(c: &JwtConfig) -> Map<String, Value> {
    let expires = |e: Expires| e.duration().map_or(json!(false), |d| json!(d.as_secs()));
    let one_or_many = |v: &Option<Vec<String>>| match v.as_deref() {
        None => Value::Null,
        Some([one]) => json!(one),
        Some(many) => json!(many),
    };
    let samesite = c.cookie_samesite.map(|s| match s {
        actix_web::cookie::SameSite::Strict => "Strict",
        actix_web::cookie::SameSite::Lax => "Lax",
        actix_web::cookie::SameSite::None => "None",
    });
    let algorithms: Vec<String> = c
        .decode_algorithms
        .iter()
        .map(|a| format!("{a:?}"))
        .collect();
    let pairs = [
        ("JWT_ACCESS_TOKEN_EXPIRES", expires(c.access_token_expires)),
        (
            "JWT_REFRESH_TOKEN_EXPIRES",
            expires(c.refresh_token_expires),
        ),
        ("JWT_ALGORITHM", json!(format!("{:?}", c.algorithm))),
        (
            "JWT_DECODE_ALGORITHMS",
            if algorithms.is_empty() {
                Value::Null
            } else {
                json!(algorithms)
            },
        ),
        ("JWT_DECODE_AUDIENCE", one_or_many(&c.decode_audience)),
        ("JWT_DECODE_ISSUER", one_or_many(&c.decode_issuer)),
        ("JWT_DECODE_LEEWAY", json!(c.decode_leeway.as_secs())),
        ("JWT_ENCODE_AUDIENCE", json!(c.encode_audience)),
        ("JWT_ENCODE_ISSUER", json!(c.encode_issuer)),
        ("JWT_ENCODE_NBF", json!(c.encode_nbf)),
        ("JWT_ERROR_MESSAGE_KEY", json!(c.error_message_key)),
        ("JWT_IDENTITY_CLAIM", json!(c.identity_claim)),
        (
            "JWT_PRIVATE_KEY",
            json!(c.private_key.as_ref().map(Secret::expose).map(str::trim)),
        ),
        (
            "JWT_PUBLIC_KEY",
            json!(c.public_key.as_deref().map(str::trim)),
        ),
        (
            "JWT_SECRET_KEY",
            json!(c.secret_key.as_ref().map(Secret::expose)),
        ),
        (
            "JWT_TOKEN_LOCATION",
            json!(c
                .token_location
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()),
        ),
        ("JWT_VERIFY_SUB", json!(c.verify_sub)),
        ("JWT_HEADER_NAME", json!(c.header_name)),
        ("JWT_HEADER_TYPE", json!(c.header_type)),
        ("JWT_ACCESS_COOKIE_NAME", json!(c.access_cookie_name)),
        ("JWT_ACCESS_COOKIE_PATH", json!(c.access_cookie_path)),
        ("JWT_REFRESH_COOKIE_NAME", json!(c.refresh_cookie_name)),
        ("JWT_REFRESH_COOKIE_PATH", json!(c.refresh_cookie_path)),
        ("JWT_COOKIE_CSRF_PROTECT", json!(c.cookie_csrf_protect)),
        ("JWT_COOKIE_DOMAIN", json!(c.cookie_domain)),
        ("JWT_COOKIE_SAMESITE", json!(samesite)),
        ("JWT_COOKIE_SECURE", json!(c.cookie_secure)),
        ("JWT_SESSION_COOKIE", json!(c.session_cookie)),
        (
            "JWT_CSRF_METHODS",
            json!(c
                .csrf_methods
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()),
        ),
        ("JWT_CSRF_IN_COOKIES", json!(c.csrf_in_cookies)),
        ("JWT_CSRF_CHECK_FORM", json!(c.csrf_check_form)),
        (
            "JWT_ACCESS_CSRF_HEADER_NAME",
            json!(c.access_csrf_header_name),
        ),
        (
            "JWT_REFRESH_CSRF_HEADER_NAME",
            json!(c.refresh_csrf_header_name),
        ),
        (
            "JWT_ACCESS_CSRF_FIELD_NAME",
            json!(c.access_csrf_field_name),
        ),
        (
            "JWT_REFRESH_CSRF_FIELD_NAME",
            json!(c.refresh_csrf_field_name),
        ),
        (
            "JWT_ACCESS_CSRF_COOKIE_NAME",
            json!(c.access_csrf_cookie_name),
        ),
        (
            "JWT_REFRESH_CSRF_COOKIE_NAME",
            json!(c.refresh_csrf_cookie_name),
        ),
        (
            "JWT_ACCESS_CSRF_COOKIE_PATH",
            json!(c.access_csrf_cookie_path),
        ),
        (
            "JWT_REFRESH_CSRF_COOKIE_PATH",
            json!(c.refresh_csrf_cookie_path),
        ),
        ("JWT_QUERY_STRING_NAME", json!(c.query_string_name)),
        (
            "JWT_QUERY_STRING_VALUE_PREFIX",
            json!(c.query_string_value_prefix),
        ),
        ("JWT_JSON_KEY", json!(c.json_key)),
        ("JWT_REFRESH_JSON_KEY", json!(c.refresh_json_key)),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// `JwtConfig::default()` has flask-jwt-extended's 43 options with their defaults, as the
/// installed package sets them in `app.config` (`JWTManager(app)`), and no `SECRET_KEY`.
#[test]
fn every_option_has_the_default_of_flask_jwt_extended() {
    let f = facts();
    let ours = rendered(&JwtConfig::default());
    let theirs = f["options"].as_object().unwrap();
    assert_eq!(ours.len(), 43);
    let differ: Vec<String> = theirs
        .iter()
        .filter(|(k, v)| ours.get(*k) != Some(v))
        .map(|(k, v)| format!("{k}: flask {v}, ours {:?}", ours.get(k)))
        .collect();
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    assert_eq!(f["secret_key_default"], Value::Null);
    assert_eq!(JwtConfig::default().app_secret_key, None);
}

/// Every option (and `SECRET_KEY`) is read from a `.env` file under its flask-jwt-extended
/// name, the way `JwtConfig::from_env()` reads the working directory's `.env`.
#[test]
fn every_option_is_read_under_its_flask_name() {
    let one_line = |pem: &str| pem.trim().replace('\n', "\\n");
    let private = fixture("rsa_private.pem");
    let public = fixture("rsa_public.pem");
    let dotenv = format!(
        "SECRET_KEY=app-secret\n\
         JWT_ACCESS_TOKEN_EXPIRES=60\n\
         JWT_REFRESH_TOKEN_EXPIRES=false\n\
         JWT_ALGORITHM=HS512\n\
         JWT_DECODE_ALGORITHMS=HS256,HS384\n\
         JWT_DECODE_AUDIENCE=a1,a2\n\
         JWT_DECODE_ISSUER=iss-1\n\
         JWT_DECODE_LEEWAY=30\n\
         JWT_ENCODE_AUDIENCE=aud-1\n\
         JWT_ENCODE_ISSUER=me\n\
         JWT_ENCODE_NBF=false\n\
         JWT_ERROR_MESSAGE_KEY=message\n\
         JWT_IDENTITY_CLAIM=identity\n\
         JWT_PRIVATE_KEY='{}'\n\
         JWT_PUBLIC_KEY='{}'\n\
         JWT_SECRET_KEY=jwt-secret\n\
         JWT_TOKEN_LOCATION=cookies,headers,json,query_string\n\
         JWT_VERIFY_SUB=false\n\
         JWT_HEADER_NAME=X-Auth\n\
         JWT_HEADER_TYPE=JWT\n\
         JWT_ACCESS_COOKIE_NAME=at\n\
         JWT_ACCESS_COOKIE_PATH=/api/\n\
         JWT_REFRESH_COOKIE_NAME=rt\n\
         JWT_REFRESH_COOKIE_PATH=/refresh\n\
         JWT_COOKIE_CSRF_PROTECT=false\n\
         JWT_COOKIE_DOMAIN=example.com\n\
         JWT_COOKIE_SAMESITE=Strict\n\
         JWT_COOKIE_SECURE=true\n\
         JWT_SESSION_COOKIE=false\n\
         JWT_CSRF_METHODS=GET,POST\n\
         JWT_CSRF_IN_COOKIES=false\n\
         JWT_CSRF_CHECK_FORM=true\n\
         JWT_ACCESS_CSRF_HEADER_NAME=X-A\n\
         JWT_REFRESH_CSRF_HEADER_NAME=X-R\n\
         JWT_ACCESS_CSRF_FIELD_NAME=a_csrf\n\
         JWT_REFRESH_CSRF_FIELD_NAME=r_csrf\n\
         JWT_ACCESS_CSRF_COOKIE_NAME=xat\n\
         JWT_REFRESH_CSRF_COOKIE_NAME=xrt\n\
         JWT_ACCESS_CSRF_COOKIE_PATH=/a/\n\
         JWT_REFRESH_CSRF_COOKIE_PATH=/r/\n\
         JWT_QUERY_STRING_NAME=token\n\
         JWT_QUERY_STRING_VALUE_PREFIX=\"Bearer \"\n\
         JWT_JSON_KEY=at_key\n\
         JWT_REFRESH_JSON_KEY=rt_key\n",
        one_line(&private),
        one_line(&public),
    );
    let dir = TempDir::new();
    dir.write(".env", &dotenv);
    let config = JwtConfig::builder()
        .with_env_file(dir.path().join(".env"))
        .unwrap()
        .build()
        .unwrap();
    let expected = json!({
        "JWT_ACCESS_TOKEN_EXPIRES": 60,
        "JWT_REFRESH_TOKEN_EXPIRES": false,
        "JWT_ALGORITHM": "HS512",
        "JWT_DECODE_ALGORITHMS": ["HS256", "HS384"],
        "JWT_DECODE_AUDIENCE": ["a1", "a2"],
        "JWT_DECODE_ISSUER": "iss-1",
        "JWT_DECODE_LEEWAY": 30,
        "JWT_ENCODE_AUDIENCE": "aud-1",
        "JWT_ENCODE_ISSUER": "me",
        "JWT_ENCODE_NBF": false,
        "JWT_ERROR_MESSAGE_KEY": "message",
        "JWT_IDENTITY_CLAIM": "identity",
        "JWT_PRIVATE_KEY": private.trim(),
        "JWT_PUBLIC_KEY": public.trim(),
        "JWT_SECRET_KEY": "jwt-secret",
        "JWT_TOKEN_LOCATION": ["cookies", "headers", "json", "query_string"],
        "JWT_VERIFY_SUB": false,
        "JWT_HEADER_NAME": "X-Auth",
        "JWT_HEADER_TYPE": "JWT",
        "JWT_ACCESS_COOKIE_NAME": "at",
        "JWT_ACCESS_COOKIE_PATH": "/api/",
        "JWT_REFRESH_COOKIE_NAME": "rt",
        "JWT_REFRESH_COOKIE_PATH": "/refresh",
        "JWT_COOKIE_CSRF_PROTECT": false,
        "JWT_COOKIE_DOMAIN": "example.com",
        "JWT_COOKIE_SAMESITE": "Strict",
        "JWT_COOKIE_SECURE": true,
        "JWT_SESSION_COOKIE": false,
        "JWT_CSRF_METHODS": ["GET", "POST"],
        "JWT_CSRF_IN_COOKIES": false,
        "JWT_CSRF_CHECK_FORM": true,
        "JWT_ACCESS_CSRF_HEADER_NAME": "X-A",
        "JWT_REFRESH_CSRF_HEADER_NAME": "X-R",
        "JWT_ACCESS_CSRF_FIELD_NAME": "a_csrf",
        "JWT_REFRESH_CSRF_FIELD_NAME": "r_csrf",
        "JWT_ACCESS_CSRF_COOKIE_NAME": "xat",
        "JWT_REFRESH_CSRF_COOKIE_NAME": "xrt",
        "JWT_ACCESS_CSRF_COOKIE_PATH": "/a/",
        "JWT_REFRESH_CSRF_COOKIE_PATH": "/r/",
        "JWT_QUERY_STRING_NAME": "token",
        "JWT_QUERY_STRING_VALUE_PREFIX": "Bearer ",
        "JWT_JSON_KEY": "at_key",
        "JWT_REFRESH_JSON_KEY": "rt_key",
    });
    let got = Value::Object(rendered(&config));
    let differ: Vec<String> = expected
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, v)| got.get(k.as_str()) != Some(v))
        .map(|(k, v)| format!("{k}: expected {v}, read {:?}", got.get(k.as_str())))
        .collect();
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    assert_eq!(
        config.app_secret_key.as_ref().map(Secret::expose),
        Some("app-secret")
    );
    assert_eq!(config.effective_secret(), Some("jwt-secret"));
    // Every option was changed: the file names all 43 (a name read under another spelling
    // would have kept its default).
    let defaults = rendered(&JwtConfig::default());
    let unchanged: Vec<&String> = defaults
        .iter()
        .filter(|(k, v)| got.get(k.as_str()) == Some(v))
        .map(|(k, _)| k)
        .collect();
    assert!(unchanged.is_empty(), "not read: {unchanged:?}");
}

// ---------------------------------------------------------------------------------------------
// Query string and JSON names
// ---------------------------------------------------------------------------------------------

async fn logged_in_as(identity: JwtIdentity) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "logged_in_as": identity.0 }))
}

/// `JWT_QUERY_STRING_NAME`, `JWT_JSON_KEY` and `JWT_REFRESH_JSON_KEY` with other values than
/// the defaults: the token is read there, and the "missing" messages name them.
#[actix_web::test]
async fn query_string_name_and_json_keys() {
    let config = JwtConfig::builder()
        .secret_key("s3cr3t")
        .error_message_key("message")
        .token_location([TokenLocation::QueryString, TokenLocation::Json])
        .query_string_name("token")
        .json_key("at")
        .refresh_json_key("rt")
        .build()
        .unwrap();
    let jwt = JwtManager::new(config).unwrap();
    let app = atest::init_service(
        App::new()
            .configure(jwt.init_app())
            .service(web::resource("/a").wrap(jwt_required()).to(logged_in_as))
            .service(
                web::resource("/r")
                    .wrap(jwt_required().refresh())
                    .to(logged_in_as),
            ),
    )
    .await;
    let access = jwt.access_token("alice").encode().await.unwrap();
    let refresh = jwt.refresh_token("alice").encode().await.unwrap();
    let missing_qs = "Missing 'token' query paramater";
    let rows = [
        (atest::TestRequest::get().uri(&format!("/a?token={access}")), 200, None),
        (
            atest::TestRequest::get().uri(&format!("/a?jwt={access}")),
            401,
            Some(format!("Missing JWT in query_string or json ({missing_qs}; Invalid content-type. Must be application/json.)")),
        ),
        (atest::TestRequest::post().uri("/a").set_json(json!({ "at": access })), 200, None),
        (
            atest::TestRequest::post().uri("/a").set_json(json!({ "access_token": access })),
            401,
            Some(format!("Missing JWT in query_string or json ({missing_qs}; Missing \"at\" key in json data.)")),
        ),
        (atest::TestRequest::post().uri("/r").set_json(json!({ "rt": refresh })), 200, None),
        (
            atest::TestRequest::post().uri("/r").set_json(json!({ "at": refresh })),
            401,
            Some(format!("Missing JWT in query_string or json ({missing_qs}; Missing \"rt\" key in json data.)")),
        ),
    ];
    for (i, (req, status, message)) in rows.into_iter().enumerate() {
        let resp = atest::call_service(&app, req.to_request()).await;
        assert_eq!(resp.status(), status, "row {i}");
        let body: Value = serde_json::from_slice(&atest::read_body(resp).await).unwrap();
        match message {
            Some(m) => assert_eq!(body, json!({ "message": m }), "row {i}"),
            None => assert_eq!(body, json!({ "logged_in_as": "alice" }), "row {i}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Exceptions
// ---------------------------------------------------------------------------------------------

/// Each exception class flask-jwt-extended handles is answered by its default callback with a
/// status and a `{"msg": ...}` body; the matching `JwtError` gets the same answer from
/// `JwtManager::error_response`, byte for byte.
#[test]
fn every_exception_is_answered_like_flask_jwt_extended() {
    let f = facts();
    // Each error is produced by the crate itself, from a request or token that fails that way.
    let ours: Vec<(&str, JwtError)> = actix_web::rt::System::new().block_on(async {
        use actix_jwt_ext::{jwt_required, verify_jwt_in_request, TokenLocation};
        let base = || JwtConfig::builder().secret_key("s");
        let plain = JwtManager::new(base().build().unwrap()).unwrap();
        let refusing = JwtManager::builder(base().build().unwrap())
            .token_in_blocklist_loader(|t| async move { Ok(t.identity_str() == Some("revoked")) })
            .token_verification_loader(|t| async move { Ok(t.identity_str() != Some("bad")) })
            .user_lookup_loader(|t| async move {
                Ok(t.identity_str()
                    .filter(|id| *id != "ghost")
                    .map(str::to_owned))
            })
            .build()
            .unwrap();
        let cookies = JwtManager::new(
            base()
                .token_location([TokenLocation::Cookies, TokenLocation::QueryString])
                .build()
                .unwrap(),
        )
        .unwrap();
        let prefixed = JwtManager::new(
            base()
                .token_location([TokenLocation::QueryString])
                .query_string_value_prefix("Bearer ")
                .build()
                .unwrap(),
        )
        .unwrap();
        let aud = JwtManager::new(
            base()
                .decode_audience(["api"])
                .decode_issuer(["me"])
                .build()
                .unwrap(),
        )
        .unwrap();
        let tok = |jwt: &JwtManager, id: &'static str, claims: Value| {
            let jwt = jwt.clone();
            async move { jwt.access_token(id).claims(claims).encode().await.unwrap() }
        };
        let run =
            |jwt: &JwtManager, req: atest::TestRequest, options: actix_jwt_ext::JwtRequired| {
                let req = req.app_data(jwt.clone()).to_http_request();
                async move { verify_jwt_in_request(&req, &options).await.unwrap_err() }
            };
        let bearer = |t: &str| {
            atest::TestRequest::default().insert_header(("Authorization", format!("Bearer {t}")))
        };
        let good = tok(&plain, "alice", json!({})).await;
        // The same secret under another identity claim: a token without `sub`.
        let other_claim = JwtManager::new(base().identity_claim("user").build().unwrap()).unwrap();
        let no_sub = tok(&other_claim, "alice", json!({})).await;
        let expired = tok(&plain, "alice", json!({"exp": 1})).await;
        let future = tok(&plain, "alice", json!({"nbf": 9_999_999_999i64})).await;
        let aud_missing = tok(&aud, "alice", json!({"iss": "me"})).await;
        let aud_wrong = tok(&aud, "alice", json!({"iss": "me", "aud": "other"})).await;
        let iss_wrong = tok(&aud, "alice", json!({"iss": "you", "aud": "api"})).await;
        let revoked = tok(&refusing, "revoked", json!({})).await;
        let bad = tok(&refusing, "bad", json!({})).await;
        let ghost = tok(&refusing, "ghost", json!({})).await;
        vec![
            (
                "NoAuthorizationError",
                run(&plain, atest::TestRequest::default(), jwt_required()).await,
            ),
            (
                "CSRFError",
                run(
                    &cookies,
                    atest::TestRequest::post()
                        .insert_header(("Cookie", format!("access_token_cookie={good}"))),
                    jwt_required(),
                )
                .await,
            ),
            (
                "InvalidHeaderError",
                run(&plain, bearer("a b"), jwt_required()).await,
            ),
            (
                "InvalidQueryParamError",
                run(
                    &prefixed,
                    atest::TestRequest::get().uri("/?jwt=xyz"),
                    jwt_required(),
                )
                .await,
            ),
            (
                "JWTDecodeError",
                plain.decode_token(&no_sub).await.unwrap_err(),
            ),
            (
                "WrongTokenError",
                run(&plain, bearer(&good), jwt_required().refresh()).await,
            ),
            (
                "RevokedTokenError",
                run(&refusing, bearer(&revoked), jwt_required()).await,
            ),
            (
                "FreshTokenRequired",
                run(&plain, bearer(&good), jwt_required().fresh()).await,
            ),
            (
                "UserLookupError",
                run(&refusing, bearer(&ghost), jwt_required().load_user()).await,
            ),
            (
                "UserClaimsVerificationError",
                run(&refusing, bearer(&bad), jwt_required()).await,
            ),
            (
                "ExpiredSignatureError",
                plain.decode_token(&expired).await.unwrap_err(),
            ),
            (
                "DecodeError",
                plain.decode_token("garbage").await.unwrap_err(),
            ),
            (
                "MissingRequiredClaimError",
                aud.decode_token(&aud_missing).await.unwrap_err(),
            ),
            (
                "InvalidAudienceError",
                aud.decode_token(&aud_wrong).await.unwrap_err(),
            ),
            (
                "InvalidIssuerError",
                aud.decode_token(&iss_wrong).await.unwrap_err(),
            ),
            (
                "InvalidTokenError",
                plain.decode_token(&future).await.unwrap_err(),
            ),
        ]
    });
    let answers = f["answers"].as_object().unwrap();
    assert_eq!(answers.len(), ours.len());
    assert_eq!(
        strings(&f["handled"]),
        ours.iter()
            .map(|(n, _)| (*n).to_owned())
            .collect::<BTreeSet<_>>(),
        "one JwtError per handled class"
    );
    let jwt = JwtManager::new(JwtConfig::builder().secret_key("s").build().unwrap()).unwrap();
    actix_web::rt::System::new().block_on(async {
        for (class, error) in &ours {
            let resp = jwt.error_response(error);
            let status = resp.status().as_u16();
            let body = actix_web::body::to_bytes(resp.into_body()).await.unwrap();
            let flask = &answers[*class];
            assert_eq!(
                (json!(status), json!(String::from_utf8_lossy(&body))),
                (flask[0].clone(), flask[1].clone()),
                "{class}"
            );
        }
    });
}

// ---------------------------------------------------------------------------------------------
// __version__
// ---------------------------------------------------------------------------------------------

/// There is no `__version__` constant; the crate targets flask-jwt-extended 4.7.4, the version
/// the whole test suite runs against, and says so.
#[test]
fn targets_flask_jwt_extended_4_7_4() {
    assert_eq!(facts()["version"], "4.7.4");
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    assert!(readme.contains("flask-jwt-extended 4.7.4"));
    let parity = std::fs::read_to_string(workspace_root().join("docs").join("PARITY.md")).unwrap();
    assert!(parity.contains("flask-jwt-extended 4.7.4"));
}
