//! The error table of flask-jwt-extended 4.7.4 (reference section 5), row by row, over real
//! HTTP: small Actix apps on 127.0.0.1 and an `awc` client. Each row checks the exact status
//! and, for errors, the exact body `{"message":"<text>"}\n` the reference recorded with
//! `JWT_ERROR_MESSAGE_KEY="message"`. Row names (H3, T15, C11, ...) are the reference's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use actix_jwt_ext::jsonwebtoken::Algorithm;
use actix_jwt_ext::{Fresh, InMemoryBlocklist, JwtConfig, JwtManager, TokenBuilder, TokenLocation};
use actix_web::http::Method;
use actix_web::HttpResponse;
use serde_json::{json, Value};

use common::*;

const MISSING_TYPE: &str =
    "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: Bearer <JWT>'";
const BAD_HEADER: &str = "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'";
const NOT_REFRESH: &str = "Only non-refresh tokens are allowed";
const ONLY_REFRESH: &str = "Only refresh tokens are allowed";

async fn access(jwt: &JwtManager, identity: &str) -> String {
    jwt.access_token(identity).encode().await.unwrap()
}

async fn mint(builder: TokenBuilder<'_>) -> String {
    builder.encode().await.unwrap()
}

async fn refresh(jwt: &JwtManager, identity: &str) -> String {
    jwt.refresh_token(identity).encode().await.unwrap()
}

/// An access token whose `exp` has already passed (no sleeping).
fn expired(identity: &str) -> String {
    let t = now();
    hs256(
        &json!({"sub": identity, "type": "access", "iat": t - 100, "nbf": t - 100, "exp": t - 10}),
    )
}

// ---------------------------------------------------------------------------------------
// 5.1 Header location
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn section_5_1_headers() {
    let jwt = manager(config());
    let srv = spawn(&jwt);
    let bare_type = spawn(&manager(config().header_type("")));
    let api_token = spawn(&manager(config().header_name("X-Api-Token")));
    let tok = access(&jwt, "alice").await;
    let g = || Req::get("/protected");
    let auth = |v: String| g().header("Authorization", v);

    #[rustfmt::skip]
    let rows = vec![
        (&srv, row("H1", g(), 401, msg("Missing Authorization Header"))),
        (&srv, row("H2", auth(String::new()), 401, msg("Missing Authorization Header"))),
        (&srv, row("H2 (only spaces and commas)", auth(" , ".into()), 401, msg("Missing Authorization Header"))),
        (&srv, row("H3", auth("Basic abc".into()), 401, msg(MISSING_TYPE))),
        (&srv, row("H4", auth(format!("bearer {tok}")), 401, msg(MISSING_TYPE))),
        (&srv, row("H5", auth(format!("Bearer {tok}, Bearer {tok}")), 401, msg(MISSING_TYPE))),
        (&srv, row("H5 (two header lines)", g().bearer(&tok).bearer(&tok), 401, msg(MISSING_TYPE))),
        (&srv, row("H6", auth("Bearer".into()), 422, msg(BAD_HEADER))),
        (&srv, row("H6 (Bearer + space)", auth("Bearer ".into()), 422, msg(BAD_HEADER))),
        (&srv, row("H7", auth(format!("Bearer {tok} extra")), 422, msg(BAD_HEADER))),
        (&srv, row("H8", auth("Bearer ,,0".into()), 422, msg(BAD_HEADER))),
        (&srv, row("H9", auth(format!("Basic x, Bearer {tok}")), 200, ok_as("alice", "headers"))),
        (&srv, row("H9 (Bearer first)", auth(format!("Bearer {tok}, Basic x")), 200, ok_as("alice", "headers"))),
        (&srv, row("H9 (two header lines)", g().header("Authorization", "Basic x").bearer(&tok), 200, ok_as("alice", "headers"))),
        (&srv, row("H10", auth(format!("Bearer {tok},  ")), 200, ok_as("alice", "headers"))),
        (&srv, row("H10 (leading comma)", auth(format!(", Bearer {tok}")), 200, ok_as("alice", "headers"))),
        (&srv, row("valid", g().bearer(&tok), 200, ok_as("alice", "headers"))),
        (&srv, row("H10 (space then tab: str.split())", auth(format!("Bearer \t{tok}")), 200, ok_as("alice", "headers"))),
        (&srv, row("H7 (tab between words)", auth(format!("Bearer {tok}\textra")), 422, msg(BAD_HEADER))),
        (&bare_type, row("H11", auth(format!("Bearer {tok}")), 422, msg("Bad Authorization header. Expected 'Authorization: <JWT>'"))),
        (&bare_type, row("H12", auth(format!("{tok}, other")), 422, msg("Bad Authorization header. Expected 'Authorization: <JWT>'"))),
        (&bare_type, row("H11 (bare token accepted)", auth(tok.clone()), 200, ok_as("alice", "headers"))),
        (&api_token, row("H13", g(), 401, msg("Missing X-Api-Token Header"))),
        (&api_token, row("H13 (Authorization ignored)", g().bearer(&tok), 401, msg("Missing X-Api-Token Header"))),
        (&api_token, row("H14", g().header("X-Api-Token", "Basic x"), 401, msg("Missing 'Bearer' type in 'X-Api-Token' header. Expected 'X-Api-Token: Bearer <JWT>'"))),
        (&api_token, row("H14 (valid)", g().header("X-Api-Token", format!("Bearer {tok}")), 200, ok_as("alice", "headers"))),
    ];
    run_table("5.1 headers", &rows).await;
}

// ---------------------------------------------------------------------------------------
// 5.2 Token validity, through each of the four locations
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn section_5_2_token_validity() {
    let jwt = manager(config());
    let default = spawn(&jwt);
    let aud = spawn(&manager(config().decode_audience(["foo"])));
    let iss = spawn(&manager(config().decode_issuer(["me"])));
    let iss_aud = spawn(&manager(
        config().decode_issuer(["me"]).decode_audience(["foo"]),
    ));
    let leeway = spawn(&manager(config().decode_leeway(Duration::from_secs(120))));
    let no_verify_sub = spawn(&manager(config().verify_sub(false)));
    let hs512_too = spawn(&manager(config().decode_algorithms([Algorithm::HS512])));
    let identity_claim = spawn(&manager(config().identity_claim("identity")));
    let hmac = actix_jwt_ext::jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let rsa = JwtConfig::builder()
        .algorithm(Algorithm::RS256)
        .private_key(fixture("rsa_private.pem"))
        .public_key(fixture("rsa_public.pem"))
        .error_message_key("message");
    let rs256_app = spawn(&manager(rsa));

    let t = now();
    let valid = access(&jwt, "alice").await;
    let good_header = valid.split('.').next().unwrap().to_owned();
    let tampered = with_payload(&valid, &b64(br#"{"sub":"admin","type":"access"}"#));
    let int_identity = jwt.access_token(1234).encode().await.unwrap();

    // (row, server, token, status, expectation)
    #[rustfmt::skip]
    let cases: Vec<(&str, &actix_test::TestServer, String, u16, Expect)> = vec![
        ("T1 (foobarbaz)", &default, "foobarbaz".into(), 422, msg("Not enough segments")),
        ("T1 (a.b)", &default, "a.b".into(), 422, msg("Not enough segments")),
        ("T2", &default, "aaaaa.bbbbb.ccccc".into(), 422, msg("Invalid header padding")),
        ("T3", &default, format!("{good_header}.x.c2ln"), 422, msg("Invalid payload padding")),
        ("T4 (wrong key)", &default, hs256_with("another-secret-entirely", &json!({"sub": "alice"})), 422, msg("Signature verification failed")),
        ("T4 (tampered payload)", &default, tampered, 422, msg("Signature verification failed")),
        ("T5 (HS512 on HS256 app)", &default, hs512(&json!({"sub": "alice"})), 422, msg("The specified alg value is not allowed")),
        ("T5 (alg none)", &default, alg_none(&json!({"sub": "alice"})), 422, msg("The specified alg value is not allowed")),
        ("T5 (HS256 on RS256 app)", &rs256_app, valid.clone(), 422, msg("The specified alg value is not allowed")),
        ("T5 (RS256 app, RS256 token)", &rs256_app, rs256(&json!({"sub": "alice"})), 200, Expect::Fields(vec![("/logged_in_as", json!("alice"))])),
        ("T5 (alg missing)", &default, sign(Algorithm::HS256, &hmac, &json!({"typ": "JWT"}), &json!({"sub": "alice"})), 422, msg("Algorithm not specified")),
        ("T5 (alg null)", &default, sign(Algorithm::HS256, &hmac, &json!({"alg": null}), &json!({"sub": "alice"})), 422, msg("The specified alg value is not allowed")),
        ("T5 (alg lower case)", &default, sign(Algorithm::HS256, &hmac, &json!({"alg": "hs256"}), &json!({"sub": "alice"})), 422, msg("The specified alg value is not allowed")),
        ("T5 (alg HS384 on HS256 app)", &default, sign(Algorithm::HS384, &hmac, &json!({"alg": "HS384"}), &json!({"sub": "alice"})), 422, msg("The specified alg value is not allowed")),
        ("T5 (JWT_DECODE_ALGORITHMS=[HS512], HS512 token)", &hs512_too, hs512(&json!({"sub": "alice"})), 200, Expect::Fields(vec![("/logged_in_as", json!("alice"))])),
        ("T5 (JWT_DECODE_ALGORITHMS=[HS512], HS256 token)", &hs512_too, valid.clone(), 200, Expect::Fields(vec![("/logged_in_as", json!("alice"))])),
        ("T5 (JWT_DECODE_ALGORITHMS=[HS512], HS384 token)", &hs512_too, sign(Algorithm::HS384, &hmac, &json!({"alg": "HS384"}), &json!({"sub": "alice"})), 422, msg("The specified alg value is not allowed")),
        ("T6", &default, expired("alice"), 401, msg("Token has expired")),
        ("T7", &default, hs256(&json!({"sub": "alice", "nbf": t + 100})), 422, msg("The token is not yet valid (nbf)")),
        ("T8", &default, hs256(&json!({"sub": "alice", "iat": t + 100})), 422, msg("The token is not yet valid (iat)")),
        ("T9", &default, hs256(&json!({"sub": "alice", "exp": "soon"})), 422, msg("Expiration Time claim (exp) must be an integer.")),
        ("T10", &default, hs256(&json!({"sub": "alice", "iat": "x"})), 422, msg("Issued At claim (iat) must be an integer.")),
        ("T11", &default, hs256(&json!({"sub": "alice", "nbf": "x"})), 422, msg("Not Before claim (nbf) must be an integer.")),
        ("T12", &default, hs256(&json!({"foo": "bar"})), 422, msg("Missing claim: sub")),
        ("T12 (JWT_IDENTITY_CLAIM=identity)", &identity_claim, hs256(&json!({"sub": "alice"})), 422, msg("Missing claim: identity")),
        ("T12 (JWT_IDENTITY_CLAIM=identity, present)", &identity_claim, hs256(&json!({"identity": "alice"})), 200, Expect::Fields(vec![("/logged_in_as", json!("alice"))])),
        ("T13 (crafted)", &default, hs256(&json!({"sub": 1234})), 422, msg("Subject must be a string")),
        ("T13 (create_access_token(1234))", &default, int_identity.clone(), 422, msg("Subject must be a string")),
        ("T14", &default, hs256(&json!({"sub": "alice", "jti": 5})), 422, msg("JWT ID must be a string")),
        ("T15", &aud, hs256(&json!({"sub": "alice"})), 422, Expect::Raw("{\"message\":\"Token is missing the \\\"aud\\\" claim\"}\n".into())),
        // PyJWT: `"aud" not in payload or not payload["aud"]`: falsy values are missing (the
        // falsy values 0, false and {} are in `t15_every_falsy_aud_is_missing`).
        ("T15 (aud \"\")", &aud, hs256(&json!({"sub": "alice", "aud": ""})), 422, msg("Token is missing the \"aud\" claim")),
        ("T15 (aud [])", &aud, hs256(&json!({"sub": "alice", "aud": []})), 422, msg("Token is missing the \"aud\" claim")),
        ("T15 (aud null)", &aud, hs256(&json!({"sub": "alice", "aud": null})), 422, msg("Token is missing the \"aud\" claim")),
        ("T16 (aud 5: bad format)", &aud, hs256(&json!({"sub": "alice", "aud": 5})), 422, msg("Invalid claim format in token")),
        ("T16 (aud list with a number)", &aud, hs256(&json!({"sub": "alice", "aud": ["bar", 1]})), 422, msg("Invalid claim format in token")),
        ("T16", &aud, hs256(&json!({"sub": "alice", "aud": "bar"})), 422, msg("Audience doesn't match")),
        ("T16 (list without match)", &aud, hs256(&json!({"sub": "alice", "aud": ["bar", "baz"]})), 422, msg("Audience doesn't match")),
        ("T16 (matching aud)", &aud, hs256(&json!({"sub": "alice", "aud": "foo"})), 200, Expect::Fields(vec![("/logged_in_as", json!("alice"))])),
        ("T16 (matching aud in list)", &aud, hs256(&json!({"sub": "alice", "aud": ["bar", "foo"]})), 200, Expect::Fields(vec![("/logged_in_as", json!("alice"))])),
        ("T17", &iss, hs256(&json!({"sub": "alice"})), 422, msg("Token is missing the \"iss\" claim")),
        ("T18", &iss, hs256(&json!({"sub": "alice", "iss": "you"})), 422, msg("Invalid issuer")),
        ("T18 (matching iss)", &iss, hs256(&json!({"sub": "alice", "iss": "me"})), 200, Expect::Fields(vec![("/logged_in_as", json!("alice"))])),
        ("T19", &iss_aud, hs256(&json!({"sub": "alice"})), 422, msg("Token is missing the \"iss\" claim")),
        ("T20", &aud, hs256(&json!({"sub": "alice", "aud": "bar", "exp": t - 10})), 422, msg("Audience doesn't match")),
        ("T20 (expired, right aud)", &aud, hs256(&json!({"sub": "alice", "aud": "foo", "exp": t - 10})), 401, msg("Token has expired")),
        ("T20 (expired, sub 1234)", &default, hs256(&json!({"sub": 1234, "exp": t - 10})), 422, msg("Subject must be a string")),
        ("T20 (expired, no sub)", &default, hs256(&json!({"foo": "bar", "exp": t - 10})), 422, msg("Missing claim: sub")),
        ("T20 (expired, bad signature)", &default, hs256_with("another-secret-entirely", &json!({"sub": "alice", "exp": t - 10})), 422, msg("Signature verification failed")),
        ("T20 (expired, alg none)", &default, alg_none(&json!({"sub": "alice", "exp": t - 10})), 422, msg("The specified alg value is not allowed")),
        ("T7 (nbf ahead, exp passed)", &default, hs256(&json!({"sub": "alice", "nbf": t + 100, "exp": t - 10})), 422, msg("The token is not yet valid (nbf)")),
        ("T8 (iat and nbf ahead)", &default, hs256(&json!({"sub": "alice", "iat": t + 100, "nbf": t + 100})), 422, msg("The token is not yet valid (iat)")),
        ("T10 (iat not numeric, exp passed)", &default, hs256(&json!({"sub": "alice", "iat": "x", "exp": t - 10})), 422, msg("Issued At claim (iat) must be an integer.")),
        ("T10 (iat null)", &default, hs256(&json!({"sub": "alice", "iat": null})), 422, msg("Issued At claim (iat) must be an integer.")),
        ("T13 (sub 1, jti 1)", &default, hs256(&json!({"sub": 1, "jti": 1})), 422, msg("Subject must be a string")),
        ("T14 (no sub, jti 1)", &default, hs256(&json!({"jti": 1})), 422, msg("JWT ID must be a string")),
        ("T6 (exp true)", &default, hs256(&json!({"sub": "alice", "exp": true})), 401, msg("Token has expired")),
        ("T3 (extra segment)", &default, format!("{valid}.x"), 422, msg("Invalid payload padding")),
        ("T4 (empty signature)", &default, with_signature(&valid, ""), 422, msg("Signature verification failed")),
        ("T3 (standard-alphabet signature)", &default, with_signature(&valid, "ab+/"), 422, msg("Invalid crypto padding")),
        ("T21 (exp 60 s ago)", &leeway, hs256(&json!({"sub": "alice", "exp": t - 60})), 200, Expect::Fields(vec![("/logged_in_as", json!("alice"))])),
        ("T21 (nbf 60 s ahead)", &leeway, hs256(&json!({"sub": "alice", "nbf": t + 60})), 200, Expect::Fields(vec![("/logged_in_as", json!("alice"))])),
        ("T21 (exp 200 s ago)", &leeway, hs256(&json!({"sub": "alice", "exp": t - 200})), 401, msg("Token has expired")),
        ("T22", &no_verify_sub, hs256(&json!({"sub": 1234})), 200, Expect::Fields(vec![("/logged_in_as", json!(1234))])),
        ("T22 (create_access_token(1234))", &no_verify_sub, int_identity, 200, Expect::Fields(vec![("/logged_in_as", json!(1234))])),
    ];

    // "Any location": every row through the header, the query string, a JSON body and a
    // cookie (GET, so no CSRF value is needed).
    let mut rows = Vec::new();
    for (id, srv, token, status, expect) in cases {
        let requests = [
            ("headers", Req::get("/protected").bearer(&token)),
            ("query_string", Req::get(format!("/qs?jwt={token}"))),
            (
                "json",
                Req::post("/json").json(&json!({"access_token": token})),
            ),
            ("cookies", Req::get("/cookies").cookie(&token)),
        ];
        for (location, req) in requests {
            let expect = match &expect {
                Expect::Fields(fields) => {
                    let mut fields = fields.clone();
                    fields.push(("/location", json!(location)));
                    Expect::Fields(fields)
                }
                other => other.clone(),
            };
            rows.push((srv, row(format!("{id} [{location}]"), req, status, expect)));
        }
    }
    run_table("5.2 token validity", &rows).await;
}

/// T15 for the falsy `aud` values PyJWT treats as absent (`not payload["aud"]`): `0`, `false`
/// and `{}` (see tests/python/PYJWT_NOTES.md section 8, "aud ... absent **or falsy**").
/// Fails while actix-jwt-ext/src/tokens/validate.rs answers `Invalid claim format in token`.
#[actix_web::test]
async fn t15_every_falsy_aud_is_missing() {
    let srv = spawn(&manager(config().decode_audience(["foo"])));
    let missing = || msg("Token is missing the \"aud\" claim");
    let rows = [json!(0), json!(0.0), json!(false), json!({})]
        .into_iter()
        .map(|aud| {
            let token = hs256(&json!({"sub": "alice", "aud": aud}));
            row(
                format!("T15 (aud {aud})"),
                Req::get("/protected").bearer(&token),
                422,
                missing(),
            )
        })
        .collect();
    run("5.2 T15 falsy aud", &srv, rows).await;
}

/// PyJWT checks the `kid` / `crit` header parameters before it parses the payload JSON
/// (tests/python/PYJWT_NOTES.md section 1, step 1, and section 5: `_validate_headers` runs in
/// `api_jws.decode_complete`, `_decode_payload` after it). Fails while
/// `JwtManager::decode` (actix-jwt-ext/src/manager.rs) parses the claims first.
#[actix_web::test]
async fn header_parameters_are_checked_before_the_payload_json() {
    let srv = spawn(&manager(config()));
    let hmac = actix_jwt_ext::jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes());
    let header = json!({"alg": "HS256", "kid": 1});
    let token = |payload: &[u8]| {
        let input = format!(
            "{}.{}",
            b64(&serde_json::to_vec(&header).unwrap()),
            b64(payload)
        );
        let sig =
            actix_jwt_ext::jsonwebtoken::crypto::sign(input.as_bytes(), &hmac, Algorithm::HS256)
                .unwrap();
        format!("{input}.{sig}")
    };
    let kid = || msg("Key ID header parameter must be a string");
    #[rustfmt::skip]
    let rows = vec![
        row("kid 1, valid payload", Req::get("/protected").bearer(&token(br#"{"sub":"alice"}"#)), 422, kid()),
        row("kid 1, payload not an object", Req::get("/protected").bearer(&token(b"[]")), 422, kid()),
        row("kid 1, payload not JSON", Req::get("/protected").bearer(&token(b"{bad")), 422, kid()),
    ];
    run("header parameters before payload JSON", &srv, rows).await;
}

// ---------------------------------------------------------------------------------------
// 5.3 Type, freshness, revocation, custom checks, user lookup
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn section_5_3_checks() {
    let lookups = counter();
    let jwt = loader_manager(config(), lookups.clone());
    let srv = spawn(&jwt);
    let t = now() as f64;

    let acc = access(&jwt, "alice").await;
    let fresh = mint(jwt.access_token("alice").fresh(true)).await;
    let fresh_window = mint(jwt.access_token("alice").fresh(Duration::from_secs(900))).await;
    let stale = mint(jwt.access_token("alice").fresh(Fresh::Until(t - 60.0))).await;
    let fresh_one = mint(jwt.access_token("alice").fresh(Fresh::Until(1.0))).await;
    let refr = refresh(&jwt, "alice").await;
    let app_type = mint(jwt.access_token("alice").claim("type", "app")).await;
    let revoked = mint(jwt.access_token("alice").claim("revoked", true)).await;
    let revoked_fresh = mint(jwt.access_token("alice").fresh(true).claim("revoked", true)).await;
    let revoked_refresh = mint(jwt.refresh_token("alice").claim("revoked", true)).await;
    let bad_claims = mint(jwt.access_token("alice").claim("bad_claims", true)).await;
    let revoked_bad = mint(
        jwt.access_token("alice")
            .claims(json!({"revoked": true, "bad_claims": true})),
    )
    .await;
    let ghost = access(&jwt, "ghost").await;
    let ghost_bad = mint(jwt.access_token("ghost").claim("bad_claims", true)).await;

    let get = |path: &str, token: &str| Req::get(path).bearer(token);
    let user_ok = Expect::Json(json!({"user": "alice"}));
    #[rustfmt::skip]
    let rows = vec![
        row("C1", get("/protected", &refr), 422, msg(NOT_REFRESH)),
        row("C2", get("/refresh", &acc), 422, msg(ONLY_REFRESH)),
        row("C2 (refresh token accepted)", get("/refresh", &refr), 200, ok_as("alice", "headers")),
        row("C3 (type app on refresh route)", get("/refresh", &app_type), 422, msg(ONLY_REFRESH)),
        row("C3 (type app on access route)", get("/protected", &app_type), 200, ok_as("alice", "headers")),
        row("C4 (fresh false)", get("/fresh", &acc), 401, msg("Fresh token required")),
        row("C4 (fresh window passed)", get("/fresh", &stale), 401, msg("Fresh token required")),
        row("C4 (fresh=1)", get("/fresh", &fresh_one), 401, msg("Fresh token required")),
        row("C4 (fresh true accepted)", get("/fresh", &fresh), 200, ok_as("alice", "headers")),
        row("C4 (fresh window accepted)", get("/fresh", &fresh_window), 200, ok_as("alice", "headers")),
        row("C5", get("/fresh", &refr), 422, msg(NOT_REFRESH)),
        row("C6", get("/protected", &revoked), 401, msg("Token has been revoked")),
        row("C6 (refresh token)", get("/refresh", &revoked_refresh), 401, msg("Token has been revoked")),
        row("C6 (revoked, fresh route, fresh token)", get("/fresh", &revoked_fresh), 401, msg("Token has been revoked")),
        row("C6 (skip_revocation_check)", get("/skip_revocation", &revoked), 200, ok_as("alice", "headers")),
        row("C6 (verify_type=False still checks revocation)", get("/no_verify_type", &revoked_refresh), 401, msg("Token has been revoked")),
        row("C6 (verify_type=False takes refresh tokens)", get("/no_verify_type", &refr), 200, ok_as("alice", "headers")),
        row("C7", get("/fresh", &revoked), 401, msg("Fresh token required")),
        row("C8", get("/protected", &bad_claims), 400, msg("User claims verification failed")),
        row("C9", get("/protected", &revoked_bad), 401, msg("Token has been revoked")),
        row("C10 (CurrentUser)", get("/user", &ghost), 401, msg("Error loading the user ghost")),
        row("C10 (load_user())", get("/load_user", &ghost), 401, msg("Error loading the user ghost")),
        row("C10 (extractor alone)", get("/bare_user", &ghost), 401, msg("Error loading the user ghost")),
        row("C10 (user found)", get("/user", &acc), 200, user_ok.clone()),
        row("C10 (user found, extractor alone)", get("/bare_user", &acc), 200, user_ok),
        row("C11 (load_user())", get("/load_user", &ghost_bad), 400, msg("User claims verification failed")),
        row("C11 (CurrentUser)", get("/user", &ghost_bad), 400, msg("User claims verification failed")),
        row("C12 (plain)", Req::new(Method::OPTIONS, "/protected"), 200, Expect::Raw("ok".into())),
        row("C12 (fresh)", Req::new(Method::OPTIONS, "/fresh"), 200, Expect::Raw("ok".into())),
        row("C12 (refresh)", Req::new(Method::OPTIONS, "/refresh"), 200, Expect::Raw("ok".into())),
        row("C12 (bad token ignored)", Req::new(Method::OPTIONS, "/protected").bearer("foobarbaz"), 200, Expect::Raw("ok".into())),
        row("C12 (verify_jwt_in_request)", Req::new(Method::OPTIONS, "/verify"), 200, Expect::Json(json!({"logged_in_as": null}))),
        row("C13", Req::new(Method::HEAD, "/protected"), 401, Expect::Empty),
        row("C13 (with a token)", Req::new(Method::HEAD, "/protected").bearer(&acc), 200, Expect::Empty),
    ];
    run("5.3 checks", &srv, rows).await;

    // Deliberate difference: the lookup runs where a handler asks for the user (or with
    // `load_user()`), not on every protected route.
    let before = lookups.load(Ordering::SeqCst);
    run(
        "5.3 lazy user lookup",
        &srv,
        vec![row(
            "C10 (route without CurrentUser)",
            get("/protected", &ghost),
            200,
            ok_as("ghost", "headers"),
        )],
    )
    .await;
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        before,
        "no lookup without CurrentUser"
    );

    // CurrentUser without a user_lookup_loader is a server misconfiguration (Flask: RuntimeError).
    let plain = manager(config());
    let plain_srv = spawn(&plain);
    let tok = access(&plain, "alice").await;
    run(
        "5.3 no loader",
        &plain_srv,
        vec![row(
            "CurrentUser without loader",
            get("/user", &tok),
            500,
            msg("Internal Server Error"),
        )],
    )
    .await;
}

/// C6 with the revocation store: `JwtManager::revoke` and a logout route.
#[actix_web::test]
async fn section_5_3_revocation_store() {
    let store = InMemoryBlocklist::new();
    let jwt = JwtManager::builder(config().build().unwrap())
        .blocklist(store.clone())
        .build()
        .unwrap();
    let srv = spawn(&jwt);
    let acc = access(&jwt, "alice").await;
    let other = access(&jwt, "alice").await;
    let refr = refresh(&jwt, "alice").await;
    let get = |path: &str, token: &str| Req::get(path).bearer(token);

    run(
        "C6 before revocation",
        &srv,
        vec![
            row(
                "C6 (not revoked)",
                get("/protected", &acc),
                200,
                ok_as("alice", "headers"),
            ),
            row(
                "C6 (refresh not revoked)",
                get("/refresh", &refr),
                200,
                ok_as("alice", "headers"),
            ),
        ],
    )
    .await;

    jwt.revoke(&jwt.decode_token(&acc).await.unwrap())
        .await
        .unwrap();
    jwt.revoke(&jwt.decode_token(&refr).await.unwrap())
        .await
        .unwrap();
    assert_eq!(store.len(), 2);

    run(
        "C6 after revocation",
        &srv,
        vec![
            row(
                "C6 (revoked access)",
                get("/protected", &acc),
                401,
                msg("Token has been revoked"),
            ),
            row(
                "C6 (revoked refresh)",
                get("/refresh", &refr),
                401,
                msg("Token has been revoked"),
            ),
            row(
                "C6 (revoked, verify_type=False)",
                get("/no_verify_type", &refr),
                401,
                msg("Token has been revoked"),
            ),
            row(
                "C6 (skip_revocation_check)",
                get("/skip_revocation", &acc),
                200,
                ok_as("alice", "headers"),
            ),
            row(
                "C6 (another token of the same user)",
                get("/protected", &other),
                200,
                ok_as("alice", "headers"),
            ),
            row(
                "C6 (extractor alone)",
                get("/bare", &acc),
                401,
                msg("Token has been revoked"),
            ),
            row(
                "C6 (verify_jwt_in_request)",
                get("/verify", &acc),
                401,
                msg("Token has been revoked"),
            ),
        ],
    )
    .await;

    // A handler revokes its own token; the token is refused afterwards.
    let jti = jwt.get_jti(&other).await.unwrap().unwrap();
    run(
        "C6 logout",
        &srv,
        vec![
            row(
                "logout",
                Req::post("/logout").bearer(&other),
                200,
                Expect::Json(json!({"revoked": jti})),
            ),
            row(
                "C6 (after logout)",
                get("/protected", &other),
                401,
                msg("Token has been revoked"),
            ),
        ],
    )
    .await;
}

// ---------------------------------------------------------------------------------------
// 5.4 Query string and JSON (cookie rows K* are not part of this table)
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn section_5_4_query_string_and_json() {
    let jwt = manager(config());
    let srv = spawn(&jwt);
    let prefixed = spawn(&manager(config().query_string_value_prefix("Bearer ")));
    let tok = access(&jwt, "alice").await;
    let refr = refresh(&jwt, "alice").await;
    let missing_key = "Missing \"access_token\" key in json data.";
    let content_type = "Invalid content-type. Must be application/json.";
    let json_body = |v: Value| Req::post("/json").json(&v);

    #[rustfmt::skip]
    let rows = vec![
        (&srv, row("Q1 (no parameter)", Req::get("/qs"), 401, msg("Missing 'jwt' query paramater"))),
        (&srv, row("Q1 (empty ?jwt=)", Req::get("/qs?jwt="), 401, msg("Missing 'jwt' query paramater"))),
        (&srv, row("Q1 (other parameters only)", Req::get("/qs?a=1&b=2"), 401, msg("Missing 'jwt' query paramater"))),
        (&srv, row("Q1 (header ignored)", Req::get("/qs").bearer(&tok), 401, msg("Missing 'jwt' query paramater"))),
        (&srv, row("Q (valid)", Req::get(format!("/qs?a=1&jwt={tok}")), 200, ok_as("alice", "query_string"))),
        (&prefixed, row("Q2", Req::get(format!("/qs?jwt={tok}")), 422, msg("Invalid value for query parameter 'jwt'. Expected the value to start with 'Bearer '"))),
        (&prefixed, row("Q2 (prefix present)", Req::get(format!("/qs?jwt=Bearer%20{tok}")), 200, ok_as("alice", "query_string"))),
        (&prefixed, row("Q2 (prefix as +)", Req::get(format!("/qs?jwt=Bearer+{tok}")), 200, ok_as("alice", "query_string"))),
        (&srv, row("J1 (GET, no body)", Req::get("/json"), 401, msg(content_type))),
        (&srv, row("J1 (form POST)", Req::post("/json").body("application/x-www-form-urlencoded", format!("access_token={tok}")), 401, msg(content_type))),
        (&srv, row("J1 (text/plain)", Req::post("/json").body("text/plain", format!("{{\"access_token\":\"{tok}\"}}")), 401, msg(content_type))),
        (&srv, row("J2 (no key)", json_body(json!({})), 401, msg(missing_key))),
        (&srv, row("J2 (other key)", json_body(json!({"refresh_token": tok})), 401, msg(missing_key))),
        (&srv, row("J2 (empty body)", Req::post("/json").body("application/json", ""), 401, msg(missing_key))),
        (&srv, row("J2 (malformed JSON)", Req::post("/json").body("application/json", "{nope"), 401, msg(missing_key))),
        (&srv, row("J2 (empty token)", json_body(json!({"access_token": ""})), 401, msg(missing_key))),
        (&srv, row("J3", Req::post("/json_refresh").json(&json!({"access_token": refr})), 401, msg("Missing \"refresh_token\" key in json data."))),
        (&srv, row("J3 (refresh key accepted)", Req::post("/json_refresh").json(&json!({"refresh_token": refr})), 200, ok_as("alice", "json"))),
        // J4: flask-jwt-extended answers 500 (AttributeError); this port answers the J2 401
        // on purpose (documented in lib.rs "Deliberate differences").
        (&srv, row("J4 (array body: 401, not Flask's 500)", Req::post("/json").body("application/json", format!("[\"{tok}\"]")), 401, msg(missing_key))),
        (&srv, row("J5", Req::post("/json").body("application/vnd.api+json", format!("{{\"access_token\":\"{tok}\"}}")), 200, ok_as("alice", "json"))),
        (&srv, row("J5 (charset parameter)", Req::post("/json").body("application/json; charset=UTF-8", format!("{{\"access_token\":\"{tok}\"}}")), 200, ok_as("alice", "json"))),
        (&srv, row("J (token not a string)", json_body(json!({"access_token": 5})), 422, msg("Invalid token type. Token must be a <class 'bytes'>"))),
        (&srv, row("J (body over the 64 KiB limit)", json_body(json!({"access_token": tok, "pad": "x".repeat(70 * 1024)})), 413, msg("Request body too large"))),
        (&srv, row("J (valid)", json_body(json!({"access_token": tok})), 200, ok_as("alice", "json"))),
        (&srv, row("J (body replayed to the handler)", Req::post("/echo_json").json(&json!({"access_token": tok, "extra": "kept"})), 200, Expect::Json(json!({"logged_in_as": "alice", "echo": "kept"})))),
    ];
    run_table("5.4 query string and JSON", &rows).await;
}

// ---------------------------------------------------------------------------------------
// 5.5 Several locations
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn section_5_5_multiple_locations() {
    use TokenLocation::{Cookies, Headers, Json, QueryString};
    let jwt = manager(config());
    let srv = spawn(&jwt);
    // The same four locations from JWT_TOKEN_LOCATION instead of `locations=`.
    let all_cfg = spawn(&manager(config().token_location([
        Headers,
        Cookies,
        QueryString,
        Json,
    ])));
    let tok = access(&jwt, "alice").await;
    let refr = refresh(&jwt, "alice").await;
    let m1 = "Missing JWT in headers, cookies, query_string or json (Missing Authorization Header; Missing cookie \"access_token_cookie\"; Missing 'jwt' query paramater; Invalid content-type. Must be application/json.)";
    let m2 = "Missing JWT in headers, cookies, query_string or json (Missing Authorization Header; Missing cookie \"access_token_cookie\"; Missing 'jwt' query paramater; Missing \"access_token\" key in json data.)";
    let hq =
        |header: &str| Req::get(format!("/headers_qs?jwt={tok}")).header("Authorization", header);

    #[rustfmt::skip]
    let rows = vec![
        (&srv, row("M1", Req::get("/all"), 401, msg(m1))),
        (&all_cfg, row("M1 (JWT_TOKEN_LOCATION)", Req::get("/protected"), 401, msg(m1))),
        (&srv, row("M2", Req::post("/all").json(&json!({})), 401, msg(m2))),
        (&all_cfg, row("M2 (JWT_TOKEN_LOCATION)", Req::post("/protected").json(&json!({})), 401, msg(m2))),
        (&srv, row("M3", Req::get("/cookies_headers"), 401, msg("Missing JWT in cookies or headers (Missing cookie \"access_token_cookie\"; Missing Authorization Header)"))),
        (&srv, row("M4", Req::get("/json_qs"), 401, msg("Missing JWT in json or query_string (Invalid content-type. Must be application/json.; Missing 'jwt' query paramater)"))),
        (&srv, row("M5", hq("Bearer a b"), 422, msg(BAD_HEADER))),
        (&srv, row("M6", hq("Basic x"), 200, ok_as("alice", "query_string"))),
        (&srv, row("M7", hq("Bearer foobarbaz"), 422, msg("Not enough segments"))),
        (&srv, row("M8", hq(&format!("Bearer {}", expired("alice"))), 401, msg("Token has expired"))),
        (&srv, row("M9", hq(&format!("Bearer {refr}")), 422, msg(NOT_REFRESH))),
        (&srv, row("M10", Req::get("/headers_cookies").bearer("aaaaa.bbbbb.ccccc").cookie(&tok), 422, msg("Invalid header padding"))),
        (&srv, row("M11", Req::get("/cookies_headers").bearer("aaaaa.bbbbb.ccccc").cookie(&tok), 200, ok_as("alice", "cookies"))),
        // Each location works when all four are searched, and reports where it was found.
        (&srv, row("M (headers)", Req::get("/all").bearer(&tok), 200, ok_as("alice", "headers"))),
        (&srv, row("M (cookies)", Req::get("/all").cookie(&tok), 200, ok_as("alice", "cookies"))),
        (&srv, row("M (query_string)", Req::get(format!("/all?jwt={tok}")), 200, ok_as("alice", "query_string"))),
        (&srv, row("M (json)", Req::post("/all").json(&json!({"access_token": tok})), 200, ok_as("alice", "json"))),
        (&all_cfg, row("M (cookies, JWT_TOKEN_LOCATION)", Req::get("/protected").cookie(&tok), 200, ok_as("alice", "cookies"))),
        (&all_cfg, row("M (json, JWT_TOKEN_LOCATION)", Req::post("/protected").json(&json!({"access_token": tok})), 200, ok_as("alice", "json"))),
    ];
    run_table("5.5 several locations", &rows).await;
}

// ---------------------------------------------------------------------------------------
// 5.6 Optional routes
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn section_5_6_optional() {
    let lookups = counter();
    let jwt = loader_manager(config(), lookups.clone());
    let srv = spawn(&jwt);
    let plain = spawn(&manager(config()));
    let tok = access(&jwt, "alice").await;
    let refr = refresh(&jwt, "alice").await;
    let anonymous = Expect::Json(json!({"logged_in_as": null, "location": null}));
    let empty_state =
        Expect::Json(json!({"logged_in_as": null, "claims": {}, "header": {}, "location": null}));
    let no_user = Expect::Json(json!({"user": null}));
    let auth = |path: &str, v: &str| Req::get(path).header("Authorization", v);

    #[rustfmt::skip]
    let rows = vec![
        (&srv, row("O1", Req::get("/optional"), 200, anonymous.clone())),
        (&srv, row("O1 (extractors)", Req::get("/optional_extract"), 200, empty_state.clone())),
        (&srv, row("O1 (current user)", Req::get("/optional_user"), 200, no_user.clone())),
        (&plain, row("O1 (current user, no loader)", Req::get("/optional_user"), 200, no_user.clone())),
        (&srv, row("O2", auth("/optional", "Basic x"), 200, anonymous.clone())),
        (&srv, row("O2 (extractors)", auth("/optional_extract", "Basic x"), 200, empty_state)),
        (&srv, row("O2 (current user)", auth("/optional_user", "Basic x"), 200, no_user)),
        (&srv, row("O3 (expired)", Req::get("/optional").bearer(&expired("alice")), 401, msg("Token has expired"))),
        (&srv, row("O3 (malformed)", Req::get("/optional").bearer("foobarbaz"), 422, msg("Not enough segments"))),
        (&srv, row("O3 (Bearer alone)", auth("/optional", "Bearer"), 422, msg(BAD_HEADER))),
        (&srv, row("O3 (Bearer ,,0)", auth("/optional", "Bearer ,,0"), 422, msg(BAD_HEADER))),
        (&srv, row("O (refresh token)", Req::get("/optional").bearer(&refr), 422, msg(NOT_REFRESH))),
        (&srv, row("O (valid)", Req::get("/optional").bearer(&tok), 200, ok_as("alice", "headers"))),
        (&srv, row("O (valid, extractors)", Req::get("/optional_extract").bearer(&tok), 200, Expect::Fields(vec![("/logged_in_as", json!("alice")), ("/claims/type", json!("access")), ("/claims/fresh", json!(false)), ("/header/alg", json!("HS256")), ("/location", json!("headers"))]))),
        (&srv, row("O (valid, current user)", Req::get("/optional_user").bearer(&tok), 200, Expect::Json(json!({"user": "alice"})))),
    ];
    let before = lookups.load(Ordering::SeqCst);
    run_table("5.6 optional", &rows[..7]).await;
    assert_eq!(
        lookups.load(Ordering::SeqCst),
        before,
        "O1/O2: the user lookup loader is not called without a token"
    );
    run_table("5.6 optional", &rows[7..]).await;
}

// ---------------------------------------------------------------------------------------
// Extractors without middleware, verify_jwt_in_request, custom loaders, key types
// ---------------------------------------------------------------------------------------

#[actix_web::test]
async fn extractors_and_verify_without_middleware() {
    let jwt = manager(config());
    let srv = spawn(&jwt);
    let tok = access(&jwt, "alice").await;
    let refr = refresh(&jwt, "alice").await;
    let fresh = mint(jwt.access_token("alice").fresh(true)).await;
    let get = |path: &str| Req::get(path);
    #[rustfmt::skip]
    let rows = vec![
        row("bare: no token", get("/bare"), 401, msg("Missing Authorization Header")),
        row("bare: valid", get("/bare").bearer(&tok), 200, Expect::Json(json!({"logged_in_as": "alice"}))),
        row("bare: expired", get("/bare").bearer(&expired("alice")), 401, msg("Token has expired")),
        row("bare: malformed", get("/bare").bearer("foobarbaz"), 422, msg("Not enough segments")),
        row("bare: refresh token", get("/bare").bearer(&refr), 422, msg(NOT_REFRESH)),
        row("bare: JwtRequired refresh, access token", get("/bare_refresh").bearer(&tok), 422, msg(ONLY_REFRESH)),
        row("bare: JwtRequired refresh, refresh token", get("/bare_refresh").bearer(&refr), 200, Expect::Json(json!({"logged_in_as": "alice"}))),
        row("Optional<JwtIdentity>: no token", get("/bare_optional"), 200, Expect::Json(json!({"logged_in_as": null}))),
        row("Optional<JwtIdentity>: other scheme", get("/bare_optional").header("Authorization", "Basic x"), 200, Expect::Json(json!({"logged_in_as": null}))),
        row("Optional<JwtIdentity>: expired", get("/bare_optional").bearer(&expired("alice")), 401, msg("Token has expired")),
        row("Optional<JwtIdentity>: malformed", get("/bare_optional").bearer("foobarbaz"), 422, msg("Not enough segments")),
        row("Optional<JwtIdentity>: bad header", get("/bare_optional").header("Authorization", "Bearer"), 422, msg(BAD_HEADER)),
        row("Optional<JwtIdentity>: valid", get("/bare_optional").bearer(&tok), 200, Expect::Json(json!({"logged_in_as": "alice"}))),
        row("extractors behind middleware", get("/extract").bearer(&tok), 200, Expect::Json(json!({"logged_in_as": "alice", "type": "access", "alg": "HS256", "location": "headers"}))),
        row("verify_jwt_in_request: valid", get("/verify").bearer(&tok), 200, ok_as("alice", "headers")),
        row("verify_jwt_in_request: no token", get("/verify"), 401, msg("Missing Authorization Header")),
        row("verify_jwt_in_request: expired", get("/verify").bearer(&expired("alice")), 401, msg("Token has expired")),
        row("verify_jwt_in_request: refresh token", get("/verify").bearer(&refr), 422, msg(NOT_REFRESH)),
        row("verify_jwt_in_request(fresh): not fresh", get("/verify_fresh").bearer(&tok), 401, msg("Fresh token required")),
        row("verify_jwt_in_request(fresh): fresh", get("/verify_fresh").bearer(&fresh), 200, ok_as("alice", "headers")),
    ];
    run("extractors without middleware", &srv, rows).await;
}

/// An extractor used alone that reads the token from the JSON body must leave the body to
/// the handler's own `web::Json` (as the middleware does, see "J (body replayed to the
/// handler)"). Fails while the extractors take the payload without replaying it
/// (actix-jwt-ext/src/extract.rs, `take_payload_if_needed`).
#[actix_web::test]
async fn extractor_alone_leaves_the_json_body_to_the_handler() {
    let jwt = manager(config());
    let srv = spawn(&jwt);
    let tok = access(&jwt, "alice").await;
    let rows = vec![row(
        "bare: JSON location, body replayed",
        Req::post("/bare_json").json(&json!({"access_token": tok, "extra": "kept"})),
        200,
        Expect::Json(json!({"logged_in_as": "alice", "echo": "kept"})),
    )];
    run("extractor alone, JSON body", &srv, rows).await;
}

/// Two token extractors used alone on one handler, token in a JSON body that arrives in two
/// pieces: the first extractor takes the body and waits for it; Actix polls the second one
/// meanwhile, which finds no verified state yet and searches an empty body.
#[actix_web::test]
async fn two_extractors_alone_share_one_json_verification() {
    use futures_util::StreamExt as _;
    let jwt = manager(config());
    let srv = spawn(&jwt);
    let tok = access(&jwt, "alice").await;
    let body = serde_json::to_vec(&json!({"access_token": tok})).unwrap();
    let (head, tail) = body.split_at(body.len() / 2);
    let (head, tail) = (
        actix_web::web::Bytes::copy_from_slice(head),
        actix_web::web::Bytes::copy_from_slice(tail),
    );
    let stream = futures_util::stream::iter([head, tail]).then(|chunk| async move {
        actix_web::rt::time::sleep(Duration::from_millis(30)).await;
        Ok::<_, std::io::Error>(chunk)
    });
    let mut resp = srv
        .post("/bare_json_two")
        .insert_header(("content-type", "application/json"))
        .send_stream(stream)
        .await
        .unwrap();
    let body = resp.body().await.unwrap();
    assert_eq!(
        (
            resp.status().as_u16(),
            String::from_utf8_lossy(&body).into_owned()
        ),
        (
            200,
            r#"{"logged_in_as":"alice","type":"access"}"#.to_owned()
        ),
        "two extractors alone, JSON body sent in two pieces"
    );
}

/// "they verify the token (once per request, shared by all extractors)" (extract.rs docs):
/// with a revocation loader that awaits I/O, two extractors used alone on one handler must
/// still call it once.
#[actix_web::test]
async fn two_extractors_alone_verify_once() {
    let calls = counter();
    let seen = calls.clone();
    let jwt = JwtManager::builder(config().build().unwrap())
        .token_in_blocklist_loader(move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
            async {
                actix_web::rt::time::sleep(Duration::from_millis(20)).await;
                Ok(false)
            }
        })
        .build()
        .unwrap();
    let srv = spawn(&jwt);
    let tok = access(&jwt, "alice").await;
    run(
        "two extractors alone",
        &srv,
        vec![row(
            "bare: two extractors",
            Req::get("/bare_two").bearer(&tok),
            200,
            Expect::Json(json!({"logged_in_as": "alice", "type": "access"})),
        )],
    )
    .await;
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "token_in_blocklist_loader calls for one request"
    );
}

/// C10 with identities that are not strings (possible with `JWT_IDENTITY_CLAIM` other than
/// `sub`): flask-jwt-extended formats `f"Error loading the user {identity}"` with Python's
/// `str()`, so `true` reads `True` and `null` reads `None`.
#[actix_web::test]
async fn c10_non_string_identity_is_formatted_like_python() {
    let jwt = JwtManager::builder(config().identity_claim("identity").build().unwrap())
        .user_lookup_loader(|_| async { Ok(None::<User>) })
        .build()
        .unwrap();
    let srv = spawn(&jwt);
    let rows = [
        (json!(1234), "1234"),
        (json!("ghost"), "ghost"),
        (json!(true), "True"),
        (json!(null), "None"),
    ]
    .into_iter()
    .map(|(identity, shown)| {
        let token = hs256(&json!({"identity": identity}));
        row(
            format!("C10 (identity {identity})"),
            Req::get("/user").bearer(&token),
            401,
            msg(format!("Error loading the user {shown}")),
        )
    })
    .collect();
    run("C10 non-string identities", &srv, rows).await;
}

/// Without `.configure(jwt.init_app())` the middleware and the extractors answer an opaque 500
/// (flask-jwt-extended: RuntimeError), under the default key `msg`.
#[actix_web::test]
async fn missing_manager_is_a_server_error() {
    let srv = actix_test::start(|| actix_web::App::new().configure(routes));
    #[rustfmt::skip]
    let rows = vec![
        row("middleware without manager", Req::get("/protected").bearer("x.y.z"), 500, Expect::Raw("{\"msg\":\"Internal Server Error\"}\n".into())),
        row("extractor without manager", Req::get("/bare").bearer("x.y.z"), 500, Expect::Raw("{\"msg\":\"Internal Server Error\"}\n".into())),
    ];
    run("no manager", &srv, rows).await;
}

#[actix_web::test]
async fn custom_loaders_replace_the_answers() {
    let text = |status: u16, body: String| {
        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
            .content_type("text/plain")
            .body(body)
    };
    let jwt = JwtManager::builder(
        config()
            .token_location([TokenLocation::Headers, TokenLocation::Cookies])
            .build()
            .unwrap(),
    )
    .token_in_blocklist_loader(
        |t| async move { Ok(t.claim("revoked") == Some(&Value::Bool(true))) },
    )
    .token_verification_loader(
        |t| async move { Ok(t.claim("bad_claims") != Some(&Value::Bool(true))) },
    )
    .user_lookup_loader(|t| async move {
        Ok(t.identity_str()
            .filter(|n| *n != "ghost")
            .map(|n| User { name: n.to_owned() }))
    })
    .expired_token_loader(move |t| {
        text(
            401,
            format!("custom expired: {}", t.identity_str().unwrap_or("?")),
        )
    })
    .invalid_token_loader(move |m| text(400, format!("custom invalid: {m}")))
    .unauthorized_loader(move |m| text(403, format!("custom unauthorized: {m}")))
    .revoked_token_loader(move |t| {
        text(
            410,
            format!("custom revoked: {}", t.identity_str().unwrap_or("?")),
        )
    })
    .needs_fresh_token_loader(move |_| text(428, "custom fresh".into()))
    .user_lookup_error_loader(move |t| {
        text(
            404,
            format!("custom no user: {}", t.identity_str().unwrap_or("?")),
        )
    })
    .token_verification_failed_loader(move |_| text(409, "custom claims".into()))
    .build()
    .unwrap();
    let srv = spawn(&jwt);
    let tok = access(&jwt, "alice").await;
    let refr = refresh(&jwt, "alice").await;
    let revoked = mint(jwt.access_token("bob").claim("revoked", true)).await;
    let bad = mint(jwt.access_token("alice").claim("bad_claims", true)).await;
    let ghost = access(&jwt, "ghost").await;
    let raw = |s: &str| Expect::Raw(s.to_owned());
    let get = |path: &str| Req::get(path);
    #[rustfmt::skip]
    let rows = vec![
        row("expired_token_loader", get("/protected").bearer(&expired("carol")), 401, raw("custom expired: carol")),
        row("expired_token_loader (extractor alone)", get("/bare").bearer(&expired("carol")), 401, raw("custom expired: carol")),
        row("invalid_token_loader (T1)", get("/protected").bearer("foobarbaz"), 400, raw("custom invalid: Not enough segments")),
        row("invalid_token_loader (H6)", get("/protected").header("Authorization", "Bearer"), 400, raw(&format!("custom invalid: {BAD_HEADER}"))),
        row("invalid_token_loader (C1)", get("/protected").bearer(&refr), 400, raw(&format!("custom invalid: {NOT_REFRESH}"))),
        row("unauthorized_loader (no token)", get("/protected"), 403, raw("custom unauthorized: Missing JWT in headers or cookies (Missing Authorization Header; Missing cookie \"access_token_cookie\")")),
        row("unauthorized_loader (extractor alone)", get("/bare"), 403, raw("custom unauthorized: Missing JWT in headers or cookies (Missing Authorization Header; Missing cookie \"access_token_cookie\")")),
        row("unauthorized_loader (CSRF)", Req::post("/protected").cookie(&tok), 403, raw("custom unauthorized: Missing CSRF token")),
        row("revoked_token_loader", get("/protected").bearer(&revoked), 410, raw("custom revoked: bob")),
        row("needs_fresh_token_loader", get("/fresh").bearer(&tok), 428, raw("custom fresh")),
        row("user_lookup_error_loader", get("/user").bearer(&ghost), 404, raw("custom no user: ghost")),
        row("token_verification_failed_loader", get("/protected").bearer(&bad), 409, raw("custom claims")),
        row("valid token unaffected", get("/protected").bearer(&tok), 200, ok_as("alice", "headers")),
    ];
    run("custom loaders", &srv, rows).await;
}

/// The fixture key pairs work end to end (RS256, ES256, EdDSA), and each app refuses the
/// others' tokens.
#[actix_web::test]
async fn asymmetric_fixture_keys() {
    let app = |alg: Algorithm, private: &str, public: &str| {
        manager(
            JwtConfig::builder()
                .algorithm(alg)
                .private_key(fixture(private))
                .public_key(fixture(public))
                .error_message_key("message"),
        )
    };
    let rs = app(Algorithm::RS256, "rsa_private.pem", "rsa_public.pem");
    let es = app(Algorithm::ES256, "ec_private.pem", "ec_public.pem");
    let ed = app(
        Algorithm::EdDSA,
        "ed25519_private.pem",
        "ed25519_public.pem",
    );
    let (rs_srv, es_srv, ed_srv) = (spawn(&rs), spawn(&es), spawn(&ed));
    let (rs_tok, es_tok, ed_tok) = (
        access(&rs, "alice").await,
        access(&es, "alice").await,
        access(&ed, "alice").await,
    );
    let g = |t: &str| Req::get("/protected").bearer(t);
    let not_allowed = || msg("The specified alg value is not allowed");
    #[rustfmt::skip]
    let rows = vec![
        (&rs_srv, row("RS256", g(&rs_tok), 200, ok_as("alice", "headers"))),
        (&es_srv, row("ES256", g(&es_tok), 200, ok_as("alice", "headers"))),
        (&ed_srv, row("EdDSA", g(&ed_tok), 200, ok_as("alice", "headers"))),
        (&rs_srv, row("RS256 app, ES256 token", g(&es_tok), 422, not_allowed())),
        (&es_srv, row("ES256 app, EdDSA token", g(&ed_tok), 422, not_allowed())),
        (&ed_srv, row("EdDSA app, RS256 token", g(&rs_tok), 422, not_allowed())),
        (&rs_srv, row("RS256 app, HS256 token", g(&hs256(&json!({"sub": "alice"}))), 422, not_allowed())),
        (&rs_srv, row("RS256 app, tampered", g(&with_payload(&rs_tok, &b64(br#"{"sub":"admin"}"#))), 422, msg("Signature verification failed"))),
    ];
    run_table("asymmetric keys", &rows).await;
}
