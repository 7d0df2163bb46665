//! Helpers shared by the ports of `test_decode_tokens`, `test_config`,
//! `test_asymmetric_crypto`, `test_add_context_processor`,
//! `test_get_jwt_in_non_protected_contexts` and `test_get_methods_in_optional_endpoint`.

use actix_jwt_ext::jsonwebtoken::{crypto, Algorithm, DecodingKey};

/// `true` when `token`'s signature verifies with `key` under `alg`: the way these tests see
/// which key a manager signed with, since flask-jwt-extended's `config.encode_key` /
/// `_encode_key_callback` have no public counterpart (keys are opaque once parsed).
pub(crate) fn verifies(token: &str, alg: Algorithm, key: &DecodingKey) -> bool {
    let (message, signature) = token.rsplit_once('.').expect("a compact JWS");
    crypto::verify(signature, message.as_bytes(), key, alg).unwrap_or(false)
}

/// [`verifies`] for an HS256 `secret`.
pub(crate) fn hs256_signed_with(token: &str, secret: &str) -> bool {
    verifies(
        token,
        Algorithm::HS256,
        &DecodingKey::from_secret(secret.as_bytes()),
    )
}

/// `GET path` on `srv` (with `Authorization: Bearer <token>` when given): status and body.
pub(crate) async fn get(
    srv: &actix_test::TestServer,
    path: &str,
    token: Option<&str>,
) -> (u16, String) {
    let mut req = srv.get(path);
    if let Some(token) = token {
        req = req.insert_header(("Authorization", format!("Bearer {token}")));
    }
    let mut resp = req.send().await.expect("request sent");
    let body = resp.body().await.expect("body read");
    (
        resp.status().as_u16(),
        String::from_utf8_lossy(&body).into_owned(),
    )
}
