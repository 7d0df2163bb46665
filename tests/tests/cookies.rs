//! Cookies and CSRF: the example app answers like the Flask reference app (the real
//! flask-jwt-extended 4.7.4), through real HTTP, both started with the same settings.
//!
//! For each settings profile both apps run the same request script (driven by each app's own
//! `/login/cookies` cookies) and every answer is compared: status, content type, the
//! normalised JSON body and its jsonify byte layout, and, when the answer sets cookies, each
//! `Set-Cookie` header (names in order, value kind, and the attribute set: `HttpOnly`,
//! `Secure`, `Path`, `Domain`, `SameSite`, `Max-Age`, `Expires` within a few seconds of
//! now + `Max-Age`, or the 1970 date of an unset). A JWT cookie value is `<jwt>`; a CSRF
//! cookie value must equal the `csrf` claim of the JWT set beside it. The script also states
//! the status (and for the reference rows the message) it expects at each step.
//!
//! Rows (reference `flask-jwt-extended.md`): 5.4 K1-K9; 5.5 M1, M2, M3, M10, M11 and the
//! combined missing message with cookies; 6.2 every recorded `Set-Cookie` set (defaults,
//! custom attributes, `SameSite=None`, `JWT_CSRF_IN_COOKIES=false`, unsets); 6.3 the CSRF
//! double submit (form field, header priority, refresh CSRF value, header name case); 7.2
//! `/refresh` from the refresh cookie. Interop: each app accepts the cookies the other one set,
//! CSRF included. Odd CSRF header bytes (non-ASCII, non-UTF-8) and non-string `csrf` claims:
//! flask-jwt-extended answers 500 to some of them; the example app must answer 401/422 with a
//! JSON body (contract), so those rows assert ours and print Flask's answer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::thread;

use actix_jwt_ext::jsonwebtoken::Algorithm;
use e2e_tests::cookies::{raw_request, set_cookie_summary, CookieJar};
use e2e_tests::{
    assert_same_answers, jwt_parts, now, token, AppKind, Request, Response, Server, Settings,
    Transcript, SECRET,
};
use serde_json::{json, Value};

const MISSING_CSRF: &str = "Missing CSRF token";
const MISMATCH: &str = "CSRF double submit tokens do not match";
const EXPIRED: &str = "Token has expired";
const NOT_ENOUGH_SEGMENTS: &str = "Not enough segments";
const MISSING_CSRF_CLAIM: &str = "Missing claim: csrf";
const REVOKED: &str = "Token has been revoked";
const NOT_REFRESH: &str = "Only non-refresh tokens are allowed";
const ONLY_REFRESH: &str = "Only refresh tokens are allowed";
const BAD_HEADER_PADDING: &str = "Invalid header padding";
const SIGNATURE_FAILED: &str = "Signature verification failed";

// ---------------------------------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------------------------------

/// A settings profile (given to both apps) and the cookie and CSRF settings it implies.
#[derive(Debug, Clone)]
struct CookieProfile {
    name: &'static str,
    env: Settings,
    locations: Vec<String>,
    access_cookie: String,
    refresh_cookie: String,
    access_csrf_cookie: String,
    refresh_csrf_cookie: String,
    access_header: String,
    refresh_header: String,
    access_field: String,
    refresh_field: String,
    csrf_protect: bool,
    csrf_in_cookies: bool,
    check_form: bool,
    csrf_methods: Vec<String>,
    /// Run the odd-bytes rows (ours asserted, Flask's printed).
    odd_rows: bool,
}

impl CookieProfile {
    fn new(name: &'static str, pairs: &[(&str, &str)]) -> Self {
        let mut env = Settings::new(&[("SECRET_KEY", SECRET)]);
        for (k, v) in pairs {
            env = env.set(k, v);
        }
        let get = |k: &str, d: &str| env.get(k).unwrap_or(d).to_owned();
        let flag = |k: &str, d: bool| {
            env.get(k).map_or(d, |v| {
                matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes" | "on")
            })
        };
        let list = |k: &str, d: &str| -> Vec<String> {
            get(k, d)
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        };
        Self {
            name,
            locations: list("JWT_TOKEN_LOCATION", "headers"),
            access_cookie: get("JWT_ACCESS_COOKIE_NAME", "access_token_cookie"),
            refresh_cookie: get("JWT_REFRESH_COOKIE_NAME", "refresh_token_cookie"),
            access_csrf_cookie: get("JWT_ACCESS_CSRF_COOKIE_NAME", "csrf_access_token"),
            refresh_csrf_cookie: get("JWT_REFRESH_CSRF_COOKIE_NAME", "csrf_refresh_token"),
            access_header: get("JWT_ACCESS_CSRF_HEADER_NAME", "X-CSRF-TOKEN"),
            refresh_header: get("JWT_REFRESH_CSRF_HEADER_NAME", "X-CSRF-TOKEN"),
            access_field: get("JWT_ACCESS_CSRF_FIELD_NAME", "csrf_token"),
            refresh_field: get("JWT_REFRESH_CSRF_FIELD_NAME", "csrf_token"),
            csrf_protect: flag("JWT_COOKIE_CSRF_PROTECT", true),
            csrf_in_cookies: flag("JWT_CSRF_IN_COOKIES", true),
            check_form: flag("JWT_CSRF_CHECK_FORM", false),
            csrf_methods: list("JWT_CSRF_METHODS", "POST,PUT,PATCH,DELETE"),
            odd_rows: false,
            env,
        }
    }

    fn with_odd_rows(mut self) -> Self {
        self.odd_rows = true;
        self
    }

    fn pos(&self, location: &str) -> Option<usize> {
        self.locations.iter().position(|l| l == location)
    }

    fn has(&self, location: &str) -> bool {
        self.pos(location).is_some()
    }

    /// Headers are searched before cookies.
    fn headers_first(&self) -> bool {
        matches!((self.pos("headers"), self.pos("cookies")), (Some(h), Some(c)) if h < c)
    }

    /// Whether a cookie token is CSRF-checked on `method`.
    fn csrf_on(&self, method: &str) -> bool {
        self.csrf_protect && self.csrf_methods.iter().any(|m| m == method)
    }

    /// Whether the login sets CSRF cookies.
    fn csrf_cookies(&self) -> bool {
        self.csrf_protect && self.csrf_in_cookies
    }

    /// The message when no location holds a token (section 5.5): the location's own reason,
    /// or `Missing JWT in a, b or c (r1; r2; r3)`. `json_body`: the request has a JSON
    /// content type.
    fn missing(&self, refresh: bool, json_body: bool) -> String {
        let reasons: Vec<String> = self
            .locations
            .iter()
            .map(|l| match l.as_str() {
                "headers" => "Missing Authorization Header".to_owned(),
                "cookies" => format!(
                    "Missing cookie \"{}\"",
                    if refresh {
                        &self.refresh_cookie
                    } else {
                        &self.access_cookie
                    }
                ),
                "query_string" => "Missing 'jwt' query paramater".to_owned(),
                "json" if json_body => format!(
                    "Missing \"{}\" key in json data.",
                    if refresh {
                        "refresh_token"
                    } else {
                        "access_token"
                    }
                ),
                "json" => "Invalid content-type. Must be application/json.".to_owned(),
                other => panic!("unknown location {other}"),
            })
            .collect();
        match reasons.len() {
            0 => panic!("no locations"),
            1 => reasons[0].clone(),
            n => format!(
                "Missing JWT in {} or {} ({})",
                self.locations[..n - 1].join(", "),
                self.locations[n - 1],
                reasons.join("; ")
            ),
        }
    }

    /// `(status, message)` for a cookie request on `method` that lacks the CSRF value, when
    /// everything else is right.
    fn without_csrf(&self, method: &str) -> (u16, Option<&'static str>) {
        if self.csrf_on(method) {
            (401, Some(MISSING_CSRF))
        } else {
            (200, None)
        }
    }

    /// Same with a wrong CSRF value.
    fn wrong_csrf(&self, method: &str) -> (u16, Option<&'static str>) {
        if self.csrf_on(method) {
            (401, Some(MISMATCH))
        } else {
            (200, None)
        }
    }

    /// Both apps, started concurrently: `(example app, flask)`.
    fn start_both(&self) -> (Server, Server) {
        let env = self.env.pairs();
        thread::scope(|s| {
            let flask = s.spawn(|| Server::start(AppKind::Flask, &env, None));
            let example = Server::start(AppKind::ExampleApp, &env, None);
            let flask = flask
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (example, flask)
        })
    }
}

// ---------------------------------------------------------------------------------------------
// One run of a script against one app
// ---------------------------------------------------------------------------------------------

struct Run<'a> {
    server: &'a Server,
    p: &'a CookieProfile,
    t: Transcript,
    jar: CookieJar,
}

impl<'a> Run<'a> {
    fn new(server: &'a Server, p: &'a CookieProfile) -> Self {
        Self {
            server,
            p,
            t: Transcript::default(),
            jar: CookieJar::new(),
        }
    }

    /// Sends `req` and records the answer (with its `Set-Cookie` headers, normalised, when
    /// it has any); a status other than `expect`, or a `message` other than `msg`, is noted.
    fn row(&mut self, label: &str, expect: u16, msg: Option<&str>, req: Request) -> Response {
        let resp = self.server.send(&req);
        self.record(label, expect, msg, &req, resp)
    }

    /// [`Run::row`] for a request given as raw bytes (header values need not be UTF-8);
    /// `shown` describes it in messages.
    fn raw_row(
        &mut self,
        label: &str,
        expect: u16,
        msg: Option<&str>,
        shown: Request,
        raw: &[u8],
    ) -> Response {
        let resp = self.server.send_raw(raw);
        self.record(label, expect, msg, &shown, resp)
    }

    fn record(
        &mut self,
        label: &str,
        expect: u16,
        msg: Option<&str>,
        req: &Request,
        resp: Response,
    ) -> Response {
        self.t.record(label, req, &resp, Some(expect));
        if !resp.set_cookies().is_empty() {
            if let Some(e) = self.t.entries.last_mut() {
                let body = std::mem::take(&mut e.body);
                e.body = json!({ "body": body, "set-cookie": set_cookie_summary(&resp) });
            }
        }
        if let Some(want) = msg {
            let got = resp.json().and_then(|v| v.get("message").cloned());
            if got.as_ref().and_then(Value::as_str) != Some(want) {
                self.t.unexpected.push(format!(
                    "{label}: expected message {want:?}, got body {}",
                    resp.text().trim_end()
                ));
            }
        }
        resp
    }

    fn step(&mut self, label: &str, expect: u16, req: Request) -> Response {
        self.row(label, expect, None, req)
    }

    fn note(&mut self, problem: String) {
        self.t.unexpected.push(problem);
    }

    /// `POST /login/cookies` as test/test: a new jar with the cookies it set, after checking
    /// their names and order.
    fn login(&mut self, label: &str) -> CookieJar {
        let resp = self.step(label, 200, login_cookies_req("test", "test"));
        let p = self.p;
        let names: Vec<String> = resp.set_cookies().into_iter().map(|c| c.name).collect();
        let want: Vec<&str> = if p.csrf_cookies() {
            vec![
                &p.access_cookie,
                &p.access_csrf_cookie,
                &p.refresh_cookie,
                &p.refresh_csrf_cookie,
            ]
        } else {
            vec![&p.access_cookie, &p.refresh_cookie]
        };
        if names != want {
            self.note(format!("{label}: cookies {names:?}, expected {want:?}"));
        }
        let mut jar = CookieJar::new();
        jar.update(&resp);
        jar
    }

    /// `POST /login` (JSON): `(access token, refresh token)` for the header location.
    fn login_json(&mut self, label: &str) -> (String, String) {
        let resp = self.step(
            label,
            200,
            Request::post("/login").json(&json!({"username": "test", "password": "test"})),
        );
        (
            resp.str_field("access_token").unwrap_or_default(),
            resp.str_field("refresh_token").unwrap_or_default(),
        )
    }
}

fn login_cookies_req(user: &str, password: &str) -> Request {
    Request::post("/login/cookies").json(&json!({"username": user, "password": password}))
}

/// `Cookie: name=value; ...` from `pairs` (skipping none).
fn cookie_header(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `req` with a `Cookie` header, unless `cookies` is empty.
fn with_cookies(req: Request, cookies: &str) -> Request {
    if cookies.is_empty() {
        req
    } else {
        req.header("Cookie", cookies)
    }
}

/// The `csrf` claim of a token, if it has a string one.
fn csrf_claim(token: &str) -> Option<String> {
    let (_, claims) = jwt_parts(token)?;
    claims.get("csrf")?.as_str().map(str::to_owned)
}

/// The CSRF value a page would send: the CSRF cookie, or (with `JWT_CSRF_IN_COOKIES=false`,
/// where the app hands the value over another way) the token's claim; a placeholder when the
/// tokens carry none (`JWT_COOKIE_CSRF_PROTECT=false`).
fn csrf_value(jar: &CookieJar, csrf_cookie: &str, jwt_cookie: &str) -> String {
    jar.get(csrf_cookie)
        .map(str::to_owned)
        .or_else(|| jar.get(jwt_cookie).and_then(csrf_claim))
        .unwrap_or_else(|| "no-csrf-claim".to_owned())
}

/// `x-CsRf-ToKeN`: every other letter upper case.
fn mixed_case(name: &str) -> String {
    name.chars()
        .enumerate()
        .map(|(i, c)| {
            if i % 2 == 0 {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect()
}

/// An HS256 token signed with the profiles' secret.
fn craft(claims: &Value) -> String {
    token::hmac(Algorithm::HS256, SECRET.as_bytes(), claims)
}

/// Claims like the app's own, for `test`, expiring `exp_in` seconds from now; `csrf` is set
/// unless `None`.
fn crafted_claims(kind: &str, csrf: Option<Value>, exp_in: i64, jti: &str) -> Value {
    let t = now();
    let mut c = json!({
        "fresh": false, "iat": t - 100, "jti": jti, "type": kind, "sub": "test",
        "nbf": t - 100, "exp": t + exp_in, "roles": ["user"],
    });
    if let Some(v) = csrf {
        c["csrf"] = v;
    }
    c
}

// ---------------------------------------------------------------------------------------------
// The main script
// ---------------------------------------------------------------------------------------------

fn script(server: &Server, p: &CookieProfile) -> Transcript {
    let mut r = Run::new(server, p);
    let at = p.access_cookie.as_str();
    let rt = p.refresh_cookie.as_str();
    let xat = p.access_csrf_cookie.as_str();
    let xrt = p.refresh_csrf_cookie.as_str();
    let ah = p.access_header.as_str();
    let rh = p.refresh_header.as_str();
    let get_csrf = p.csrf_on("GET");

    // --- /login/cookies (6.2: the recorded Set-Cookie sets) ------------------------------
    r.step(
        "login/cookies wrong password (no cookies)",
        401,
        login_cookies_req("test", "nope"),
    );
    r.step(
        "login/cookies without body (no cookies)",
        400,
        Request::post("/login/cookies"),
    );
    r.jar = r.login("login/cookies test/test");
    let jar = r.jar.clone();
    let access = jar.get(at).unwrap_or_default().to_owned();
    let refresh = jar.get(rt).unwrap_or_default().to_owned();
    for (what, tok) in [("access", &access), ("refresh", &refresh)] {
        let claims = jwt_parts(tok).map(|(h, c)| json!({"header": h, "claims": c}));
        r.t.observe(
            &format!("claims of the {what} cookie"),
            &claims.unwrap_or(json!({ "not a token": tok })),
        );
    }
    let a_csrf = csrf_value(&jar, xat, at);
    let r_csrf = csrf_value(&jar, xrt, rt);
    if p.csrf_protect && a_csrf == r_csrf {
        r.note("access and refresh CSRF values are equal".into());
    }
    let access_only = cookie_header(&[(at, &access)]);
    let browser = jar.header(); // every cookie, as a browser on path / would send them
    let refresh_only = cookie_header(&[(rt, &refresh)]);
    let get_with = |req: Request| {
        if get_csrf {
            req.header(ah, &a_csrf)
        } else {
            req
        }
    };

    // --- K1: no cookie, empty cookie ------------------------------------------------------
    let missing = p.missing(false, false);
    let combined = match p.locations.len() {
        1 => "",
        4 => " (M1: the combined message)",
        _ if p.headers_first() => " (the combined message)",
        _ => " (M3: the combined message)",
    };
    r.row(
        &format!("K1 GET /protected without cookie{combined}"),
        401,
        Some(&missing),
        Request::get("/protected"),
    );
    r.row(
        "K1 POST /protected without cookie (and no CSRF)",
        401,
        Some(&missing),
        Request::post("/protected"),
    );
    r.row(
        "K1 POST /protected without cookie, with CSRF",
        401,
        Some(&missing),
        Request::post("/protected").header(ah, &a_csrf),
    );
    r.row(
        "K1 GET /protected with an empty access cookie",
        401,
        Some(&missing),
        Request::get("/protected").header("Cookie", &format!("{at}=")),
    );
    r.row(
        "K1 POST /protected with an empty access cookie and CSRF",
        401,
        Some(&missing),
        Request::post("/protected")
            .header("Cookie", &format!("{at}=; {xat}={a_csrf}"))
            .header(ah, &a_csrf),
    );
    r.row(
        "K1 GET /protected with only the refresh cookie",
        401,
        Some(&missing),
        with_cookies(Request::get("/protected"), &refresh_only),
    );
    r.row(
        "K1 GET /protected with only the CSRF cookies",
        401,
        Some(&missing),
        with_cookies(Request::get("/protected"), &jar.header_for(&[xat, xrt])),
    );
    r.row(
        "K1 GET /protected with a cookie whose name only starts like the access cookie",
        401,
        Some(&missing),
        Request::get("/protected").header("Cookie", &format!("{at}x={access}")),
    );
    r.row(
        "K1 POST /refresh without cookie",
        401,
        Some(&p.missing(true, false)),
        Request::post("/refresh"),
    );
    r.row(
        "K1 POST /refresh with only the access cookie and its CSRF value",
        401,
        Some(&p.missing(true, false)),
        with_cookies(Request::post("/refresh"), &access_only)
            .header(ah, &a_csrf)
            .header(rh, &a_csrf),
    );
    r.row(
        "K1 POST /refresh with an empty refresh cookie",
        401,
        Some(&p.missing(true, false)),
        Request::post("/refresh")
            .header("Cookie", &format!("{rt}="))
            .header(rh, &r_csrf),
    );

    // --- K8 / K2 / K3: the cookie, with and without the CSRF value -------------------------
    let (st, msg) = p.without_csrf("GET");
    r.row(
        "K8 GET /protected with the access cookie, no CSRF",
        st,
        msg,
        with_cookies(Request::get("/protected"), &access_only),
    );
    r.row(
        "K8 GET /protected with every cookie, no CSRF header",
        st,
        msg,
        with_cookies(Request::get("/protected"), &browser),
    );
    r.row(
        "GET /protected with the access cookie and CSRF",
        200,
        None,
        with_cookies(Request::get("/protected"), &access_only).header(ah, &a_csrf),
    );
    r.row(
        "K9 GET /optional (optional=True) with the access cookie, no CSRF",
        st,
        msg,
        with_cookies(Request::get("/optional"), &access_only),
    );
    r.step(
        "GET /optional without cookie",
        200,
        Request::get("/optional"),
    );
    r.step(
        "OPTIONS /protected with the access cookie, no CSRF (never checked)",
        200,
        with_cookies(Request::new("OPTIONS", "/protected"), &access_only),
    );
    for path in ["/claims", "/me", "/fresh"] {
        r.step(
            &format!("GET {path} with the access cookie"),
            200,
            get_with(with_cookies(Request::get(path), &access_only)),
        );
    }
    r.step(
        "GET /admin with test's access cookie",
        403,
        get_with(with_cookies(Request::get("/admin"), &access_only)),
    );
    let (st, msg) = p.without_csrf("POST");
    r.row(
        "K2 POST /protected with the access cookie, no CSRF header",
        st,
        msg,
        with_cookies(Request::post("/protected"), &access_only),
    );
    r.row(
        "K2 POST /protected with every cookie (the CSRF cookie alone is not enough)",
        st,
        msg,
        with_cookies(Request::post("/protected"), &browser),
    );
    r.row(
        "K2 POST /protected with an empty CSRF header",
        st,
        msg,
        with_cookies(Request::post("/protected"), &access_only).header(ah, ""),
    );
    r.row(
        "K2 POST /protected with the CSRF value under another header name",
        st,
        msg,
        with_cookies(Request::post("/protected"), &access_only).header("X-CSRF", &a_csrf),
    );
    if !ah.eq_ignore_ascii_case(rh) {
        r.row(
            "K2 POST /protected with the CSRF value under the refresh CSRF header",
            st,
            msg,
            with_cookies(Request::post("/protected"), &access_only).header(rh, &a_csrf),
        );
    }
    r.row(
        "POST /protected with the access cookie and the right CSRF value",
        200,
        None,
        with_cookies(Request::post("/protected"), &browser).header(ah, &a_csrf),
    );
    r.row(
        "POST /protected, CSRF header name in lower case",
        200,
        None,
        with_cookies(Request::post("/protected"), &access_only)
            .header(&ah.to_ascii_lowercase(), &a_csrf),
    );
    r.row(
        "POST /protected, CSRF header name in upper case",
        200,
        None,
        with_cookies(Request::post("/protected"), &access_only)
            .header(&ah.to_ascii_uppercase(), &a_csrf),
    );
    r.row(
        "POST /protected, CSRF header name in mixed case",
        200,
        None,
        with_cookies(Request::post("/protected"), &access_only).header(&mixed_case(ah), &a_csrf),
    );
    r.row(
        "POST /refresh, refresh CSRF header name in mixed case",
        200,
        None,
        with_cookies(Request::post("/refresh"), &refresh_only).header(&mixed_case(rh), &r_csrf),
    );
    let (st, msg) = p.wrong_csrf("POST");
    r.row(
        "K3 POST /protected with a wrong CSRF value",
        st,
        msg,
        with_cookies(Request::post("/protected"), &access_only).header(ah, "not-the-csrf-value"),
    );
    r.row(
        "K3 POST /protected with the refresh CSRF value",
        st,
        msg,
        with_cookies(Request::post("/protected"), &browser).header(ah, &r_csrf),
    );
    r.row(
        "K3 POST /protected with the right CSRF value plus one character",
        st,
        msg,
        with_cookies(Request::post("/protected"), &access_only).header(ah, &format!("{a_csrf}0")),
    );
    r.row(
        "K3 POST /protected with the CSRF header twice (joined, so no match)",
        st,
        msg,
        with_cookies(Request::post("/protected"), &access_only)
            .header(ah, &a_csrf)
            .header(ah, &a_csrf),
    );
    r.row(
        "K3 POST /protected with a tab inside the CSRF value",
        st,
        msg,
        with_cookies(Request::post("/protected"), &access_only).header(ah, &format!("{a_csrf}\tx")),
    );

    // --- CSRF from a form field (JWT_CSRF_CHECK_FORM) --------------------------------------
    let form = "application/x-www-form-urlencoded";
    let field = p.access_field.as_str();
    let post_form = |body: String| {
        with_cookies(Request::post("/protected"), &access_only).body(form, body.as_bytes())
    };
    let form_only = |right: bool| -> (u16, Option<&'static str>) {
        match (p.csrf_on("POST"), p.check_form, right) {
            (false, _, _) => (200, None),
            (true, false, _) => (401, Some(MISSING_CSRF)),
            (true, true, true) => (200, None),
            (true, true, false) => (401, Some(MISMATCH)),
        }
    };
    let (st, msg) = form_only(true);
    r.row(
        "form field with the right CSRF value, no header",
        st,
        msg,
        post_form(format!("a=1&{field}={a_csrf}")),
    );
    r.row(
        "form field with the right CSRF value, empty header (falls back to the form)",
        st,
        msg,
        post_form(format!("{field}={a_csrf}")).header(ah, ""),
    );
    let (st, msg) = form_only(false);
    r.row(
        "form field with a wrong CSRF value, no header",
        st,
        msg,
        post_form(format!("{field}=wrong")),
    );
    r.row(
        "header right, form field wrong: the header wins",
        200,
        None,
        post_form(format!("{field}=wrong")).header(ah, &a_csrf),
    );
    let (st, msg) = p.wrong_csrf("POST");
    r.row(
        "header wrong, form field right: the header wins",
        st,
        msg,
        post_form(format!("{field}={a_csrf}")).header(ah, "wrong"),
    );
    let (st, msg) = p.without_csrf("POST");
    if field != "csrf_token" {
        r.row(
            "form field under the default name csrf_token (not the configured one)",
            st,
            msg,
            post_form(format!("csrf_token={a_csrf}")),
        );
    }
    r.row(
        "empty form field, no header",
        st,
        msg,
        post_form(format!("{field}=")),
    );
    r.row(
        "CSRF field in the query string, no header (not a form field)",
        st,
        msg,
        with_cookies(
            Request::post(&format!("/protected?{field}={a_csrf}")),
            &access_only,
        ),
    );
    r.row(
        "CSRF field in a JSON body, no header (not a form field)",
        st,
        msg,
        with_cookies(Request::post("/protected"), &access_only)
            .json(&json!({ field: a_csrf.clone() })),
    );
    // --- K4-K7: expired, garbage, no csrf claim; order of the checks -----------------------
    let crafted_csrf = "crafted-csrf-value";
    let expired = craft(&crafted_claims(
        "access",
        Some(json!(crafted_csrf)),
        -10,
        "crafted-1",
    ));
    let exp_cookie = cookie_header(&[(at, &expired)]);
    let post_cookie = |c: &str| with_cookies(Request::post("/protected"), c);
    let csrf_post = p.csrf_on("POST");
    r.row(
        "K4 expired cookie, POST with a wrong CSRF value",
        401,
        Some(if csrf_post { MISMATCH } else { EXPIRED }),
        post_cookie(&exp_cookie).header(ah, "wrong"),
    );
    r.row(
        "K5 expired cookie, POST without CSRF",
        401,
        Some(if csrf_post { MISSING_CSRF } else { EXPIRED }),
        post_cookie(&exp_cookie),
    );
    r.row(
        "expired cookie, POST with its own CSRF value",
        401,
        Some(EXPIRED),
        post_cookie(&exp_cookie).header(ah, crafted_csrf),
    );
    r.row(
        "expired cookie, GET without CSRF",
        401,
        Some(if get_csrf { MISSING_CSRF } else { EXPIRED }),
        with_cookies(Request::get("/protected"), &exp_cookie),
    );
    let garbage = cookie_header(&[(at, "garbage")]);
    r.row(
        "K6 garbage cookie, POST without CSRF",
        if csrf_post { 401 } else { 422 },
        Some(if csrf_post {
            MISSING_CSRF
        } else {
            NOT_ENOUGH_SEGMENTS
        }),
        post_cookie(&garbage),
    );
    r.row(
        "K6 garbage cookie, POST with a CSRF value",
        422,
        Some(NOT_ENOUGH_SEGMENTS),
        post_cookie(&garbage).header(ah, &a_csrf),
    );
    r.row(
        "K6 garbage cookie, GET",
        if get_csrf { 401 } else { 422 },
        Some(if get_csrf {
            MISSING_CSRF
        } else {
            NOT_ENOUGH_SEGMENTS
        }),
        with_cookies(Request::get("/protected"), &garbage),
    );
    r.row(
        "O3 garbage cookie on the optional route (GET, with CSRF)",
        422,
        Some(NOT_ENOUGH_SEGMENTS),
        with_cookies(Request::get("/optional"), &garbage).header(ah, &a_csrf),
    );
    let no_claim = craft(&crafted_claims("access", None, 600, "crafted-2"));
    let no_claim_cookie = cookie_header(&[(at, &no_claim)]);
    r.row(
        "K7 cookie token without a csrf claim, POST with a CSRF header",
        if csrf_post { 422 } else { 200 },
        csrf_post.then_some(MISSING_CSRF_CLAIM),
        post_cookie(&no_claim_cookie).header(ah, &a_csrf),
    );
    let (st, msg) = p.without_csrf("GET");
    r.row(
        "K7 cookie token without a csrf claim, GET without CSRF",
        st,
        msg,
        with_cookies(Request::get("/protected"), &no_claim_cookie),
    );
    let wrong_key = token::hmac(
        Algorithm::HS256,
        b"another-secret-0123456789abcdef-0123456789abcdef",
        &crafted_claims("access", Some(json!(crafted_csrf)), 600, "crafted-3"),
    );
    let wrong_key_cookie = cookie_header(&[(at, &wrong_key)]);
    r.row(
        "cookie signed with another key, right CSRF: signature first",
        422,
        Some(SIGNATURE_FAILED),
        post_cookie(&wrong_key_cookie).header(ah, crafted_csrf),
    );
    r.row(
        "cookie signed with another key, wrong CSRF: signature before the CSRF compare",
        422,
        Some(SIGNATURE_FAILED),
        post_cookie(&wrong_key_cookie).header(ah, "wrong"),
    );
    let crafted_ok = craft(&crafted_claims(
        "access",
        Some(json!(crafted_csrf)),
        600,
        "crafted-4",
    ));
    r.row(
        "crafted cookie with its own CSRF value",
        200,
        None,
        post_cookie(&cookie_header(&[(at, &crafted_ok)])).header(ah, crafted_csrf),
    );
    r.row(
        "refresh token in the access cookie, with its CSRF value",
        422,
        Some(NOT_REFRESH),
        post_cookie(&cookie_header(&[(at, &refresh)])).header(ah, &r_csrf),
    );
    r.row(
        "refresh token in the access cookie, with the access CSRF value: CSRF before type",
        if csrf_post { 401 } else { 422 },
        Some(if csrf_post { MISMATCH } else { NOT_REFRESH }),
        post_cookie(&cookie_header(&[(at, &refresh)])).header(ah, &a_csrf),
    );
    r.row(
        "quoted access cookie value",
        200,
        None,
        get_with(Request::get("/protected").header("Cookie", &format!("{at}=\"{access}\""))),
    );
    r.row(
        "access cookie twice, garbage first: the first one is used",
        422,
        Some(NOT_ENOUGH_SEGMENTS),
        get_with(
            Request::get("/protected").header("Cookie", &format!("{at}=garbage; {at}={access}")),
        ),
    );
    r.row(
        "access cookie after a malformed neighbour (no '=')",
        200,
        None,
        get_with(Request::get("/protected").header("Cookie", &format!("junk; {at}={access}"))),
    );
    r.row(
        "access cookie after a neighbour with a UTF-8 value (é)",
        200,
        None,
        get_with(Request::get("/protected").header("Cookie", &format!("other=é; {at}={access}"))),
    );
    r.row(
        "access cookie twice, valid first",
        200,
        None,
        get_with(
            Request::get("/protected").header("Cookie", &format!("{at}={access}; {at}=garbage")),
        ),
    );

    // --- /refresh from the refresh cookie --------------------------------------------------
    let (st, msg) = p.without_csrf("POST");
    r.row(
        "POST /refresh with the refresh cookie, no CSRF",
        st,
        msg,
        with_cookies(Request::post("/refresh"), &refresh_only),
    );
    let (st, msg) = p.wrong_csrf("POST");
    r.row(
        "POST /refresh with the refresh cookie and the access CSRF value",
        st,
        msg,
        with_cookies(Request::post("/refresh"), &browser).header(rh, &a_csrf),
    );
    if !ah.eq_ignore_ascii_case(rh) {
        let (st, msg) = p.without_csrf("POST");
        r.row(
            "POST /refresh with the refresh CSRF value under the access CSRF header",
            st,
            msg,
            with_cookies(Request::post("/refresh"), &refresh_only).header(ah, &r_csrf),
        );
    }
    if p.check_form {
        r.row(
            "POST /refresh with the refresh CSRF value in the refresh form field",
            200,
            None,
            with_cookies(Request::post("/refresh"), &refresh_only)
                .body(form, format!("{}={r_csrf}", p.refresh_field).as_bytes()),
        );
    }
    r.row(
        "POST /refresh with an access token in the refresh cookie",
        422,
        Some(ONLY_REFRESH),
        with_cookies(Request::post("/refresh"), &cookie_header(&[(rt, &access)]))
            .header(rh, &a_csrf),
    );
    r.row(
        "POST /refresh, refresh CSRF header name in lower case",
        200,
        None,
        with_cookies(Request::post("/refresh"), &refresh_only)
            .header(&rh.to_ascii_lowercase(), &r_csrf),
    );
    let resp = r.row(
        "POST /refresh with the refresh cookie and its CSRF value (sets the access cookies)",
        200,
        None,
        with_cookies(Request::post("/refresh"), &browser).header(rh, &r_csrf),
    );
    let mut after = jar.clone();
    after.update(&resp);
    let new_access = after.get(at).unwrap_or_default().to_owned();
    let new_csrf = csrf_value(&after, xat, at);
    if new_access == access {
        r.note("/refresh did not set a new access cookie".into());
    }
    if p.csrf_protect && new_csrf == a_csrf {
        r.note("/refresh did not rotate the access CSRF value".into());
    }
    r.row(
        "POST /protected with the refreshed access cookie and its new CSRF value",
        200,
        None,
        with_cookies(Request::post("/protected"), &after.header()).header(ah, &new_csrf),
    );
    let (st, msg) = p.wrong_csrf("POST");
    r.row(
        "POST /protected with the refreshed access cookie and the old CSRF value",
        st,
        msg,
        with_cookies(Request::post("/protected"), &after.header()).header(ah, &a_csrf),
    );
    r.step(
        "GET /fresh with the refreshed (non-fresh) access cookie",
        401,
        with_cookies(Request::get("/fresh"), &cookie_header(&[(at, &new_access)]))
            .header(ah, &new_csrf),
    );

    // --- several locations: order and the combined message (5.5) --------------------------
    if p.has("headers") {
        let (hdr_access, hdr_refresh) = r.login_json("login (JSON) for header tokens");
        let bearer = |t: &str| format!("Bearer {t}");
        let headers_first = p.headers_first();
        r.step(
            "valid header token, no cookie",
            200,
            Request::post("/protected").header("Authorization", &bearer(&hdr_access)),
        );
        r.row(
            if headers_first {
                "M10 invalid header token + valid cookie (headers first)"
            } else {
                "M11 invalid header token + valid cookie (cookies first)"
            },
            if headers_first { 422 } else { 200 },
            headers_first.then_some(BAD_HEADER_PADDING),
            with_cookies(Request::post("/protected"), &access_only)
                .header("Authorization", "Bearer aaaaa.bbbbb.ccccc")
                .header(ah, &a_csrf),
        );
        r.step(
            "Authorization: Basic x + valid cookie with CSRF",
            200,
            with_cookies(Request::post("/protected"), &access_only)
                .header("Authorization", "Basic x")
                .header(ah, &a_csrf),
        );
        let (st, msg) = if headers_first {
            (200, None)
        } else {
            p.without_csrf("POST")
        };
        r.row(
            "valid header token + cookie without CSRF (POST)",
            st,
            msg,
            with_cookies(Request::post("/protected"), &access_only)
                .header("Authorization", &bearer(&hdr_access)),
        );
        r.row(
            "valid header token + garbage cookie (GET, with CSRF)",
            if headers_first { 200 } else { 422 },
            (!headers_first).then_some(NOT_ENOUGH_SEGMENTS),
            with_cookies(Request::get("/protected"), &garbage)
                .header("Authorization", &bearer(&hdr_access))
                .header(ah, &a_csrf),
        );
        r.row(
            "refresh token in the header + valid cookie (GET, with CSRF)",
            if headers_first { 422 } else { 200 },
            headers_first.then_some(NOT_REFRESH),
            with_cookies(Request::get("/protected"), &access_only)
                .header("Authorization", &bearer(&hdr_refresh))
                .header(ah, &a_csrf),
        );
        r.row(
            "POST /refresh: valid refresh header + refresh cookie without CSRF",
            if headers_first {
                200
            } else {
                p.without_csrf("POST").0
            },
            if headers_first {
                None
            } else {
                p.without_csrf("POST").1
            },
            with_cookies(Request::post("/refresh"), &refresh_only)
                .header("Authorization", &bearer(&hdr_refresh)),
        );
    }
    if p.has("json") {
        r.row(
            "M2 POST /protected with JSON {} and nothing else",
            401,
            Some(&p.missing(false, true)),
            Request::post("/protected").json(&json!({})),
        );
        r.row(
            "POST /refresh with JSON {} and nothing else",
            401,
            Some(&p.missing(true, true)),
            Request::post("/refresh").json(&json!({})),
        );
    }
    if p.has("query_string") && p.has("json") {
        let (qs_access, _) = r.login_json("login (JSON) for query-string and JSON tokens");
        let (st, msg) = p.without_csrf("POST");
        r.row(
            "valid query-string token + cookie without CSRF (cookies come first)",
            st,
            msg,
            with_cookies(
                Request::post(&format!("/protected?jwt={qs_access}")),
                &access_only,
            ),
        );
        r.step(
            "valid JSON token, no cookie",
            200,
            Request::post("/protected").json(&json!({ "access_token": qs_access })),
        );
    }

    // --- DELETE /logout from cookies, then /logout/cookies ---------------------------------
    let second = r.login("second login/cookies");
    let s_access = second.get(at).unwrap_or_default().to_owned();
    let s_refresh = second.get(rt).unwrap_or_default().to_owned();
    let s_a_csrf = csrf_value(&second, xat, at);
    let s_r_csrf = csrf_value(&second, xrt, rt);
    let s_access_only = cookie_header(&[(at, &s_access)]);
    r.row(
        "DELETE /logout with only the refresh cookie (extraction uses the access cookie)",
        401,
        Some(&p.missing(false, false)),
        with_cookies(
            Request::delete("/logout"),
            &cookie_header(&[(rt, &s_refresh)]),
        )
        .header(ah, &s_r_csrf)
        .header(rh, &s_r_csrf),
    );
    if p.csrf_on("DELETE") {
        r.row(
            "DELETE /logout with the access cookie, no CSRF",
            401,
            Some(MISSING_CSRF),
            with_cookies(Request::delete("/logout"), &s_access_only),
        );
        r.row(
            "DELETE /logout with the access cookie and a wrong CSRF value",
            401,
            Some(MISMATCH),
            with_cookies(Request::delete("/logout"), &s_access_only).header(ah, "wrong"),
        );
        r.step(
            "DELETE /logout with the access cookie and its CSRF value",
            200,
            with_cookies(Request::delete("/logout"), &second.header()).header(ah, &s_a_csrf),
        );
    } else {
        r.step(
            "DELETE /logout with the access cookie, no CSRF (DELETE not CSRF-checked)",
            200,
            with_cookies(Request::delete("/logout"), &s_access_only),
        );
    }
    r.row(
        "GET /protected with the revoked access cookie",
        401,
        Some(if get_csrf { MISSING_CSRF } else { REVOKED }),
        with_cookies(Request::get("/protected"), &s_access_only),
    );
    r.row(
        "POST /protected with the revoked access cookie and its CSRF value",
        401,
        Some(REVOKED),
        with_cookies(Request::post("/protected"), &s_access_only).header(ah, &s_a_csrf),
    );
    r.row(
        "POST /protected with the revoked access cookie and a wrong CSRF value",
        401,
        Some(if csrf_post { MISMATCH } else { REVOKED }),
        with_cookies(Request::post("/protected"), &s_access_only).header(ah, "wrong"),
    );
    r.step(
        "POST /refresh with the refresh cookie of the logged-out access token",
        200,
        with_cookies(
            Request::post("/refresh"),
            &cookie_header(&[(rt, &s_refresh)]),
        )
        .header(rh, &s_r_csrf),
    );
    r.row(
        "DELETE /logout with the refresh token in the access cookie (verify_type off)",
        200,
        Some("Refresh token revoked"),
        with_cookies(
            Request::delete("/logout"),
            &cookie_header(&[(at, &s_refresh)]),
        )
        .header(ah, &s_r_csrf),
    );
    r.row(
        "POST /refresh with the revoked refresh cookie",
        401,
        Some(REVOKED),
        with_cookies(
            Request::post("/refresh"),
            &cookie_header(&[(rt, &s_refresh)]),
        )
        .header(rh, &s_r_csrf),
    );
    let resp = r.step(
        "POST /logout/cookies with every cookie, no CSRF (unsets them)",
        200,
        with_cookies(Request::post("/logout/cookies"), &second.header()),
    );
    let unset: Vec<String> = resp.set_cookies().into_iter().map(|c| c.name).collect();
    let want: Vec<&str> = if p.csrf_cookies() {
        vec![at, xat, rt, xrt]
    } else {
        vec![at, rt]
    };
    if unset != want {
        r.note(format!(
            "/logout/cookies unset {unset:?}, expected {want:?}"
        ));
    }
    let mut emptied = second.clone();
    emptied.update(&resp);
    if !emptied.is_empty() {
        r.note(format!(
            "/logout/cookies left cookies in the jar: {:?}",
            emptied.names()
        ));
    }
    r.row(
        "GET /protected with the jar after /logout/cookies",
        401,
        Some(&p.missing(false, false)),
        with_cookies(Request::get("/protected"), &emptied.header()),
    );
    r.step(
        "POST /logout/cookies without cookies",
        200,
        Request::post("/logout/cookies"),
    );
    r.t
}

// ---------------------------------------------------------------------------------------------
// Interop: the other app's cookies
// ---------------------------------------------------------------------------------------------

/// A script with the cookies `jar` that the *other* app's `/login/cookies` set.
fn foreign_script(server: &Server, p: &CookieProfile, jar: &CookieJar) -> Transcript {
    let mut r = Run::new(server, p);
    let at = p.access_cookie.as_str();
    let rt = p.refresh_cookie.as_str();
    let ah = p.access_header.as_str();
    let rh = p.refresh_header.as_str();
    let access = jar.get(at).unwrap_or_default().to_owned();
    let a_csrf = csrf_value(jar, &p.access_csrf_cookie, at);
    let r_csrf = csrf_value(jar, &p.refresh_csrf_cookie, rt);
    let access_only = cookie_header(&[(at, &access)]);
    let get = |path: &str| {
        let req = with_cookies(Request::get(path), &access_only);
        if p.csrf_on("GET") {
            req.header(ah, &a_csrf)
        } else {
            req
        }
    };
    for path in ["/protected", "/claims", "/fresh", "/me", "/optional"] {
        r.step(
            &format!("GET {path} with the foreign access cookie"),
            200,
            get(path),
        );
    }
    let (st, msg) = p.without_csrf("POST");
    r.row(
        "POST /protected with the foreign access cookie, no CSRF",
        st,
        msg,
        with_cookies(Request::post("/protected"), &access_only),
    );
    let (st, msg) = p.wrong_csrf("POST");
    r.row(
        "POST /protected with the foreign access cookie and a wrong CSRF value",
        st,
        msg,
        with_cookies(Request::post("/protected"), &access_only).header(ah, "wrong"),
    );
    r.row(
        "POST /protected with the foreign refresh CSRF value",
        st,
        msg,
        with_cookies(Request::post("/protected"), &jar.header()).header(ah, &r_csrf),
    );
    r.step(
        "POST /protected with the foreign cookies and the foreign CSRF cookie's value",
        200,
        with_cookies(Request::post("/protected"), &jar.header()).header(ah, &a_csrf),
    );
    let resp = r.step(
        "POST /refresh with the foreign refresh cookie and its CSRF value",
        200,
        with_cookies(Request::post("/refresh"), &jar.header()).header(rh, &r_csrf),
    );
    let mut after = jar.clone();
    after.update(&resp);
    r.step(
        "POST /protected with the access cookie this app set on refresh",
        200,
        with_cookies(Request::post("/protected"), &after.header())
            .header(ah, &csrf_value(&after, &p.access_csrf_cookie, at)),
    );
    r.row(
        "DELETE /logout with the foreign access cookie and its CSRF value",
        200,
        Some("Access token revoked"),
        with_cookies(Request::delete("/logout"), &access_only).header(ah, &a_csrf),
    );
    r.row(
        "POST /protected with the foreign access cookie after logout",
        401,
        Some(REVOKED),
        with_cookies(Request::post("/protected"), &access_only).header(ah, &a_csrf),
    );
    r.t
}

/// `POST /login/cookies` on `server`: the cookies it set.
fn login_jar(server: &Server) -> CookieJar {
    let resp = server.send(&login_cookies_req("test", "test"));
    assert_eq!(resp.status, 200, "login/cookies: {}", resp.text());
    let mut jar = CookieJar::new();
    jar.update(&resp);
    jar
}

// ---------------------------------------------------------------------------------------------
// Odd CSRF bytes: ours must be 401/422 JSON; Flask's answer is printed
// ---------------------------------------------------------------------------------------------

fn show(resp: &Response) -> String {
    format!(
        "{} {} ({})",
        resp.status,
        resp.text().chars().take(120).collect::<String>().trim_end(),
        resp.header("content-type").unwrap_or("-")
    )
}

fn odd_rows(example: &Server, flask: &Server, p: &CookieProfile) {
    let at = p.access_cookie.as_str();
    let rt = p.refresh_cookie.as_str();
    let ex_jar = login_jar(example);
    let fl_jar = login_jar(flask);
    struct Odd {
        label: &'static str,
        path: &'static str,
        cookie: Vec<u8>,
        header: Option<(String, Vec<u8>)>,
        /// The statuses the example app may answer.
        ours: &'static [u16],
    }
    const ERR: &[u16] = &[401, 422];
    let cases = |jar: &CookieJar| -> Vec<Odd> {
        let access = jar.get(at).unwrap_or_default().to_owned();
        let a_csrf = csrf_value(jar, &p.access_csrf_cookie, at);
        let refresh_cookie = format!("{rt}={}", jar.get(rt).unwrap_or_default()).into_bytes();
        let cookie = format!("{at}={access}").into_bytes();
        let ah = p.access_header.clone();
        let crafted = |csrf: Value, jti: &str| {
            format!(
                "{at}={}",
                craft(&crafted_claims("access", Some(csrf), 600, jti))
            )
            .into_bytes()
        };
        let mut right_then_e = a_csrf.clone().into_bytes();
        right_then_e.extend_from_slice("é".as_bytes());
        vec![
            Odd {
                label: "CSRF header: UTF-8 é",
                path: "/protected",
                cookie: cookie.clone(),
                header: Some((ah.clone(), "é".as_bytes().to_vec())),
                ours: ERR,
            },
            Odd {
                label: "CSRF header: the Latin-1 byte 0xE9",
                path: "/protected",
                cookie: cookie.clone(),
                header: Some((ah.clone(), vec![0xE9])),
                ours: ERR,
            },
            Odd {
                label: "CSRF header: bytes 0xFF 0xFE",
                path: "/protected",
                cookie: cookie.clone(),
                header: Some((ah.clone(), vec![0xFF, 0xFE])),
                ours: ERR,
            },
            Odd {
                label: "CSRF header: the right value followed by UTF-8 é",
                path: "/protected",
                cookie: cookie.clone(),
                header: Some((ah.clone(), right_then_e)),
                ours: ERR,
            },
            Odd {
                label: "refresh CSRF header: UTF-8 é",
                path: "/refresh",
                cookie: refresh_cookie,
                header: Some((p.refresh_header.clone(), "é".as_bytes().to_vec())),
                ours: ERR,
            },
            Odd {
                label: "csrf claim 5 (a number), CSRF header \"5\"",
                path: "/protected",
                cookie: crafted(json!(5), "odd-1"),
                header: Some((ah.clone(), b"5".to_vec())),
                ours: ERR,
            },
            Odd {
                label: "csrf claim null, CSRF header \"x\"",
                path: "/protected",
                cookie: crafted(Value::Null, "odd-2"),
                header: Some((ah.clone(), b"x".to_vec())),
                ours: ERR,
            },
            Odd {
                label: "csrf claim [\"x\"] (a list), CSRF header \"x\"",
                path: "/protected",
                cookie: crafted(json!(["x"]), "odd-3"),
                header: Some((ah.clone(), b"x".to_vec())),
                ours: ERR,
            },
            Odd {
                label: "csrf claim \"é\", CSRF header UTF-8 é",
                path: "/protected",
                cookie: crafted(json!("é"), "odd-4"),
                header: Some((ah.clone(), "é".as_bytes().to_vec())),
                ours: ERR,
            },
            Odd {
                label: "access cookie value: the Latin-1 byte 0xE9 (no CSRF)",
                path: "/protected",
                cookie: {
                    let mut c = format!("{at}=").into_bytes();
                    c.push(0xE9);
                    c
                },
                header: None,
                ours: ERR,
            },
            // HTTP layer, not flask-jwt-extended: optional whitespace around a field value is
            // not part of it (RFC 9110, section 5.5). Actix strips it; Werkzeug's development
            // server keeps the trailing blanks, so Flask sees a different value there.
            Odd {
                label: "CSRF header: the right value with leading blanks",
                path: "/protected",
                cookie: cookie.clone(),
                header: Some((ah.clone(), format!("   {a_csrf}").into_bytes())),
                ours: &[200],
            },
            Odd {
                label: "CSRF header: the right value with trailing blanks",
                path: "/protected",
                cookie: cookie.clone(),
                header: Some((ah.clone(), format!("{a_csrf}   ").into_bytes())),
                ours: &[200],
            },
        ]
    };
    let mut notes = Vec::new();
    let mut failures = Vec::new();
    for (ex_case, fl_case) in cases(&ex_jar).into_iter().zip(cases(&fl_jar)) {
        let send = |server: &Server, case: &Odd| {
            let mut headers: Vec<(&str, &[u8])> = vec![("Cookie", &case.cookie)];
            if let Some((name, value)) = &case.header {
                headers.push((name.as_str(), value.as_slice()));
            }
            server.send_raw(&raw_request("POST", case.path, &headers, None))
        };
        let ours = send(example, &ex_case);
        let theirs = send(flask, &fl_case);
        let is_json = ours
            .header("content-type")
            .is_some_and(|ct| ct.starts_with("application/json"));
        let has_message = ours
            .json()
            .is_some_and(|v| v.get("message").is_some_and(Value::is_string));
        if !ex_case.ours.contains(&ours.status) || !is_json || (ours.status >= 400 && !has_message)
        {
            failures.push(format!(
                "{}: example app answered {}, expected {:?} with a JSON body",
                ex_case.label,
                show(&ours),
                ex_case.ours
            ));
        }
        let same = ours.status == theirs.status && ours.body == theirs.body;
        notes.push(format!(
            "  {}\n    example-app: {}\n    flask      : {}{}",
            ex_case.label,
            show(&ours),
            show(&theirs),
            if same { "  (same)" } else { "" }
        ));
    }
    println!(
        "[{}] odd CSRF bytes (ours asserted, Flask's noted):\n{}",
        p.name,
        notes.join("\n")
    );
    assert!(
        failures.is_empty(),
        "[{}] odd CSRF rows:\n{}\nall rows:\n{}",
        p.name,
        failures.join("\n"),
        notes.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Driver and profiles
// ---------------------------------------------------------------------------------------------

fn check_profile(p: &CookieProfile) {
    let (example, flask) = p.start_both();
    let (ours, theirs) = thread::scope(|s| {
        let theirs = s.spawn(|| script(&flask, p));
        let ours = script(&example, p);
        (
            ours,
            theirs
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
        )
    });
    assert_same_answers(
        &format!("cookies [{}]", p.name),
        "example",
        &ours,
        "flask",
        &theirs,
    );

    // Interop: the example app gets Flask's cookies, Flask gets the example app's.
    let from_flask = login_jar(&flask);
    let from_example = login_jar(&example);
    let (ours, theirs) = thread::scope(|s| {
        let theirs = s.spawn(|| foreign_script(&flask, p, &from_example));
        let ours = foreign_script(&example, p, &from_flask);
        (
            ours,
            theirs
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
        )
    });
    assert_same_answers(
        &format!(
            "interop [{}]: example app with Flask's cookies vs Flask with ours",
            p.name
        ),
        "example",
        &ours,
        "flask",
        &theirs,
    );

    if p.odd_rows {
        odd_rows(&example, &flask, p);
    }
}

/// (1) `JWT_TOKEN_LOCATION=cookies`, everything else default (6.2 "Defaults").
#[test]
fn cookies_only_defaults() {
    check_profile(
        &CookieProfile::new("cookies", &[("JWT_TOKEN_LOCATION", "cookies")]).with_odd_rows(),
    );
}

/// (2) Custom cookie, CSRF cookie, header and field names and paths, CSRF from form fields,
/// `SameSite=Lax`.
#[test]
fn custom_names_paths_and_form_field() {
    check_profile(
        &CookieProfile::new(
            "custom-names",
            &[
                ("JWT_TOKEN_LOCATION", "cookies"),
                ("JWT_ACCESS_COOKIE_NAME", "at"),
                ("JWT_REFRESH_COOKIE_NAME", "rt"),
                ("JWT_ACCESS_CSRF_COOKIE_NAME", "xat"),
                ("JWT_REFRESH_CSRF_COOKIE_NAME", "xrt"),
                ("JWT_ACCESS_COOKIE_PATH", "/"),
                ("JWT_REFRESH_COOKIE_PATH", "/refresh"),
                ("JWT_ACCESS_CSRF_COOKIE_PATH", "/"),
                ("JWT_REFRESH_CSRF_COOKIE_PATH", "/refresh"),
                ("JWT_ACCESS_CSRF_HEADER_NAME", "X-A-CSRF"),
                ("JWT_REFRESH_CSRF_HEADER_NAME", "X-R-CSRF"),
                ("JWT_CSRF_CHECK_FORM", "true"),
                ("JWT_ACCESS_CSRF_FIELD_NAME", "a_csrf"),
                ("JWT_REFRESH_CSRF_FIELD_NAME", "r_csrf"),
                ("JWT_COOKIE_SAMESITE", "Lax"),
            ],
        )
        .with_odd_rows(),
    );
}

/// (3) Headers then cookies, `Secure` cookies, no CSRF protection (2 cookies, no `csrf`
/// claim, nothing CSRF-checked); M10.
#[test]
fn headers_and_cookies_secure_without_csrf() {
    check_profile(&CookieProfile::new(
        "headers-cookies-secure-no-csrf",
        &[
            ("JWT_TOKEN_LOCATION", "headers,cookies"),
            ("JWT_COOKIE_SECURE", "true"),
            ("JWT_COOKIE_CSRF_PROTECT", "false"),
        ],
    ));
}

/// (4) All four locations: M1, M2 and the order rows with cookies.
#[test]
fn all_four_locations() {
    check_profile(&CookieProfile::new(
        "all-locations",
        &[("JWT_TOKEN_LOCATION", "headers,cookies,query_string,json")],
    ));
}

/// (5) Cookies then headers: M3 and M11; a CSRF failure aborts the search.
#[test]
fn cookies_then_headers() {
    check_profile(&CookieProfile::new(
        "cookies-then-headers",
        &[("JWT_TOKEN_LOCATION", "cookies,headers")],
    ));
}

/// 6.2 "Custom config": Secure, SameSite=Strict, Domain (leading dot dropped), non-session
/// cookies (Max-Age=31540000 and Expires), custom JWT cookie paths.
#[test]
fn attributes_secure_strict_domain_persistent() {
    check_profile(&CookieProfile::new(
        "attributes-6.2",
        &[
            ("JWT_TOKEN_LOCATION", "cookies"),
            ("JWT_COOKIE_SECURE", "true"),
            ("JWT_COOKIE_SAMESITE", "Strict"),
            ("JWT_COOKIE_DOMAIN", ".example.com"),
            ("JWT_SESSION_COOKIE", "false"),
            ("JWT_ACCESS_COOKIE_PATH", "/api/"),
            ("JWT_REFRESH_COOKIE_PATH", "/token/refresh"),
        ],
    ));
}

/// 6.2 `JWT_COOKIE_SAMESITE="None"` + `JWT_COOKIE_SECURE=True`.
#[test]
fn attributes_samesite_none_secure() {
    check_profile(&CookieProfile::new(
        "samesite-none",
        &[
            ("JWT_TOKEN_LOCATION", "cookies"),
            ("JWT_COOKIE_SAMESITE", "None"),
            ("JWT_COOKIE_SECURE", "true"),
        ],
    ));
}

/// 6.2 `JWT_CSRF_IN_COOKIES=False`: only the two JWT cookies, CSRF still checked (the value
/// comes from the token's claim).
#[test]
fn csrf_not_in_cookies() {
    check_profile(&CookieProfile::new(
        "csrf-not-in-cookies",
        &[
            ("JWT_TOKEN_LOCATION", "cookies"),
            ("JWT_CSRF_IN_COOKIES", "false"),
        ],
    ));
}

/// 1.4 `JWT_CSRF_METHODS=GET,POST`: GET needs CSRF (K9 on the GET-only optional route),
/// DELETE does not.
#[test]
fn csrf_methods_get_post() {
    check_profile(&CookieProfile::new(
        "csrf-methods-get-post",
        &[
            ("JWT_TOKEN_LOCATION", "cookies"),
            ("JWT_CSRF_METHODS", "GET,POST"),
        ],
    ));
}

// ---------------------------------------------------------------------------------------------
// Edge cases where the example app differs from flask-jwt-extended (each fails until fixed)
// ---------------------------------------------------------------------------------------------

/// Starts both apps with `p`, runs `rows` against each and compares the answers.
fn compare_rows(p: &CookieProfile, what: &str, rows: impl Fn(&mut Run<'_>) + Sync) {
    let (example, flask) = p.start_both();
    let run = |server: &Server| {
        let mut r = Run::new(server, p);
        r.jar = r.login("login/cookies test/test");
        rows(&mut r);
        r.t
    };
    let (ours, theirs) = thread::scope(|s| {
        let theirs = s.spawn(|| run(&flask));
        let ours = run(&example);
        (
            ours,
            theirs
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
        )
    });
    assert_same_answers(
        &format!("{what} [{}]", p.name),
        "example",
        &ours,
        "flask",
        &theirs,
    );
}

/// `JWT_CSRF_CHECK_FORM`: flask-jwt-extended reads `request.form[<field>]`, which holds the
/// fields of `multipart/form-data` bodies as well as URL-encoded ones (reference 1.4, 6.3).
#[test]
fn csrf_form_field_in_a_multipart_body() {
    let p = CookieProfile::new(
        "check-form",
        &[
            ("JWT_TOKEN_LOCATION", "cookies"),
            ("JWT_CSRF_CHECK_FORM", "true"),
            ("JWT_ACCESS_CSRF_FIELD_NAME", "a_csrf"),
            ("JWT_REFRESH_CSRF_FIELD_NAME", "r_csrf"),
        ],
    );
    compare_rows(&p, "CSRF form field, multipart", |r| {
        let at = r.p.access_cookie.clone();
        let rt = r.p.refresh_cookie.clone();
        let access = r.jar.get(&at).unwrap_or_default().to_owned();
        let refresh = r.jar.get(&rt).unwrap_or_default().to_owned();
        let a_csrf = csrf_value(&r.jar, &r.p.access_csrf_cookie, &at);
        let r_csrf = csrf_value(&r.jar, &r.p.refresh_csrf_cookie, &rt);
        let boundary = "e2eBoundary7MA4YWxk";
        let multipart = |field: &str, value: &str| {
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\n1\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"\r\n\r\n\
                 {value}\r\n--{boundary}--\r\n"
            )
        };
        let ct = format!("multipart/form-data; boundary={boundary}");
        r.row(
            "multipart form field with the right CSRF value, no header",
            200,
            None,
            Request::post("/protected")
                .header("Cookie", &format!("{at}={access}"))
                .body(&ct, multipart("a_csrf", &a_csrf).as_bytes()),
        );
        r.row(
            "multipart form field with a wrong CSRF value, no header",
            401,
            Some(MISMATCH),
            Request::post("/protected")
                .header("Cookie", &format!("{at}={access}"))
                .body(&ct, multipart("a_csrf", "wrong").as_bytes()),
        );
        r.row(
            "multipart refresh form field with the refresh CSRF value, no header",
            200,
            None,
            Request::post("/refresh")
                .header("Cookie", &format!("{rt}={refresh}"))
                .body(&ct, multipart("r_csrf", &r_csrf).as_bytes()),
        );
    });
}

/// A `Cookie` header that is not UTF-8 (a Latin-1 byte in another cookie's value): Werkzeug
/// decodes the header as Latin-1 and still finds the JWT cookie.
#[test]
fn cookie_header_with_a_latin1_neighbour() {
    let p = CookieProfile::new("cookies", &[("JWT_TOKEN_LOCATION", "cookies")]);
    compare_rows(&p, "Latin-1 neighbour cookie", |r| {
        let at = r.p.access_cookie.clone();
        let rt = r.p.refresh_cookie.clone();
        let ah = r.p.access_header.clone();
        let access = r.jar.get(&at).unwrap_or_default().to_owned();
        let refresh = r.jar.get(&rt).unwrap_or_default().to_owned();
        let a_csrf = csrf_value(&r.jar, &r.p.access_csrf_cookie, &at);
        let r_csrf = csrf_value(&r.jar, &r.p.refresh_csrf_cookie, &rt);
        let cookie = |name: &str, value: &str| {
            let mut c = b"other=\xe9; ".to_vec();
            c.extend_from_slice(format!("{name}={value}").as_bytes());
            c
        };
        let shown = |method: &str, path: &str, name: &str, value: &str| {
            Request::new(method, path).header("Cookie", &format!("other=<0xE9>; {name}={value}"))
        };
        let c = cookie(&at, &access);
        r.raw_row(
            "GET /protected: access cookie after a neighbour with the byte 0xE9",
            200,
            None,
            shown("GET", "/protected", &at, &access),
            &raw_request("GET", "/protected", &[("Cookie", &c)], None),
        );
        r.raw_row(
            "POST /protected: the same with the CSRF header",
            200,
            None,
            shown("POST", "/protected", &at, &access).header(&ah, &a_csrf),
            &raw_request(
                "POST",
                "/protected",
                &[("Cookie", &c), (&ah, a_csrf.as_bytes())],
                None,
            ),
        );
        let c = cookie(&rt, &refresh);
        r.raw_row(
            "POST /refresh: refresh cookie after a neighbour with the byte 0xE9",
            200,
            None,
            shown("POST", "/refresh", &rt, &refresh).header(&r.p.refresh_header.clone(), &r_csrf),
            &raw_request(
                "POST",
                "/refresh",
                &[
                    ("Cookie", &c),
                    (&r.p.refresh_header.clone(), r_csrf.as_bytes()),
                ],
                None,
            ),
        );
    });
}
