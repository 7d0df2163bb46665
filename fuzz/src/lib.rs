//! Shared set-up for the fuzz targets: an HS256 manager built once, validly signed tokens,
//! and a tiny executor (the crate's futures need no runtime).

use actix_jwt_ext::jsonwebtoken::{crypto, Algorithm, EncodingKey};
use actix_jwt_ext::{JwtConfig, JwtManager};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::future::{Future, IntoFuture};

pub const SECRET: &str = "fuzz-secret-fuzz-secret-fuzz-secret!";

/// Polls to completion with a no-op waker: nothing in the verification path waits on I/O
/// (no blocklist store is configured), so the futures are ready at once.
pub fn block_on<F: IntoFuture>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f.into_future());
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// An HS256 manager reading tokens from every location, CSRF protection on.
pub fn manager() -> JwtManager {
    let config = JwtConfig::from_vars([
        ("JWT_SECRET_KEY", SECRET),
        ("JWT_ALGORITHM", "HS256"),
        ("JWT_TOKEN_LOCATION", "headers,cookies,query_string,json"),
        ("JWT_COOKIE_CSRF_PROTECT", "true"),
        ("JWT_CSRF_CHECK_FORM", "true"),
    ])
    .expect("fuzz config");
    JwtManager::new(config).expect("fuzz manager")
}

/// `header.payload.signature` with a valid HS256 signature over the given raw segments.
pub fn sign_raw(header: &[u8], payload: &[u8]) -> String {
    let msg = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload));
    let sig = crypto::sign(msg.as_bytes(), &EncodingKey::from_secret(SECRET.as_bytes()), Algorithm::HS256)
        .expect("sign");
    format!("{msg}.{sig}")
}

pub const HS256_HEADER: &[u8] = br#"{"alg":"HS256","typ":"JWT"}"#;

/// A valid payload (no `exp`), with the given CSRF value.
pub fn valid_payload(kind: &str, csrf: &str) -> String {
    format!(
        r#"{{"fresh":false,"iat":1700000000,"jti":"j","type":"{kind}","sub":"alice","nbf":1700000000,"csrf":"{csrf}"}}"#
    )
}
