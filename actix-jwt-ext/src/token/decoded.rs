//! [`DecodedToken`]: a verified token's JOSE header and claims, with decode defaults filled in.

use std::sync::{Arc, OnceLock};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::parse::{Member, Object};

/// A decoded token: its header and its claims, where the claims carry flask-jwt-extended's
/// decode defaults (`type: "access"`, `fresh: false`, `jti: null` when absent).
///
/// Every reader (the accessors, [`header`](Self::header), [`claims`](Self::claims), the
/// extractors, the loaders, the revocation check) reads the one parse of the token's JSON:
/// an escaped name or value reads as its unescaped form everywhere, and a name that repeats
/// reads as its last value everywhere. The full maps are built from that parse on first use.
#[derive(Default)]
pub struct DecodedToken {
    header: Object,
    claims: Object,
    identity_claim: Arc<str>,
    header_map: OnceLock<Map<String, Value>>,
    claims_map: OnceLock<Map<String, Value>>,
}

/// Names the token by its type and whether it has a `jti`; claim values stay out of logs.
impl std::fmt::Debug for DecodedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecodedToken")
            .field("type", &self.token_type())
            .field("identity_claim", &&*self.identity_claim)
            .finish_non_exhaustive()
    }
}

impl Clone for DecodedToken {
    fn clone(&self) -> Self {
        Self::new(
            self.header.clone(),
            self.claims.clone(),
            Arc::clone(&self.identity_claim),
        )
    }
}

impl PartialEq for DecodedToken {
    fn eq(&self, other: &Self) -> bool {
        self.header() == other.header() && self.claims() == other.claims()
    }
}

impl DecodedToken {
    pub(crate) fn new(header: Object, claims: Object, identity_claim: Arc<str>) -> Self {
        Self {
            header,
            claims,
            identity_claim,
            header_map: OnceLock::new(),
            claims_map: OnceLock::new(),
        }
    }

    /// The parsed header (for the checks that read it).
    pub(crate) fn header_object(&self) -> &Object {
        &self.header
    }

    /// The JOSE header (`get_jwt_header()`).
    pub fn header(&self) -> &Map<String, Value> {
        self.header_map.get_or_init(|| self.header.to_map())
    }

    /// All claims, with decode defaults (`get_jwt()`).
    pub fn claims(&self) -> &Map<String, Value> {
        self.claims_map.get_or_init(|| {
            let mut map = self.claims.to_map();
            if !map.contains_key("type") {
                map.insert("type".to_owned(), Value::String("access".to_owned()));
            }
            if !map.contains_key("fresh") {
                map.insert("fresh".to_owned(), Value::Bool(false));
            }
            if !map.contains_key("jti") {
                map.insert("jti".to_owned(), Value::Null);
            }
            map
        })
    }

    /// One claim (with decode defaults).
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.claims().get(name)
    }

    /// The claims deserialised into your own type.
    pub fn deserialize_claims<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(self.claims())
    }

    /// The name of the identity claim (`JWT_IDENTITY_CLAIM`) this token was read with.
    pub fn identity_claim(&self) -> &str {
        &self.identity_claim
    }

    /// The identity claim's value (`get_jwt_identity()`).
    pub fn identity(&self) -> Option<&Value> {
        self.claim(&self.identity_claim)
    }

    /// The identity claim as parsed, for typed extraction without building the claim map.
    pub(crate) fn identity_member(&self) -> Option<Member<'_>> {
        self.claims.get(&self.identity_claim)
    }

    /// The identity when it is a string.
    pub fn identity_str(&self) -> Option<&str> {
        self.claims.str(&self.identity_claim)
    }

    /// One claim as parsed, with the decode defaults of [`claims`](Self::claims) (`type`,
    /// `fresh`, `jti`), without building the claim map.
    pub(crate) fn claim_member(&self, name: &str) -> Option<Member<'_>> {
        static FALSE: Value = Value::Bool(false);
        static NULL: Value = Value::Null;
        match self.claims.get(name) {
            Some(member) => Some(member),
            None => match name {
                "type" => Some(Member::Str("access")),
                "fresh" => Some(Member::Value(&FALSE)),
                "jti" => Some(Member::Value(&NULL)),
                _ => None,
            },
        }
    }

    /// A string claim as stored (no decode defaults).
    pub(crate) fn string_claim(&self, name: &str) -> Option<&str> {
        self.claims.str(name)
    }

    /// The `jti` claim, `None` when absent or not a string.
    pub fn jti(&self) -> Option<&str> {
        self.claims.str("jti")
    }

    /// The `type` claim: `"access"` (also when absent), `"refresh"` or a custom type.
    pub fn token_type(&self) -> &str {
        self.claims.str("type").unwrap_or("access")
    }

    /// `true` for refresh tokens.
    pub fn is_refresh(&self) -> bool {
        self.token_type() == "refresh"
    }

    /// The `exp` claim in seconds since the epoch, when present and numeric.
    pub fn expires_at(&self) -> Option<f64> {
        self.claims.number("exp")
    }

    /// The `csrf` claim, when it is a string.
    pub fn csrf(&self) -> Option<&str> {
        self.claims.str("csrf")
    }

    /// `true` when the token is fresh at `now` (seconds since the epoch): `fresh` is `true`,
    /// or a timestamp not yet passed.
    pub fn is_fresh_at(&self, now: f64) -> bool {
        match self.claims.get("fresh") {
            Some(Member::Value(Value::Bool(fresh))) => *fresh,
            Some(member) => member.as_f64().is_some_and(|ts| ts >= now),
            None => false,
        }
    }

    /// Splits the token into its header and claims.
    pub fn into_parts(self) -> (Map<String, Value>, Map<String, Value>) {
        let header = self.header().clone();
        let claims = self.claims().clone();
        (header, claims)
    }
}
