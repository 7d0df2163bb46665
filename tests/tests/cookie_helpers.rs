//! The library's cookie helpers emit the same `Set-Cookie` headers as flask-jwt-extended 4.7.4
//! for the per-call overrides (`max_age=`, `domain=`), which the example apps never pass.
//!
//! For each settings variant (one `#[test]`) the same settings go to a `JwtManager` built with
//! `JwtConfig::from_vars` and to `tests/python/cookie_tool.py` (a bare Flask app configured by
//! `fje_config`). The library mints an access and a refresh token (one secret on both sides);
//! then every case of the table runs through the library helper (`set_*_cookies`,
//! `unset_*_cookies`, `unset_jwt_cookies`, then `JwtCookies::max_age` and `JwtCookies::domain`,
//! whose output goes through `HttpResponse::jwt_cookies`) and through the real Flask helper with the same token
//! and arguments, in one Python process per variant. For each case:
//!
//! - Flask's headers match the model of the reference (`flask-jwt-extended.md` 3.4 and 6.2:
//!   `max_age or cookie_max_age`, so `max_age=0` is a session cookie unless
//!   `JWT_SESSION_COOKIE=false`; `domain or JWT_COOKIE_DOMAIN` with the leading dot dropped;
//!   unsets carry the 1970 `Expires`, no `Max-Age`, and keep path, domain, `Secure`, `SameSite`);
//! - the library's headers summarise exactly like Flask's (`set_cookie_summary`): cookie names
//!   in order, value kind, and the attribute set, with `Expires` within a few seconds of
//!   now + `Max-Age` (or the 1970 date of an unset);
//! - on both sides the JWT cookie holds the token given and the CSRF cookie the token's
//!   `csrf` claim.
//!
//! Variants: defaults, `JWT_SESSION_COOKIE=false`, `JWT_COOKIE_DOMAIN=.example.com`,
//! `JWT_COOKIE_SAMESITE=Lax` + `JWT_COOKIE_SECURE=true`, `JWT_CSRF_IN_COOKIES=false`,
//! `JWT_COOKIE_CSRF_PROTECT=false`, and custom names, paths and attributes together. Then
//! `domain_rewritten_like_werkzeug`: Werkzeug's `dump_cookie` drops a `:port` and IDNA-encodes
//! the domain (argument or setting) before writing `Domain`.
//!
//! Every mismatch of a variant is listed before the test fails.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::thread;
use std::time::Duration;

use actix_jwt_ext::{JwtConfig, JwtCookies, JwtCookiesExt as _, JwtManager};
use actix_web::http::header::SET_COOKIE;
use actix_web::HttpResponse;
use e2e_tests::cookies::{cookie_tool_batch, set_cookie_response, set_cookie_summary, SetCookie};
use e2e_tests::{jwt_parts, SECRET};
use serde_json::{json, Value};

/// The `Expires` of an unset.
const EPOCH: &str = "Thu, 01 Jan 1970 00:00:00 GMT";
/// `Max-Age` of flask-jwt-extended's non-session cookies (`JWT_SESSION_COOKIE=False`).
const NON_SESSION_MAX_AGE: u64 = 31_540_000;

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Access,
    Refresh,
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Set,
    Unset,
}

/// One helper call: which helper, and its `max_age=` / `domain=` arguments (`None`: not passed).
#[derive(Debug, Clone)]
struct Case {
    action: Action,
    kind: Kind,
    max_age: Option<u64>,
    domain: Option<&'static str>,
}

impl Case {
    /// The Flask call, e.g. `set_refresh_cookies(resp, token, max_age=3600, domain="override.com")`.
    fn label(&self) -> String {
        let helper = match (self.action, self.kind) {
            (Action::Set, Kind::Access) => "set_access_cookies(resp, access",
            (Action::Set, Kind::Refresh) => "set_refresh_cookies(resp, refresh",
            (Action::Set, Kind::Both) => "set_access_cookies + set_refresh_cookies(resp, ..",
            (Action::Unset, Kind::Access) => "unset_access_cookies(resp",
            (Action::Unset, Kind::Refresh) => "unset_refresh_cookies(resp",
            (Action::Unset, Kind::Both) => "unset_jwt_cookies(resp",
        };
        let mut out = helper.to_owned();
        if let Some(age) = self.max_age {
            out.push_str(&format!(", max_age={age}"));
        }
        if let Some(domain) = self.domain {
            out.push_str(&format!(", domain={domain:?}"));
        }
        out.push(')');
        out
    }

    /// The `cookie_tool.py` arguments.
    fn tool_args(&self, access: &str, refresh: &str) -> Vec<String> {
        let kind = match self.kind {
            Kind::Access => "access",
            Kind::Refresh => "refresh",
            Kind::Both => "both",
        };
        let action = match self.action {
            Action::Set => "set",
            Action::Unset => "unset",
        };
        let mut args: Vec<String> = ["--kind", kind, "--action", action]
            .map(str::to_owned)
            .to_vec();
        if let Some(age) = self.max_age {
            args.extend(["--max-age".to_owned(), age.to_string()]);
        }
        if let Some(domain) = self.domain {
            args.extend(["--domain".to_owned(), domain.to_owned()]);
        }
        if self.action == Action::Set {
            let token = if self.kind == Kind::Refresh {
                refresh
            } else {
                access
            };
            args.extend(["--token".to_owned(), token.to_owned()]);
            if self.kind == Kind::Both {
                args.extend(["--refresh-token".to_owned(), refresh.to_owned()]);
            }
        }
        args
    }

    /// The library's `max_age=` and `domain=` for the same arguments.
    fn apply(&self, mut cookies: JwtCookies) -> JwtCookies {
        if let Some(age) = self.max_age {
            cookies = cookies.max_age(Duration::from_secs(age));
        }
        if let Some(domain) = self.domain {
            cookies = cookies.domain(domain);
        }
        cookies
    }
}

/// The table run under every settings variant.
fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for kind in [Kind::Access, Kind::Refresh, Kind::Both] {
        for (max_age, domain) in [
            (None, None),                       // defaults
            (Some(3600), None),                 // max_age=3600
            (None, Some("override.com")),       // domain="override.com"
            (Some(3600), Some("override.com")), // both (reference 6.2)
            (Some(0), None),                    // max_age=0: treated as not given
            (Some(0), Some("override.com")),    // max_age=0 with a domain
        ] {
            cases.push(Case {
                action: Action::Set,
                kind,
                max_age,
                domain,
            });
        }
        for domain in [None, Some("override.com"), Some("")] {
            cases.push(Case {
                action: Action::Unset,
                kind,
                max_age: None,
                domain,
            });
        }
    }
    for (max_age, domain) in [
        (None, Some("")),              // domain="": falsy, so JWT_COOKIE_DOMAIN applies
        (None, Some(".override.com")), // a leading dot is dropped
        (Some(60), None),              // a short max_age
        (Some(40_000_000), None),      // longer than the non-session lifetime
    ] {
        cases.push(Case {
            action: Action::Set,
            kind: Kind::Access,
            max_age,
            domain,
        });
    }
    cases
}

// ---------------------------------------------------------------------------------------------
// Settings variants and the reference model
// ---------------------------------------------------------------------------------------------

/// Settings given to both sides (`SECRET_KEY` added).
#[derive(Debug)]
struct Variant {
    name: &'static str,
    env: Vec<(&'static str, &'static str)>,
}

/// The names and paths of one kind's two cookies.
struct Pair {
    jwt: String,
    jwt_path: String,
    csrf: String,
    csrf_path: String,
}

impl Variant {
    fn new(name: &'static str, settings: &[(&'static str, &'static str)]) -> Self {
        let mut env = vec![("SECRET_KEY", SECRET)];
        env.extend_from_slice(settings);
        Self { name, env }
    }

    fn get(&self, key: &str) -> Option<&'static str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    fn flag(&self, key: &str, default: bool) -> bool {
        self.get(key).map_or(default, |v| v == "true")
    }

    fn string(&self, key: &str, default: &str) -> String {
        self.get(key).unwrap_or(default).to_owned()
    }

    fn pair(&self, kind: Kind) -> Pair {
        let (kind, short) = match kind {
            Kind::Refresh => ("REFRESH", "refresh"),
            _ => ("ACCESS", "access"),
        };
        Pair {
            jwt: self.string(
                &format!("JWT_{kind}_COOKIE_NAME"),
                &format!("{short}_token_cookie"),
            ),
            jwt_path: self.string(&format!("JWT_{kind}_COOKIE_PATH"), "/"),
            csrf: self.string(
                &format!("JWT_{kind}_CSRF_COOKIE_NAME"),
                &format!("csrf_{short}_token"),
            ),
            csrf_path: self.string(&format!("JWT_{kind}_CSRF_COOKIE_PATH"), "/"),
        }
    }

    /// Flask's `Set-Cookie` headers for `case`, in the shape of [`set_cookie_summary`] (with
    /// the attributes sorted), per reference 3.4 and 6.2.
    fn expected(&self, case: &Case) -> Value {
        let csrf_cookies =
            self.flag("JWT_COOKIE_CSRF_PROTECT", true) && self.flag("JWT_CSRF_IN_COOKIES", true);
        // `max_age or config.cookie_max_age`; `domain or config.cookie_domain`.
        let max_age = case
            .max_age
            .filter(|&a| a != 0)
            .or_else(|| (!self.flag("JWT_SESSION_COOKIE", true)).then_some(NON_SESSION_MAX_AGE));
        let domain = case
            .domain
            .filter(|d| !d.is_empty())
            .or(self.get("JWT_COOKIE_DOMAIN").filter(|d| !d.is_empty()))
            .map(werkzeug_domain);
        let cookie = |name: &str, path: &str, http_only: bool, value: Value| {
            let mut attrs = BTreeMap::new();
            if http_only {
                attrs.insert("HttpOnly".to_owned(), json!(true));
            }
            attrs.insert("Path".to_owned(), json!(path));
            if self.flag("JWT_COOKIE_SECURE", false) {
                attrs.insert("Secure".to_owned(), json!(true));
            }
            if let Some(same_site) = self.get("JWT_COOKIE_SAMESITE") {
                attrs.insert("SameSite".to_owned(), json!(same_site));
            }
            if let Some(domain) = &domain {
                attrs.insert("Domain".to_owned(), json!(domain));
            }
            match (case.action, max_age) {
                (Action::Unset, _) => {
                    attrs.insert("Expires".to_owned(), json!(EPOCH));
                }
                (Action::Set, Some(age)) => {
                    attrs.insert("Max-Age".to_owned(), json!(age.to_string()));
                    attrs.insert("Expires".to_owned(), json!("<now+Max-Age>"));
                }
                (Action::Set, None) => {}
            }
            json!({ "name": name, "value": value, "attributes": attrs })
        };
        let kinds: &[Kind] = match case.kind {
            Kind::Both => &[Kind::Access, Kind::Refresh],
            Kind::Access => &[Kind::Access],
            Kind::Refresh => &[Kind::Refresh],
        };
        let mut out = Vec::new();
        for &kind in kinds {
            let p = self.pair(kind);
            let (jwt_value, csrf_value) = match case.action {
                Action::Set => (json!("<jwt>"), json!(format!("<csrf claim of {}>", p.jwt))),
                Action::Unset => (json!(""), json!("")),
            };
            out.push(cookie(&p.jwt, &p.jwt_path, true, jwt_value));
            if csrf_cookies {
                out.push(cookie(&p.csrf, &p.csrf_path, false, csrf_value));
            }
        }
        Value::Array(out)
    }
}

/// Labels IDNA-encoded by Python's `idna` codec (nameprep lowercases them first), as recorded
/// with Werkzeug 3.1.9 (`"Bücher".encode("idna")`).
const IDNA_LABELS: &[(&str, &str)] = &[("Bücher", "xn--bcher-kva"), ("BÜCHER", "xn--bcher-kva")];

/// The `Domain` Werkzeug's `dump_cookie` writes for `domain`:
/// `domain.partition(":")[0].lstrip(".").encode("idna")`: a port is dropped, then every
/// leading dot; a non-ASCII label becomes its `xn--` form; ASCII labels keep their case.
fn werkzeug_domain(domain: &str) -> String {
    let host = domain.split(':').next().unwrap_or_default();
    host.trim_start_matches('.')
        .split('.')
        .map(|label| {
            if label.is_ascii() {
                return label.to_owned();
            }
            IDNA_LABELS
                .iter()
                .find(|(u, _)| *u == label)
                .map(|(_, a)| (*a).to_owned())
                .unwrap_or_else(|| panic!("no recorded IDNA form of the label {label:?}"))
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// [`set_cookie_summary`] of `lines`, with each cookie's attributes sorted by name.
fn summary(lines: &[String]) -> Value {
    let mut list = set_cookie_summary(&set_cookie_response(lines.iter().cloned()));
    for cookie in list.as_array_mut().into_iter().flatten() {
        if let Some(attrs) = cookie.get("attributes").and_then(Value::as_object) {
            let sorted: BTreeMap<String, Value> =
                attrs.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            cookie["attributes"] = json!(sorted);
        }
    }
    list
}

// ---------------------------------------------------------------------------------------------
// The two sides
// ---------------------------------------------------------------------------------------------

/// The `Set-Cookie` header values of a response carrying `cookies`.
fn header_lines(cookies: JwtCookies) -> Vec<String> {
    HttpResponse::Ok()
        .jwt_cookies(cookies)
        .finish()
        .headers()
        .get_all(SET_COOKIE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect()
}

/// The library helper for `case`: its `Set-Cookie` lines, or the error it returned.
async fn library(
    jwt: &JwtManager,
    case: &Case,
    access: &str,
    refresh: &str,
) -> Result<Vec<String>, String> {
    let cookies = match (case.action, case.kind) {
        (Action::Set, Kind::Access) => jwt.set_access_cookies(access).await,
        (Action::Set, Kind::Refresh) => jwt.set_refresh_cookies(refresh).await,
        (Action::Set, Kind::Both) => match jwt.set_access_cookies(access).await {
            Ok(a) => jwt.set_refresh_cookies(refresh).await.map(|r| a.and(r)),
            Err(e) => Err(e),
        },
        (Action::Unset, Kind::Access) => Ok(jwt.unset_access_cookies()),
        (Action::Unset, Kind::Refresh) => Ok(jwt.unset_refresh_cookies()),
        (Action::Unset, Kind::Both) => Ok(jwt.unset_jwt_cookies()),
    };
    cookies
        .map(|c| header_lines(case.apply(c)))
        .map_err(|e| format!("{e:?}"))
}

/// The `csrf` claim of `token`.
fn csrf_claim(token: &str) -> Option<String> {
    let (_, claims) = jwt_parts(token)?;
    Some(claims.get("csrf")?.as_str()?.to_owned())
}

/// Problems with the raw values of a set: the JWT cookie of each kind holds the token given
/// and its CSRF cookie the token's `csrf` claim.
fn raw_value_problems(
    side: &str,
    variant: &Variant,
    case: &Case,
    lines: &[String],
    access: &str,
    refresh: &str,
) -> Vec<String> {
    if case.action == Action::Unset {
        return Vec::new();
    }
    let cookies: Vec<SetCookie> = lines.iter().filter_map(|l| SetCookie::parse(l)).collect();
    let kinds: &[(Kind, &str)] = match case.kind {
        Kind::Access => &[(Kind::Access, access)],
        Kind::Refresh => &[(Kind::Refresh, refresh)],
        Kind::Both => &[(Kind::Access, access), (Kind::Refresh, refresh)],
    };
    let mut problems = Vec::new();
    for &(kind, token) in kinds {
        let p = variant.pair(kind);
        let value_of = |name: &str| cookies.iter().find(|c| c.name == name).map(|c| &c.value);
        if value_of(&p.jwt).map(String::as_str) != Some(token) {
            problems.push(format!("{side}: {} does not hold the token given", p.jwt));
        }
        if let Some(csrf) = value_of(&p.csrf) {
            if csrf_claim(token).as_ref() != Some(csrf) {
                problems.push(format!(
                    "{side}: {} = {csrf:?}, but the token's csrf claim is {:?}",
                    p.csrf,
                    csrf_claim(token)
                ));
            }
        }
    }
    problems
}

/// Runs `cases` under `variant` on both sides; returns one entry per case that differs.
fn run(variant: &Variant, cases: &[Case]) -> Vec<String> {
    let system = actix_web::rt::System::new();
    let jwt = JwtManager::new(JwtConfig::from_vars(variant.env.iter().copied()).unwrap()).unwrap();
    let (access, refresh) = system.block_on(async {
        (
            jwt.access_token("alice").encode().await.unwrap(),
            jwt.refresh_token("alice").encode().await.unwrap(),
        )
    });
    let calls: Vec<Vec<String>> = cases
        .iter()
        .map(|c| c.tool_args(&access, &refresh))
        .collect();

    let (flask, ours) = thread::scope(|s| {
        let flask = s.spawn(|| cookie_tool_batch(&variant.env, &calls));
        let ours: Vec<Result<Vec<String>, String>> = system.block_on(async {
            let mut out = Vec::new();
            for case in cases {
                out.push(library(&jwt, case, &access, &refresh).await);
            }
            out
        });
        let flask = flask
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (flask, ours)
    });

    let mut failures = Vec::new();
    let mut flask_model = 0;
    let mut agree = 0;
    for ((case, flask), ours) in cases.iter().zip(&flask).zip(&ours) {
        let label = case.label();
        let Some(flask_lines) = flask.as_array().map(|l| {
            l.iter()
                .map(|v| v.as_str().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
        }) else {
            failures.push(format!("{label}: Flask raised {flask}"));
            continue;
        };
        let ours = match ours {
            Ok(lines) => lines,
            Err(e) => {
                failures.push(format!("{label}: the library returned {e}"));
                continue;
            }
        };
        let mut problems = Vec::new();
        let flask_summary = summary(&flask_lines);
        let expected = variant.expected(case);
        if flask_summary == expected {
            flask_model += 1;
        } else {
            problems.push(format!(
                "Flask differs from the reference model:\n      model: {expected}\n      flask: {flask_summary}"
            ));
        }
        let our_summary = summary(ours);
        if our_summary == flask_summary {
            agree += 1;
        } else {
            problems.push(format!(
                "the library differs from Flask:\n      flask:   {flask_summary}\n      library: {our_summary}"
            ));
        }
        problems.extend(raw_value_problems(
            "flask",
            variant,
            case,
            &flask_lines,
            &access,
            &refresh,
        ));
        problems.extend(raw_value_problems(
            "library", variant, case, ours, &access, &refresh,
        ));
        if !problems.is_empty() {
            failures.push(format!(
                "{label}:\n    {}\n    raw flask:   {flask_lines:?}\n    raw library: {ours:?}",
                problems.join("\n    ")
            ));
        }
    }
    eprintln!(
        "cookie_helpers[{}]: {} cases; Flask matches the reference model in {flask_model}, \
         the library matches Flask in {agree}",
        variant.name,
        cases.len()
    );
    if failures.is_empty() {
        return failures;
    }
    vec![format!(
        "under {} ({:?}), {} of {} cases differ:\n\n{}",
        variant.name,
        variant.env,
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    )]
}

/// Runs each `(variant, cases)` (concurrently) and fails with every mismatch.
fn check_all(runs: &[(Variant, Vec<Case>)]) {
    let failures: Vec<String> = thread::scope(|s| {
        let runs: Vec<_> = runs
            .iter()
            .map(|(variant, cases)| s.spawn(move || run(variant, cases)))
            .collect();
        runs.into_iter()
            .flat_map(|r| r.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "the cookie helpers differ from flask-jwt-extended {}",
        failures.join("\n\n")
    );
}

/// Runs the whole table under `variant` and fails with every mismatch.
fn check(variant: Variant) {
    check_all(&[(variant, cases())]);
}

// ---------------------------------------------------------------------------------------------
// Tests: one per settings variant
// ---------------------------------------------------------------------------------------------

#[test]
fn defaults() {
    check(Variant::new("defaults", &[]));
}

#[test]
fn session_cookie_off() {
    check(Variant::new(
        "session-cookie-off",
        &[("JWT_SESSION_COOKIE", "false")],
    ));
}

#[test]
fn cookie_domain_and_domain_override() {
    check(Variant::new(
        "cookie-domain",
        &[("JWT_COOKIE_DOMAIN", ".example.com")],
    ));
}

#[test]
fn samesite_lax_and_secure() {
    check(Variant::new(
        "samesite-lax-secure",
        &[
            ("JWT_COOKIE_SAMESITE", "Lax"),
            ("JWT_COOKIE_SECURE", "true"),
        ],
    ));
}

#[test]
fn csrf_not_in_cookies() {
    check(Variant::new(
        "csrf-in-cookies-off",
        &[("JWT_CSRF_IN_COOKIES", "false")],
    ));
}

#[test]
fn csrf_protect_off() {
    check(Variant::new(
        "csrf-protect-off",
        &[("JWT_COOKIE_CSRF_PROTECT", "false")],
    ));
}

/// Everything at once: non-session cookies, a configured domain, `SameSite=Strict`, `Secure`,
/// custom cookie names and paths (the reference 6.2 custom configuration, plus names).
#[test]
fn custom_names_paths_and_attributes() {
    check(Variant::new(
        "custom",
        &[
            ("JWT_SESSION_COOKIE", "false"),
            ("JWT_COOKIE_DOMAIN", ".example.com"),
            ("JWT_COOKIE_SAMESITE", "Strict"),
            ("JWT_COOKIE_SECURE", "true"),
            ("JWT_ACCESS_COOKIE_NAME", "at"),
            ("JWT_REFRESH_COOKIE_NAME", "rt"),
            ("JWT_ACCESS_CSRF_COOKIE_NAME", "at_csrf"),
            ("JWT_REFRESH_CSRF_COOKIE_NAME", "rt_csrf"),
            ("JWT_ACCESS_COOKIE_PATH", "/api/"),
            ("JWT_REFRESH_COOKIE_PATH", "/token/refresh"),
            ("JWT_ACCESS_CSRF_COOKIE_PATH", "/api/"),
            ("JWT_REFRESH_CSRF_COOKIE_PATH", "/token/"),
        ],
    ));
}

/// Werkzeug's `dump_cookie` rewrites every `Domain` (the `domain=` argument and
/// `JWT_COOKIE_DOMAIN` alike): `domain.partition(":")[0].lstrip(".").encode("idna")`, so a
/// `:port` is dropped, all leading dots go, and non-ASCII labels are IDNA-encoded (nameprep
/// lowercases them; ASCII labels keep their case).
#[test]
fn domain_rewritten_like_werkzeug() {
    let set = |domain| Case {
        action: Action::Set,
        kind: Kind::Access,
        max_age: None,
        domain,
    };
    let unset = |domain| Case {
        action: Action::Unset,
        kind: Kind::Both,
        max_age: None,
        domain,
    };
    let overrides = [
        set(Some("..override.com")),
        set(Some("Override.COM")),
        set(Some("override.com:8080")),
        set(Some("B\u{fc}cher.Example")),
        set(Some("B\u{dc}CHER.example:443")),
        unset(Some("override.com:8080")),
        unset(Some("B\u{fc}cher.Example")),
    ];
    check_all(&[
        (Variant::new("defaults", &[]), overrides.to_vec()),
        (
            Variant::new(
                "cookie-domain-port",
                &[("JWT_COOKIE_DOMAIN", ".example.com:8080")],
            ),
            vec![set(None), unset(None)],
        ),
        (
            Variant::new(
                "cookie-domain-idna",
                &[("JWT_COOKIE_DOMAIN", "B\u{fc}cher.Example")],
            ),
            vec![set(None), unset(None)],
        ),
    ]);
}
