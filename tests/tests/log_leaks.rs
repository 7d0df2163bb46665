//! Leaks in logs: the example app, logging at `debug` (the crate's refusals included), never
//! writes a token, a part of one, or the secret to its log (stderr; stdout carries only the
//! listening line), whatever the request carries and wherever the token is (header, query
//! string, JSON body, cookie), accepted or refused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use e2e_tests::{Request, Server};
use serde_json::json;

const SECRET: &str = "log-leak-secret-0123456789abcdef-0123456789abcdef";

#[test]
fn no_token_secret_or_signature_in_the_logs() {
    let server = Server::example_app(&[
        ("SECRET_KEY", SECRET),
        ("RUST_LOG", "debug"),
        ("JWT_TOKEN_LOCATION", "headers,cookies,query_string,json"),
    ]);
    let login = server
        .send(&Request::post("/login").json(&json!({"username": "admin", "password": "admin"})));
    assert_eq!(login.status, 200);
    let body = login.json().unwrap();
    let access = body["access_token"].as_str().unwrap().to_owned();
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let (head, rest) = access.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    let tampered = format!("{head}.{payload}.{}A", &signature[..signature.len() - 1]);
    let expired_like = format!("{head}.{payload}");

    let bearer =
        |t: &str| Request::get("/protected").header("Authorization", &format!("Bearer {t}"));
    let requests = [
        bearer(&access),
        bearer(&refresh),
        bearer(&tampered),
        bearer(&expired_like),
        Request::get(&format!("/protected?jwt={access}")),
        Request::get(&format!("/protected?jwt={tampered}")),
        Request::post("/protected").json(&json!({"access_token": access})),
        Request::post("/protected").json(&json!({"access_token": tampered})),
        Request::get("/protected").header("Cookie", &format!("access_token_cookie={access}")),
        Request::post("/protected").header("Cookie", &format!("access_token_cookie={tampered}")),
        Request::post("/refresh").header("Authorization", &format!("Bearer {refresh}")),
        Request::get("/me").header("Authorization", &format!("Bearer {access}")),
        Request::delete("/logout").header("Authorization", &format!("Bearer {access}")),
        bearer(&access),
    ];
    let mut statuses = Vec::new();
    for req in &requests {
        statuses.push(server.send(req).status);
    }
    // Accepted and refused requests both happened, so both paths were logged.
    assert!(
        statuses.contains(&200) && statuses.iter().any(|s| *s >= 400),
        "{statuses:?}"
    );

    let logs = server.wait_for_stderr("DELETE");
    assert!(logs.contains("/protected"), "the access log ran: {logs}");
    assert!(
        logs.contains("refused"),
        "the crate's debug lines ran: {logs}"
    );
    let mut secrets = vec![
        SECRET.to_owned(),
        access.clone(),
        refresh.clone(),
        tampered.clone(),
    ];
    for part in [head, payload, signature] {
        secrets.push(part.to_owned());
    }
    // Every 12-character window of the signature: no fragment of it either.
    for window in signature.as_bytes().windows(12) {
        secrets.push(String::from_utf8(window.to_vec()).unwrap());
    }
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "the logs hold {secret:?}:\n{logs}"
        );
    }
}
