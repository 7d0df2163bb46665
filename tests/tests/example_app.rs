//! The example app answers like the Flask reference app (the real flask-jwt-extended 4.7.4).
//!
//! For each settings profile both apps are started with the same settings, the same request
//! script runs against each, and the answers (status, content type, normalised JSON body and
//! its jsonify formatting) are compared request by request. The script also states the
//! status it expects at each step, so that a script that no longer tests what it means to
//! (for example both apps failing the same way) fails too.
//!
//! Covered: every contract route except `/logout/cookies` (`/login/cookies` for its scopes
//! only), the authorization routes (`/admin` and `/admin/notes` behind a role requirement,
//! `/reports` behind a scope requirement) and login scopes (granted, refused, kept by
//! `/refresh`), for the profiles (a) defaults, (b) short access-token expiry, (c) custom error key, locations,
//! header name/type, identity claim, issuer, audience and leeway, (d) an empty header type,
//! (e) RS256 with PEM keys, (f) settings from a `.env` file only; plus startup failures, the
//! precedence of the environment over `.env`, and, against the example app only, RFC 6750
//! challenges (`JWT_WWW_AUTHENTICATE`) and scopes kept by refresh-token rotation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use e2e_tests::{
    assert_same_answers, jwt_parts, run_to_exit, token, AppKind, Profile, Request, Response,
    Server, Transcript, SECRET,
};
use serde_json::{json, Value};

/// One run of the request script against one app.
struct Run<'a> {
    server: &'a Server,
    profile: &'a Profile,
    transcript: Transcript,
}

impl<'a> Run<'a> {
    fn new(server: &'a Server, profile: &'a Profile) -> Self {
        Self {
            server,
            profile,
            transcript: Transcript::default(),
        }
    }

    /// Sends `req`, records the answer, and notes a status other than `expect`.
    fn step(&mut self, label: &str, expect: u16, req: Request) -> Response {
        let resp = self.server.send(&req);
        self.transcript.record(label, &req, &resp, Some(expect));
        resp
    }

    /// `step` with the profile's auth header for `token`.
    fn with_token(&mut self, label: &str, expect: u16, req: Request, token: &str) -> Response {
        let req = self.profile.with_auth(req, token);
        self.step(label, expect, req)
    }

    /// `step` for OPTIONS and HEAD answers, plus an observation of the headers that carry
    /// their meaning: `Allow` as a set of methods (Werkzeug's order is arbitrary), the full
    /// `Content-Type` and `Content-Length`, and the number of body bytes.
    fn step_headers(&mut self, label: &str, expect: u16, req: Request) -> Response {
        let resp = self.step(label, expect, req);
        let allow = allow_set(&resp);
        self.transcript.observe(
            &format!("{label}: headers"),
            &json!({
                "allow": allow,
                "content-type": resp.header("content-type"),
                "content-length": resp.header("content-length"),
                "body bytes": resp.body.len(),
            }),
        );
        resp
    }

    /// `OPTIONS path` (with the auth header for a `(description, token)` when given): the
    /// contract and Flask answer 200 with an empty `text/html; charset=utf-8` body and
    /// `Allow: <methods>`, without looking at any token.
    fn options(&mut self, path: &str, token: Option<(&str, &str)>, methods: &[&str]) {
        let mut req = Request::new("OPTIONS", path);
        let mut label = format!("OPTIONS {path}");
        if let Some((what, t)) = token {
            req = self.profile.with_auth(req, t);
            label.push_str(&format!(" with {what}"));
        }
        let resp = self.step_headers(&label, 200, req);
        let want: BTreeSet<String> = methods.iter().map(|m| (*m).to_owned()).collect();
        let got = allow_set(&resp);
        let content_type = resp.header("content-type");
        if got.as_ref() != Some(&want)
            || content_type != Some("text/html; charset=utf-8")
            || !resp.body.is_empty()
        {
            self.transcript.unexpected.push(format!(
                "{label}: expected Allow {want:?}, an empty text/html; charset=utf-8 body; got \
                 Allow {got:?}, content type {content_type:?}, body {:?}",
                resp.text()
            ));
        }
    }

    /// Records the unverified header and claims of `token` (normalised).
    fn observe_token(&mut self, label: &str, token: &str) {
        let value = match jwt_parts(token) {
            Some((header, claims)) => json!({ "header": header, "claims": claims }),
            None => json!({ "not a token": token }),
        };
        self.transcript.observe(label, &value);
    }

    /// Notes `resp`'s JSON body unless it is `want` (on top of the comparison of both apps).
    fn expect_body(&mut self, label: &str, resp: &Response, want: &Value) {
        if resp.json().as_ref() != Some(want) {
            self.transcript.unexpected.push(format!(
                "{label}: expected the body {want}, got {:?}",
                resp.text()
            ));
        }
    }

    /// `POST /login` as `user` (password = name) asking for `scope`; records the claims of
    /// both tokens and returns them (empty strings when the login failed).
    fn login_scope(&mut self, label: &str, user: &str, scope: Value) -> (String, String) {
        let resp = self.step(
            label,
            200,
            login_json(&json!({ "username": user, "password": user, "scope": scope })),
        );
        let access = resp.str_field("access_token").unwrap_or_default();
        let refresh = resp.str_field("refresh_token").unwrap_or_default();
        self.observe_token(&format!("{label}: access token"), &access);
        self.observe_token(&format!("{label}: refresh token"), &refresh);
        (access, refresh)
    }

    /// The `scope` claim of `token` (unverified), `None` when absent or not a token.
    fn scope_of(token: &str) -> Option<Value> {
        jwt_parts(token).and_then(|(_, claims)| claims.get("scope").cloned())
    }

    /// Notes a `scope` claim of `token` other than `want` (`None`: no `scope` claim).
    fn expect_scope(&mut self, label: &str, token: &str, want: Option<&str>) {
        let got = Self::scope_of(token);
        if got != want.map(|w| json!(w)) {
            self.transcript.unexpected.push(format!(
                "{label}: expected the scope claim {want:?}, got {got:?}"
            ));
        }
    }

    /// `POST /login` with a JSON body; returns (access token, refresh token), empty strings
    /// when the login failed (later steps then fail and show in the diff).
    fn login(&mut self, label: &str, user: &str) -> (String, String) {
        let resp = self.step(
            label,
            200,
            Request::post("/login").json(&json!({ "username": user, "password": user })),
        );
        let access = resp.str_field("access_token").unwrap_or_default();
        let refresh = resp.str_field("refresh_token").unwrap_or_default();
        (access, refresh)
    }
}

/// The methods of an `Allow` header, upper-cased, as a set.
fn allow_set(resp: &Response) -> Option<BTreeSet<String>> {
    resp.header("allow").map(|v| {
        v.split(',')
            .map(|m| m.trim().to_ascii_uppercase())
            .filter(|m| !m.is_empty())
            .collect()
    })
}

fn login_json(body: &Value) -> Request {
    Request::post("/login").json(body)
}

/// The request script shared by every profile (except the short-expiry one).
fn script(server: &Server, profile: &Profile) -> Transcript {
    let mut r = Run::new(server, profile);
    let header_type = profile.header_type.clone();
    let several_locations = profile.locations.len() > 1;

    // --- /login -------------------------------------------------------------------------
    let (a1, r1) = r.login("login test/test", "test");
    r.observe_token("claims of the login access token", &a1);
    r.observe_token("claims of the login refresh token", &r1);
    r.step(
        "login wrong password",
        401,
        login_json(&json!({"username": "test", "password": "nope"})),
    );
    r.step(
        "login unknown user",
        401,
        login_json(&json!({"username": "nobody", "password": "nobody"})),
    );
    let bad_bodies: [(&str, Value); 11] = [
        ("missing password", json!({"username": "test"})),
        ("missing username", json!({"password": "test"})),
        ("empty object", json!({})),
        ("empty strings", json!({"username": "", "password": ""})),
        (
            "empty password",
            json!({"username": "test", "password": ""}),
        ),
        (
            "numeric username",
            json!({"username": 1, "password": "test"}),
        ),
        (
            "null password",
            json!({"username": "test", "password": null}),
        ),
        ("array body", json!(["test", "test"])),
        ("string body", json!("test")),
        ("number body", json!(42)),
        ("null body", Value::Null),
    ];
    for (what, body) in &bad_bodies {
        r.step(&format!("login {what}"), 400, login_json(body));
    }
    let creds = br#"{"username":"test","password":"test"}"#;
    r.step(
        "login malformed JSON",
        400,
        Request::post("/login").body("application/json", b"{\"username\": \"test\""),
    );
    r.step(
        "login text/plain content type",
        400,
        Request::post("/login").body("text/plain", creds),
    );
    r.step(
        "login form body",
        400,
        Request::post("/login").body(
            "application/x-www-form-urlencoded",
            b"username=test&password=test",
        ),
    );
    r.step(
        "login JSON without content type",
        400,
        Request::post("/login").raw_body(creds),
    );
    r.step("login without body", 400, Request::post("/login"));
    r.step(
        "login application/json; charset=utf-8",
        200,
        Request::post("/login").body("application/json; charset=utf-8", creds),
    );
    r.step(
        "login application/vnd.api+json",
        200,
        Request::post("/login").body("application/vnd.api+json", creds),
    );
    let (admin_a, admin_r) = r.login("login admin/admin", "admin");
    r.observe_token("claims of the admin access token", &admin_a);

    // --- /protected -----------------------------------------------------------------------
    r.with_token(
        "GET /protected with access token",
        200,
        Request::get("/protected"),
        &a1,
    );
    r.with_token(
        "POST /protected with access token",
        200,
        Request::post("/protected"),
        &a1,
    );
    r.step(
        "GET /protected without token",
        401,
        Request::get("/protected"),
    );
    r.step(
        "POST /protected without token",
        401,
        Request::post("/protected"),
    );
    r.with_token(
        "GET /protected with refresh token",
        422,
        Request::get("/protected"),
        &r1,
    );
    r.with_token(
        "GET /protected with foobarbaz",
        422,
        Request::get("/protected"),
        "foobarbaz",
    );
    r.with_token(
        "GET /protected with aaaaa.bbbbb.ccccc",
        422,
        Request::get("/protected"),
        "aaaaa.bbbbb.ccccc",
    );
    let name = profile.header_name.clone();
    if header_type.is_empty() {
        r.step(
            "GET /protected with 'Bearer <token>' while the type is empty",
            422,
            Request::get("/protected").header(&name, &format!("Bearer {a1}")),
        );
        r.step(
            "GET /protected with 'Basic abc' while the type is empty",
            422,
            Request::get("/protected").header(&name, "Basic abc"),
        );
        r.step(
            "GET /protected with '<token>, other' while the type is empty",
            422,
            Request::get("/protected").header(&name, &format!("{a1}, other")),
        );
    } else {
        r.step(
            "GET /protected with the scheme only",
            422,
            Request::get("/protected").header(&name, &header_type),
        );
        r.step(
            "GET /protected with the scheme, token and an extra part",
            422,
            Request::get("/protected").header(&name, &format!("{header_type} {a1} extra")),
        );
        r.step(
            "GET /protected with another scheme",
            401,
            Request::get("/protected").header(&name, "Basic abc"),
        );
        r.step(
            "GET /protected with the scheme in lower case",
            401,
            Request::get("/protected")
                .header(&name, &format!("{} {a1}", header_type.to_lowercase())),
        );
        r.step(
            "GET /protected with another scheme then ours",
            200,
            Request::get("/protected").header(&name, &format!("Basic abc, {header_type} {a1}")),
        );
    }
    if name != "Authorization" {
        r.step(
            "GET /protected with the token in Authorization instead of the custom header",
            401,
            Request::get("/protected").header("Authorization", &format!("Bearer {a1}")),
        );
    }

    r.step_headers(
        "HEAD /protected without token",
        401,
        Request::new("HEAD", "/protected"),
    );

    // --- /optional ------------------------------------------------------------------------
    r.step(
        "GET /optional without token",
        200,
        Request::get("/optional"),
    );
    r.with_token(
        "GET /optional with access token",
        200,
        Request::get("/optional"),
        &a1,
    );
    r.with_token(
        "GET /optional with garbage",
        422,
        Request::get("/optional"),
        "foobarbaz",
    );
    r.with_token(
        "GET /optional with refresh token",
        422,
        Request::get("/optional"),
        &r1,
    );

    // --- /fresh and /refresh --------------------------------------------------------------
    r.with_token(
        "GET /fresh with the login (fresh) token",
        200,
        Request::get("/fresh"),
        &a1,
    );
    r.with_token(
        "GET /fresh with refresh token",
        422,
        Request::get("/fresh"),
        &r1,
    );
    r.step("GET /fresh without token", 401, Request::get("/fresh"));
    let refreshed = r.with_token(
        "POST /refresh with refresh token",
        200,
        Request::post("/refresh"),
        &r1,
    );
    let a2 = refreshed.str_field("access_token").unwrap_or_default();
    r.observe_token("claims of the refreshed access token", &a2);
    r.with_token(
        "GET /fresh with the refreshed (not fresh) token",
        401,
        Request::get("/fresh"),
        &a2,
    );
    r.with_token(
        "GET /protected with the refreshed token",
        200,
        Request::get("/protected"),
        &a2,
    );
    r.with_token(
        "POST /refresh with access token",
        422,
        Request::post("/refresh"),
        &a1,
    );
    r.step(
        "POST /refresh without token",
        401,
        Request::post("/refresh"),
    );
    r.with_token(
        "POST /refresh with garbage",
        422,
        Request::post("/refresh"),
        "a.b",
    );

    // --- /me, /claims, /admin -------------------------------------------------------------
    r.with_token("GET /me as test", 200, Request::get("/me"), &a1);
    r.with_token("GET /me as admin", 200, Request::get("/me"), &admin_a);
    r.with_token("GET /me with refresh token", 422, Request::get("/me"), &r1);
    r.step("GET /me without token", 401, Request::get("/me"));
    r.with_token(
        "GET /claims with the login token",
        200,
        Request::get("/claims"),
        &a1,
    );
    r.with_token(
        "GET /claims with the refreshed token",
        200,
        Request::get("/claims"),
        &a2,
    );
    r.with_token(
        "GET /claims with the admin token",
        200,
        Request::get("/claims"),
        &admin_a,
    );
    r.with_token(
        "GET /claims with refresh token",
        422,
        Request::get("/claims"),
        &r1,
    );
    r.with_token("GET /admin as test", 403, Request::get("/admin"), &a1);
    r.with_token("GET /admin as admin", 200, Request::get("/admin"), &admin_a);
    r.step("GET /admin without token", 401, Request::get("/admin"));

    authorization_steps(&mut r, &a1, &r1, &admin_a);

    // --- OPTIONS and HEAD -------------------------------------------------------------------
    // OPTIONS skips every check (Flask answers it before the view); HEAD runs the GET view.
    let get_head = ["GET", "HEAD", "OPTIONS"];
    for (path, methods) in [
        ("/login", &["POST", "OPTIONS"][..]),
        ("/protected", &["GET", "HEAD", "POST", "OPTIONS"][..]),
        ("/optional", &get_head[..]),
        ("/fresh", &get_head[..]),
        ("/refresh", &["POST", "OPTIONS"][..]),
        ("/me", &get_head[..]),
        ("/claims", &get_head[..]),
        ("/admin", &get_head[..]),
        ("/admin/notes", &["POST", "OPTIONS"][..]),
        ("/reports", &get_head[..]),
        ("/logout", &["DELETE", "OPTIONS"][..]),
    ] {
        r.options(path, None, methods);
    }
    r.options(
        "/protected",
        Some(("garbage", "foobarbaz")),
        &["GET", "HEAD", "POST", "OPTIONS"],
    );
    r.options(
        "/refresh",
        Some(("access token", &a1)),
        &["POST", "OPTIONS"],
    );
    r.options(
        "/logout",
        Some(("refresh token", &r1)),
        &["DELETE", "OPTIONS"],
    );
    r.options(
        "/admin/notes",
        Some(("a non-admin token", &a1)),
        &["POST", "OPTIONS"],
    );
    r.options("/reports", Some(("garbage", "foobarbaz")), &get_head);
    for (label, expect, path, token) in [
        ("HEAD /protected with access token", 200, "/protected", &a1),
        ("HEAD /optional with access token", 200, "/optional", &a1),
        (
            "HEAD /fresh with the login (fresh) token",
            200,
            "/fresh",
            &a1,
        ),
        (
            "HEAD /fresh with the refreshed (not fresh) token",
            401,
            "/fresh",
            &a2,
        ),
        ("HEAD /me as test", 200, "/me", &a1),
        ("HEAD /claims with the login token", 200, "/claims", &a1),
        ("HEAD /admin as test", 403, "/admin", &a1),
        ("HEAD /admin as admin", 200, "/admin", &admin_a),
        ("HEAD /reports without scope", 403, "/reports", &a1),
        ("HEAD /protected with refresh token", 422, "/protected", &r1),
    ] {
        let req = profile.with_auth(Request::new("HEAD", path), token);
        r.step_headers(label, expect, req);
    }
    r.step_headers(
        "HEAD /optional without token",
        200,
        Request::new("HEAD", "/optional"),
    );

    // --- other token locations (profile c) ------------------------------------------------
    let qs = profile.locations.iter().any(|l| l == "query_string");
    let json_loc = profile.locations.iter().any(|l| l == "json");
    if qs {
        r.step(
            "GET /protected?jwt=<access>",
            200,
            Request::get(&format!("/protected?jwt={a1}")),
        );
        r.step(
            "GET /claims?jwt=<access>",
            200,
            Request::get(&format!("/claims?jwt={a1}")),
        );
        r.step(
            "GET /protected?jwt= (empty)",
            401,
            Request::get("/protected?jwt="),
        );
        r.step(
            "GET /protected?jwt=foobarbaz",
            422,
            Request::get("/protected?jwt=foobarbaz"),
        );
        r.step(
            "GET /protected?jwt=<refresh>",
            422,
            Request::get(&format!("/protected?jwt={r1}")),
        );
        r.step(
            "POST /refresh?jwt=<refresh>",
            200,
            Request::post(&format!("/refresh?jwt={admin_r}")),
        );
        r.step(
            "GET /optional?jwt=<access>",
            200,
            Request::get(&format!("/optional?jwt={a1}")),
        );
        r.with_token(
            "GET /protected: valid header wins over a garbage query string",
            200,
            Request::get("/protected?jwt=foobarbaz"),
            &a1,
        );
        r.with_token(
            "GET /protected: a garbage header token stops the search before a valid query string",
            422,
            Request::get(&format!("/protected?jwt={a1}")),
            "foobarbaz",
        );
        r.step(
            "GET /protected: another scheme in the header falls through to the query string",
            200,
            Request::get(&format!("/protected?jwt={a1}")).header(&name, "Basic abc"),
        );
        r.step_headers(
            "HEAD /protected?jwt=<access>",
            200,
            Request::new("HEAD", &format!("/protected?jwt={a1}")),
        );
        r.options(
            "/protected?jwt=foobarbaz",
            None,
            &["GET", "HEAD", "POST", "OPTIONS"],
        );
    }
    if json_loc {
        r.step(
            "POST /protected with {\"access_token\": <access>}",
            200,
            Request::post("/protected").json(&json!({ "access_token": a1 })),
        );
        r.step(
            "POST /protected with {} (combined missing message)",
            401,
            Request::post("/protected").json(&json!({})),
        );
        r.step(
            "POST /protected with {\"access_token\": \"foobarbaz\"}",
            422,
            Request::post("/protected").json(&json!({ "access_token": "foobarbaz" })),
        );
        r.step(
            "POST /protected with a text/plain body",
            401,
            Request::post("/protected").body("text/plain", b"hello"),
        );
        r.step(
            "POST /refresh with {\"refresh_token\": <refresh>}",
            200,
            Request::post("/refresh").json(&json!({ "refresh_token": admin_r })),
        );
        r.step(
            "POST /refresh with {\"access_token\": <refresh>}",
            401,
            Request::post("/refresh").json(&json!({ "access_token": admin_r })),
        );
        r.step(
            "POST /protected with {\"access_token\": <refresh>}",
            422,
            Request::post("/protected").json(&json!({ "access_token": r1 })),
        );
    }
    if several_locations {
        r.step(
            "GET /optional without token (several locations)",
            200,
            Request::get("/optional"),
        );
    }

    // --- revocation -----------------------------------------------------------------------
    let (a3, _r3) = r.login("login test/test again", "test");
    r.with_token(
        "DELETE /logout with access token",
        200,
        Request::delete("/logout"),
        &a1,
    );
    r.with_token(
        "GET /protected with the revoked token",
        401,
        Request::get("/protected"),
        &a1,
    );
    let revoked = profile.with_auth(Request::new("HEAD", "/protected"), &a1);
    r.step_headers("HEAD /protected with the revoked token", 401, revoked);
    r.options(
        "/protected",
        Some(("the revoked token", &a1)),
        &["GET", "HEAD", "POST", "OPTIONS"],
    );
    r.with_token(
        "GET /fresh with the revoked fresh token",
        401,
        Request::get("/fresh"),
        &a1,
    );
    r.with_token(
        "GET /optional with the revoked token",
        401,
        Request::get("/optional"),
        &a1,
    );
    r.with_token(
        "DELETE /logout with the revoked token",
        401,
        Request::delete("/logout"),
        &a1,
    );
    r.with_token(
        "GET /protected with another token of the same user",
        200,
        Request::get("/protected"),
        &a3,
    );
    r.with_token(
        "GET /fresh with another fresh token of the same user",
        200,
        Request::get("/fresh"),
        &a3,
    );
    r.with_token(
        "DELETE /logout with refresh token",
        200,
        Request::delete("/logout"),
        &r1,
    );
    r.with_token(
        "POST /refresh with the revoked refresh token",
        401,
        Request::post("/refresh"),
        &r1,
    );
    r.with_token(
        "POST /refresh with the admin refresh token",
        200,
        Request::post("/refresh"),
        &admin_r,
    );
    r.with_token(
        "DELETE /logout with the refreshed token",
        200,
        Request::delete("/logout"),
        &a2,
    );
    r.with_token(
        "GET /protected with the revoked refreshed token",
        401,
        Request::get("/protected"),
        &a2,
    );
    r.step(
        "DELETE /logout without token",
        401,
        Request::delete("/logout"),
    );
    r.with_token(
        "DELETE /logout with garbage",
        422,
        Request::delete("/logout"),
        "a.b",
    );
    if qs {
        r.step(
            "DELETE /logout?jwt=<revoked>",
            401,
            Request::delete(&format!("/logout?jwt={a1}")),
        );
    }

    r.transcript
}

/// The authorization routes and login scopes, in the shared script (both apps, every profile
/// but the short-expiry one): `a1`/`r1` are test's tokens without scope, `admin_a` admin's.
fn authorization_steps(r: &mut Run<'_>, a1: &str, r1: &str, admin_a: &str) {
    // --- POST /admin/notes: the role is checked before the body is read -------------------
    let note = json!({"text": "hello"});
    let notes = || Request::post("/admin/notes");
    r.with_token(
        "POST /admin/notes as test with a valid note",
        403,
        notes().json(&note),
        a1,
    );
    r.with_token(
        "POST /admin/notes as test with invalid JSON",
        403,
        notes().body("application/json", b"{\"text\": "),
        a1,
    );
    let refused = r.with_token("POST /admin/notes as test without a body", 403, notes(), a1);
    r.expect_body(
        "POST /admin/notes as test without a body",
        &refused,
        &json!({"message": "Admins only!"}),
    );
    r.with_token(
        "POST /admin/notes with a refresh token",
        422,
        notes().json(&note),
        r1,
    );
    r.step(
        "POST /admin/notes without token",
        401,
        Request::post("/admin/notes"),
    );
    let invalid: [(&str, Request); 8] = [
        (
            "invalid JSON",
            notes().body("application/json", b"{\"text\": "),
        ),
        ("no body", notes()),
        ("no text", notes().json(&json!({"title": "hello"}))),
        ("numeric text", notes().json(&json!({"text": 5}))),
        ("null text", notes().json(&json!({"text": null}))),
        ("an array body", notes().json(&json!(["hello"]))),
        ("a string body", notes().json(&json!("hello"))),
        (
            "a text/plain body",
            notes().body("text/plain", br#"{"text":"hello"}"#),
        ),
    ];
    for (what, req) in invalid {
        let label = format!("POST /admin/notes as admin with {what}");
        let resp = r.with_token(&label, 400, req, admin_a);
        r.expect_body(&label, &resp, &json!({"message": "Invalid note"}));
    }
    for (what, text) in [
        ("a note", "hello"),
        ("an empty note", ""),
        ("a non-ASCII note", "h\u{e9}llo \u{2713} \u{1f600}"),
    ] {
        let label = format!("POST /admin/notes as admin with {what}");
        let resp = r.with_token(&label, 201, notes().json(&json!({ "text": text })), admin_a);
        r.expect_body(&label, &resp, &json!({ "text": text }));
        // Flask's jsonify bytes: non-ASCII escaped as \uXXXX (UTF-16 pairs), final newline.
        r.transcript.observe(
            &format!("{label}: body bytes"),
            &json!(String::from_utf8_lossy(&resp.body)),
        );
    }
    r.with_token(
        "POST /admin/notes as admin with extra fields",
        201,
        notes().json(&json!({"text": "hello", "pinned": true})),
        admin_a,
    );

    // --- login scopes -----------------------------------------------------------------------
    let (scoped_a, scoped_r) = r.login_scope(
        "login test asking reports:read",
        "test",
        json!("reports:read"),
    );
    r.expect_scope(
        "login test asking reports:read: access",
        &scoped_a,
        Some("reports:read"),
    );
    r.expect_scope(
        "login test asking reports:read: refresh",
        &scoped_r,
        Some("reports:read"),
    );
    r.expect_scope("login without scope: access", a1, None);
    r.expect_scope("login without scope: refresh", r1, None);
    let (dup_a, _) = r.login_scope(
        "login test asking reports:read twice",
        "test",
        json!("reports:read reports:read"),
    );
    r.expect_scope(
        "login test asking reports:read twice",
        &dup_a,
        Some("reports:read"),
    );
    let (admin_sa, admin_sr) = r.login_scope(
        "login admin asking reports:write reports:read reports:write",
        "admin",
        json!("reports:write reports:read reports:write"),
    );
    r.expect_scope(
        "login admin with scopes: access",
        &admin_sa,
        Some("reports:write reports:read"),
    );
    r.expect_scope(
        "login admin with scopes: refresh",
        &admin_sr,
        Some("reports:write reports:read"),
    );
    let (null_a, null_r) = r.login_scope("login test with a null scope", "test", Value::Null);
    r.expect_scope("login test with a null scope: access", &null_a, None);
    r.expect_scope("login test with a null scope: refresh", &null_r, None);
    let bad_scopes: [(&str, &str, Value); 12] = [
        (
            "test",
            "a scope not held (reports:write)",
            json!("reports:write"),
        ),
        (
            "test",
            "held and not held",
            json!("reports:read reports:write"),
        ),
        ("admin", "an unknown scope", json!("reports:delete")),
        ("test", "an empty scope", json!("")),
        ("test", "a single space", json!(" ")),
        (
            "test",
            "a double space",
            json!("reports:read  reports:read"),
        ),
        ("test", "a leading space", json!(" reports:read")),
        ("test", "a trailing space", json!("reports:read ")),
        ("test", "a tab", json!("reports:read\treports:read")),
        ("test", "a numeric scope", json!(5)),
        ("test", "an array scope", json!(["reports:read"])),
        ("test", "a boolean scope", json!(true)),
    ];
    for (user, what, scope) in bad_scopes {
        let label = format!("login {user} with {what}");
        let resp = r.step(
            &label,
            400,
            login_json(&json!({ "username": user, "password": user, "scope": scope })),
        );
        r.expect_body(&label, &resp, &json!({"message": "Invalid scope"}));
    }
    // The credentials are checked before the scope.
    r.step(
        "login with a wrong password and an invalid scope",
        401,
        login_json(&json!({"username": "test", "password": "nope", "scope": ""})),
    );
    r.step(
        "login without password and with an invalid scope",
        400,
        login_json(&json!({"username": "test", "scope": 5})),
    );
    r.step(
        "login/cookies with an invalid scope",
        400,
        Request::post("/login/cookies")
            .json(&json!({"username": "test", "password": "test", "scope": "reports:write"})),
    );
    let cookies = r.step(
        "login/cookies asking reports:read",
        200,
        Request::post("/login/cookies")
            .json(&json!({"username": "test", "password": "test", "scope": "reports:read"})),
    );
    for name in ["access_token_cookie", "refresh_token_cookie"] {
        let value = cookies
            .set_cookies()
            .into_iter()
            .find(|c| c.name == name)
            .map(|c| c.value)
            .unwrap_or_default();
        let label = format!("login/cookies asking reports:read: {name}");
        r.observe_token(&label, &value);
        r.expect_scope(&label, &value, Some("reports:read"));
    }
    let plain_cookies = r.step(
        "login/cookies without scope",
        200,
        Request::post("/login/cookies").json(&json!({"username": "test", "password": "test"})),
    );
    for c in plain_cookies.set_cookies() {
        if c.name == "access_token_cookie" || c.name == "refresh_token_cookie" {
            r.expect_scope(
                &format!("login/cookies without scope: {}", c.name),
                &c.value,
                None,
            );
        }
    }

    // --- GET /reports ---------------------------------------------------------------------
    let reports = r.with_token(
        "GET /reports with reports:read",
        200,
        Request::get("/reports"),
        &scoped_a,
    );
    r.expect_body(
        "GET /reports with reports:read",
        &reports,
        &json!({"reports": [{"id": 1, "title": "Q1"}, {"id": 2, "title": "Q2"}]}),
    );
    r.with_token(
        "GET /reports as admin with reports:write reports:read",
        200,
        Request::get("/reports"),
        &admin_sa,
    );
    let refused = r.with_token(
        "GET /reports without a scope claim",
        403,
        Request::get("/reports"),
        a1,
    );
    r.expect_body(
        "GET /reports without a scope claim",
        &refused,
        &json!({"message": "Insufficient scope"}),
    );
    r.with_token(
        "GET /reports as admin without a scope claim",
        403,
        Request::get("/reports"),
        admin_a,
    );
    r.with_token(
        "GET /reports with a refresh token holding the scope",
        422,
        Request::get("/reports"),
        &scoped_r,
    );
    r.step("GET /reports without token", 401, Request::get("/reports"));
    r.with_token(
        "HEAD /reports with reports:read",
        200,
        Request::new("HEAD", "/reports"),
        &scoped_a,
    );

    // --- POST /refresh keeps the scope ------------------------------------------------------
    let refreshed = r.with_token(
        "POST /refresh with the reports:read refresh token",
        200,
        Request::post("/refresh"),
        &scoped_r,
    );
    let scoped_a2 = refreshed.str_field("access_token").unwrap_or_default();
    r.observe_token(
        "claims of the access token refreshed with a scope",
        &scoped_a2,
    );
    r.expect_scope(
        "the access token refreshed with a scope",
        &scoped_a2,
        Some("reports:read"),
    );
    r.with_token(
        "GET /reports with the refreshed scoped token",
        200,
        Request::get("/reports"),
        &scoped_a2,
    );
    let refreshed = r.with_token(
        "POST /refresh with the admin refresh token holding two scopes",
        200,
        Request::post("/refresh"),
        &admin_sr,
    );
    let admin_sa2 = refreshed.str_field("access_token").unwrap_or_default();
    r.expect_scope(
        "the admin access token refreshed with two scopes",
        &admin_sa2,
        Some("reports:write reports:read"),
    );
    let refreshed = r.with_token(
        "POST /refresh with the null-scope refresh token",
        200,
        Request::post("/refresh"),
        &null_r,
    );
    let null_a2 = refreshed.str_field("access_token").unwrap_or_default();
    r.expect_scope("the access token refreshed without scope", &null_a2, None);
}

/// Runs the script against both apps (concurrently) and compares.
fn compare_profile(profile: &Profile) {
    let (example, flask) = profile.start_both();
    let (t_example, t_flask) = std::thread::scope(|s| {
        let f = s.spawn(|| script(&flask, profile));
        let e = script(&example, profile);
        (e, f.join().unwrap())
    });
    assert!(t_flask.entries.len() > 40, "the script ran too few steps");
    assert_same_answers(
        &format!("profile {}", profile.name),
        "flask",
        &t_flask,
        "example",
        &t_example,
    );
}

#[test]
fn profile_a_defaults() {
    compare_profile(&Profile::defaults());
}

#[test]
fn profile_c_custom_locations_header_claims_issuer_audience() {
    compare_profile(&Profile::custom());
}

#[test]
fn profile_d_empty_header_type() {
    compare_profile(&Profile::bare_header());
}

#[test]
fn profile_e_rs256_pem_keys() {
    compare_profile(&Profile::rs256());
}

#[test]
fn profile_f_settings_from_dotenv_only() {
    compare_profile(&Profile::dotenv());
}

/// The script of profile (b): tokens work, then expire, after which every protected route
/// answers 401 `Token has expired`; the refresh token (30 days) still works.
fn expiry_script(server: &Server, profile: &Profile) -> Transcript {
    let mut r = Run::new(server, profile);
    let (a, rt) = r.login("login test/test", "test");
    r.observe_token("claims of the 3 s access token", &a);
    r.with_token(
        "GET /protected before expiry",
        200,
        Request::get("/protected"),
        &a,
    );
    r.with_token(
        "GET /claims before expiry",
        200,
        Request::get("/claims"),
        &a,
    );
    // Wait until one second after `exp` (PyJWT: expired once now >= exp).
    let exp = jwt_parts(&a).and_then(|(_, c)| c.get("exp").and_then(Value::as_i64));
    let exp = exp.unwrap_or_else(|| e2e_tests::now() + 3);
    wait_until_unix(exp + 1);
    for (label, req) in [
        ("GET /protected after expiry", Request::get("/protected")),
        ("POST /protected after expiry", Request::post("/protected")),
        ("GET /fresh after expiry", Request::get("/fresh")),
        ("GET /optional after expiry", Request::get("/optional")),
        ("GET /me after expiry", Request::get("/me")),
        ("GET /claims after expiry", Request::get("/claims")),
        ("GET /admin after expiry", Request::get("/admin")),
        ("DELETE /logout after expiry", Request::delete("/logout")),
    ] {
        r.with_token(label, 401, req, &a);
    }
    r.with_token(
        "POST /refresh with the expired access token",
        401,
        Request::post("/refresh"),
        &a,
    );
    let refreshed = r.with_token(
        "POST /refresh with the refresh token",
        200,
        Request::post("/refresh"),
        &rt,
    );
    let a2 = refreshed.str_field("access_token").unwrap_or_default();
    r.with_token(
        "GET /protected with the new access token",
        200,
        Request::get("/protected"),
        &a2,
    );
    r.transcript
}

fn wait_until_unix(deadline: i64) {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let wait = (deadline * 1000 - now_ms).clamp(0, 10_000);
    std::thread::sleep(Duration::from_millis(wait as u64));
}

#[test]
fn profile_b_access_tokens_expire_after_3_seconds() {
    let profile = Profile::short_expiry();
    let (example, flask) = profile.start_both();
    let (t_example, t_flask) = std::thread::scope(|s| {
        let f = s.spawn(|| expiry_script(&flask, &profile));
        let e = expiry_script(&example, &profile);
        (e, f.join().unwrap())
    });
    assert_same_answers(
        "profile short-expiry",
        "flask",
        &t_flask,
        "example",
        &t_example,
    );
    let expired = t_example
        .entries
        .iter()
        .find(|e| e.label == "GET /protected after expiry");
    assert_eq!(
        expired.map(|e| (e.status, e.body.clone())),
        Some((401, json!({"message": "Token has expired"})))
    );
    let lifetime = t_example
        .entries
        .iter()
        .find(|e| e.label.starts_with("claims of the 3 s"));
    assert_eq!(
        lifetime.map(|e| e.body["claims"]["exp"].clone()),
        Some(json!("<iat+3>"))
    );
}

/// Settings from the environment win over the same settings in `.env`, in both apps.
#[test]
fn environment_wins_over_dotenv() {
    let dotenv =
        format!("SECRET_KEY={SECRET}\nJWT_ERROR_MESSAGE_KEY=from_dotenv\nJWT_HEADER_TYPE=Dotenv\n");
    let env = [("JWT_ERROR_MESSAGE_KEY", "from_env")];
    let servers = std::thread::scope(|s| {
        let f = s.spawn(|| Server::start(AppKind::Flask, &env, Some(&dotenv)));
        let e = Server::start(AppKind::ExampleApp, &env, Some(&dotenv));
        [e, f.join().unwrap()]
    });
    for server in &servers {
        let resp = server.send(&Request::get("/protected"));
        assert_eq!(
            (resp.status, resp.json()),
            (
                401,
                Some(json!({"from_env": "Missing Authorization Header"}))
            ),
            "{:?}",
            server.kind()
        );
        let resp = server.send(&Request::get("/protected").header("Authorization", "Bearer x"));
        assert_eq!(
            (resp.status, resp.json()),
            (
                401,
                Some(
                    json!({"from_env": "Missing 'Dotenv' type in 'Authorization' header. Expected 'Authorization: Dotenv <JWT>'"})
                )
            ),
            "{:?}",
            server.kind()
        );
    }
}

fn assert_refuses_to_start(env: &[(&str, &str)], dotenv: Option<&str>, must_name: &[&str]) {
    let exit = run_to_exit(AppKind::ExampleApp, env, dotenv, Duration::from_secs(20));
    let what = format!("example app with env {env:?} and .env {dotenv:?}");
    let status = exit.status.unwrap_or_else(|| {
        panic!(
            "{what} did not exit within 20 s\nstdout:\n{}\nstderr:\n{}",
            exit.stdout, exit.stderr
        )
    });
    assert!(
        !status.success(),
        "{what} exited with success\nstderr:\n{}",
        exit.stderr
    );
    assert!(
        !exit.listened(),
        "{what} printed a listening line before failing:\n{}",
        exit.stdout
    );
    for name in must_name {
        assert!(
            exit.stderr.contains(name),
            "{what}: stderr does not name {name}:\n{}",
            exit.stderr
        );
    }
}

#[test]
fn example_app_refuses_to_start_without_a_secret() {
    assert_refuses_to_start(&[], None, &["JWT_SECRET_KEY", "SECRET_KEY"]);
    assert_refuses_to_start(
        &[("SECRET_KEY", "")],
        None,
        &["JWT_SECRET_KEY", "SECRET_KEY"],
    );
    assert_refuses_to_start(
        &[("SECRET_KEY", ""), ("JWT_SECRET_KEY", "")],
        None,
        &["JWT_SECRET_KEY", "SECRET_KEY"],
    );
    // An asymmetric algorithm does not need the secret, but a symmetric one named in .env does.
    assert_refuses_to_start(
        &[],
        Some("JWT_ALGORITHM=HS512\n"),
        &["JWT_SECRET_KEY", "SECRET_KEY"],
    );
}

#[test]
fn example_app_refuses_to_start_with_unparseable_settings() {
    let cases: [(&str, &str); 7] = [
        ("JWT_COOKIE_SECURE", "maybe"),
        ("JWT_TOKEN_LOCATION", "body"),
        ("JWT_ALGORITHM", "HS999"),
        ("JWT_ACCESS_TOKEN_EXPIRES", "soon"),
        ("JWT_DECODE_LEEWAY", "a while"),
        ("JWT_SESSION_COOKIE", "perhaps"),
        ("PORT", "http"),
    ];
    for (name, value) in cases {
        assert_refuses_to_start(&[("SECRET_KEY", SECRET), (name, value)], None, &[name]);
    }
    // The same from a .env file.
    assert_refuses_to_start(
        &[],
        Some(&format!("SECRET_KEY={SECRET}\nJWT_COOKIE_SECURE=maybe\n")),
        &["JWT_COOKIE_SECURE"],
    );
}

/// The Flask reference refuses the same unparseable values (exit status 2), so the startup
/// checks above are the contract's, not only the Rust app's.
#[test]
fn flask_reference_refuses_the_same_unparseable_settings() {
    for (name, value) in [
        ("JWT_COOKIE_SECURE", "maybe"),
        ("JWT_TOKEN_LOCATION", "body"),
    ] {
        let exit = run_to_exit(
            AppKind::Flask,
            &[("SECRET_KEY", SECRET), (name, value)],
            None,
            Duration::from_secs(30),
        );
        assert_eq!(
            exit.status.and_then(|s| s.code()),
            Some(2),
            "{name}={value}: {exit:?}"
        );
        assert!(
            !exit.listened() && exit.stderr.contains(name),
            "{name}={value}: {exit:?}"
        );
    }
}

/// RFC 6750 challenges (example app only: flask-jwt-extended sends none): with
/// `JWT_WWW_AUTHENTICATE=true`, with and without `JWT_WWW_AUTHENTICATE_REALM`, every refusal
/// carries its `WWW-Authenticate`; by default none does. The requirement refusals stay under
/// the key `message` whatever `JWT_ERROR_MESSAGE_KEY` says.
#[test]
fn www_authenticate_challenges() {
    struct Case {
        name: &'static str,
        env: Vec<(&'static str, &'static str)>,
        /// `None`: challenges off.
        prefix: Option<&'static str>,
        error_key: &'static str,
    }
    let cases = [
        Case {
            name: "default",
            env: vec![("SECRET_KEY", SECRET)],
            prefix: None,
            error_key: "message",
        },
        Case {
            name: "on, no realm",
            env: vec![("SECRET_KEY", SECRET), ("JWT_WWW_AUTHENTICATE", "true")],
            prefix: Some("Bearer"),
            error_key: "message",
        },
        Case {
            name: "on, realm, custom error key",
            env: vec![
                ("SECRET_KEY", SECRET),
                ("JWT_WWW_AUTHENTICATE", "true"),
                ("JWT_WWW_AUTHENTICATE_REALM", "example \"app\""),
                ("JWT_ERROR_MESSAGE_KEY", "error"),
            ],
            prefix: Some(r#"Bearer realm="example \"app\"""#),
            error_key: "error",
        },
    ];
    let servers: Vec<Server> = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .iter()
            .map(|c| s.spawn(|| Server::example_app(&c.env)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let t = e2e_tests::now();
    let expired = token::hmac(
        actix_jwt_ext::jsonwebtoken::Algorithm::HS256,
        SECRET.as_bytes(),
        &json!({
            "sub": "test", "type": "access", "fresh": false, "jti": "expired-1",
            "iat": t - 200, "nbf": t - 200, "exp": t - 100, "roles": ["user"],
        }),
    );
    let other_key = token::hmac(
        actix_jwt_ext::jsonwebtoken::Algorithm::HS256,
        b"another secret, 0123456789abcdef0123456789abcdef",
        &json!({"sub": "test", "type": "access", "fresh": false, "jti": "k", "iat": t, "nbf": t}),
    );
    let mut failures = Vec::new();
    for (case, server) in cases.iter().zip(&servers) {
        let login = |user: &str, scope: Option<&str>| {
            let mut body = json!({"username": user, "password": user});
            if let Some(scope) = scope {
                body["scope"] = json!(scope);
            }
            let resp = server.send(&login_json(&body));
            assert_eq!(
                resp.status,
                200,
                "{}: login {user}: {}",
                case.name,
                resp.text()
            );
            resp.str_field("access_token").unwrap()
        };
        let bearer = |token: &str| format!("Bearer {token}");
        let test = login("test", None);
        let reader = login("test", Some("reports:read"));
        let admin = login("admin", None);
        let key = case.error_key;
        // (what, request, status, body, challenge parameters after the prefix)
        let checks: Vec<(&str, Request, u16, Value, Option<&str>)> = vec![
            (
                "missing token",
                Request::get("/protected"),
                401,
                json!({ key: "Missing Authorization Header" }),
                Some(""),
            ),
            (
                "missing token on /reports",
                Request::get("/reports"),
                401,
                json!({ key: "Missing Authorization Header" }),
                Some(""),
            ),
            (
                "expired token",
                Request::get("/protected").header("Authorization", &bearer(&expired)),
                401,
                json!({ key: "Token has expired" }),
                Some(r#"error="invalid_token", error_description="Token has expired""#),
            ),
            (
                "malformed token",
                Request::get("/protected").header("Authorization", "Bearer foobarbaz"),
                422,
                json!({ key: "Not enough segments" }),
                Some(r#"error="invalid_token", error_description="Not enough segments""#),
            ),
            (
                "token signed with another key",
                Request::get("/reports").header("Authorization", &bearer(&other_key)),
                422,
                json!({ key: "Signature verification failed" }),
                Some(r#"error="invalid_token", error_description="Signature verification failed""#),
            ),
            (
                "/reports without the scope",
                Request::get("/reports").header("Authorization", &bearer(&test)),
                403,
                json!({"message": "Insufficient scope"}),
                Some(r#"error="insufficient_scope", scope="reports:read""#),
            ),
            (
                "/admin as test",
                Request::get("/admin").header("Authorization", &bearer(&test)),
                403,
                json!({"message": "Admins only!"}),
                Some(r#"error="insufficient_scope""#),
            ),
            (
                "/admin as test with the reports:read scope",
                Request::get("/admin").header("Authorization", &bearer(&reader)),
                403,
                json!({"message": "Admins only!"}),
                Some(r#"error="insufficient_scope""#),
            ),
            (
                "/admin/notes as test with invalid JSON",
                Request::post("/admin/notes")
                    .header("Authorization", &bearer(&test))
                    .body("application/json", b"{"),
                403,
                json!({"message": "Admins only!"}),
                Some(r#"error="insufficient_scope""#),
            ),
            (
                "/reports with the scope",
                Request::get("/reports").header("Authorization", &bearer(&reader)),
                200,
                json!({"reports": [{"id": 1, "title": "Q1"}, {"id": 2, "title": "Q2"}]}),
                None,
            ),
            (
                "/admin as admin",
                Request::get("/admin").header("Authorization", &bearer(&admin)),
                200,
                json!({"message": "Welcome, admin"}),
                None,
            ),
            (
                "/admin/notes as admin with invalid JSON (the app's own 400)",
                Request::post("/admin/notes")
                    .header("Authorization", &bearer(&admin))
                    .body("application/json", b"{"),
                400,
                json!({"message": "Invalid note"}),
                None,
            ),
            (
                "login with an invalid scope (the app's own 400)",
                login_json(&json!({"username": "test", "password": "test", "scope": ""})),
                400,
                json!({"message": "Invalid scope"}),
                None,
            ),
        ];
        for (what, req, status, body, params) in checks {
            let resp = server.send(&req);
            let want = match (case.prefix, params) {
                (Some(prefix), Some("")) => Some(prefix.to_owned()),
                (Some("Bearer"), Some(p)) => Some(format!("Bearer {p}")),
                (Some(prefix), Some(p)) => Some(format!("{prefix}, {p}")),
                _ => None,
            };
            let challenges: Vec<&str> = resp
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("www-authenticate"))
                .map(|(_, v)| v.as_str())
                .collect();
            let got = (resp.status, resp.json(), challenges.clone());
            let expected = (
                status,
                Some(body),
                want.iter().map(String::as_str).collect(),
            );
            if got != expected {
                failures.push(format!(
                    "{}: {what}:\n  expected {expected:?}\n  got      {got:?}",
                    case.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// With `JWT_REFRESH_ROTATION=true` (example app only: the Flask twin has no rotation), the
/// pairs a refresh returns keep the login's `scope`, and a login without scope stays without.
#[test]
fn refresh_rotation_keeps_the_login_scope() {
    let server = Server::example_app(&[("SECRET_KEY", SECRET), ("JWT_REFRESH_ROTATION", "true")]);
    let scope_of = |token: &str| jwt_parts(token).and_then(|(_, c)| c.get("scope").cloned());
    for (scope, want) in [
        (Some("reports:read"), Some(json!("reports:read"))),
        (None, None),
    ] {
        let mut body = json!({"username": "test", "password": "test"});
        if let Some(scope) = scope {
            body["scope"] = json!(scope);
        }
        let login = server.send(&login_json(&body));
        assert_eq!(login.status, 200, "{}", login.text());
        let mut refresh = login.str_field("refresh_token").unwrap();
        for round in 0..2 {
            let resp = server.send(
                &Request::post("/refresh").header("Authorization", &format!("Bearer {refresh}")),
            );
            assert_eq!(resp.status, 200, "round {round}: {}", resp.text());
            let access = resp.str_field("access_token").unwrap();
            refresh = resp.str_field("refresh_token").unwrap();
            assert_eq!(scope_of(&access), want, "round {round}: access token");
            assert_eq!(scope_of(&refresh), want, "round {round}: refresh token");
            let reports = server.send(
                &Request::get("/reports").header("Authorization", &format!("Bearer {access}")),
            );
            let status = if want.is_some() { 200 } else { 403 };
            assert_eq!(reports.status, status, "round {round}: {}", reports.text());
        }
    }
}
