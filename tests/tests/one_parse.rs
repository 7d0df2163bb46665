//! "One parse": the library reads a token's header and payload JSON once, and every check,
//! accessor, extractor and loader (token type, freshness, identity, roles, CSRF, revocation)
//! reads that one parse. Over real HTTP, against the example app and the real
//! flask-jwt-extended 4.7.4 reference app with the same settings:
//!
//! - tokens the real flask-jwt-extended mints (`jwt_tool.py create`): with a lone surrogate
//!   in an extra claim or header (refused here at decode with 422 `Invalid payload string:
//!   ...` / `Invalid header string: ...`; Flask accepts them, and its answers are pinned too),
//!   with a non-ASCII `jti` (escaped by Python's `json.dumps`), with escaped non-ASCII names
//!   and values;
//! - tokens signed here over exact bytes (HS256 over the exact header and payload text) with
//!   escapes in `type`, `sub`, `jti`, `fresh`, `csrf`, `exp`, `nbf`, `roles` and `alg`, with
//!   duplicate members (the last one wins, as in Python's `json.loads`), with escaped names
//!   that collide with plain ones, and with lone surrogates, too-deep nesting and out-of-range
//!   numbers (refused here, accepted by Flask).
//!
//! For every token that both apps accept, every route reads it one way: the same answers,
//! byte for byte, from both apps on `/protected`, `/optional`, `/fresh`, `/claims`, `/admin`,
//! `/me`, `/refresh` and `DELETE /logout`; revoking it revokes every spelling of its `jti`
//! (and only that `jti`); a refresh token is refused on every access route; `/refresh` signs
//! a new access token for the real identity.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_jwt_ext::jsonwebtoken::Algorithm;
use base64::Engine as _;
use e2e_tests::{
    is_jsonify_format, jwt_parts, normalise, now, shorten_tokens, token, Profile, Request,
    Response, Server, SECRET,
};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

/// The plain HS256 header.
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// An HS256 token over exactly these header and payload bytes, with the apps' secret.
fn hs(header: &str, payload: &str) -> String {
    token::raw_hmac(
        Algorithm::HS256,
        SECRET.as_bytes(),
        header.as_bytes(),
        payload.as_bytes(),
    )
}

/// `{"iat":now,"nbf":now,"exp":now+3600,<members>}`, as text.
fn claims(members: &str) -> String {
    let n = now();
    format!("{{\"iat\":{n},\"nbf\":{n},\"exp\":{},{members}}}", n + 3600)
}

/// `{"iat":now,<members>}` (no `nbf`, no `exp`), as text.
fn claims_untimed(members: &str) -> String {
    format!("{{\"iat\":{},{members}}}", now())
}

/// A hand-signed access token of `sub` (plain members) with `jti`, plus `extra` members.
fn access(sub: &str, jti: &str, extra: &str) -> String {
    let mut members = format!(r#""jti":"{jti}","type":"access","sub":"{sub}","fresh":false"#);
    if !extra.is_empty() {
        members.push(',');
        members.push_str(extra);
    }
    hs(HEADER, &claims(&members))
}

/// A hand-signed refresh token of `sub` with `jti`.
fn refresh(sub: &str, jti: &str) -> String {
    hs(
        HEADER,
        &claims(&format!(
            r#""jti":"{jti}","type":"refresh","sub":"{sub}","fresh":false"#
        )),
    )
}

/// The exact bytes of a token's segment `i` (0 header, 1 payload).
fn segment(token: &str, i: usize) -> String {
    let part = token.split('.').nth(i).unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap_or_else(|e| panic!("segment {i} of {token} is not base64url: {e}"));
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("segment {i} is not UTF-8: {e}"))
}

/// The `roles` the apps' additional-claims loader gives `identity`.
fn roles_of(identity: &Value) -> Value {
    match identity.as_str() {
        Some("test") => json!(["user"]),
        Some("admin") => json!(["admin", "user"]),
        _ => json!([]),
    }
}

fn message(text: &str) -> Value {
    json!({ "message": text })
}

fn bearer(req: Request, token: &str) -> Request {
    req.header("Authorization", &format!("Bearer {token}"))
}

fn show(r: &Response) -> String {
    format!("{} {}", r.status, shorten_tokens(r.text().trim_end()))
}

/// Mints a token with the real flask-jwt-extended (`jwt_tool.py create <args>`). The token is
/// only checked to have three base64url segments: its JSON may be something serde_json
/// refuses (a lone surrogate), which is the point of some of these tokens.
fn mint(profile: &Profile, args: &[&str]) -> String {
    let mut all = vec!["create"];
    all.extend_from_slice(args);
    let token = profile.jwt_tool(&all);
    let shape = token.split('.').count() == 3
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    assert!(shape, "jwt_tool.py {all:?} printed {token:?}");
    token
}

/// [`mint`] for each argument list, concurrently.
fn mint_all(profile: &Profile, specs: &[&[&str]]) -> Vec<String> {
    std::thread::scope(|s| {
        let handles: Vec<_> = specs
            .iter()
            .map(|args| s.spawn(move || mint(profile, args)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

// ---------------------------------------------------------------------------------------------
// Both apps, and the checks
// ---------------------------------------------------------------------------------------------

/// Both apps of one profile, and the failed checks so far (reported together at the end).
struct Apps {
    example: Server,
    flask: Server,
    /// Tokens travel in cookies (`JWT_TOKEN_LOCATION=cookies`) rather than the header.
    cookies: bool,
    failures: Vec<String>,
    checks: usize,
}

/// What a token must read as, on every route.
#[derive(Default)]
struct Want {
    /// The identity (`sub`).
    sub: Value,
    /// An access token with `fresh` true (or a deadline in the future).
    fresh: bool,
    /// Members the `/claims` answer must show in `claims`, with these values.
    claims: Vec<(&'static str, Value)>,
    /// Members the `/claims` answer must show in `header`, with these values.
    header: Vec<(&'static str, Value)>,
    /// Other tokens with the same `jti`, spelt differently: revoked with this one.
    twins: Vec<String>,
    /// Tokens with another `jti`: still accepted after this one is revoked.
    others: Vec<String>,
}

impl Want {
    fn sub(sub: &str) -> Self {
        Self {
            sub: json!(sub),
            ..Self::default()
        }
    }
}

impl Apps {
    fn start(profile: &Profile) -> Self {
        let (example, flask) = profile.start_both();
        Self {
            example,
            flask,
            cookies: profile.locations == ["cookies"],
            failures: Vec::new(),
            checks: 0,
        }
    }

    fn fail(&mut self, msg: String) {
        self.failures.push(msg);
    }

    /// Records a failure unless `ok`.
    fn ensure(&mut self, ok: bool, msg: impl FnOnce() -> String) {
        self.checks += 1;
        if !ok {
            self.fail(msg());
        }
    }

    /// Both apps answer `req` with `status` and the same bytes (status, content type, body).
    /// Returns both answers.
    fn same(&mut self, label: &str, req: &Request, status: u16) -> (Response, Response) {
        self.checks += 1;
        let e = self.example.send(req);
        let f = self.flask.send(req);
        let ct = |r: &Response| r.header("content-type").map(str::to_owned);
        if e.status != f.status || e.body != f.body || ct(&e) != ct(&f) {
            self.fail(format!(
                "{label}: the apps answer differently\n  request: {}\n  flask  : {} ({:?})\n  \
                 example: {} ({:?})",
                req.describe(),
                show(&f),
                ct(&f),
                show(&e),
                ct(&e)
            ));
        } else if e.status != status {
            self.fail(format!(
                "{label}: both answer {}, expected status {status}",
                show(&e)
            ));
        }
        (e, f)
    }

    /// Both apps answer `req` with `status` and JSON bodies equal after [`normalise`] (for
    /// answers that carry a new token).
    fn similar(&mut self, label: &str, req: &Request, status: u16) {
        self.checks += 1;
        let e = self.example.send(req);
        let f = self.flask.send(req);
        let n = |r: &Response| r.json().map(|v| normalise(&v));
        if e.status != f.status || n(&e) != n(&f) || n(&e).is_none() {
            self.fail(format!(
                "{label}: the apps answer differently\n  request: {}\n  flask  : {}\n  \
                 example: {}",
                req.describe(),
                show(&f),
                show(&e)
            ));
        } else if e.status != status {
            self.fail(format!(
                "{label}: both answer {}, expected status {status}",
                show(&e)
            ));
        }
    }

    /// `same`, and the (JSON) body is `body`.
    fn same_body(&mut self, label: &str, req: &Request, status: u16, body: &Value) {
        let (e, _) = self.same(label, req, status);
        self.ensure(e.json().as_ref() == Some(body), || {
            format!("{label}: body {}, expected {body}", show(&e))
        });
    }

    /// One app answers `req` with `status` and the JSON body `body`, jsonify-formatted.
    fn answers(&mut self, flask: bool, label: &str, req: &Request, status: u16, body: &Value) {
        let (name, r) = if flask {
            ("flask", self.flask.send(req))
        } else {
            ("example", self.example.send(req))
        };
        self.ensure(
            r.status == status && r.json().as_ref() == Some(body) && is_jsonify_format(&r.body),
            || {
                format!(
                    "{label}: {name} answers {}, expected {status} {body}",
                    show(&r)
                )
            },
        );
    }

    /// The example app refuses `req` at decode: 422 `{"message":"Invalid <part> string: ..."}`.
    fn refused_here(&mut self, label: &str, req: &Request, part: &str) {
        let r = self.example.send(req);
        let prefix = format!("Invalid {part} string: ");
        let ok = r.status == 422
            && is_jsonify_format(&r.body)
            && r.json().is_some_and(|v| {
                v.as_object().is_some_and(|o| o.len() == 1)
                    && v["message"]
                        .as_str()
                        .is_some_and(|m| m.starts_with(&prefix) && m.len() > prefix.len())
            });
        self.ensure(ok, || {
            format!(
                "{label}: example answers {}, expected 422 {{\"message\":\"{prefix}...\"}}",
                show(&r)
            )
        });
    }

    /// Every route refuses `token` at decode on the example app (`part` names the segment).
    fn refused_everywhere_here(&mut self, label: &str, token: &str, part: &str) {
        for req in [
            Request::get("/protected"),
            Request::get("/optional"),
            Request::get("/fresh"),
            Request::get("/claims"),
            Request::get("/admin"),
            Request::get("/me"),
            Request::post("/refresh"),
            Request::delete("/logout"),
            // After the refused logout, still refused at decode (not "revoked").
            Request::get("/protected"),
        ] {
            let what = format!("{label}: {} {}", req.method, req.path);
            self.refused_here(&what, &bearer(req, token), part);
        }
    }

    /// The token reads as an access token with `want` on every route of both apps, and
    /// revoking it revokes exactly its `jti`.
    fn reads_as_access(&mut self, label: &str, token: &str, want: &Want) {
        let sub = &want.sub;
        let req = |r: Request| bearer(r, token);
        let ok = json!({ "logged_in_as": sub });
        self.same_body(
            &format!("{label}: /protected"),
            &req(Request::get("/protected")),
            200,
            &ok,
        );
        self.same_body(
            &format!("{label}: POST /protected"),
            &req(Request::post("/protected")),
            200,
            &ok,
        );
        self.same_body(
            &format!("{label}: /optional"),
            &req(Request::get("/optional")),
            200,
            &ok,
        );
        if want.fresh {
            self.same_body(
                &format!("{label}: /fresh"),
                &req(Request::get("/fresh")),
                200,
                &ok,
            );
        } else {
            self.same_body(
                &format!("{label}: /fresh"),
                &req(Request::get("/fresh")),
                401,
                &message("Fresh token required"),
            );
        }
        let (e, _) = self.same(
            &format!("{label}: /claims"),
            &req(Request::get("/claims")),
            200,
        );
        let body = e.json().unwrap_or(Value::Null);
        let mut expected_claims = vec![("type", json!("access")), ("sub", sub.clone())];
        expected_claims.extend(want.claims.iter().cloned());
        for (k, v) in &expected_claims {
            self.ensure(&body["claims"][*k] == v, || {
                format!(
                    "{label}: /claims shows claims.{k} = {}, expected {v}",
                    body["claims"][*k]
                )
            });
        }
        for (k, v) in &want.header {
            self.ensure(&body["header"][*k] == v, || {
                format!(
                    "{label}: /claims shows header.{k} = {}, expected {v}",
                    body["header"][*k]
                )
            });
        }
        let admin = roles_in(&body["claims"]["roles"]);
        if admin {
            self.same_body(
                &format!("{label}: /admin"),
                &req(Request::get("/admin")),
                200,
                &message("Welcome, admin"),
            );
        } else {
            self.same_body(
                &format!("{label}: /admin"),
                &req(Request::get("/admin")),
                403,
                &message("Admins only!"),
            );
        }
        match sub.as_str() {
            Some(user @ ("test" | "admin")) => self.same_body(
                &format!("{label}: /me"),
                &req(Request::get("/me")),
                200,
                &json!({ "username": user, "roles": roles_of(sub) }),
            ),
            _ => {
                self.same(&format!("{label}: /me"), &req(Request::get("/me")), 401);
            }
        }
        self.same_body(
            &format!("{label}: /refresh"),
            &req(Request::post("/refresh")),
            422,
            &message("Only refresh tokens are allowed"),
        );
        self.revokes(
            label,
            token,
            want,
            Request::get("/protected"),
            "Access token revoked",
        );
    }

    /// The token reads as a refresh token of `want.sub` on every route of both apps.
    fn reads_as_refresh(&mut self, label: &str, token: &str, want: &Want) {
        let req = |r: Request| bearer(r, token);
        for path in [
            "/protected",
            "/optional",
            "/fresh",
            "/claims",
            "/admin",
            "/me",
        ] {
            self.same_body(
                &format!("{label}: {path}"),
                &req(Request::get(path)),
                422,
                &message("Only non-refresh tokens are allowed"),
            );
        }
        self.same_body(
            &format!("{label}: POST /protected"),
            &req(Request::post("/protected")),
            422,
            &message("Only non-refresh tokens are allowed"),
        );
        self.refreshes_for(label, &req(Request::post("/refresh")), &want.sub);
        self.revokes(
            label,
            token,
            want,
            Request::post("/refresh"),
            "Refresh token revoked",
        );
    }

    /// `POST /refresh` (`req`) answers 200 on both apps with a new access token for `sub`
    /// (not fresh, with `sub`'s roles), which the other app accepts for `sub`.
    fn refreshes_for(&mut self, label: &str, req: &Request, sub: &Value) {
        let e = self.example.send(req);
        let f = self.flask.send(req);
        let n = |r: &Response| r.json().map(|v| normalise(&v));
        self.ensure(
            e.status == 200
                && f.status == 200
                && n(&e) == n(&f)
                && n(&e) == Some(json!({ "access_token": "<jwt>" }))
                && is_jsonify_format(&e.body),
            || {
                format!(
                    "{label}: /refresh: expected 200 {{\"access_token\"}} from both\n  flask  : \
                     {}\n  example: {}",
                    show(&f),
                    show(&e)
                )
            },
        );
        for (name, r) in [("example", &e), ("flask", &f)] {
            let new = r.str_field("access_token").unwrap_or_default();
            let claims = jwt_parts(&new).map(|(_, c)| c).unwrap_or(Value::Null);
            let want = [
                ("sub", sub.clone()),
                ("type", json!("access")),
                ("fresh", json!(false)),
                ("roles", roles_of(sub)),
            ];
            for (k, v) in &want {
                self.ensure(&claims[*k] == v, || {
                    format!(
                        "{label}: /refresh on {name} signed claims.{k} = {}, expected {v} \
                         (claims {claims})",
                        claims[*k]
                    )
                });
            }
            // The new token, on the other app.
            let other = if name == "example" {
                &self.flask
            } else {
                &self.example
            };
            let probe = if self.cookies {
                Request::get("/protected").header("Cookie", &format!("access_token_cookie={new}"))
            } else {
                bearer(Request::get("/protected"), &new)
            };
            let p = other.send(&probe);
            self.ensure(
                p.status == 200 && p.json() == Some(json!({ "logged_in_as": sub })),
                || {
                    format!(
                        "{label}: the access token {name} signed at /refresh, on the other \
                         app's /protected: {}",
                        show(&p)
                    )
                },
            );
        }
    }

    /// Revocation: the twins work before; `DELETE /logout` answers `revoked`; afterwards the
    /// token and its twins are refused with the revoked answer on `probe`, the others are not.
    fn revokes(&mut self, label: &str, token: &str, want: &Want, probe: Request, revoked: &str) {
        let probe_with = |t: &str| bearer(probe.clone(), t);
        let probe_status = 200;
        for (i, twin) in want.twins.iter().enumerate() {
            self.similar(
                &format!("{label}: twin {i} before the logout"),
                &probe_with(twin),
                probe_status,
            );
        }
        self.same_body(
            &format!("{label}: DELETE /logout"),
            &bearer(Request::delete("/logout"), token),
            200,
            &message(revoked),
        );
        let gone = message("Token has been revoked");
        self.same_body(
            &format!("{label}: {} {} after the logout", probe.method, probe.path),
            &probe_with(token),
            401,
            &gone,
        );
        self.same_body(
            &format!("{label}: DELETE /logout again"),
            &bearer(Request::delete("/logout"), token),
            401,
            &gone,
        );
        for (i, twin) in want.twins.iter().enumerate() {
            self.same_body(
                &format!("{label}: twin {i} (same jti, other spelling) after the logout"),
                &probe_with(twin),
                401,
                &gone,
            );
        }
        for (i, other) in want.others.iter().enumerate() {
            self.similar(
                &format!("{label}: other token {i} (another jti) after the logout"),
                &probe_with(other),
                probe_status,
            );
        }
    }

    fn finish(self, what: &str) {
        assert!(self.checks > 0, "{what}: no checks ran");
        if !self.failures.is_empty() {
            panic!(
                "{what}: {} of {} checks failed:\n{}",
                self.failures.len(),
                self.checks,
                self.failures.join("\n")
            );
        }
    }
}

/// Whether a `roles` claim holds "admin".
fn roles_in(roles: &Value) -> bool {
    roles
        .as_array()
        .is_some_and(|r| r.iter().any(|x| x == "admin"))
}

// ---------------------------------------------------------------------------------------------
// Tokens minted by the real flask-jwt-extended
// ---------------------------------------------------------------------------------------------

/// (a) `create_access_token("test", additional_claims={"nickname": json.loads('"\\ud800"')})`
/// and friends: a lone surrogate in an extra claim (value or name) or in an extra header.
/// flask-jwt-extended mints and accepts them; the example app refuses them at decode on every
/// route, and Flask's own answers are pinned.
#[test]
fn flask_minted_lone_surrogates_are_refused_at_decode_here_and_accepted_by_flask() {
    let profile = Profile::defaults();
    let mut apps = Apps::start(&profile);
    let minted = mint_all(
        &profile,
        &[
            &[
                "--type",
                "access",
                "--identity",
                "test",
                "--claims",
                r#"{"nickname":"\ud800"}"#,
            ],
            &[
                "--type",
                "refresh",
                "--identity",
                "test",
                "--claims",
                r#"{"nickname":"\ud800"}"#,
            ],
            &[
                "--type",
                "access",
                "--identity",
                "admin",
                "--claims",
                r#"{"\udc00":"name"}"#,
            ],
            &[
                "--type",
                "access",
                "--identity",
                "test",
                "--headers",
                r#"{"x-note":"\udfff"}"#,
            ],
        ],
    );
    let [access_t, refresh_t, name_t, header_t] = <[String; 4]>::try_from(minted).unwrap();

    // What Python put in the tokens: the lone surrogates as \u escapes.
    for (t, part, needle) in [
        (&access_t, 1, r#""nickname":"\ud800""#),
        (&refresh_t, 1, r#""nickname":"\ud800""#),
        (&name_t, 1, r#""\udc00":"name""#),
        (&header_t, 0, r#""x-note":"\udfff""#),
    ] {
        let text = segment(t, part);
        apps.ensure(text.contains(needle), || {
            format!("flask minted {text}, expected it to contain {needle}")
        });
    }

    // The example app: refused at decode on every route, header or payload.
    apps.refused_everywhere_here(
        "flask access token, lone surrogate value",
        &access_t,
        "payload",
    );
    apps.refused_everywhere_here(
        "flask refresh token, lone surrogate value",
        &refresh_t,
        "payload",
    );
    apps.refused_everywhere_here(
        "flask access token, lone surrogate name",
        &name_t,
        "payload",
    );
    apps.refused_everywhere_here(
        "flask access token, lone surrogate in header",
        &header_t,
        "header",
    );

    // Flask: accepted, and read as what it is.
    let f = |r: Request, t: &str| bearer(r, t);
    let user = json!({ "logged_in_as": "test" });
    apps.answers(
        true,
        "flask: surrogate access /protected",
        &f(Request::get("/protected"), &access_t),
        200,
        &user,
    );
    apps.answers(
        true,
        "flask: surrogate access /fresh",
        &f(Request::get("/fresh"), &access_t),
        401,
        &message("Fresh token required"),
    );
    apps.answers(
        true,
        "flask: surrogate access /admin",
        &f(Request::get("/admin"), &access_t),
        403,
        &message("Admins only!"),
    );
    apps.answers(
        true,
        "flask: surrogate access /refresh",
        &f(Request::post("/refresh"), &access_t),
        422,
        &message("Only refresh tokens are allowed"),
    );
    let c = apps.flask.send(&f(Request::get("/claims"), &access_t));
    apps.ensure(
        c.status == 200 && c.text().contains(r#""nickname":"\ud800""#),
        || format!("flask: surrogate access /claims: {}", show(&c)),
    );
    apps.answers(
        true,
        "flask: surrogate access /logout",
        &f(Request::delete("/logout"), &access_t),
        200,
        &message("Access token revoked"),
    );
    apps.answers(
        true,
        "flask: surrogate access /protected after logout",
        &f(Request::get("/protected"), &access_t),
        401,
        &message("Token has been revoked"),
    );

    apps.answers(
        true,
        "flask: surrogate refresh /protected",
        &f(Request::get("/protected"), &refresh_t),
        422,
        &message("Only non-refresh tokens are allowed"),
    );
    let r = apps.flask.send(&f(Request::post("/refresh"), &refresh_t));
    let new = r.str_field("access_token").unwrap_or_default();
    let sub = jwt_parts(&new).map(|(_, c)| c["sub"].clone());
    apps.ensure(r.status == 200 && sub == Some(json!("test")), || {
        format!("flask: surrogate refresh /refresh: {}", show(&r))
    });

    apps.answers(
        true,
        "flask: surrogate name /admin",
        &f(Request::get("/admin"), &name_t),
        200,
        &message("Welcome, admin"),
    );
    let c = apps.flask.send(&f(Request::get("/claims"), &name_t));
    apps.ensure(
        c.status == 200 && c.text().contains(r#""\udc00":"name""#),
        || format!("flask: surrogate name /claims: {}", show(&c)),
    );

    apps.answers(
        true,
        "flask: surrogate header /protected",
        &f(Request::get("/protected"), &header_t),
        200,
        &user,
    );
    let c = apps.flask.send(&f(Request::get("/claims"), &header_t));
    apps.ensure(
        c.status == 200 && c.text().contains(r#""x-note":"\udfff""#),
        || format!("flask: surrogate header /claims: {}", show(&c)),
    );

    apps.finish("flask-minted lone surrogates");
}

/// (b) A non-ASCII `jti` minted by flask-jwt-extended (`additional_claims={"jti": "sess-é-1"}`,
/// written `"sess-\u00e9-1"` by `json.dumps`): every route reads it one way on both apps, and
/// revoking it also revokes the same `jti` written as raw UTF-8 or with upper-case hex, and
/// nothing else.
#[test]
fn flask_minted_non_ascii_jti_reads_one_way_and_revokes_every_spelling() {
    let profile = Profile::defaults();
    let mut apps = Apps::start(&profile);
    let minted = mint_all(
        &profile,
        &[
            &[
                "--type",
                "access",
                "--identity",
                "test",
                "--claims",
                r#"{"jti":"sess-é-1"}"#,
            ],
            &[
                "--type",
                "refresh",
                "--identity",
                "test",
                "--claims",
                r#"{"jti":"sess-é-r"}"#,
            ],
        ],
    );
    let [access_t, refresh_t] = <[String; 2]>::try_from(minted).unwrap();
    for (t, needle) in [
        (&access_t, r#""jti":"sess-\u00e9-1""#),
        (&refresh_t, r#""jti":"sess-\u00e9-r""#),
    ] {
        let text = segment(t, 1);
        apps.ensure(text.contains(needle), || {
            format!("flask minted {text}, expected it to contain {needle}")
        });
    }

    let want = Want {
        claims: vec![("jti", json!("sess-é-1")), ("roles", json!(["user"]))],
        twins: vec![
            access("test", "sess-é-1", ""),
            access("test", r"sess-\u00E9-1", ""),
            hs(
                HEADER,
                &claims(r#""j\u0074i":"s\u0065ss-\u00e9-1","type":"access","sub":"test""#),
            ),
        ],
        others: vec![
            access("test", "sess-e-1", ""),
            access("test", r"sess-\u00e9-2", ""),
        ],
        ..Want::sub("test")
    };
    apps.reads_as_access("flask access token with jti sess-é-1", &access_t, &want);

    let want = Want {
        twins: vec![
            refresh("test", "sess-é-r"),
            refresh("test", r"sess-\u00e9-\u0072"),
        ],
        others: vec![refresh("test", "sess-é-s")],
        ..Want::sub("test")
    };
    apps.reads_as_refresh("flask refresh token with jti sess-é-r", &refresh_t, &want);

    apps.finish("flask-minted non-ASCII jti");
}

/// (c) Escaped non-ASCII names and values minted by flask-jwt-extended (extra claims, extra
/// header, identity, a surrogate pair): `/claims` is byte-identical on both apps and shows the
/// unescaped values, and every route reads the tokens one way; `/refresh` with a refresh
/// token of identity "tést" signs a token for "tést".
#[test]
fn flask_minted_escaped_names_and_values_read_one_way() {
    let profile = Profile::defaults();
    let mut apps = Apps::start(&profile);
    let minted = mint_all(
        &profile,
        &[
            &[
                "--type",
                "access",
                "--identity",
                "admin",
                "--fresh",
                "true",
                "--claims",
                r#"{"nämé":"välüe","emoji":"😀","nested":{"ключ":["значение",1]}}"#,
                "--headers",
                r#"{"x-ünï":"hé"}"#,
            ],
            &["--type", "access", "--identity", "tést"],
            &["--type", "refresh", "--identity", "tést"],
            &[
                "--type",
                "refresh",
                "--identity",
                "admin",
                "--claims",
                r#"{"nämé":"välüe"}"#,
            ],
        ],
    );
    let [admin_t, tst_t, tst_refresh, admin_refresh] = <[String; 4]>::try_from(minted).unwrap();
    for (t, part, needle) in [
        (&admin_t, 1, r#""n\u00e4m\u00e9":"v\u00e4l\u00fce""#),
        (&admin_t, 1, r#""emoji":"\ud83d\ude00""#),
        (&admin_t, 0, r#""x-\u00fcn\u00ef":"h\u00e9""#),
        (&tst_t, 1, r#""sub":"t\u00e9st""#),
        (&tst_refresh, 1, r#""sub":"t\u00e9st""#),
    ] {
        let text = segment(t, part);
        apps.ensure(text.contains(needle), || {
            format!("flask minted {text}, expected it to contain {needle}")
        });
    }

    let want = Want {
        fresh: true,
        claims: vec![
            ("nämé", json!("välüe")),
            ("emoji", json!("😀")),
            ("nested", json!({"ключ": ["значение", 1]})),
            ("roles", json!(["admin", "user"])),
        ],
        header: vec![("x-ünï", json!("hé"))],
        ..Want::sub("admin")
    };
    apps.reads_as_access(
        "flask admin token with escaped names and values",
        &admin_t,
        &want,
    );

    let want = Want {
        claims: vec![("roles", json!([]))],
        ..Want::sub("tést")
    };
    apps.reads_as_access("flask access token of tést", &tst_t, &want);
    apps.reads_as_refresh(
        "flask refresh token of tést",
        &tst_refresh,
        &Want::sub("tést"),
    );
    apps.reads_as_refresh(
        "flask admin refresh token with escaped claims",
        &admin_refresh,
        &Want::sub("admin"),
    );

    apps.finish("flask-minted escaped names and values");
}

// ---------------------------------------------------------------------------------------------
// Hand-signed tokens
// ---------------------------------------------------------------------------------------------

/// `"ty\u0070e":"refres\u0068"` and duplicate / colliding `type` members: a token that reads
/// as a refresh token is refused on every access route and accepted at `/refresh`, on both
/// apps; one whose last `type` is "access" is the reverse.
#[test]
fn hand_signed_escaped_and_duplicate_type() {
    let profile = Profile::defaults();
    let mut apps = Apps::start(&profile);
    let refreshes = [
        (
            "escaped type name and value",
            claims(r#""jti":"type-1","ty\u0070e":"refres\u0068","sub":"test","fresh":false"#),
        ),
        (
            "escaped type, escaped sub",
            claims(
                r#""jti":"type-2","\u0074\u0079\u0070\u0065":"\u0072efresh","s\u0075b":"\u0074est""#,
            ),
        ),
        (
            "duplicate type, last refresh",
            claims(r#""jti":"type-3","type":"access","sub":"test","type":"refresh""#),
        ),
        (
            "plain access then escaped refresh",
            claims(r#""jti":"type-4","type":"access","ty\u0070e":"refresh","sub":"test""#),
        ),
    ];
    for (i, (label, payload)) in refreshes.iter().enumerate() {
        let t = hs(HEADER, payload);
        let want = Want {
            twins: vec![refresh("test", &format!("type-{}", i + 1))],
            others: vec![refresh("test", &format!("type-other-{}", i + 1))],
            ..Want::sub("test")
        };
        apps.reads_as_refresh(&format!("refresh token: {label}"), &t, &want);
    }
    let accesses = [
        (
            "escaped refresh then plain access",
            claims(
                r#""jti":"type-5","ty\u0070e":"refres\u0068","sub":"test","type":"access","fresh":false"#,
            ),
        ),
        (
            "duplicate type, last escaped access",
            claims(r#""jti":"type-6","type":"refresh","type":"\u0061ccess","sub":"test""#),
        ),
    ];
    for (i, (label, payload)) in accesses.iter().enumerate() {
        let t = hs(HEADER, payload);
        let want = Want {
            twins: vec![access("test", &format!("type-{}", i + 5), "")],
            others: vec![access("test", &format!("type-other-{}", i + 5), "")],
            ..Want::sub("test")
        };
        apps.reads_as_access(&format!("access token: {label}"), &t, &want);
    }
    apps.finish("hand-signed escaped and duplicate type");
}

/// Escaped, duplicate and colliding `sub` members: every route sees the real identity, the
/// user lookup (`/me`) finds that user, and `/refresh` signs a new token for it (with its
/// roles), never for null.
#[test]
fn hand_signed_escaped_and_duplicate_sub() {
    let profile = Profile::defaults();
    let mut apps = Apps::start(&profile);
    let refreshes = [
        ("escaped sub", r#""s\u0075b":"\u0074est""#, "test"),
        ("escaped admin", r#""sub":"\u0061\u0064min""#, "admin"),
        ("duplicate sub", r#""sub":"admin","sub":"test""#, "test"),
        (
            "plain then escaped sub",
            r#""sub":"admin","s\u0075b":"t\u0065st""#,
            "test",
        ),
        (
            "escaped then plain sub",
            r#""s\u0075b":"test","sub":"admin""#,
            "admin",
        ),
        ("non-ASCII escaped sub", r#""sub":"t\u00e9st""#, "tést"),
    ];
    for (i, (label, sub, real)) in refreshes.iter().enumerate() {
        let t = hs(
            HEADER,
            &claims(&format!(r#""jti":"sub-r{i}","type":"refresh",{sub}"#)),
        );
        apps.reads_as_refresh(&format!("refresh token: {label}"), &t, &Want::sub(real));
        let a = hs(
            HEADER,
            &claims(&format!(
                r#""jti":"sub-a{i}","type":"access","fresh":true,"roles":[],{sub}"#
            )),
        );
        let want = Want {
            fresh: true,
            claims: vec![("roles", json!([]))],
            ..Want::sub(real)
        };
        apps.reads_as_access(&format!("access token: {label}"), &a, &want);
    }
    apps.finish("hand-signed escaped and duplicate sub");
}

/// Escaped, duplicate and colliding `jti` members: revoking a token revokes the `jti` it
/// reads as (the last one), in every spelling, and no other.
#[test]
fn hand_signed_escaped_and_duplicate_jti_revoke_one_way() {
    let profile = Profile::defaults();
    let mut apps = Apps::start(&profile);

    let escaped = hs(
        HEADER,
        &claims(r#""j\u0074i":"sess-\u00e9-9","type":"access","sub":"test""#),
    );
    let want = Want {
        claims: vec![("jti", json!("sess-é-9"))],
        twins: vec![
            access("test", "sess-é-9", ""),
            hs(
                HEADER,
                &claims(r#""jti":"first","type":"access","sub":"test","jti":"sess-é-9""#),
            ),
            hs(
                HEADER,
                &claims(r#""jti":"first","type":"access","sub":"test","j\u0074i":"\u0073ess-é-9""#),
            ),
        ],
        others: vec![
            access("test", "first", ""),
            hs(
                HEADER,
                &claims(r#""jti":"sess-é-9","type":"access","sub":"test","jti":"other-9""#),
            ),
            access("test", "sess-e-9", ""),
        ],
        ..Want::sub("test")
    };
    apps.reads_as_access("access token with escaped jti", &escaped, &want);

    // A duplicate jti: the last one is revoked, the first one is not.
    let dup = hs(
        HEADER,
        &claims(
            r#""jti":"dup-first","type":"access","sub":"admin","roles":["admin"],"jti":"dup-l\u0061st""#,
        ),
    );
    let want = Want {
        claims: vec![("jti", json!("dup-last"))],
        twins: vec![access("admin", "dup-last", "")],
        others: vec![access("admin", "dup-first", "")],
        ..Want::sub("admin")
    };
    apps.reads_as_access("access token with duplicate jti", &dup, &want);

    // A refresh token with an escaped jti.
    let r = hs(
        HEADER,
        &claims(r#""\u006a\u0074\u0069":"r\u00e9fresh-9","type":"refresh","sub":"test""#),
    );
    let want = Want {
        twins: vec![refresh("test", "réfresh-9")],
        others: vec![refresh("test", "refresh-9")],
        ..Want::sub("test")
    };
    apps.reads_as_refresh("refresh token with escaped jti", &r, &want);
    apps.finish("hand-signed escaped and duplicate jti");
}

/// Escaped and duplicate `fresh`, `exp` and `nbf`: freshness and the registered-claim checks
/// read the last member under its unescaped name, the same on both apps.
#[test]
fn hand_signed_escaped_and_duplicate_fresh_exp_nbf() {
    let profile = Profile::defaults();
    let mut apps = Apps::start(&profile);
    let n = now();

    // fresh: (members, fresh?)
    let fresh_cases = [
        (r#""fr\u0065sh":true"#.to_owned(), true),
        (r#""fresh":false,"fr\u0065sh":true"#.to_owned(), true),
        (r#""fresh":true,"fresh":false"#.to_owned(), false),
        (r#""fr\u0065sh":true,"fresh":false"#.to_owned(), false),
        (format!(r#""\u0066resh":{}"#, n + 600), true),
        (
            format!(r#""fresh":{},"fr\u0065sh":{}"#, n + 600, n - 600),
            false,
        ),
    ];
    for (i, (members, fresh)) in fresh_cases.iter().enumerate() {
        let t = hs(
            HEADER,
            &claims(&format!(
                r#""jti":"fresh-{i}","type":"access","sub":"test",{members}"#
            )),
        );
        let want = Want {
            fresh: *fresh,
            twins: vec![access("test", &format!("fresh-{i}"), "")],
            ..Want::sub("test")
        };
        apps.reads_as_access(&format!("fresh case {i}: {members}"), &t, &want);
    }

    // exp / nbf: accepted ones read one way everywhere; refused ones the same on both apps.
    let base = r#""type":"access","sub":"test","fresh":false"#;
    let accepted = [
        format!(r#""\u0065xp":{}"#, n + 3600),
        format!(r#""exp":{},"\u0065xp":{}"#, n - 100, n + 3600),
        format!(r#""n\u0062f":{},"nbf":{}"#, n + 3600, n - 10),
    ];
    for (i, m) in accepted.iter().enumerate() {
        let t = hs(
            HEADER,
            &claims_untimed(&format!(r#""jti":"time-{i}",{base},{m}"#)),
        );
        let want = Want {
            twins: vec![access("test", &format!("time-{i}"), "")],
            ..Want::sub("test")
        };
        apps.reads_as_access(&format!("time case {i}: {m}"), &t, &want);
    }
    let refused = [
        (
            format!(r#""\u0065xp":{}"#, n - 100),
            401,
            "Token has expired",
        ),
        (
            format!(r#""exp":{},"\u0065xp":{}"#, n + 3600, n - 100),
            401,
            "Token has expired",
        ),
        (
            format!(r#""exp":{},"exp":{}"#, n + 3600, n - 100),
            401,
            "Token has expired",
        ),
        (
            format!(r#""n\u0062f":{}"#, n + 3600),
            422,
            "The token is not yet valid (nbf)",
        ),
        (
            format!(r#""nbf":{},"n\u0062f":{}"#, n - 10, n + 3600),
            422,
            "The token is not yet valid (nbf)",
        ),
    ];
    for (i, (m, status, text)) in refused.iter().enumerate() {
        let t = hs(
            HEADER,
            &claims_untimed(&format!(r#""jti":"late-{i}",{base},{m}"#)),
        );
        for req in [
            Request::get("/protected"),
            Request::get("/claims"),
            Request::delete("/logout"),
        ] {
            let label = format!("refused time case {i} ({m}): {} {}", req.method, req.path);
            apps.same_body(&label, &bearer(req, &t), *status, &message(text));
        }
    }
    apps.finish("hand-signed escaped and duplicate fresh / exp / nbf");
}

/// Escaped and duplicate `csrf` members, with the tokens in cookies and CSRF protection on:
/// the double-submit check compares the header with the last `csrf`, unescaped, for access
/// and refresh tokens, the same on both apps.
#[test]
fn hand_signed_escaped_and_duplicate_csrf_in_cookies() {
    let mut profile = Profile::defaults();
    profile.env = profile.env.clone().set("JWT_TOKEN_LOCATION", "cookies");
    profile.locations = vec!["cookies".into()];
    let mut apps = Apps::start(&profile);

    let cookie = |name: &str, t: &str| format!("{name}={t}");
    let post = |path: &str, name: &str, t: &str, csrf: Option<&str>| {
        Request::post(path)
            .header("Cookie", &cookie(name, t))
            .maybe_header(csrf.map(|c| ("X-CSRF-TOKEN", c)))
    };
    let mismatch = message("CSRF double submit tokens do not match");
    let missing = message("Missing CSRF token");

    // (csrf members, the value they read as, a wrong value)
    let cases = [
        (r#""c\u0073rf":"tok\u0065n-1""#, "token-1", r"tok\u0065n-1"),
        (r#""csrf":"first","csrf":"second""#, "second", "first"),
        (
            r#""csrf":"first","c\u0073rf":"s\u0065cond""#,
            "second",
            "first",
        ),
        (
            r#""c\u0073rf":"first","csrf":"th\u0069rd""#,
            "third",
            "first",
        ),
    ];
    for (i, (members, good, bad)) in cases.iter().enumerate() {
        let a = hs(
            HEADER,
            &claims(&format!(
                r#""jti":"csrf-a{i}","type":"access","sub":"test",{members}"#
            )),
        );
        let label = format!("access cookie, {members}");
        // GET is not a CSRF method: no header needed.
        apps.same_body(
            &format!("{label}: GET /protected"),
            &Request::get("/protected").header("Cookie", &cookie("access_token_cookie", &a)),
            200,
            &json!({ "logged_in_as": "test" }),
        );
        apps.same_body(
            &format!("{label}: POST /protected with {good}"),
            &post("/protected", "access_token_cookie", &a, Some(good)),
            200,
            &json!({ "logged_in_as": "test" }),
        );
        apps.same_body(
            &format!("{label}: POST /protected with {bad}"),
            &post("/protected", "access_token_cookie", &a, Some(bad)),
            401,
            &mismatch,
        );
        apps.same_body(
            &format!("{label}: POST /protected without CSRF header"),
            &post("/protected", "access_token_cookie", &a, None),
            401,
            &missing,
        );
        let (e, _) = apps.same(
            &format!("{label}: /claims"),
            &Request::get("/claims").header("Cookie", &cookie("access_token_cookie", &a)),
            200,
        );
        let shown = e.json().map(|v| v["claims"]["csrf"].clone());
        apps.ensure(shown == Some(json!(good)), || {
            format!("{label}: /claims shows csrf {shown:?}, expected {good:?}")
        });

        let r = hs(
            HEADER,
            &claims(&format!(
                r#""jti":"csrf-r{i}","type":"refresh","sub":"test",{members}"#
            )),
        );
        let label = format!("refresh cookie, {members}");
        apps.refreshes_for(
            &format!("{label}: POST /refresh with {good}"),
            &post("/refresh", "refresh_token_cookie", &r, Some(good)),
            &json!("test"),
        );
        apps.same_body(
            &format!("{label}: POST /refresh with {bad}"),
            &post("/refresh", "refresh_token_cookie", &r, Some(bad)),
            401,
            &mismatch,
        );
        apps.same_body(
            &format!("{label}: POST /refresh without CSRF header"),
            &post("/refresh", "refresh_token_cookie", &r, None),
            401,
            &missing,
        );
    }

    // A non-ASCII csrf claim, escaped (and after a plain duplicate): /claims shows it
    // unescaped on both apps. An ASCII header against it is a mismatch here; Flask's
    // `hmac.compare_digest` raises on non-ASCII text (500), the contract's "a bad request is
    // never a server error" difference.
    let a = hs(
        HEADER,
        &claims(
            r#""jti":"csrf-na","type":"access","sub":"test","csrf":"first","c\u0073rf":"s\u00e9cond""#,
        ),
    );
    let (e, _) = apps.same(
        "access cookie, non-ASCII csrf: /claims",
        &Request::get("/claims").header("Cookie", &cookie("access_token_cookie", &a)),
        200,
    );
    let shown = e.json().map(|v| v["claims"]["csrf"].clone());
    apps.ensure(shown == Some(json!("s\u{e9}cond")), || {
        format!("access cookie, non-ASCII csrf: /claims shows csrf {shown:?}")
    });
    let req = post("/protected", "access_token_cookie", &a, Some("first"));
    apps.answers(
        false,
        "access cookie, non-ASCII csrf: POST /protected with first",
        &req,
        401,
        &mismatch,
    );
    let f = apps.flask.send(&req);
    apps.ensure(f.status == 500, || {
        format!(
            "access cookie, non-ASCII csrf: flask answers {}, expected its 500",
            show(&f)
        )
    });
    apps.finish("hand-signed escaped and duplicate csrf");
}

/// Escaped and duplicate `roles` (the custom claim `/admin` reads) and header members
/// (`alg`, extra members): `/admin` and `/claims` see the last member under its unescaped
/// name, and the algorithm check reads the last `alg`, on both apps.
#[test]
fn hand_signed_escaped_and_duplicate_roles_and_header() {
    let profile = Profile::defaults();
    let mut apps = Apps::start(&profile);
    let roles = [
        (r#""roles":["admin"],"roles":["user"]"#, json!(["user"])),
        (
            r#""roles":["user"],"r\u006fles":["\u0061dmin"]"#,
            json!(["admin"]),
        ),
        (r#""r\u006fles":["admin"],"roles":[]"#, json!([])),
        (
            r#""\u0072oles":["us\u0065r","\u0061dmin"]"#,
            json!(["user", "admin"]),
        ),
    ];
    for (i, (members, read)) in roles.iter().enumerate() {
        let t = hs(
            HEADER,
            &claims(&format!(
                r#""jti":"roles-{i}","type":"access","sub":"test",{members}"#
            )),
        );
        let want = Want {
            claims: vec![("roles", read.clone())],
            ..Want::sub("test")
        };
        apps.reads_as_access(&format!("roles {members}"), &t, &want);
    }

    let headers = [
        (
            r#"{"\u0061lg":"HS256","typ":"JWT"}"#,
            vec![("alg", json!("HS256"))],
        ),
        (
            r#"{"alg":"none","alg":"HS256"}"#,
            vec![("alg", json!("HS256"))],
        ),
        (
            r#"{"alg":"RS256","\u0061lg":"H\u0053256","typ":"JWT","x":"a","x":"\u00e9"}"#,
            vec![("alg", json!("HS256")), ("x", json!("é"))],
        ),
        (
            r#"{"alg":"HS256","typ":"JWT","x-pair":"\ud83d\ude00"}"#,
            vec![("x-pair", json!("😀"))],
        ),
    ];
    for (i, (header, read)) in headers.iter().enumerate() {
        let t = hs(
            header,
            &claims(&format!(r#""jti":"hdr-{i}","type":"access","sub":"test""#)),
        );
        let want = Want {
            header: read.clone(),
            ..Want::sub("test")
        };
        apps.reads_as_access(&format!("header {header}"), &t, &want);
    }
    // The last alg is not allowed: refused the same way on both apps.
    for header in [
        r#"{"alg":"HS256","alg":"none"}"#,
        r#"{"alg":"HS256","\u0061lg":"HS512"}"#,
    ] {
        let t = hs(
            header,
            &claims(r#""jti":"hdr-bad","type":"access","sub":"test""#),
        );
        apps.same_body(
            &format!("header {header}: /protected"),
            &bearer(Request::get("/protected"), &t),
            422,
            &message("The specified alg value is not allowed"),
        );
    }
    apps.finish("hand-signed escaped and duplicate roles and header members");
}

/// JSON that a full serde_json parse refuses, in tokens signed here: lone surrogates (header,
/// payload value, payload name, in `sub` and `jti`), nesting deeper than 128 levels, numbers
/// out of f64 range. The example app refuses them at decode (422 `Invalid header string: ...`
/// / `Invalid payload string: ...`) on every route, before the signature check (PyJWT's own
/// order for payload JSON, shown on a payload that is not JSON at all); Flask accepts them
/// (its answers are pinned). Controls on the accepted side of each limit read one way on both
/// apps.
#[test]
fn hand_signed_unparseable_json_is_refused_at_decode_here() {
    let profile = Profile::defaults();
    let mut apps = Apps::start(&profile);
    let user = json!({ "logged_in_as": "test" });

    let header_surrogate = hs(
        r#"{"alg":"HS256","typ":"JWT","x":"\ud800"}"#,
        &claims(r#""jti":"hs-1","type":"access","sub":"test""#),
    );
    apps.refused_everywhere_here("header lone surrogate", &header_surrogate, "header");
    apps.answers(
        true,
        "flask: header lone surrogate /protected",
        &bearer(Request::get("/protected"), &header_surrogate),
        200,
        &user,
    );

    let deep = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
    let payloads = [
        (
            "lone high surrogate value",
            r#""jti":"ps-1","type":"access","sub":"test","nick":"\ud800""#.to_owned(),
        ),
        (
            "lone low surrogate value",
            r#""jti":"ps-2","type":"access","sub":"test","nick":"a\udc00b""#.to_owned(),
        ),
        (
            "reversed pair",
            r#""jti":"ps-3","type":"access","sub":"test","nick":"\udc00\ud800""#.to_owned(),
        ),
        (
            "lone surrogate name",
            r#""jti":"ps-4","type":"access","sub":"test","\ud800":1"#.to_owned(),
        ),
        (
            "lone surrogate in an array",
            r#""jti":"ps-5","type":"access","sub":"test","roles":["admin","\udbff"]"#.to_owned(),
        ),
        (
            "nesting 200 deep",
            format!(
                r#""jti":"ps-6","type":"access","sub":"test","deep":{}"#,
                deep(200)
            ),
        ),
        (
            "number 1e400",
            r#""jti":"ps-7","type":"access","sub":"test","big":1e400"#.to_owned(),
        ),
        (
            "number -1e400",
            r#""jti":"ps-8","type":"access","sub":"test","big":-1e400"#.to_owned(),
        ),
    ];
    for (label, members) in &payloads {
        let t = hs(HEADER, &claims(members));
        apps.refused_everywhere_here(label, &t, "payload");
        apps.answers(
            true,
            &format!("flask: {label} /protected"),
            &bearer(Request::get("/protected"), &t),
            200,
            &user,
        );
    }

    // Surrogates in sub and jti: refused here; Flask reads them, and revokes by that jti.
    let sub_t = hs(
        HEADER,
        &claims(r#""jti":"ps-9","type":"access","sub":"\ud800""#),
    );
    apps.refused_everywhere_here("lone surrogate sub", &sub_t, "payload");
    let f = apps.flask.send(&bearer(Request::get("/protected"), &sub_t));
    apps.ensure(
        f.status == 200 && f.body == b"{\"logged_in_as\":\"\\ud800\"}\n",
        || format!("flask: lone surrogate sub /protected: {}", show(&f)),
    );
    let jti_t = hs(
        HEADER,
        &claims(r#""jti":"\udc00-10","type":"access","sub":"test""#),
    );
    apps.refused_everywhere_here("lone surrogate jti", &jti_t, "payload");
    apps.answers(
        true,
        "flask: lone surrogate jti /logout",
        &bearer(Request::delete("/logout"), &jti_t),
        200,
        &message("Access token revoked"),
    );
    apps.answers(
        true,
        "flask: lone surrogate jti /protected after logout",
        &bearer(Request::get("/protected"), &jti_t),
        401,
        &message("Token has been revoked"),
    );
    apps.refused_here(
        "lone surrogate jti: example after Flask's logout",
        &bearer(Request::get("/protected"), &jti_t),
        "payload",
    );

    // A refresh token with a surrogate: refused at /refresh here, refreshed by Flask.
    let r = hs(
        HEADER,
        &claims(r#""jti":"ps-11","type":"refresh","sub":"test","nick":"\ud800""#),
    );
    apps.refused_here(
        "surrogate refresh token: /refresh",
        &bearer(Request::post("/refresh"), &r),
        "payload",
    );
    let fr = apps.flask.send(&bearer(Request::post("/refresh"), &r));
    apps.ensure(
        fr.status == 200 && fr.str_field("access_token").is_some(),
        || format!("flask: surrogate refresh token /refresh: {}", show(&fr)),
    );

    // The payload JSON is read in PyJWT's order, before the signature check: a payload that
    // is not JSON at all, under a wrong signature, is `Invalid payload string: ...` on both
    // apps; so a lone surrogate under a wrong signature is refused here that way too, where
    // Flask (which reads the surrogate) goes on to the signature.
    let zero_sig = |t: &str| {
        let (input, _) = t.rsplit_once('.').unwrap();
        format!("{input}.{}", token::b64(&[0u8; 32]))
    };
    let not_json = zero_sig(&hs(HEADER, r#"{"sub":"canary""#));
    for (name, flask) in [("example", false), ("flask", true)] {
        let r = if flask { &apps.flask } else { &apps.example }
            .send(&bearer(Request::get("/protected"), &not_json));
        let text = r
            .json()
            .and_then(|v| v["message"].as_str().map(str::to_owned));
        apps.ensure(
            r.status == 422
                && text
                    .as_deref()
                    .is_some_and(|m| m.starts_with("Invalid payload string: ")),
            || {
                format!(
                    "payload not JSON, wrong signature: {name} answers {}",
                    show(&r)
                )
            },
        );
    }
    let forged = zero_sig(&hs(
        HEADER,
        &claims(r#""jti":"ps-12","type":"access","sub":"test","nick":"\ud800""#),
    ));
    apps.refused_here(
        "surrogate payload, wrong signature",
        &bearer(Request::get("/protected"), &forged),
        "payload",
    );
    apps.answers(
        true,
        "flask: surrogate payload, wrong signature",
        &bearer(Request::get("/protected"), &forged),
        422,
        &message("Signature verification failed"),
    );

    // Controls: just inside each limit, accepted and read one way by both apps.
    let controls = [
        (
            "valid surrogate pair",
            r#""nick":"\ud83d\ude00\u00e9""#.to_owned(),
            ("nick", json!("😀é")),
        ),
        (
            "nesting 100 deep",
            format!(r#""deep":{}"#, deep(100)),
            ("deep", serde_json::from_str(&deep(100)).unwrap()),
        ),
    ];
    for (i, (label, members, read)) in controls.into_iter().enumerate() {
        let t = hs(
            HEADER,
            &claims(&format!(
                r#""jti":"ctl-{i}","type":"access","sub":"test",{members}"#
            )),
        );
        let want = Want {
            claims: vec![read],
            twins: vec![access("test", &format!("ctl-{i}"), "")],
            ..Want::sub("test")
        };
        apps.reads_as_access(&format!("control: {label}"), &t, &want);
    }
    apps.finish("hand-signed JSON that serde_json refuses");
}
