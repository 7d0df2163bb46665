//! Cross-stack interop, option by option, in both directions.
//!
//! For every option that changes a token (identity claim, issuer, audience as a string and as
//! a list, `nbf` off, CSRF off, additional headers, fresh windows, tokens without `exp`,
//! refresh tokens, HMAC and asymmetric algorithms, `JWT_VERIFY_SUB`, leeway) each check:
//!
//! 1. mints a token with flask-jwt-extended (`jwt_tool.py create`, the settings in the
//!    environment) and one with this crate (`JwtManager::access_token(..)...encode()`, the
//!    same settings through [`JwtConfig::from_vars`]);
//! 2. compares the two tokens' shapes: the JOSE header segment byte for byte, the claim names
//!    in the same order, the same values once the random parts (`jti`, `csrf`) and times are
//!    set aside, and the same time offsets (`nbf`, `exp`, a numeric `fresh`) from `iat`;
//! 3. decodes both tokens on both sides (`jwt_tool.py decode`, `JwtManager::decode_token`)
//!    under the decoding settings of the check: an accepted token must give the same claims
//!    on both sides; a rejected one must give the expected exception class and message in
//!    Python, and in Rust the status and message flask-jwt-extended's error handler answers
//!    for that exception.
//!
//! All Python work of one test runs in one process (`tests/python/jwt_batch.py`, which calls
//! `jwt_tool.main` once per job). `routes_fresh_windows_and_token_types` also sends the tokens
//! of both sides to the Flask reference app and to an Actix app with the same settings
//! (freshness and token type are checked by `jwt_required`, not by `decode_token`).
//!
//! `order_of_new_additional_claims` and `empty_typ_and_non_string_kid_headers` pin the byte
//! layout of additional claims and headers on both sides.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use actix_jwt_ext::{
    dangerous::get_unverified_jwt_headers, jsonify, jwt_required, Expires, Fresh, JwtConfig,
    JwtError, JwtIdentity, JwtManager,
};
use actix_web::{test as atest, web, App, HttpResponse};
use e2e_tests::{fixture, jwt_parts, looks_like_jwt, python, workspace_root, Request, Server};
use serde_json::{json, Map, Value};

/// The HMAC secret (long enough for PyJWT's key-length check on HS512).
const SECRET: &str = "interop-options-secret-0123456789abcdef-0123456789abcdef-0123456789";

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

/// Settings as sorted pairs (later pairs win).
type Env = BTreeMap<String, String>;

fn merged(base: &[(&str, &str)], pairs: &[(&str, &str)]) -> Env {
    base.iter()
        .chain(pairs)
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// HS256 with [`SECRET`] and 15-minute access tokens (set explicitly: the Python harness
/// defaults to one day), plus `pairs`.
fn hs(pairs: &[(&str, &str)]) -> Env {
    merged(
        &[("SECRET_KEY", SECRET), ("JWT_ACCESS_TOKEN_EXPIRES", "900")],
        pairs,
    )
}

/// An asymmetric algorithm with the PEM fixtures `<key>_private.pem` / `<key>_public.pem`, no
/// HMAC secret at all, plus `pairs`.
fn asym(alg: &str, key: &str, pairs: &[(&str, &str)]) -> Env {
    let private = fixture(&format!("{key}_private.pem"));
    let public = fixture(&format!("{key}_public.pem"));
    merged(
        &[
            ("JWT_ALGORITHM", alg),
            ("JWT_PRIVATE_KEY", &private),
            ("JWT_PUBLIC_KEY", &public),
            ("JWT_ACCESS_TOKEN_EXPIRES", "900"),
        ],
        pairs,
    )
}

/// The manager for `env`, with the additional-claims loader of the Python harness
/// (`tests/python/flask_app.py` adds `"roles": []` for identities that are not demo users).
fn manager(env: &Env) -> JwtManager {
    let config = JwtConfig::from_vars(env.iter()).unwrap_or_else(|e| panic!("settings: {e}"));
    JwtManager::builder(config)
        .additional_claims_loader(|_| {
            let mut m = Map::new();
            m.insert("roles".into(), json!([]));
            m
        })
        .build()
        .unwrap_or_else(|e| panic!("manager: {e}"))
}

fn now_f64() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn block<F: std::future::IntoFuture>(f: F) -> F::Output {
    actix_web::rt::System::new().block_on(f.into_future())
}

// ---------------------------------------------------------------------------------------------
// Token specifications, minted on both sides
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum FreshArg {
    Bool(bool),
    /// `fresh=timedelta(seconds=n)`: a float timestamp `now + n` (n < 0: already stale).
    Window(i64),
}

#[derive(Clone, Debug)]
enum ExpArg {
    /// `expires_delta=timedelta(seconds=n)`; 0 is falsy (no `exp`), n < 0 is already expired.
    Secs(i64),
    /// `expires_delta=False`.
    Never,
}

/// One `create_access_token` / `create_refresh_token` call.
#[derive(Clone, Debug)]
struct Spec {
    refresh: bool,
    identity: Value,
    fresh: Option<FreshArg>,
    expires: Option<ExpArg>,
    claims: Option<Value>,
    headers: Option<Value>,
}

impl Spec {
    fn access() -> Self {
        Self {
            refresh: false,
            identity: json!("alice"),
            fresh: None,
            expires: None,
            claims: None,
            headers: None,
        }
    }

    fn refresh() -> Self {
        Self {
            refresh: true,
            ..Self::access()
        }
    }

    fn identity(mut self, identity: Value) -> Self {
        self.identity = identity;
        self
    }

    fn fresh(mut self, fresh: FreshArg) -> Self {
        self.fresh = Some(fresh);
        self
    }

    fn expires(mut self, expires: ExpArg) -> Self {
        self.expires = Some(expires);
        self
    }

    fn claims(mut self, claims: Value) -> Self {
        self.claims = Some(claims);
        self
    }

    fn headers(mut self, headers: Value) -> Self {
        self.headers = Some(headers);
        self
    }

    /// `jwt_tool.py create ...`
    fn python_args(&self) -> Vec<Value> {
        let mut args = vec![
            "create".to_owned(),
            "--type".to_owned(),
            if self.refresh { "refresh" } else { "access" }.to_owned(),
        ];
        match &self.identity {
            Value::String(s) => args.extend(["--identity".to_owned(), s.clone()]),
            other => args.extend(["--identity-json".to_owned(), other.to_string()]),
        }
        match &self.fresh {
            None => {}
            Some(FreshArg::Bool(b)) => args.extend(["--fresh".to_owned(), b.to_string()]),
            Some(FreshArg::Window(n)) => args.extend(["--fresh".to_owned(), n.to_string()]),
        }
        match &self.expires {
            None => {}
            Some(ExpArg::Secs(n)) => args.extend(["--expires".to_owned(), n.to_string()]),
            Some(ExpArg::Never) => args.extend(["--expires".to_owned(), "none".to_owned()]),
        }
        if let Some(c) = &self.claims {
            args.extend(["--claims".to_owned(), c.to_string()]);
        }
        if let Some(h) = &self.headers {
            args.extend(["--headers".to_owned(), h.to_string()]);
        }
        args.into_iter().map(Value::String).collect()
    }

    /// The same call with this crate's [`TokenBuilder`](actix_jwt_ext::TokenBuilder).
    async fn rust_mint(&self, jwt: &JwtManager) -> String {
        let mut b = if self.refresh {
            jwt.refresh_token(self.identity.clone())
        } else {
            jwt.access_token(self.identity.clone())
        };
        b = match &self.fresh {
            None => b,
            Some(FreshArg::Bool(x)) => b.fresh(*x),
            Some(FreshArg::Window(n)) if *n >= 0 => b.fresh(Duration::from_secs(n.unsigned_abs())),
            Some(FreshArg::Window(n)) => b.fresh(Fresh::Until(now_f64() + *n as f64)),
        };
        b = match &self.expires {
            None => b,
            Some(ExpArg::Never) => b.expires(Expires::Never),
            Some(ExpArg::Secs(n)) if *n >= 0 => b.expires(Duration::from_secs(n.unsigned_abs())),
            // No negative lifetime here: set the past `exp` (it keeps its place in the claims).
            Some(ExpArg::Secs(n)) => b.claim("exp", now_f64().floor() as i64 + n),
        };
        if let Some(c) = &self.claims {
            b = b.claims(c);
        }
        if let Some(h) = &self.headers {
            b = b.headers(h);
        }
        b.encode()
            .await
            .unwrap_or_else(|e| panic!("rust mint {self:?}: {e}"))
    }
}

// ---------------------------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Expect {
    /// Both sides accept the token with the same claims.
    Accepted,
    /// Python raises `class` with `message`; Rust answers what Flask's handler for `class`
    /// answers.
    Rejected {
        class: &'static str,
        message: &'static str,
    },
}

/// Mint with `mint` settings on both sides, then decode both tokens on both sides with `decode`
/// settings (and `csrf_value` / `allow_expired`).
#[derive(Clone, Debug)]
struct Check {
    label: String,
    mint: Env,
    spec: Spec,
    decode: Env,
    csrf: Option<String>,
    allow_expired: bool,
    expect: Expect,
}

impl Check {
    fn new(label: &str, mint: &Env, spec: Spec) -> Self {
        Self {
            label: label.to_owned(),
            mint: mint.clone(),
            spec,
            decode: mint.clone(),
            csrf: None,
            allow_expired: false,
            expect: Expect::Accepted,
        }
    }

    fn decoded_with(mut self, decode: &Env) -> Self {
        self.decode = decode.clone();
        self
    }

    fn csrf(mut self, value: &str) -> Self {
        self.csrf = Some(value.to_owned());
        self
    }

    fn allow_expired(mut self) -> Self {
        self.allow_expired = true;
        self
    }

    fn rejected(mut self, class: &'static str, message: &'static str) -> Self {
        self.expect = Expect::Rejected { class, message };
        self
    }

    fn decode_args(&self, token: Value) -> Vec<Value> {
        let mut args = vec![json!("decode"), token];
        if let Some(c) = &self.csrf {
            args.extend([json!("--csrf"), json!(c)]);
        }
        if self.allow_expired {
            args.push(json!("--allow-expired"));
        }
        args
    }
}

/// What flask-jwt-extended's error handlers answer for an exception: status and message.
fn flask_answer(class: &str, message: &str) -> (u16, String) {
    match class {
        "ExpiredSignatureError" => (401, "Token has expired".into()),
        "NoAuthorizationError" | "CSRFError" | "UserLookupError" => (401, message.into()),
        "RevokedTokenError" => (401, "Token has been revoked".into()),
        "FreshTokenRequired" => (401, "Fresh token required".into()),
        "UserClaimsVerificationError" => (400, message.into()),
        // DecodeError, InvalidTokenError and its subclasses, JWTDecodeError, WrongTokenError,
        // InvalidHeaderError, InvalidQueryParamError, MissingRequiredClaimError, ...
        _ => (422, message.into()),
    }
}

/// One `jwt_batch.py` job: `jwt_tool.py <args>` with exactly `env`. An argument
/// `{"job": n}` stands for the output of job `n`.
fn job(env: &Env, args: Vec<Value>) -> Value {
    json!({ "env": env, "args": args })
}

/// What one `jwt_batch.py` job printed.
#[derive(Debug)]
struct JobOut {
    /// jwt_tool's exit status (1 for an exception it does not catch).
    status: i64,
    /// Its stdout, trimmed.
    stdout: String,
    /// `<Class>: <message>` of an exception jwt_tool does not catch.
    error: Option<String>,
}

/// Runs the jobs in one Python process.
fn run_batch(jobs: &[Value]) -> Vec<JobOut> {
    let dir = e2e_tests::TempDir::new();
    let script = workspace_root()
        .join("tests")
        .join("python")
        .join("jwt_batch.py");
    let mut child = Command::new(python())
        .arg(&script)
        .current_dir(dir.path())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONWARNINGS", "ignore")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start jwt_batch.py: {e}"));
    let input = serde_json::to_vec(jobs).unwrap();
    child.stdin.take().unwrap().write_all(&input).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "jwt_batch.py failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("jwt_batch.py printed non-JSON ({e}): {stdout}"));
    assert_eq!(results.len(), jobs.len());
    results
        .into_iter()
        .map(|r| JobOut {
            status: r["status"].as_i64().unwrap_or(-1),
            stdout: r["stdout"].as_str().unwrap_or_default().to_owned(),
            error: r["error"].as_str().map(str::to_owned),
        })
        .collect()
}

/// The payload's claim names in the order they are written.
fn key_order(token: &str) -> Vec<String> {
    use base64::Engine as _;
    let segment = token.split('.').nth(1).unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let claims: Map<String, Value> = serde_json::from_str(&text).unwrap_or_default();
    let mut keys: Vec<(usize, String)> = claims
        .keys()
        .map(|k| {
            let pos = text
                .find(&format!("{}:", Value::String(k.clone())))
                .unwrap_or(usize::MAX);
            (pos, k.clone())
        })
        .collect();
    keys.sort();
    keys.into_iter().map(|(_, k)| k).collect()
}

/// The claims with the random and time parts set aside, and the time claims as (offset from
/// `iat`, value).
fn skeleton(claims: &Value) -> (Value, BTreeMap<String, (f64, f64)>) {
    let mut out = Map::new();
    let mut offsets = BTreeMap::new();
    let iat = claims.get("iat").and_then(Value::as_f64);
    if let Value::Object(map) = claims {
        for (k, v) in map {
            let nv = match (k.as_str(), v) {
                ("jti" | "csrf", Value::String(_)) => json!("<random>"),
                ("iat", Value::Number(_)) => json!("<iat>"),
                ("nbf" | "exp" | "fresh", Value::Number(n)) => {
                    if let (Some(iat), Some(x)) = (iat, n.as_f64()) {
                        offsets.insert(k.clone(), (x - iat, x));
                    }
                    json!("<time>")
                }
                _ => v.clone(),
            };
            out.insert(k.clone(), nv);
        }
    }
    (Value::Object(out), offsets)
}

/// Same shape: header segment, claim order, values and time offsets (within a second).
fn compare_shapes(flask: &str, rust: &str) -> Result<(), String> {
    let seg = |t: &str| t.split('.').next().unwrap_or_default().to_owned();
    if seg(flask) != seg(rust) {
        return Err(format!(
            "JOSE header segments differ: flask {:?} / rust {:?}",
            jwt_parts(flask).map(|p| p.0),
            jwt_parts(rust).map(|p| p.0)
        ));
    }
    let (fo, ro) = (key_order(flask), key_order(rust));
    if fo != ro {
        return Err(format!("claim order differs: flask {fo:?} / rust {ro:?}"));
    }
    let (_, fc) = jwt_parts(flask).ok_or("flask token unreadable")?;
    let (_, rc) = jwt_parts(rust).ok_or("rust token unreadable")?;
    let ((fs, foff), (rs, roff)) = (skeleton(&fc), skeleton(&rc));
    if fs != rs {
        return Err(format!("claims differ: flask {fs} / rust {rs}"));
    }
    if foff.keys().ne(roff.keys()) {
        return Err(format!(
            "time claims differ: flask {foff:?} / rust {roff:?}"
        ));
    }
    // A time claim matches when its offset from `iat` does (a lifetime, a fresh window) or its
    // value does (an absolute timestamp such as `fresh=1`): the two tokens are minted moments
    // apart, more than a second under load.
    for (k, (f_off, f_abs)) in &foff {
        let (r_off, r_abs) = roff[k];
        if (f_off - r_off).abs() > 1.5 && (f_abs - r_abs).abs() > 1e-6 {
            return Err(format!(
                "{k} differs: flask {f_abs} (iat{f_off:+}) / rust {r_abs} (iat{r_off:+})"
            ));
        }
    }
    Ok(())
}

/// Python's `decode` output against the expectation.
fn check_python(side: &str, out: &Value, expect: &Expect) -> Result<Option<Value>, String> {
    match (expect, out["ok"].as_bool()) {
        (Expect::Accepted, Some(true)) => Ok(Some(out["claims"].clone())),
        (Expect::Rejected { class, message }, Some(false))
            if out["error"] == *class && out["message"] == *message =>
        {
            Ok(None)
        }
        _ => Err(format!(
            "flask-jwt-extended decoding the {side} token: {out}, expected {expect:?}"
        )),
    }
}

/// Rust's decode result against the expectation (and Python's claims when accepted).
fn check_rust(
    side: &str,
    result: &Result<actix_jwt_ext::DecodedToken, JwtError>,
    python_claims: Option<&Value>,
    expect: &Expect,
) -> Result<(), String> {
    match (expect, result) {
        (Expect::Accepted, Ok(decoded)) => {
            let claims = Value::Object(decoded.claims().clone());
            match python_claims {
                // Python failed too: that is reported on its own.
                None => Ok(()),
                Some(p) if *p == claims => Ok(()),
                Some(p) => Err(format!(
                    "the {side} token decodes differently: python {p} / rust {claims}"
                )),
            }
        }
        (Expect::Rejected { class, message }, Err(e)) => {
            let want = flask_answer(class, message);
            let got = (e.status().as_u16(), e.to_string());
            if got == want {
                Ok(())
            } else {
                Err(format!(
                    "rust decoding the {side} token answers {got:?}, flask answers {want:?} ({class})"
                ))
            }
        }
        (_, Ok(d)) => Err(format!(
            "rust accepts the {side} token ({:?}), expected {expect:?}",
            d.claims()
        )),
        (_, Err(e)) => Err(format!(
            "rust refuses the {side} token ({} {e}), expected {expect:?}",
            e.status()
        )),
    }
}

/// The tokens minted for one check: `(flask, rust)`.
type Minted = (String, String);

/// Runs `checks` (one Python process), panics with every mismatch, returns the tokens.
fn run(checks: &[Check]) -> Vec<Minted> {
    // Rust tokens first: Python decodes them in the same batch as it mints its own.
    let rust_tokens: Vec<String> = block(async {
        let mut managers: BTreeMap<String, JwtManager> = BTreeMap::new();
        let mut out = Vec::with_capacity(checks.len());
        for c in checks {
            let key = serde_json::to_string(&c.mint).unwrap();
            let jwt = managers.entry(key).or_insert_with(|| manager(&c.mint));
            out.push(c.spec.rust_mint(jwt).await);
        }
        out
    });

    let mut jobs = Vec::new();
    let mut slots = Vec::new();
    for (c, rust) in checks.iter().zip(&rust_tokens) {
        let create = jobs.len();
        jobs.push(job(&c.mint, c.spec.python_args()));
        jobs.push(job(&c.decode, c.decode_args(json!({ "job": create }))));
        jobs.push(job(&c.decode, c.decode_args(json!(rust))));
        jobs.push(job(&c.mint, vec![json!("header"), json!(rust)]));
        slots.push(create);
    }
    let results = run_batch(&jobs);

    let mut failures = Vec::new();
    let mut minted = Vec::new();
    block(async {
        let mut managers: BTreeMap<String, JwtManager> = BTreeMap::new();
        for ((c, rust), &at) in checks.iter().zip(&rust_tokens).zip(&slots) {
            let JobOut {
                status,
                stdout: flask,
                error,
            } = &results[at];
            if *status != 0 || !looks_like_jwt(flask) {
                failures.push(format!(
                    "[{}] jwt_tool.py create failed ({status}): {flask} {error:?}",
                    c.label
                ));
                continue;
            }
            let mut problems = Vec::new();
            if let Err(e) = compare_shapes(flask, rust) {
                problems.push(e);
            }
            // get_unverified_jwt_headers on both sides.
            let python_header: Value =
                serde_json::from_str(&results[at + 3].stdout).unwrap_or(Value::Null);
            let rust_header = get_unverified_jwt_headers(rust).map(Value::Object);
            if rust_header.as_ref().ok() != Some(&python_header) {
                problems.push(format!(
                    "get_unverified_jwt_headers(rust token): python {python_header} / rust {rust_header:?}"
                ));
            }
            let flask_header = jwt_parts(flask).map(|p| p.0);
            if get_unverified_jwt_headers(flask).ok().map(Value::Object) != flask_header {
                problems.push("get_unverified_jwt_headers(flask token) differs".into());
            }

            let key = serde_json::to_string(&c.decode).unwrap();
            let jwt = managers.entry(key).or_insert_with(|| manager(&c.decode));
            for (side, token, out) in [
                ("flask", flask.as_str(), &results[at + 1].stdout),
                ("rust", rust.as_str(), &results[at + 2].stdout),
            ] {
                let out: Value = serde_json::from_str(out).unwrap_or(Value::Null);
                let python = check_python(side, &out, &c.expect);
                let decoded = jwt
                    .decode_token(token)
                    .csrf_value(c.csrf.as_deref().unwrap_or_default())
                    .allow_expired(c.allow_expired)
                    .await;
                let python_claims = python.unwrap_or_else(|e| {
                    problems.push(e);
                    None
                });
                if let Err(e) = check_rust(side, &decoded, python_claims.as_ref(), &c.expect) {
                    problems.push(e);
                }
                if let Ok(d) = &decoded {
                    if Some(Value::Object(d.header().clone())) != jwt_parts(token).map(|p| p.0) {
                        problems.push(format!("decoded header of the {side} token differs"));
                    }
                }
            }
            for p in problems {
                failures.push(format!("[{}] {p}", c.label));
            }
            minted.push((flask.clone(), rust.clone()));
        }
    });
    assert!(
        failures.is_empty(),
        "{} of {} checks failed:\n{}",
        failures.len(),
        checks.len(),
        failures.join("\n")
    );
    minted
}

// ---------------------------------------------------------------------------------------------
// One test per option
// ---------------------------------------------------------------------------------------------

#[test]
fn identity_claim() {
    let custom = hs(&[("JWT_IDENTITY_CLAIM", "identity")]);
    let default = hs(&[]);
    run(&[
        Check::new("access, identity claim", &custom, Spec::access()),
        Check::new("refresh, identity claim", &custom, Spec::refresh()),
        Check::new(
            "JSON object identity with JWT_VERIFY_SUB (identity claim is not sub)",
            &custom,
            Spec::access().identity(json!({"id": 7})),
        ),
        Check::new(
            "non-ASCII identity",
            &custom,
            Spec::access().identity(json!("ålice 😀")),
        ),
        Check::new(
            "an integer sub beside the identity claim is still checked",
            &custom,
            Spec::access().claims(json!({"sub": 5})),
        )
        .rejected("InvalidSubjectError", "Subject must be a string"),
        Check::new("decoded expecting sub", &custom, Spec::access())
            .decoded_with(&default)
            .rejected("JWTDecodeError", "Missing claim: sub"),
        Check::new(
            "sub token decoded expecting identity",
            &default,
            Spec::access(),
        )
        .decoded_with(&custom)
        .rejected("JWTDecodeError", "Missing claim: identity"),
    ]);
}

#[test]
fn issuer() {
    let a = hs(&[
        ("JWT_ENCODE_ISSUER", "issuer-a"),
        ("JWT_DECODE_ISSUER", "issuer-a"),
    ]);
    let b = hs(&[("JWT_DECODE_ISSUER", "issuer-b")]);
    let none = hs(&[]);
    run(&[
        Check::new("iss written and checked", &a, Spec::access()),
        Check::new("refresh token", &a, Spec::refresh()),
        Check::new(
            "iss not checked when JWT_DECODE_ISSUER is unset",
            &a,
            Spec::access(),
        )
        .decoded_with(&none),
        Check::new("wrong issuer", &a, Spec::access())
            .decoded_with(&b)
            .rejected("InvalidIssuerError", "Invalid issuer"),
        Check::new("missing issuer", &none, Spec::access())
            .decoded_with(&a)
            .rejected(
                "MissingRequiredClaimError",
                "Token is missing the \"iss\" claim",
            ),
    ]);
}

#[test]
fn audience_string() {
    let a = hs(&[
        ("JWT_ENCODE_AUDIENCE", "aud-a"),
        ("JWT_DECODE_AUDIENCE", "aud-a"),
    ]);
    let b = hs(&[("JWT_DECODE_AUDIENCE", "aud-b")]);
    let list = hs(&[("JWT_DECODE_AUDIENCE", "aud-x,aud-a")]);
    let none = hs(&[]);
    run(&[
        Check::new("aud written and checked", &a, Spec::access()),
        Check::new("refresh token", &a, Spec::refresh()),
        Check::new("string aud, list of accepted audiences", &a, Spec::access())
            .decoded_with(&list),
        Check::new(
            "aud not checked when JWT_DECODE_AUDIENCE is unset",
            &a,
            Spec::access(),
        )
        .decoded_with(&none),
        Check::new("wrong audience", &a, Spec::access())
            .decoded_with(&b)
            .rejected("InvalidAudienceError", "Audience doesn't match"),
        Check::new("missing audience", &none, Spec::access())
            .decoded_with(&a)
            .rejected(
                "MissingRequiredClaimError",
                "Token is missing the \"aud\" claim",
            ),
    ]);
}

#[test]
fn audience_list() {
    let mint = hs(&[("JWT_ENCODE_AUDIENCE", "aud-a,aud-b")]);
    let one = hs(&[("JWT_DECODE_AUDIENCE", "aud-b")]);
    let overlap = hs(&[("JWT_DECODE_AUDIENCE", "aud-c,aud-b")]);
    let disjoint = hs(&[("JWT_DECODE_AUDIENCE", "aud-c,aud-d")]);
    let wrong = hs(&[("JWT_DECODE_AUDIENCE", "aud-x")]);
    run(&[
        Check::new(
            "list aud, one accepted audience in it",
            &mint,
            Spec::access(),
        )
        .decoded_with(&one),
        Check::new("list aud, overlapping accepted list", &mint, Spec::access())
            .decoded_with(&overlap),
        Check::new("refresh token with list aud", &mint, Spec::refresh()).decoded_with(&one),
        Check::new("list aud, no audience in common", &mint, Spec::access())
            .decoded_with(&disjoint)
            .rejected("InvalidAudienceError", "Audience doesn't match"),
        Check::new("list aud, wrong single audience", &mint, Spec::access())
            .decoded_with(&wrong)
            .rejected("InvalidAudienceError", "Audience doesn't match"),
    ]);
}

#[test]
fn nbf_off_and_not_yet_valid() {
    let off = hs(&[("JWT_ENCODE_NBF", "false")]);
    let on = hs(&[]);
    let future = json!({ "nbf": e2e_tests::now() + 3600 });
    let soon = json!({ "nbf": e2e_tests::now() + 60 });
    let leeway = hs(&[("JWT_DECODE_LEEWAY", "120")]);
    run(&[
        Check::new("JWT_ENCODE_NBF=false: no nbf", &off, Spec::access()),
        Check::new("JWT_ENCODE_NBF=false, refresh", &off, Spec::refresh()),
        Check::new("nbf equal to iat by default", &on, Spec::access()),
        Check::new("nbf within the leeway", &on, Spec::access().claims(soon)).decoded_with(&leeway),
        Check::new(
            "iat in the future",
            &off,
            Spec::access().claims(json!({ "iat": e2e_tests::now() + 3600 })),
        )
        .rejected("ImmatureSignatureError", "The token is not yet valid (iat)"),
        Check::new(
            "a jti that is not a string",
            &on,
            Spec::access().claims(json!({ "jti": 5 })),
        )
        .rejected("InvalidJTIError", "JWT ID must be a string"),
        Check::new("nbf in the future", &on, Spec::access().claims(future))
            .rejected("ImmatureSignatureError", "The token is not yet valid (nbf)"),
    ]);
}

#[test]
fn csrf_claim_on_and_off() {
    let off = hs(&[("JWT_COOKIE_CSRF_PROTECT", "false")]);
    let on = hs(&[]);
    run(&[
        Check::new(
            "JWT_COOKIE_CSRF_PROTECT=false: no csrf claim",
            &off,
            Spec::access(),
        ),
        Check::new("no csrf claim, refresh", &off, Spec::refresh()),
        Check::new(
            "csrf claim by default (headers-only app too)",
            &on,
            Spec::access(),
        ),
        Check::new("no csrf claim, a csrf value given", &off, Spec::access())
            .csrf("some-value")
            .rejected("JWTDecodeError", "Missing claim: csrf"),
        Check::new("wrong csrf value", &on, Spec::access())
            .csrf("not-the-claim")
            .rejected("CSRFError", "CSRF double submit tokens do not match"),
    ]);
}

#[test]
fn additional_headers_and_claims() {
    let hs256 = hs(&[]);
    let hs512_too = hs(&[("JWT_DECODE_ALGORITHMS", "HS512")]);
    run(&[
        Check::new(
            "kid and typ headers",
            &hs256,
            Spec::access().headers(json!({"kid": "k1", "typ": "at+jwt"})),
        ),
        Check::new(
            "kid header on a refresh token",
            &hs256,
            Spec::refresh().headers(json!({"kid": "key-2024"})),
        ),
        Check::new(
            "additional claims override reserved ones in place",
            &hs256,
            Spec::access().claims(json!({"type": "app", "zoo": {"bar": [1, 2.5, null]}})),
        ),
        Check::new(
            "alg header HS512, accepted through JWT_DECODE_ALGORITHMS",
            &hs256,
            Spec::access().headers(json!({"alg": "HS512"})),
        )
        .decoded_with(&hs512_too),
        Check::new(
            "alg header HS512, not allowed",
            &hs256,
            Spec::access().headers(json!({"alg": "HS512"})),
        )
        .rejected(
            "InvalidAlgorithmError",
            "The specified alg value is not allowed",
        ),
    ]);
}

/// New additional claims are appended in insertion order, the `additional_claims_loader`'s
/// first, then the `additional_claims` argument's, on both sides (same payload layout).
#[test]
fn order_of_new_additional_claims() {
    let env = hs(&[]);
    let spec = Spec::access().claims(json!({"foo": 1}));
    let rust = block(spec.rust_mint(&manager(&env)));
    let results = run_batch(&[
        job(&env, spec.python_args()),
        job(&env, vec![json!("decode"), json!(rust.clone())]),
        job(&env, vec![json!("decode"), json!({"job": 0})]),
    ]);
    let flask = &results[0].stdout;
    let reserved = ["fresh", "iat", "jti", "type", "sub", "nbf", "csrf", "exp"];
    let with = |tail: [&str; 2]| {
        reserved
            .iter()
            .chain(&tail)
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        key_order(flask),
        with(["roles", "foo"]),
        "flask: loader claims first"
    );
    assert_eq!(
        key_order(&rust),
        with(["roles", "foo"]),
        "rust: loader claims first"
    );
    // Same claims either way, on both sides.
    let decoded_by_python: Value = serde_json::from_str(&results[1].stdout).unwrap();
    let decoded_by_rust = block(manager(&env).decode_token(&rust)).unwrap();
    assert_eq!(
        decoded_by_python["claims"],
        Value::Object(decoded_by_rust.claims().clone())
    );
    let flask_by_python: Value = serde_json::from_str(&results[2].stdout).unwrap();
    let flask_by_rust = block(manager(&env).decode_token(flask)).unwrap();
    assert_eq!(
        flask_by_python["claims"],
        Value::Object(flask_by_rust.claims().clone())
    );
}

/// Additional headers as PyJWT handles them: a falsy `typ` (`""`, `None`) is dropped, and a
/// `kid` that is not a string refuses to create the token (`Key ID header parameter must be a
/// string`); a token carrying one anyway is refused by both sides.
#[test]
fn empty_typ_and_non_string_kid_headers() {
    let env = hs(&[]);
    let jwt = manager(&env);
    let spec = |h: Value| Spec::access().headers(h);
    let empty_typ = block(spec(json!({"typ": ""})).rust_mint(&jwt));
    let null_typ = block(spec(json!({"typ": null})).rust_mint(&jwt));
    let int_kid_token = int_kid_token();
    let results = run_batch(&[
        job(&env, spec(json!({"typ": ""})).python_args()),
        job(&env, spec(json!({"typ": null})).python_args()),
        job(&env, spec(json!({"kid": 5})).python_args()),
        job(&env, vec![json!("decode"), json!(int_kid_token.clone())]),
    ]);
    let header = |t: &str| jwt_parts(t).unwrap().0;
    for token in [
        &results[0].stdout,
        &results[1].stdout,
        &empty_typ,
        &null_typ,
    ] {
        assert_eq!(header(token), json!({"alg": "HS256"}), "typ dropped");
        assert!(block(jwt.decode_token(token)).is_ok());
    }
    // kid 5: neither side creates it, and neither accepts a token carrying it.
    assert_eq!(results[2].status, 1);
    assert_eq!(
        results[2].error.as_deref(),
        Some("InvalidTokenError: Key ID header parameter must be a string")
    );
    let err = block(jwt.access_token("test").header("kid", 5).encode()).unwrap_err();
    assert!(err.kind() == actix_jwt_ext::ErrorKind::Encode, "{err:?}");
    assert!(
        err.to_string()
            .contains("Key ID header parameter must be a string"),
        "{err}"
    );
    let decoded: Value = serde_json::from_str(&results[3].stdout).unwrap();
    assert_eq!(
        decoded,
        json!({"ok": false, "error": "InvalidTokenError", "message": "Key ID header parameter must be a string"})
    );
    let err = block(jwt.decode_token(&int_kid_token)).unwrap_err();
    assert_eq!(
        (err.status().as_u16(), err.to_string().as_str()),
        (422, "Key ID header parameter must be a string")
    );
}

/// A token with `"kid": 5`, signed by hand with the app's secret (neither library mints one).
fn int_kid_token() -> String {
    use actix_jwt_ext::jsonwebtoken::{crypto::sign, Algorithm, EncodingKey};
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    let secret = SECRET;
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","kid":5,"typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"test","type":"access"}"#);
    let input = format!("{header}.{payload}");
    let signature = sign(
        input.as_bytes(),
        &EncodingKey::from_secret(secret.as_bytes()),
        Algorithm::HS256,
    )
    .expect("HS256 signs");
    format!("{input}.{signature}")
}

#[test]
fn hmac_algorithms() {
    let hs384 = hs(&[("JWT_ALGORITHM", "HS384")]);
    let hs512 = hs(&[("JWT_ALGORITHM", "HS512")]);
    let hs256 = hs(&[]);
    let other_secret = hs(&[(
        "SECRET_KEY",
        "another-secret-0123456789abcdef-0123456789abcdef-0123456789",
    )]);
    run(&[
        Check::new("HS384", &hs384, Spec::access()),
        Check::new("HS512", &hs512, Spec::refresh()),
        Check::new("HS512 token on an HS256 app", &hs512, Spec::access())
            .decoded_with(&hs256)
            .rejected(
                "InvalidAlgorithmError",
                "The specified alg value is not allowed",
            ),
        Check::new("another secret", &hs256, Spec::access())
            .decoded_with(&other_secret)
            .rejected("InvalidSignatureError", "Signature verification failed"),
    ]);
}

#[test]
fn fresh_windows() {
    let env = hs(&[]);
    run(&[
        Check::new(
            "fresh=True",
            &env,
            Spec::access().fresh(FreshArg::Bool(true)),
        ),
        Check::new(
            "fresh=False",
            &env,
            Spec::access().fresh(FreshArg::Bool(false)),
        ),
        Check::new(
            "fresh=timedelta(minutes=10): a float timestamp",
            &env,
            Spec::access().fresh(FreshArg::Window(600)),
        ),
        Check::new(
            "fresh=timedelta(minutes=-1): a stale window still decodes",
            &env,
            Spec::access().fresh(FreshArg::Window(-60)),
        ),
        Check::new(
            "fresh=1 (a number is a timestamp)",
            &env,
            Spec::access().claims(json!({"fresh": 1})),
        ),
    ]);
}

#[test]
fn tokens_without_exp() {
    let never = hs(&[
        ("JWT_ACCESS_TOKEN_EXPIRES", "0"),
        ("JWT_REFRESH_TOKEN_EXPIRES", "0"),
    ]);
    let env = hs(&[("JWT_REFRESH_TOKEN_EXPIRES", "7200")]);
    run(&[
        Check::new("JWT_ACCESS_TOKEN_EXPIRES=0", &never, Spec::access()),
        Check::new("JWT_REFRESH_TOKEN_EXPIRES=0", &never, Spec::refresh()),
        Check::new(
            "expires_delta=timedelta(0) (falsy)",
            &env,
            Spec::access().expires(ExpArg::Secs(0)),
        ),
        Check::new(
            "expires_delta=False",
            &env,
            Spec::refresh().expires(ExpArg::Never),
        ),
        Check::new(
            "expires_delta=timedelta(seconds=60)",
            &env,
            Spec::access().expires(ExpArg::Secs(60)),
        ),
        Check::new("JWT_REFRESH_TOKEN_EXPIRES=7200", &env, Spec::refresh()),
        Check::new(
            "expired, allow_expired=True",
            &env,
            Spec::access().expires(ExpArg::Secs(-10)),
        )
        .allow_expired(),
        Check::new("expired", &env, Spec::access().expires(ExpArg::Secs(-10)))
            .rejected("ExpiredSignatureError", "Signature has expired"),
        Check::new(
            "expired refresh token",
            &env,
            Spec::refresh().expires(ExpArg::Secs(-10)),
        )
        .rejected("ExpiredSignatureError", "Signature has expired"),
        Check::new(
            "expired 60 s ago, leeway 120 s",
            &env,
            Spec::access().expires(ExpArg::Secs(-60)),
        )
        .decoded_with(&hs(&[("JWT_DECODE_LEEWAY", "120")])),
    ]);
}

#[test]
fn verify_sub() {
    let strict = hs(&[]);
    let lax = hs(&[("JWT_VERIFY_SUB", "false")]);
    run(&[
        Check::new(
            "integer identity, JWT_VERIFY_SUB=false",
            &lax,
            Spec::access().identity(json!(1234)),
        ),
        Check::new(
            "object identity, JWT_VERIFY_SUB=false",
            &lax,
            Spec::refresh().identity(json!({"id": 1})),
        ),
        Check::new(
            "null identity, JWT_VERIFY_SUB=false",
            &lax,
            Spec::access().identity(Value::Null),
        ),
        Check::new(
            "null identity",
            &strict,
            Spec::access().identity(Value::Null),
        )
        .rejected("InvalidSubjectError", "Subject must be a string"),
        Check::new(
            "integer identity",
            &strict,
            Spec::access().identity(json!(1234)),
        )
        .rejected("InvalidSubjectError", "Subject must be a string"),
    ]);
}

#[test]
fn all_token_options_together() {
    // The layout of flask-jwt-extended.md section 4.2: aud list, iss, no nbf, no csrf,
    // identity claim "identity".
    let env = hs(&[
        ("JWT_ENCODE_AUDIENCE", "a1,a2"),
        ("JWT_DECODE_AUDIENCE", "a2"),
        ("JWT_ENCODE_ISSUER", "me"),
        ("JWT_DECODE_ISSUER", "me"),
        ("JWT_ENCODE_NBF", "false"),
        ("JWT_COOKIE_CSRF_PROTECT", "false"),
        ("JWT_IDENTITY_CLAIM", "identity"),
    ]);
    let minted = run(&[
        Check::new(
            "every option",
            &env,
            Spec::access().fresh(FreshArg::Window(300)),
        ),
        Check::new("every option, refresh", &env, Spec::refresh()),
    ]);
    let (flask, rust) = &minted[0];
    let order = [
        "fresh", "iat", "jti", "type", "identity", "aud", "iss", "exp", "roles",
    ];
    assert_eq!(key_order(flask), order);
    assert_eq!(key_order(rust), order);
}

// ---------------------------------------------------------------------------------------------
// Asymmetric algorithms
// ---------------------------------------------------------------------------------------------

fn asymmetric(alg: &str, key: &str, other_key: &str) {
    let env = asym(alg, key, &[]);
    let checks = vec![
        Check::new(
            &format!("{alg} access"),
            &env,
            Spec::access().fresh(FreshArg::Bool(true)),
        ),
        Check::new(
            &format!("{alg} refresh with kid"),
            &env,
            Spec::refresh().headers(json!({"kid": "k1"})),
        ),
        Check::new(
            &format!("HS256 token on a {alg} app"),
            &hs(&[]),
            Spec::access(),
        )
        .decoded_with(&env)
        .rejected(
            "InvalidAlgorithmError",
            "The specified alg value is not allowed",
        ),
        Check::new(
            &format!("{alg} token, another key pair"),
            &env,
            Spec::access(),
        )
        .decoded_with(&asym(alg, other_key, &[]))
        .rejected("InvalidSignatureError", "Signature verification failed"),
    ];
    run(&checks);
}

#[test]
fn asymmetric_rs256() {
    asymmetric("RS256", "rsa", "rsa_other");
}

#[test]
fn asymmetric_rs384() {
    asymmetric("RS384", "rsa", "rsa_other");
}

#[test]
fn asymmetric_ps256() {
    asymmetric("PS256", "rsa", "rsa_other");
    // One RSA key pair, several algorithms: a PS256 token on an RS256 app that also accepts
    // PS256 through JWT_DECODE_ALGORITHMS.
    let ps = asym("PS256", "rsa", &[]);
    let rs = asym("RS256", "rsa", &[("JWT_DECODE_ALGORITHMS", "PS256")]);
    let rs_only = asym("RS256", "rsa", &[]);
    run(&[
        Check::new(
            "PS256 token, RS256 app accepting PS256",
            &ps,
            Spec::access(),
        )
        .decoded_with(&rs),
        Check::new("PS256 token, RS256 app", &ps, Spec::access())
            .decoded_with(&rs_only)
            .rejected(
                "InvalidAlgorithmError",
                "The specified alg value is not allowed",
            ),
    ]);
}

#[test]
fn asymmetric_es256() {
    asymmetric("ES256", "ec", "ec_other");
}

#[test]
fn asymmetric_es384() {
    asymmetric("ES384", "ec384", "ec384_other");
}

#[test]
fn asymmetric_eddsa() {
    asymmetric("EdDSA", "ed25519", "ed25519_other");
}

// ---------------------------------------------------------------------------------------------
// Freshness and token type on routes (jwt_required, not decode_token)
// ---------------------------------------------------------------------------------------------

async fn logged_in_as(identity: JwtIdentity) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(jsonify(&json!({ "logged_in_as": identity.0 })))
}

#[test]
fn routes_fresh_windows_and_token_types() {
    let env = hs(&[("JWT_ERROR_MESSAGE_KEY", "message")]);
    let specs = [
        ("fresh=True", Spec::access().fresh(FreshArg::Bool(true))),
        ("fresh=False", Spec::access().fresh(FreshArg::Bool(false))),
        (
            "fresh window +10 min",
            Spec::access().fresh(FreshArg::Window(600)),
        ),
        (
            "fresh window -1 min",
            Spec::access().fresh(FreshArg::Window(-60)),
        ),
        ("fresh=1", Spec::access().claims(json!({"fresh": 1}))),
        ("refresh token", Spec::refresh()),
        (
            "custom type app",
            Spec::access().claims(json!({"type": "app"})),
        ),
    ];
    // (route, expected status per spec above)
    let routes: [(&str, &str, [u16; 7]); 3] = [
        ("GET", "/protected", [200, 200, 200, 200, 200, 422, 200]),
        ("GET", "/fresh", [200, 401, 200, 401, 401, 422, 401]),
        ("POST", "/refresh", [422, 422, 422, 422, 422, 200, 422]),
    ];
    let checks: Vec<Check> = specs
        .iter()
        .map(|(label, spec)| Check::new(label, &env, spec.clone()))
        .collect();
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (flask_server, minted) = std::thread::scope(|s| {
        let server = s.spawn(|| Server::flask(&pairs));
        let minted = run(&checks);
        (server.join().unwrap(), minted)
    });

    let jwt = manager(&env);
    let mut failures = Vec::new();
    block(async {
        let app = atest::init_service(
            App::new()
                .configure(jwt.init_app())
                .service(
                    web::resource("/protected")
                        .wrap(jwt_required())
                        .to(logged_in_as),
                )
                .service(
                    web::resource("/fresh")
                        .wrap(jwt_required().fresh())
                        .to(logged_in_as),
                )
                .service(
                    web::resource("/refresh")
                        .wrap(jwt_required().refresh())
                        .route(web::post().to(logged_in_as)),
                ),
        )
        .await;
        for (i, ((label, _), (flask_token, rust_token))) in specs.iter().zip(&minted).enumerate() {
            for (method, path, expected) in &routes {
                for (side, token) in [("flask", flask_token), ("rust", rust_token)] {
                    let bearer = format!("Bearer {token}");
                    let f = flask_server
                        .send(&Request::new(method, path).header("Authorization", &bearer));
                    let req = atest::TestRequest::default()
                        .method(method.parse().unwrap())
                        .uri(path)
                        .insert_header(("Authorization", bearer.as_str()))
                        .to_request();
                    let resp = atest::call_service(&app, req).await;
                    let status = resp.status().as_u16();
                    let body = atest::read_body(resp).await;
                    // Error bodies and the logged_in_as answers must be byte-identical; /refresh
                    // answers a new token.
                    let same_body = (f.status == 200 && *path == "/refresh") || f.body == body;
                    if f.status != status || !same_body || status != expected[i] {
                        failures.push(format!(
                            "{label} ({side} token) {method} {path}: flask {} {} / actix {status} {} (expected {})",
                            f.status,
                            f.text().trim_end(),
                            String::from_utf8_lossy(&body).trim_end(),
                            expected[i]
                        ));
                    }
                }
            }
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
