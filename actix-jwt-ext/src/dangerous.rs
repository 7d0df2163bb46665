//! Reading a token **without verifying it**: nothing here checks a signature, an expiry or
//! anything else, so nothing read here may decide access.
//!
//! What is here is what a verifier needs before it knows which key to use (the `kid`, a
//! tenant claim), and what flask-jwt-extended offers as `get_unverified_jwt_headers`. The
//! types say so: an [`UnverifiedToken`] is not a [`DecodedToken`], and a
//! [`decode_key_loader`](crate::JwtManagerBuilder::decode_key_loader) receives one.
//!
//! ```
//! use actix_jwt_ext::dangerous;
//!
//! let token = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhbGljZSJ9.c2ln";
//! let header = dangerous::get_unverified_jwt_headers(token).unwrap();
//! assert_eq!(header["kid"], "k1");
//!
//! let unverified = dangerous::decode_unverified(token).unwrap();
//! assert_eq!(unverified.kid(), Some("k1"));
//! assert_eq!(unverified.claims()["sub"], "alice");
//! assert!(dangerous::get_unverified_jwt_headers("not-a-token").is_err());
//! ```

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::error::JwtError;
use crate::token::{check_header_params, DecodedToken, RawToken};

/// A token's header and claims, parsed but **not verified**.
///
/// Read it to choose a key; never to grant access.
#[derive(Clone)]
pub struct UnverifiedToken(DecodedToken);

impl std::fmt::Debug for UnverifiedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnverifiedToken")
            .field("kid", &self.kid())
            .finish_non_exhaustive()
    }
}

impl UnverifiedToken {
    pub(crate) fn new(token: DecodedToken) -> Self {
        Self(token)
    }

    /// The JOSE header, unverified.
    pub fn header(&self) -> &Map<String, Value> {
        self.0.header()
    }

    /// The `kid` header, when it is a string.
    pub fn kid(&self) -> Option<&str> {
        self.0.header_object().str("kid")
    }

    /// The claims, unverified, with flask-jwt-extended's decode defaults (`type`, `fresh`,
    /// `jti`).
    pub fn claims(&self) -> &Map<String, Value> {
        self.0.claims()
    }

    /// One claim, unverified.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.0.claim(name)
    }

    /// The identity claim's value, unverified.
    pub fn identity(&self) -> Option<&Value> {
        self.0.identity()
    }

    /// The identity when it is a string, unverified.
    pub fn identity_str(&self) -> Option<&str> {
        self.0.identity_str()
    }
}

/// The JOSE header of a token without verifying anything (flask-jwt-extended
/// `get_unverified_jwt_headers`). Fails only on a malformed token.
pub fn get_unverified_jwt_headers(token: &str) -> Result<Map<String, Value>, JwtError> {
    let raw = RawToken::parse(token)?;
    check_header_params(&raw.header)?;
    Ok(raw.header.to_map())
}

/// Parses a token's header and claims without verifying anything. Fails only on a malformed
/// token (the same structure and JSON checks as verification).
pub fn decode_unverified(token: &str) -> Result<UnverifiedToken, JwtError> {
    let mut raw = RawToken::parse(token)?;
    check_header_params(&raw.header)?;
    let claims = raw.claims()?;
    Ok(UnverifiedToken(DecodedToken::new(
        raw.header,
        claims,
        Arc::from("sub"),
    )))
}
