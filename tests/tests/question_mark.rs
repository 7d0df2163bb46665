//! A handler that uses `?` on a crate error answers exactly as the middleware does for the
//! same failure: under `JWT_ERROR_MESSAGE_KEY`, through the registered error loaders and the
//! error renderer. Over real HTTP (`actix_test::start` on 127.0.0.1), one app per setup:
//!
//! - `/mw` is behind `jwt_required()`, the token in `Authorization: Bearer`;
//! - `/decode` takes the token as its body and returns `jwt.decode_token(&body).await?`;
//! - `/jti` and `/csrf` return `jwt.get_jti(..)?` / `jwt.get_csrf_token(..)?`;
//! - `/revoke` decodes the token and revokes it, both with `?`;
//!
//! Each failing token is sent to `/mw` and to the `?` routes; the answers (status,
//! `Content-Type` and body bytes) must be equal.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use actix_jwt_ext::{jwt_required, JwtConfig, JwtError, JwtIdentity, JwtManager};
use actix_test::TestServer;
use actix_web::{web, App, HttpResponse};
use serde_json::{json, Value};

use common::{hs256, now, with_signature, SECRET};

async fn mw(id: JwtIdentity) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "id": id.0 }))
}

async fn decode(jwt: web::Data<JwtManager>, body: String) -> Result<HttpResponse, JwtError> {
    let token = jwt.decode_token(&body).await?;
    Ok(HttpResponse::Ok().json(json!({ "sub": token.identity_str() })))
}

async fn jti(jwt: web::Data<JwtManager>, body: String) -> Result<HttpResponse, JwtError> {
    Ok(HttpResponse::Ok().json(json!({ "jti": jwt.get_jti(&body).await? })))
}

async fn csrf(jwt: web::Data<JwtManager>, body: String) -> Result<HttpResponse, JwtError> {
    Ok(HttpResponse::Ok().json(json!({ "csrf": jwt.get_csrf_token(&body).await? })))
}

async fn revoke(jwt: web::Data<JwtManager>, body: String) -> Result<HttpResponse, JwtError> {
    let token = jwt.decode_token(&body).await?;
    jwt.revoke(&token).await?;
    Ok(HttpResponse::Ok().finish())
}

/// The answer as bytes: status, `Content-Type`, body.
async fn answer(srv: &TestServer, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let req = if path == "/mw" {
        srv.get(path)
            .insert_header(("Authorization", format!("Bearer {token}")))
    } else {
        srv.post(path)
    };
    let mut resp = if path == "/mw" {
        req.send().await.unwrap()
    } else {
        req.send_body(token.to_owned()).await.unwrap()
    };
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, resp.body().await.unwrap().to_vec())
}

fn serve(jwt: JwtManager) -> TestServer {
    actix_test::start(move || {
        App::new()
            .configure(jwt.init_app())
            .service(web::resource("/mw").wrap(jwt_required()).to(mw))
            .route("/decode", web::post().to(decode))
            .route("/jti", web::post().to(jti))
            .route("/csrf", web::post().to(csrf))
            .route("/revoke", web::post().to(revoke))
    })
}

fn config() -> actix_jwt_ext::JwtConfigBuilder {
    JwtConfig::builder()
        .secret_key(SECRET)
        .error_message_key("message")
}

/// Tokens that fail each way the `?` routes can see: expired, bad signature, malformed,
/// missing identity, not yet valid.
fn failing_tokens() -> Vec<(&'static str, String)> {
    let good = json!({"sub": "alice", "type": "access", "fresh": false, "jti": "j1",
        "iat": now(), "nbf": now(), "exp": now() + 600});
    let mut expired = good.clone();
    expired["exp"] = json!(now() - 600);
    let mut immature = good.clone();
    immature["nbf"] = json!(now() + 600);
    let mut no_sub = good.clone();
    no_sub.as_object_mut().unwrap().remove("sub");
    vec![
        ("expired", hs256(&expired)),
        ("bad signature", with_signature(&hs256(&good), "AAAA")),
        ("malformed", "not-a-token".to_owned()),
        ("missing sub", hs256(&no_sub)),
        ("not yet valid", hs256(&immature)),
    ]
}

async fn same_answers(srv: &TestServer, routes: &[&str]) -> Vec<(u16, String, Vec<u8>)> {
    let mut seen = Vec::new();
    for (name, token) in failing_tokens() {
        let expected = answer(srv, "/mw", &token).await;
        assert!(expected.0 >= 400, "{name}: /mw accepted the token");
        for route in routes {
            let got = answer(srv, route, &token).await;
            assert_eq!(
                (got.0, &got.1, String::from_utf8_lossy(&got.2)),
                (
                    expected.0,
                    &expected.1,
                    String::from_utf8_lossy(&expected.2)
                ),
                "{name} on {route}"
            );
        }
        seen.push(expected);
    }
    seen
}

/// Default loaders, `JWT_ERROR_MESSAGE_KEY=message`: every `?` answer is under `message`.
#[actix_web::test]
async fn question_mark_answers_under_the_configured_message_key() {
    let jwt = JwtManager::new(config().build().unwrap()).unwrap();
    let srv = serve(jwt);
    let answers = same_answers(&srv, &["/decode", "/jti", "/csrf", "/revoke"]).await;
    for (status, _, body) in answers {
        let body: Value = serde_json::from_slice(&body).unwrap();
        let obj = body.as_object().unwrap();
        assert_eq!(
            obj.keys().collect::<Vec<_>>(),
            ["message"],
            "{status} {body}"
        );
    }
}

/// Registered loaders replace the answers, for `?` as for the middleware.
#[actix_web::test]
async fn question_mark_answers_with_the_registered_loaders() {
    let jwt = JwtManager::builder(config().build().unwrap())
        .expired_token_loader(|token| {
            HttpResponse::Unauthorized().json(json!({
                "error": "expired",
                "who": token.identity_str(),
            }))
        })
        .invalid_token_loader(|msg| {
            HttpResponse::BadRequest()
                .insert_header(("x-loader", "invalid"))
                .json(json!({ "error": "invalid", "why": msg }))
        })
        .build()
        .unwrap();
    let srv = serve(jwt);
    let answers = same_answers(&srv, &["/decode", "/jti", "/csrf", "/revoke"]).await;
    let bodies: Vec<Value> = answers
        .iter()
        .map(|(_, _, b)| serde_json::from_slice(b).unwrap())
        .collect();
    assert_eq!(bodies[0], json!({"error": "expired", "who": "alice"}));
    assert_eq!(
        bodies[1],
        json!({"error": "invalid", "why": "Signature verification failed"})
    );
    assert_eq!(answers[1].0, 400);
    assert_eq!(
        bodies[3],
        json!({"error": "invalid", "why": "Missing claim: sub"})
    );
}

/// The error renderer, which sees the kind of every error, applies to `?` answers too, and
/// so does a failure that only a crate method produces (`get_csrf_token` on a token without
/// `csrf`).
#[actix_web::test]
async fn question_mark_answers_through_the_error_renderer() {
    // Without CSRF protection tokens carry no `csrf` claim.
    let jwt = JwtManager::builder(config().cookie_csrf_protect(false).build().unwrap())
        .error_renderer(|error| {
            Some(
                HttpResponse::build(error.status())
                    .json(json!({ "kind": error.kind().as_str(), "text": error.public_message() })),
            )
        })
        .build()
        .unwrap();
    let token = jwt.access_token("alice").encode().await.unwrap();
    let srv = serve(jwt);
    let answers = same_answers(&srv, &["/decode", "/jti", "/revoke"]).await;
    let kinds: Vec<String> = answers
        .iter()
        .map(|(_, _, b)| serde_json::from_slice::<Value>(b).unwrap()["kind"].to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "\"expired\"",
            "\"bad_signature\"",
            "\"not_enough_segments\"",
            "\"missing_claim\"",
            "\"not_yet_valid\""
        ]
    );
    let (status, _, body) = answer(&srv, "/csrf", &token).await;
    assert_eq!(status, 422);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"kind": "missing_claim", "text": "Missing claim: csrf"})
    );
}
