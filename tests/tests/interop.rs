//! Interop of tokens in both directions, and the same answers to bad tokens.
//!
//! - Tokens minted by flask-jwt-extended (`jwt_tool.py create`, same settings) are accepted by
//!   the example app, which shows the same `/claims` as Flask's own `/claims` for that token,
//!   byte for byte; a Flask refresh token works on the example app's `/refresh`.
//! - Tokens minted by the example app (`/login`, `/refresh`) are accepted by
//!   `jwt_tool.py decode` (flask-jwt-extended's `decode_token`) with exactly the claims they
//!   carry, and by the Flask app's routes.
//! - A table of bad tokens (hand-crafted and signed here) gets byte-identical answers from
//!   both apps, and the status the reference records.
//! - `deliberate_differences` pins both answers, Flask's and ours, for the few tokens on which
//!   the port deliberately differs (with the reason on each row).
//!
//! Run for the profiles defaults, custom (issuer/audience/leeway/identity claim/locations),
//! empty header type, RS256 and `.env`-only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_jwt_ext::jsonwebtoken::{Algorithm, EncodingKey};
use e2e_tests::{
    fixture, is_jsonify_format, jwt_parts, normalise, now, shorten_tokens, token, Profile, Request,
    Response, Server,
};
use serde_json::{json, Value};

/// Both apps of one profile, and the mismatches found so far.
struct Both<'a> {
    profile: &'a Profile,
    example: &'a Server,
    flask: &'a Server,
    failures: Vec<String>,
    checks: usize,
}

impl<'a> Both<'a> {
    fn new(profile: &'a Profile, example: &'a Server, flask: &'a Server) -> Self {
        Self {
            profile,
            example,
            flask,
            failures: Vec::new(),
            checks: 0,
        }
    }

    fn fail(&mut self, msg: String) {
        self.failures.push(msg);
    }

    /// Sends `req` to both apps. Both must answer `expect`; with `strict` the bodies must be
    /// byte-identical (same token, nothing random in the answer), otherwise equal after
    /// [`normalise`] and both jsonify-formatted.
    fn check(
        &mut self,
        label: &str,
        req: &Request,
        expect: u16,
        strict: bool,
    ) -> (Response, Response) {
        self.checks += 1;
        let e = self.example.send(req);
        let f = self.flask.send(req);
        let show = |r: &Response| format!("{} {}", r.status, shorten_tokens(r.text().trim_end()));
        let ct = |r: &Response| r.header("content-type").map(str::to_owned);
        let same = if strict {
            e.status == f.status && e.body == f.body && ct(&e) == ct(&f)
        } else {
            let n = |r: &Response| r.json().map(|v| normalise(&v));
            e.status == f.status
                && n(&e) == n(&f)
                && n(&e).is_some()
                && ct(&e) == ct(&f)
                && is_jsonify_format(&e.body) == is_jsonify_format(&f.body)
        };
        if std::env::var_os("E2E_SHOW").is_some() {
            println!(
                "{label}\n    flask  : {}\n    example: {}",
                show(&f),
                show(&e)
            );
        }
        if !same {
            self.fail(format!(
                "{label}\n  request : {}\n  flask   : {}  ({:?})\n  example : {}  ({:?})",
                req.describe(),
                show(&f),
                ct(&f),
                show(&e),
                ct(&e)
            ));
        } else if f.status != expect {
            self.fail(format!(
                "{label}: both answer {}, the script expects {expect}",
                show(&f)
            ));
        }
        (e, f)
    }

    /// `check` with the profile's auth header for `token`.
    fn with_token(
        &mut self,
        label: &str,
        req: Request,
        token: &str,
        expect: u16,
        strict: bool,
    ) -> (Response, Response) {
        let req = self.profile.with_auth(req, token);
        self.check(label, &req, expect, strict)
    }

    /// One request to the example app only.
    fn example_only(&mut self, label: &str, req: Request, token: &str, expect: u16) -> Response {
        self.checks += 1;
        let req = self.profile.with_auth(req, token);
        let r = self.example.send(&req);
        if r.status != expect {
            self.fail(format!(
                "{label}: example answers {} {}, expected {expect}",
                r.status,
                r.text()
            ));
        }
        r
    }

    fn finish(self, what: &str) {
        assert!(self.checks > 0);
        if !self.failures.is_empty() {
            panic!(
                "{what} (profile {}): {} of {} checks failed:\n{}",
                self.profile.name,
                self.failures.len(),
                self.checks,
                self.failures.join("\n")
            );
        }
    }
}

/// Mints tokens with `jwt_tool.py create` concurrently, one per argument list.
fn mint_all(profile: &Profile, specs: &[&[&str]]) -> Vec<String> {
    std::thread::scope(|s| {
        let handles: Vec<_> = specs
            .iter()
            .map(|args| s.spawn(move || profile.mint(args)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// The `claims` member of a `/claims` answer.
fn claims_of(resp: &Response) -> Option<Value> {
    resp.json()?.get("claims").cloned()
}

/// Flask's tokens on the example app, and the example app's tokens in flask-jwt-extended.
fn round_trip(profile: &Profile) {
    let (example, flask) = profile.start_both();
    let minted = mint_all(
        profile,
        &[
            &["--type", "access", "--identity", "test", "--fresh", "true"],
            &["--type", "access", "--identity", "test"],
            &["--type", "refresh", "--identity", "test"],
            &["--type", "access", "--identity", "admin"],
            &["--type", "access", "--identity", "alice"],
        ],
    );
    let [fresh, plain, refresh, admin, alice] = <[String; 5]>::try_from(minted).unwrap();
    let mut b = Both::new(profile, &example, &flask);

    // --- tokens minted by flask-jwt-extended ---------------------------------------------
    b.with_token(
        "flask fresh token: /protected",
        Request::get("/protected"),
        &fresh,
        200,
        true,
    );
    b.with_token(
        "flask fresh token: /claims",
        Request::get("/claims"),
        &fresh,
        200,
        true,
    );
    b.with_token(
        "flask fresh token: /fresh",
        Request::get("/fresh"),
        &fresh,
        200,
        true,
    );
    b.with_token(
        "flask fresh token: /optional",
        Request::get("/optional"),
        &fresh,
        200,
        true,
    );
    b.with_token(
        "flask fresh token: /me",
        Request::get("/me"),
        &fresh,
        200,
        true,
    );
    b.with_token(
        "flask fresh token: /admin as test",
        Request::get("/admin"),
        &fresh,
        403,
        true,
    );
    b.with_token(
        "flask token: /claims",
        Request::get("/claims"),
        &plain,
        200,
        true,
    );
    b.with_token(
        "flask non-fresh token: /fresh",
        Request::get("/fresh"),
        &plain,
        401,
        true,
    );
    b.with_token(
        "flask access token: /refresh",
        Request::post("/refresh"),
        &plain,
        422,
        true,
    );
    b.with_token(
        "flask refresh token: /protected",
        Request::get("/protected"),
        &refresh,
        422,
        true,
    );
    b.with_token(
        "flask admin token: /admin",
        Request::get("/admin"),
        &admin,
        200,
        true,
    );
    b.with_token(
        "flask admin token: /me",
        Request::get("/me"),
        &admin,
        200,
        true,
    );
    b.with_token(
        "flask token of unknown alice: /protected",
        Request::get("/protected"),
        &alice,
        200,
        true,
    );
    b.with_token(
        "flask token of unknown alice: /me",
        Request::get("/me"),
        &alice,
        401,
        true,
    );
    b.with_token(
        "flask token of unknown alice: /claims",
        Request::get("/claims"),
        &alice,
        200,
        true,
    );
    let (e, _) = b.with_token(
        "flask refresh token: /refresh",
        Request::post("/refresh"),
        &refresh,
        200,
        false,
    );
    let refreshed = e.str_field("access_token").unwrap_or_default();
    let r = b.example_only(
        "access token from the example app's /refresh with a flask refresh token",
        Request::get("/claims"),
        &refreshed,
        200,
    );
    let claims = claims_of(&r).unwrap_or_default();
    let id = profile.identity_claim.as_str();
    if claims["fresh"] != json!(false)
        || claims[id] != json!("test")
        || claims["type"] != json!("access")
    {
        b.fail(format!("refreshed token has unexpected claims {claims}"));
    }
    // Revocation of a flask token on one app does not leak to the other (separate blocklists),
    // and the revoked answer is the same.
    b.with_token(
        "flask token revoked on both: /logout",
        Request::delete("/logout"),
        &plain,
        200,
        true,
    );
    b.with_token(
        "flask token revoked on both: /protected",
        Request::get("/protected"),
        &plain,
        401,
        true,
    );

    // --- tokens minted by the example app ------------------------------------------------
    let login = |user: &str| {
        let r = example
            .send(&Request::post("/login").json(&json!({"username": user, "password": user})));
        (
            r.str_field("access_token").unwrap_or_default(),
            r.str_field("refresh_token").unwrap_or_default(),
        )
    };
    let (ex_access, ex_refresh) = login("test");
    let (ex_admin, _) = login("admin");
    let ex_refreshed = example
        .send(&profile.with_auth(Request::post("/refresh"), &ex_refresh))
        .str_field("access_token")
        .unwrap_or_default();
    b.with_token(
        "example token: /protected",
        Request::get("/protected"),
        &ex_access,
        200,
        true,
    );
    b.with_token(
        "example token: /claims",
        Request::get("/claims"),
        &ex_access,
        200,
        true,
    );
    b.with_token(
        "example token: /fresh",
        Request::get("/fresh"),
        &ex_access,
        200,
        true,
    );
    b.with_token(
        "example admin token: /admin",
        Request::get("/admin"),
        &ex_admin,
        200,
        true,
    );
    b.with_token(
        "example admin token: /me",
        Request::get("/me"),
        &ex_admin,
        200,
        true,
    );
    b.with_token(
        "example refreshed token: /claims",
        Request::get("/claims"),
        &ex_refreshed,
        200,
        true,
    );
    b.with_token(
        "example refreshed token: /fresh",
        Request::get("/fresh"),
        &ex_refreshed,
        401,
        true,
    );
    b.with_token(
        "example refresh token: /protected",
        Request::get("/protected"),
        &ex_refresh,
        422,
        true,
    );
    b.with_token(
        "example refresh token: /refresh",
        Request::post("/refresh"),
        &ex_refresh,
        200,
        false,
    );

    // jwt_tool.py decode (flask-jwt-extended's decode_token) accepts them with their claims.
    let decoded: Vec<(String, Value)> = std::thread::scope(|s| {
        let hs: Vec<_> = [&ex_access, &ex_refresh, &ex_admin, &ex_refreshed]
            .into_iter()
            .map(|t| s.spawn(move || (t.clone(), profile.flask_decode(t))))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (tok, out) in decoded {
        b.checks += 1;
        let carried = jwt_parts(&tok).map(|(_, c)| c);
        if out["ok"] != json!(true) || Some(&out["claims"]) != carried.as_ref() {
            b.fail(format!(
                "jwt_tool.py decode of example token {}:\n  decoded: {out}\n  carried: {carried:?}",
                shorten_tokens(&tok)
            ));
        }
    }
    // The header the example app writes is PyJWT's.
    for tok in [&ex_access, &ex_refresh] {
        b.checks += 1;
        let header = profile.jwt_tool(&["header", tok]);
        let alg = profile.env.get("JWT_ALGORITHM").unwrap_or("HS256");
        let want = json!({"alg": alg, "typ": "JWT"});
        if serde_json::from_str::<Value>(&header).ok() != Some(want.clone()) {
            b.fail(format!(
                "jwt_tool.py header of an example token: {header}, expected {want}"
            ));
        }
    }
    b.finish("round trip");
}

#[test]
fn round_trip_defaults() {
    round_trip(&Profile::defaults());
}

#[test]
fn round_trip_custom_profile() {
    round_trip(&Profile::custom());
}

#[test]
fn round_trip_empty_header_type() {
    round_trip(&Profile::bare_header());
}

#[test]
fn round_trip_rs256() {
    round_trip(&Profile::rs256());
}

#[test]
fn round_trip_dotenv_profile() {
    round_trip(&Profile::dotenv());
}

// ---------------------------------------------------------------------------------------------
// Bad tokens
// ---------------------------------------------------------------------------------------------

/// Claims of a valid access token for `test` issued now, with `set` members replaced or added
/// and `remove` members removed.
fn claims(identity_claim: &str, set: &[(&str, Value)], remove: &[&str]) -> Value {
    let t = now();
    let mut c = json!({
        "fresh": false,
        "iat": t,
        "jti": "4f7d2b7e-2f0e-4c39-9a0c-1f7e8c1a2b3c",
        "type": "access",
        "nbf": t,
        "csrf": "9d1c5e1a-8f55-4a4e-bb0a-6a1f7b2c3d4e",
        "exp": t + 600,
        "roles": ["user"],
    });
    c[identity_claim] = json!("test");
    for (k, v) in set {
        c[*k] = v.clone();
    }
    if let Value::Object(m) = &mut c {
        for k in remove {
            m.remove(*k);
        }
    }
    c
}

/// `token` with its signature changed in the middle.
fn tamper_signature(token: &str) -> String {
    let (input, sig) = token.rsplit_once('.').unwrap();
    let mut sig: Vec<char> = sig.chars().collect();
    let i = sig.len() / 2;
    sig[i] = if sig[i] == 'A' { 'B' } else { 'A' };
    format!("{input}.{}", sig.into_iter().collect::<String>())
}

/// `token` with its payload replaced by `payload` (signature kept).
fn swap_payload(token: &str, payload: &Value) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = token::b64(payload.to_string().as_bytes());
    parts.join(".")
}

/// One row: (label, token, route, expected status).
type Row = (String, String, Request, u16);

fn row(label: &str, token: String, req: Request, expect: u16) -> Row {
    (label.to_owned(), token, req, expect)
}

fn run_rows(profile: &Profile, rows: Vec<Row>) {
    let (example, flask) = profile.start_both();
    let mut b = Both::new(profile, &example, &flask);
    for (label, tok, req, expect) in rows {
        b.with_token(&label, req, &tok, expect, true);
    }
    b.finish("bad tokens");
}

/// Rows shared by the HMAC profiles: structure, algorithm, signature, registered claims, type.
fn hmac_rows(profile: &Profile) -> Vec<Row> {
    let secret = profile.secret().as_bytes();
    let id = profile.identity_claim.clone();
    let hs = |c: &Value| token::hmac(Algorithm::HS256, secret, c);
    let c = |set: &[(&str, Value)], remove: &[&str]| claims(&id, set, remove);
    let t = now();
    let valid = hs(&c(&[], &[]));
    let get = || Request::get("/protected");
    let rsa_key = fixture("rsa_private.pem");
    let mut rows = vec![
        row("hand-made valid token", valid.clone(), get(), 200),
        row(
            "hand-made valid token: /claims",
            valid.clone(),
            Request::get("/claims"),
            200,
        ),
        row(
            "minimal token {identity}: /claims shows the decode defaults",
            hs(&json!({ id.as_str(): "test" })),
            Request::get("/claims"),
            200,
        ),
        row("tampered signature", tamper_signature(&valid), get(), 422),
        row(
            "payload swapped (admin roles) under the old signature",
            swap_payload(&valid, &c(&[("roles", json!(["admin"]))], &[])),
            Request::get("/admin"),
            422,
        ),
        row(
            "signed with another secret",
            token::hmac(
                Algorithm::HS256,
                b"another-secret-0123456789abcdef-0123456789",
                &c(&[], &[]),
            ),
            get(),
            422,
        ),
        row(
            "alg none, no signature",
            token::unsigned(&c(&[], &[])),
            get(),
            422,
        ),
        row(
            "HS512 token on an HS256 app",
            token::hmac(Algorithm::HS512, secret, &c(&[], &[])),
            get(),
            422,
        ),
        row(
            "HS384 token on an HS256 app",
            token::hmac(Algorithm::HS384, secret, &c(&[], &[])),
            get(),
            422,
        ),
        row(
            "RS256 token on an HS256 app",
            token::rsa(Algorithm::RS256, &rsa_key, &c(&[], &[])),
            get(),
            422,
        ),
        row(
            "header without alg",
            token::with_header(
                &json!({"typ": "JWT"}),
                &c(&[], &[]),
                Algorithm::HS256,
                &EncodingKey::from_secret(secret),
            ),
            get(),
            422,
        ),
        row(
            "extra header members (kid, typ at+jwt): /claims",
            token::with_header(
                &json!({"alg": "HS256", "typ": "at+jwt", "kid": "k1"}),
                &c(&[], &[]),
                Algorithm::HS256,
                &EncodingKey::from_secret(secret),
            ),
            Request::get("/claims"),
            200,
        ),
        row(
            "expired 100 s ago",
            hs(&c(
                &[
                    ("exp", json!(t - 100)),
                    ("iat", json!(t - 700)),
                    ("nbf", json!(t - 700)),
                ],
                &[],
            )),
            get(),
            401,
        ),
        row(
            "expired: /optional",
            hs(&c(&[("exp", json!(t - 100))], &[])),
            Request::get("/optional"),
            401,
        ),
        row(
            "nbf in the future",
            hs(&c(&[("nbf", json!(t + 600))], &[])),
            get(),
            422,
        ),
        row(
            "iat in the future",
            hs(&c(&[("iat", json!(t + 600))], &[])),
            get(),
            422,
        ),
        row(
            "no exp, iat, nbf",
            hs(&c(&[], &["exp", "iat", "nbf"])),
            get(),
            200,
        ),
        row(
            "exp is a float",
            hs(&c(&[("exp", json!(t as f64 + 600.5))], &[])),
            get(),
            200,
        ),
        row(
            "exp is not a number",
            hs(&c(&[("exp", json!("tomorrow"))], &[])),
            get(),
            422,
        ),
        row(
            "iat is not a number",
            hs(&c(&[("iat", json!("now"))], &[])),
            get(),
            422,
        ),
        row(
            "nbf is not a number",
            hs(&c(&[("nbf", json!([1]))], &[])),
            get(),
            422,
        ),
        row(
            &format!("missing {id}"),
            hs(&c(&[], &[id.as_str()])),
            get(),
            422,
        ),
        row(
            "sub is a number",
            hs(&c(&[("sub", json!(1234))], &[])),
            get(),
            422,
        ),
        row(
            "sub is an object",
            hs(&c(&[("sub", json!({"id": 1}))], &[])),
            get(),
            422,
        ),
        row(
            "sub is false",
            hs(&c(&[("sub", json!(false))], &[])),
            get(),
            422,
        ),
        row(
            "sub is null",
            hs(&c(&[("sub", Value::Null)], &[])),
            get(),
            422,
        ),
        row(
            "jti is a number",
            hs(&c(&[("jti", json!(7))], &[])),
            get(),
            422,
        ),
        row(
            "aud and iss present, no decode audience/issuer: accepted unless configured",
            hs(&c(
                &[("aud", json!("other")), ("iss", json!("someone"))],
                &[],
            )),
            get(),
            if profile.env.get("JWT_DECODE_AUDIENCE").is_some() {
                422
            } else {
                200
            },
        ),
        row(
            "refresh token on /protected",
            hs(&c(&[("type", json!("refresh"))], &[])),
            get(),
            422,
        ),
        row(
            "access token on /refresh",
            valid.clone(),
            Request::post("/refresh"),
            422,
        ),
        row(
            "type app on /protected",
            hs(&c(&[("type", json!("app"))], &[])),
            get(),
            200,
        ),
        row(
            "type app on /refresh",
            hs(&c(&[("type", json!("app"))], &[])),
            Request::post("/refresh"),
            422,
        ),
        row(
            "no type on /refresh",
            hs(&c(&[], &["type"])),
            Request::post("/refresh"),
            422,
        ),
        row("no type on /protected", hs(&c(&[], &["type"])), get(), 200),
        row(
            "refresh token on /fresh (type before freshness)",
            hs(&c(&[("type", json!("refresh"))], &[])),
            Request::get("/fresh"),
            422,
        ),
        row(
            "fresh true on /fresh",
            hs(&c(&[("fresh", json!(true))], &[])),
            Request::get("/fresh"),
            200,
        ),
        row(
            "fresh = 1 (a timestamp in 1970) on /fresh",
            hs(&c(&[("fresh", json!(1))], &[])),
            Request::get("/fresh"),
            401,
        ),
        row(
            "fresh = now + 300.25 on /fresh",
            hs(&c(&[("fresh", json!(t as f64 + 300.25))], &[])),
            Request::get("/fresh"),
            200,
        ),
        row(
            "fresh = now + 300.25: /claims",
            hs(&c(&[("fresh", json!(t as f64 + 300.25))], &[])),
            Request::get("/claims"),
            200,
        ),
        row(
            "no fresh claim on /fresh",
            hs(&c(&[], &["fresh"])),
            Request::get("/fresh"),
            401,
        ),
        row(
            "roles with admin: /admin",
            hs(&c(&[("roles", json!(["admin"]))], &[])),
            Request::get("/admin"),
            200,
        ),
        row(
            "roles the string admin: /admin",
            hs(&c(&[("roles", json!("admin"))], &[])),
            Request::get("/admin"),
            200,
        ),
        row(
            "roles a number: /admin",
            hs(&c(&[("roles", json!(5))], &[])),
            Request::get("/admin"),
            403,
        ),
        row(
            "no roles: /admin",
            hs(&c(&[], &["roles"])),
            Request::get("/admin"),
            403,
        ),
        row(
            "unknown identity: /me",
            hs(&c(&[(id.as_str(), json!("ghost"))], &[])),
            Request::get("/me"),
            401,
        ),
        row("foobarbaz", "foobarbaz".into(), get(), 422),
        row("a.b", "a.b".into(), get(), 422),
        row("aaaaa.bbbbb.ccccc", "aaaaa.bbbbb.ccccc".into(), get(), 422),
        row("four segments", format!("{valid}.x"), get(), 422),
        row(
            "payload not base64",
            format!("{}.@@@.{}", valid.split('.').next().unwrap_or(""), "sig"),
            get(),
            422,
        ),
        row(
            "signature of 1 character",
            format!("{}.a", valid.rsplit_once('.').map(|x| x.0).unwrap_or("")),
            get(),
            422,
        ),
        row(
            "header is a JSON array",
            format!(
                "{}.{}",
                token::b64(b"[]"),
                valid.split_once('.').map(|x| x.1).unwrap_or("")
            ),
            get(),
            422,
        ),
        row(
            "payload is a JSON array (validly signed)",
            {
                let input = format!(
                    "{}.{}",
                    token::b64(br#"{"alg":"HS256","typ":"JWT"}"#),
                    token::b64(b"[1,2]")
                );
                let sig = token::sign(&input, &EncodingKey::from_secret(secret), Algorithm::HS256);
                format!("{input}.{sig}")
            },
            get(),
            422,
        ),
    ];
    rows.extend(pyjwt_corner_rows(secret));
    rows
}

/// Corner cases of PyJWT's parsing and claim checks (tests/python/PYJWT_NOTES.md) on which
/// the two apps agree.
fn pyjwt_corner_rows(secret: &[u8]) -> Vec<Row> {
    let raw = |header: &[u8], payload: &str| {
        token::raw_hmac(Algorithm::HS256, secret, header, payload.as_bytes())
    };
    let std_header: &[u8] = br#"{"alg":"HS256","typ":"JWT"}"#;
    let tok = |payload: &str| raw(std_header, payload);
    let t = now();
    let get = || Request::get("/protected");
    let padded = {
        let pad = |x: String| {
            let n = (4 - x.len() % 4) % 4;
            format!("{x}{}", "=".repeat(n))
        };
        let h = pad(token::b64(br#"{"alg":"HS256","typ":"JWT","a":1}"#));
        let p = pad(token::b64(br#"{"sub":"test","x":1}"#));
        assert!(
            h.ends_with('=') || p.ends_with('='),
            "no padding needed: {h}.{p}"
        );
        let input = format!("{h}.{p}");
        let sig = token::sign(&input, &EncodingKey::from_secret(secret), Algorithm::HS256);
        format!("{input}.{sig}")
    };
    let non_canonical = {
        let valid = tok(r#"{"sub":"test"}"#);
        format!("e31.{}", valid.split_once('.').map(|x| x.1).unwrap_or(""))
    };
    vec![
        row(
            "exp true (int(True) = 1: expired)",
            tok(r#"{"sub":"test","exp":true}"#),
            get(),
            401,
        ),
        row(
            "exp = now + 0.5 (truncated: already expired)",
            tok(&format!(r#"{{"sub":"test","exp":{t}.5}}"#)),
            get(),
            401,
        ),
        row("exp null", tok(r#"{"sub":"test","exp":null}"#), get(), 422),
        row(
            "exp \"1e3\"",
            tok(r#"{"sub":"test","exp":"1e3"}"#),
            get(),
            422,
        ),
        row(
            "iat true: /claims keeps it",
            tok(r#"{"sub":"test","iat":true}"#),
            Request::get("/claims"),
            200,
        ),
        row(
            "duplicate sub: the last one wins",
            tok(r#"{"sub":"x","sub":"test"}"#),
            get(),
            200,
        ),
        row(
            "escaped sub te\\u0073t",
            tok(r#"{"sub":"te\u0073t"}"#),
            get(),
            200,
        ),
        row("empty sub", tok(r#"{"sub":""}"#), get(), 200),
        row(
            "kid 1",
            raw(br#"{"alg":"HS256","kid":1}"#, r#"{"sub":"test"}"#),
            get(),
            422,
        ),
        row(
            "crit [exp]",
            raw(br#"{"alg":"HS256","crit":["exp"]}"#, r#"{"sub":"test"}"#),
            get(),
            422,
        ),
        row(
            "crit []",
            raw(br#"{"alg":"HS256","crit":[]}"#, r#"{"sub":"test"}"#),
            get(),
            422,
        ),
        row("non-canonical base64 header e31", non_canonical, get(), 422),
        row("segments with = padding", padded, get(), 200),
        row(
            "csrf claim 5 (not checked outside cookies)",
            tok(r#"{"sub":"test","csrf":5}"#),
            get(),
            200,
        ),
        row(
            "jti a list",
            tok(r#"{"sub":"test","jti":["a"]}"#),
            get(),
            422,
        ),
        row(
            "roles with admin and a number: /admin",
            tok(r#"{"sub":"test","roles":["admin",1]}"#),
            Request::get("/admin"),
            200,
        ),
        row(
            "empty signature",
            format!(
                "{}.",
                tok(r#"{"sub":"test"}"#)
                    .rsplit_once('.')
                    .map(|x| x.0)
                    .unwrap_or("")
            ),
            get(),
            422,
        ),
        // PyJWT's _load checks the b64:false payload segment before the crit rule.
        row(
            "b64 false with a non-empty payload",
            raw(br#"{"alg":"HS256","b64":false}"#, r#"{"sub":"test"}"#),
            get(),
            422,
        ),
        // jsonify escapes non-ASCII as \uXXXX (ensure_ascii); so do the library and the app.
        row(
            "non-ASCII identity: /protected",
            tok(r#"{"sub":"tëst"}"#),
            get(),
            200,
        ),
        row(
            "non-ASCII identity: /me (library error body)",
            tok(r#"{"sub":"ghöst"}"#),
            Request::get("/me"),
            401,
        ),
        row(
            "non-ASCII identity outside the BMP: /protected",
            tok(r#"{"sub":"t😀st"}"#),
            get(),
            200,
        ),
        row(
            "non-ASCII header member: /claims",
            raw(
                "{\"alg\":\"HS256\",\"x\":\"ü\"}".as_bytes(),
                r#"{"sub":"test"}"#,
            ),
            Request::get("/claims"),
            200,
        ),
    ]
}

#[test]
fn bad_tokens_defaults() {
    let profile = Profile::defaults();
    let rows = hmac_rows(&profile);
    run_rows(&profile, rows);
}

/// The custom profile: issuer, audience, leeway 30 s and the `identity` claim.
#[test]
fn bad_tokens_custom_issuer_audience_leeway_identity() {
    let profile = Profile::custom();
    let secret = profile.secret().as_bytes().to_vec();
    let t = now();
    // A valid token of this profile with `set` applied and `remove` removed.
    let hs = |set: &[(&str, Value)], remove: &[&str]| {
        let mut all: Vec<(&str, Value)> = vec![("aud", json!("aud-a")), ("iss", json!("issuer-a"))];
        all.extend(set.iter().cloned());
        token::hmac(Algorithm::HS256, &secret, &claims("identity", &all, remove))
    };
    let get = || Request::get("/protected");
    let mut rows = vec![
        row("valid", hs(&[], &[]), get(), 200),
        row("valid: /claims", hs(&[], &[]), Request::get("/claims"), 200),
        row("no aud", hs(&[], &["aud"]), get(), 422),
        row("other aud", hs(&[("aud", json!("aud-b"))], &[]), get(), 422),
        row(
            "aud list containing aud-a",
            hs(&[("aud", json!(["aud-b", "aud-a"]))], &[]),
            get(),
            200,
        ),
        row("aud empty list", hs(&[("aud", json!([]))], &[]), get(), 422),
        row("aud is a number", hs(&[("aud", json!(5))], &[]), get(), 422),
        row("no iss", hs(&[], &["iss"]), get(), 422),
        row(
            "other iss",
            hs(&[("iss", json!("issuer-b"))], &[]),
            get(),
            422,
        ),
        row("iss is a number", hs(&[("iss", json!(5))], &[]), get(), 422),
        row(
            "neither iss nor aud (iss reported first)",
            hs(&[], &["iss", "aud"]),
            get(),
            422,
        ),
        row(
            "expired 10 s ago, within the 30 s leeway",
            hs(&[("exp", json!(t - 10))], &[]),
            get(),
            200,
        ),
        row(
            "expired 60 s ago, beyond the leeway",
            hs(&[("exp", json!(t - 60))], &[]),
            get(),
            401,
        ),
        row(
            "expired 60 s ago and other aud",
            hs(&[("exp", json!(t - 60)), ("aud", json!("aud-b"))], &[]),
            get(),
            422,
        ),
        row(
            "nbf 10 s ahead, within the leeway",
            hs(&[("nbf", json!(t + 10))], &[]),
            get(),
            200,
        ),
        row(
            "nbf 60 s ahead",
            hs(&[("nbf", json!(t + 60))], &[]),
            get(),
            422,
        ),
        row(
            "iat 10 s ahead, within the leeway",
            hs(&[("iat", json!(t + 10))], &[]),
            get(),
            200,
        ),
        row(
            "iat 60 s ahead",
            hs(&[("iat", json!(t + 60))], &[]),
            get(),
            422,
        ),
        row(
            "sub instead of identity",
            hs(&[("sub", json!("test"))], &["identity"]),
            get(),
            422,
        ),
        row(
            "identity is a number (only sub must be a string)",
            hs(&[("identity", json!(42))], &[]),
            get(),
            200,
        ),
        row(
            "identity is a number: /me",
            hs(&[("identity", json!(42))], &[]),
            Request::get("/me"),
            401,
        ),
        row(
            "identity plus a numeric sub",
            hs(&[("sub", json!(5))], &[]),
            get(),
            422,
        ),
        row(
            "refresh token on /protected",
            hs(&[("type", json!("refresh"))], &[]),
            get(),
            422,
        ),
        row(
            "tampered signature",
            tamper_signature(&hs(&[], &[])),
            get(),
            422,
        ),
        row(
            "alg none",
            token::unsigned(&claims(
                "identity",
                &[("aud", json!("aud-a")), ("iss", json!("issuer-a"))],
                &[],
            )),
            get(),
            422,
        ),
    ];
    // The same bad tokens through the query string and the JSON body.
    let expired = hs(&[("exp", json!(t - 60))], &[]);
    let no_aud = hs(&[], &["aud"]);
    let (example, flask) = profile.start_both();
    let mut b = Both::new(&profile, &example, &flask);
    for (label, tok, req, expect) in rows.drain(..) {
        b.with_token(&label, req, &tok, expect, true);
    }
    for (label, tok, expect) in [("expired", &expired, 401), ("no aud", &no_aud, 422)] {
        b.check(
            &format!("{label}, in the query string"),
            &Request::get(&format!("/protected?jwt={tok}")),
            expect,
            true,
        );
        b.check(
            &format!("{label}, in the JSON body"),
            &Request::post("/protected").json(&json!({ "access_token": tok })),
            expect,
            true,
        );
    }
    b.finish("bad tokens");
}

/// RS256: algorithm confusion, other algorithms with the same key, tampering.
#[test]
fn bad_tokens_rs256() {
    let profile = Profile::rs256();
    let private = fixture("rsa_private.pem");
    let public = fixture("rsa_public.pem");
    let c = |set: &[(&str, Value)]| claims("sub", set, &[]);
    let get = || Request::get("/protected");
    let valid = token::rsa(Algorithm::RS256, &private, &c(&[]));
    let t = now();
    let rows = vec![
        row("valid RS256", valid.clone(), get(), 200),
        row(
            "valid RS256: /claims",
            valid.clone(),
            Request::get("/claims"),
            200,
        ),
        row("tampered signature", tamper_signature(&valid), get(), 422),
        row(
            "HS256 signed with the public key PEM as secret",
            token::hmac(Algorithm::HS256, public.as_bytes(), &c(&[])),
            get(),
            422,
        ),
        row(
            "HS256 signed with the private key PEM as secret",
            token::hmac(Algorithm::HS256, private.as_bytes(), &c(&[])),
            get(),
            422,
        ),
        row(
            "RS512 with the same key",
            token::rsa(Algorithm::RS512, &private, &c(&[])),
            get(),
            422,
        ),
        row(
            "PS256 with the same key",
            token::rsa(Algorithm::PS256, &private, &c(&[])),
            get(),
            422,
        ),
        row(
            "RS256 header, signed as RS512",
            token::with_header(
                &json!({"alg": "RS256", "typ": "JWT"}),
                &c(&[]),
                Algorithm::RS512,
                &EncodingKey::from_rsa_pem(private.as_bytes()).unwrap(),
            ),
            get(),
            422,
        ),
        row("alg none", token::unsigned(&c(&[])), get(), 422),
        row(
            "expired",
            token::rsa(Algorithm::RS256, &private, &c(&[("exp", json!(t - 5))])),
            get(),
            401,
        ),
        row(
            "nbf in the future",
            token::rsa(Algorithm::RS256, &private, &c(&[("nbf", json!(t + 600))])),
            get(),
            422,
        ),
        row(
            "sub is a number",
            token::rsa(Algorithm::RS256, &private, &c(&[("sub", json!(1))])),
            get(),
            422,
        ),
        row(
            "access token on /refresh",
            valid.clone(),
            Request::post("/refresh"),
            422,
        ),
        row(
            "refresh token on /refresh",
            token::rsa(
                Algorithm::RS256,
                &private,
                &c(&[("type", json!("refresh"))]),
            ),
            Request::post("/refresh"),
            200,
        ),
        row("foobarbaz", "foobarbaz".into(), get(), 422),
    ];
    // /refresh answers a new token: compare those rows normalised.
    let (example, flask) = profile.start_both();
    let mut b = Both::new(&profile, &example, &flask);
    for (label, tok, req, expect) in rows {
        let strict = expect != 200 || req.path != "/refresh";
        b.with_token(&label, req, &tok, expect, strict);
    }
    b.finish("bad tokens");
}

#[test]
fn bad_tokens_empty_header_type() {
    let profile = Profile::bare_header();
    let rows = hmac_rows(&profile);
    run_rows(&profile, rows);
}

/// What one app must answer to a row of [`deliberate_differences`].
enum Want {
    /// This status and exactly this JSON body (jsonify-formatted: `body` plus a newline).
    Exact(u16, &'static str),
    /// This status and a jsonify-formatted `{"message": "<prefix>..."}` whose text after the
    /// prefix does not echo any of the given parts of the input.
    Prefix(u16, &'static str, &'static [&'static str]),
}

/// Whether `resp` is what `want` says; `Err` explains why not.
fn check_want(resp: &Response, want: &Want) -> Result<(), String> {
    let ct = resp.header("content-type");
    if ct != Some("application/json") {
        return Err(format!("content type {ct:?}, expected application/json"));
    }
    match want {
        Want::Exact(status, body) => {
            let body = format!("{body}\n");
            if resp.status != *status || resp.body != body.as_bytes() {
                return Err(format!("expected {status} {body:?}"));
            }
        }
        Want::Prefix(status, prefix, not_echoed) => {
            let message = resp.json().and_then(|v| match v {
                Value::Object(m) if m.len() == 1 => m.get("message")?.as_str().map(str::to_owned),
                _ => None,
            });
            let Some(message) = message else {
                return Err("expected a body {\"message\": <text>}".into());
            };
            let Some(rest) = message.strip_prefix(prefix) else {
                return Err(format!("expected a message starting with {prefix:?}"));
            };
            if resp.status != *status || !is_jsonify_format(&resp.body) {
                return Err(format!("expected {status}, jsonify-formatted"));
            }
            if let Some(part) = not_echoed.iter().find(|p| rest.contains(**p)) {
                return Err(format!("the message echoes the input {part:?}"));
            }
        }
    }
    Ok(())
}

/// Tokens on which the example app deliberately answers differently from flask-jwt-extended
/// 4.7.4 (PyJWT 2.x on CPython): each row pins both answers, Flask's as it is today and ours.
#[test]
fn deliberate_differences() {
    let profile = Profile::defaults();
    let secret = profile.secret().as_bytes();
    let raw = |header: &[u8], payload: &str| {
        token::raw_hmac(Algorithm::HS256, secret, header, payload.as_bytes())
    };
    let std_header: &[u8] = br#"{"alg":"HS256","typ":"JWT"}"#;
    let tok = |payload: &str| raw(std_header, payload);
    let get = || Request::get("/protected");
    let claims = || Request::get("/claims");
    const EXP_INT: &str = r#"{"message":"Expiration Time claim (exp) must be an integer."}"#;
    const IAT_INT: &str = r#"{"message":"Issued At claim (iat) must be an integer."}"#;
    const PAYLOAD: &str = "Invalid payload string: ";
    let rows: Vec<(&str, String, Request, Want, Want)> = vec![
        // RFC 7519 NumericDate is a JSON number; PyJWT converts with Python int(str).
        (
            "exp \"123\"",
            tok(r#"{"sub":"test","exp":"123"}"#),
            get(),
            Want::Exact(401, r#"{"message":"Token has expired"}"#),
            Want::Exact(422, EXP_INT),
        ),
        // RFC 7519 NumericDate is a JSON number; Python int() also strips the blanks.
        (
            "exp \" 123 \"",
            tok(r#"{"sub":"test","exp":" 123 "}"#),
            get(),
            Want::Exact(401, r#"{"message":"Token has expired"}"#),
            Want::Exact(422, EXP_INT),
        ),
        // RFC 7519 NumericDate is a JSON number; PyJWT accepts int("123") and keeps the string.
        (
            "iat \"123\": /claims",
            tok(r#"{"sub":"test","iat":"123"}"#),
            claims(),
            Want::Exact(
                200,
                r#"{"claims":{"fresh":false,"iat":"123","jti":null,"sub":"test","type":"access"},"header":{"alg":"HS256","typ":"JWT"}}"#,
            ),
            Want::Exact(422, IAT_INT),
        ),
        // 1e400 is outside RFC 8259's interoperable range; CPython reads it as inf.
        (
            "exp 1e400",
            tok(r#"{"sub":"test","exp":1e400}"#),
            get(),
            Want::Exact(422, EXP_INT),
            Want::Prefix(422, PAYLOAD, &["1e400", "inf"]),
        ),
        // NaN is not RFC 8259 JSON; CPython's json module accepts it.
        (
            "exp NaN",
            tok(r#"{"sub":"test","exp":NaN}"#),
            get(),
            Want::Exact(422, EXP_INT),
            Want::Prefix(422, PAYLOAD, &["NaN", "nan"]),
        ),
        // RFC 8259 forbids a BOM in JSON texts sent between systems; PyJWT decodes utf-8-sig.
        (
            "UTF-8 BOM before the payload JSON",
            tok("\u{feff}{\"sub\":\"test\"}"),
            get(),
            Want::Exact(200, r#"{"logged_in_as":"test"}"#),
            Want::Prefix(422, PAYLOAD, &["\u{feff}", "test"]),
        ),
        // Same prefix, our own position text instead of CPython's json wording.
        (
            "header {canary",
            raw(b"{canary", r#"{"sub":"test"}"#),
            get(),
            Want::Exact(
                422,
                r#"{"message":"Invalid header string: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"}"#,
            ),
            Want::Prefix(422, "Invalid header string: ", &["canary", "{"]),
        ),
        // Same prefix, our own position text instead of CPython's json wording.
        (
            "payload not JSON",
            tok(r#"{"sub":"canary""#),
            get(),
            Want::Exact(
                422,
                r#"{"message":"Invalid payload string: Expecting ',' delimiter: line 1 column 16 (char 15)"}"#,
            ),
            Want::Prefix(422, PAYLOAD, &["canary", "sub", "{"]),
        ),
        // serde_json without arbitrary_precision: integers beyond 64 bits become f64.
        (
            "big integer claim: /claims",
            tok(r#"{"sub":"test","big":12345678901234567890123}"#),
            claims(),
            Want::Exact(
                200,
                r#"{"claims":{"big":12345678901234567890123,"fresh":false,"jti":null,"sub":"test","type":"access"},"header":{"alg":"HS256","typ":"JWT"}}"#,
            ),
            Want::Exact(
                200,
                r#"{"claims":{"big":1.2345678901234568e+22,"fresh":false,"jti":null,"sub":"test","type":"access"},"header":{"alg":"HS256","typ":"JWT"}}"#,
            ),
        ),
        // Python's float repr writes a two-digit exponent (1e-07); serde_json writes 1e-7.
        (
            "float 1e-7: /claims",
            tok(r#"{"sub":"test","f":1e-7}"#),
            claims(),
            Want::Exact(
                200,
                r#"{"claims":{"f":1e-07,"fresh":false,"jti":null,"sub":"test","type":"access"},"header":{"alg":"HS256","typ":"JWT"}}"#,
            ),
            Want::Exact(
                200,
                r#"{"claims":{"f":1e-7,"fresh":false,"jti":null,"sub":"test","type":"access"},"header":{"alg":"HS256","typ":"JWT"}}"#,
            ),
        ),
    ];
    let (example, flask) = profile.start_both();
    let mut failures = Vec::new();
    let count = rows.len();
    for (label, tok, req, flask_wants, example_wants) in rows {
        let req = profile.with_auth(req, &tok);
        for (name, server, want) in [
            ("flask", &flask, &flask_wants),
            ("example", &example, &example_wants),
        ] {
            let resp = server.send(&req);
            if let Err(why) = check_want(&resp, want) {
                failures.push(format!(
                    "{label}: {name} answers {} {:?} ({:?}): {why}",
                    resp.status,
                    resp.text(),
                    resp.header("content-type")
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} answers are not the recorded ones:\n{}",
        failures.len(),
        2 * count,
        failures.join("\n")
    );
}
