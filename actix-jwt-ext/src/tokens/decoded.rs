//! [`DecodedToken`]: a verified token's JOSE header and claims, with decode defaults filled in.

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A decoded token: its header and its claims, where the claims carry flask-jwt-extended's
/// decode defaults (`type: "access"`, `fresh: false`, `jti: null` when absent).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DecodedToken {
    header: Map<String, Value>,
    claims: Map<String, Value>,
    identity_claim: Arc<str>,
}

impl DecodedToken {
    pub(crate) fn new(
        header: Map<String, Value>,
        claims: Map<String, Value>,
        identity_claim: Arc<str>,
    ) -> Self {
        Self {
            header,
            claims,
            identity_claim,
        }
    }

    /// The JOSE header (`get_jwt_header()`).
    pub fn header(&self) -> &Map<String, Value> {
        &self.header
    }

    /// All claims, with decode defaults (`get_jwt()`).
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// One claim.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.claims.get(name)
    }

    /// The claims deserialised into your own type.
    pub fn deserialize_claims<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.claims)
    }

    /// The name of the identity claim (`JWT_IDENTITY_CLAIM`) this token was read with.
    pub fn identity_claim(&self) -> &str {
        &self.identity_claim
    }

    /// The identity claim's value (`get_jwt_identity()`).
    pub fn identity(&self) -> Option<&Value> {
        self.claims.get(&*self.identity_claim)
    }

    /// The identity when it is a string.
    pub fn identity_str(&self) -> Option<&str> {
        self.identity().and_then(Value::as_str)
    }

    /// The `jti` claim, `None` when absent or `null`.
    pub fn jti(&self) -> Option<&str> {
        self.claims.get("jti").and_then(Value::as_str)
    }

    /// The `type` claim: `"access"`, `"refresh"` or a custom type.
    pub fn token_type(&self) -> &str {
        self.claims
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("access")
    }

    /// `true` for refresh tokens.
    pub fn is_refresh(&self) -> bool {
        self.token_type() == "refresh"
    }

    /// The `exp` claim in seconds since the epoch, when present and numeric.
    pub fn expires_at(&self) -> Option<f64> {
        self.claims.get("exp").and_then(Value::as_f64)
    }

    /// The `csrf` claim, when present.
    pub fn csrf(&self) -> Option<&str> {
        self.claims.get("csrf").and_then(Value::as_str)
    }

    /// `true` when the token is fresh at `now` (seconds since the epoch): `fresh` is `true`,
    /// or a timestamp not yet passed.
    pub fn is_fresh_at(&self, now: f64) -> bool {
        match self.claims.get("fresh") {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_f64().is_some_and(|ts| ts >= now),
            _ => false,
        }
    }

    /// Splits the token into its header and claims.
    pub fn into_parts(self) -> (Map<String, Value>, Map<String, Value>) {
        (self.header, self.claims)
    }
}
