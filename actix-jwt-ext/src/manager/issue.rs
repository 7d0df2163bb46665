//! [`TokenBuilder`]: `create_access_token` / `create_refresh_token` with every option.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use super::JwtManager;
use crate::config::Expires;
use crate::crypto;
use crate::error::JwtError;
use crate::keys::{Keyring, Signer};
use crate::token::{b64_encode_into, now_f64};

/// Which kind of token to create.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenType {
    /// `"type": "access"`, lifetime `JWT_ACCESS_TOKEN_EXPIRES`.
    Access,
    /// `"type": "refresh"`, lifetime `JWT_REFRESH_TOKEN_EXPIRES`, never fresh.
    Refresh,
}

impl TokenType {
    /// `"access"` or `"refresh"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenType::Access => "access",
            TokenType::Refresh => "refresh",
        }
    }
}

/// The `fresh` claim of an access token.
///
/// ```
/// use std::time::Duration;
/// use actix_jwt_ext::Fresh;
///
/// assert_eq!(Fresh::from(true), Fresh::Yes);
/// assert_eq!(Fresh::from(Duration::from_secs(900)), Fresh::For(Duration::from_secs(900)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Fresh {
    /// `"fresh": false` (the default).
    #[default]
    No,
    /// `"fresh": true`.
    Yes,
    /// Fresh for a window: `"fresh": <now + window as a float timestamp>`.
    For(Duration),
    /// Fresh until this timestamp (seconds since the epoch), stored as given.
    Until(f64),
}

impl From<bool> for Fresh {
    fn from(b: bool) -> Self {
        if b {
            Fresh::Yes
        } else {
            Fresh::No
        }
    }
}

impl From<Duration> for Fresh {
    fn from(d: Duration) -> Self {
        Fresh::For(d)
    }
}

impl Fresh {
    fn to_value(self, now: f64) -> Value {
        let number =
            |ts: f64| serde_json::Number::from_f64(ts).map_or(Value::Bool(false), Value::Number);
        match self {
            Fresh::No => Value::Bool(false),
            Fresh::Yes => Value::Bool(true),
            Fresh::For(window) => number(now + window.as_secs_f64()),
            Fresh::Until(ts) => number(ts),
        }
    }
}

/// Claims in insertion order; setting an existing claim keeps its place (Python dict order).
struct OrderedClaims<'a>(Vec<(Cow<'a, str>, Value)>);

impl<'a> OrderedClaims<'a> {
    fn set(&mut self, name: impl Into<Cow<'a, str>>, value: Value) {
        let name = name.into();
        match self.0.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }
}

impl Serialize for OrderedClaims<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Creates an access or refresh token. Get one from
/// [`JwtManager::access_token`] or [`JwtManager::refresh_token`], set options, then
/// [`encode`](Self::encode).
///
/// ```
/// # actix_web::rt::System::new().block_on(async {
/// use std::time::Duration;
/// use actix_jwt_ext::{Expires, JwtConfig, JwtManager};
///
/// let jwt = JwtManager::new(JwtConfig::builder().secret_key("s3cr3t").build()?)?;
/// let token = jwt
///     .access_token("alice")
///     .fresh(Duration::from_secs(15 * 60))
///     .expires(Expires::Never)
///     .claim("roles", ["user"])
///     .header("kid", "k1")
///     .encode()
///     .await?;
/// let decoded = jwt.decode_token(&token).await?;
/// assert!(decoded.claim("exp").is_none());
/// assert!(decoded.claim("fresh").unwrap().is_f64());
/// assert_eq!(decoded.header()["kid"], "k1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
#[derive(Debug)]
#[must_use = "a token builder does nothing until `.encode().await`"]
pub struct TokenBuilder<'a> {
    manager: &'a JwtManager,
    identity: Result<Value, String>,
    token_type: TokenType,
    fresh: Fresh,
    expires: Option<Expires>,
    claims: Map<String, Value>,
    headers: Map<String, Value>,
    error: Option<String>,
}

impl<'a> TokenBuilder<'a> {
    pub(crate) fn new(
        manager: &'a JwtManager,
        identity: Result<Value, String>,
        token_type: TokenType,
    ) -> Self {
        Self {
            manager,
            identity,
            token_type,
            fresh: Fresh::No,
            expires: None,
            claims: Map::new(),
            headers: Map::new(),
            error: None,
        }
    }

    /// `fresh=`: a bool, a window ([`Duration`]) or a [`Fresh`]. Ignored for refresh tokens,
    /// which are never fresh.
    pub fn fresh(mut self, fresh: impl Into<Fresh>) -> Self {
        self.fresh = fresh.into();
        self
    }

    /// `expires_delta=`: overrides the configured lifetime; [`Expires::Never`] drops `exp`.
    pub fn expires(mut self, expires: impl Into<Expires>) -> Self {
        self.expires = Some(expires.into());
        self
    }

    /// One additional claim (`additional_claims=`); it overrides the additional-claims loader
    /// and any reserved claim of the same name.
    pub fn claim(mut self, name: impl Into<String>, value: impl serde::Serialize) -> Self {
        match serde_json::to_value(value) {
            Ok(v) => {
                self.claims.insert(name.into(), v);
            }
            Err(e) => self.error = Some(format!("claim does not serialise: {e}")),
        }
        self
    }

    /// Additional claims from a map or any serialisable struct (it must serialise to an
    /// object).
    pub fn claims(mut self, claims: impl serde::Serialize) -> Self {
        match serde_json::to_value(claims) {
            Ok(Value::Object(map)) => self.claims.extend(map),
            Ok(_) => self.error = Some("additional claims must serialise to a JSON object".into()),
            Err(e) => self.error = Some(format!("claims do not serialise: {e}")),
        }
        self
    }

    /// One additional JOSE header (`additional_headers=`), e.g. `kid`. An `alg` here changes
    /// the signing algorithm, as in flask-jwt-extended.
    pub fn header(mut self, name: impl Into<String>, value: impl serde::Serialize) -> Self {
        match serde_json::to_value(value) {
            Ok(v) => {
                self.headers.insert(name.into(), v);
            }
            Err(e) => self.error = Some(format!("header does not serialise: {e}")),
        }
        self
    }

    /// Additional JOSE headers from a map or serialisable struct.
    pub fn headers(mut self, headers: impl serde::Serialize) -> Self {
        match serde_json::to_value(headers) {
            Ok(Value::Object(map)) => self.headers.extend(map),
            Ok(_) => self.error = Some("additional headers must serialise to a JSON object".into()),
            Err(e) => self.error = Some(format!("headers do not serialise: {e}")),
        }
        self
    }

    /// The JOSE header with additional headers, as PyJWT builds it (sorted keys), the
    /// algorithm it names, and the key that signs it (`None`: the `encode_key_loader`'s).
    /// With a key set, a `kid` header picks the key, and the key's `kid` and algorithm are
    /// written unless the headers name them.
    fn header_json<'k>(
        manager: &JwtManager,
        keyring: &'k Keyring<'_>,
        headers: Map<String, Value>,
        identity: &Value,
        loader_key: bool,
    ) -> Result<(Algorithm, Vec<u8>, Option<Signer<'k>>), JwtError> {
        let mut header: BTreeMap<String, Value> = BTreeMap::new();
        header.insert("typ".into(), Value::String("JWT".into()));
        if let Some(loader) = &manager.loaders().additional_headers {
            header.extend(loader(identity));
        }
        header.extend(headers);
        // PyJWT drops a falsy `typ` and refuses a `kid` that is not a string.
        if header.get("typ").is_some_and(|t| !crate::token::truthy(t)) {
            header.remove("typ");
        }
        let kid = match header.get("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid.as_str()),
            Some(_) => return Err(JwtError::encode("Key ID header parameter must be a string")),
        };
        let signer = if loader_key {
            None
        } else {
            Some(keyring.signer(kid)?)
        };
        let default_alg = signer
            .as_ref()
            .map_or(manager.config().algorithm, |s| s.alg);
        let alg = match header
            .entry("alg".into())
            .or_insert_with(|| Value::String(format!("{default_alg:?}")))
        {
            Value::String(name) => name.parse::<Algorithm>().map_err(|_| {
                JwtError::encode(format!("unknown algorithm {name:?} in additional headers"))
            })?,
            _ => return Err(JwtError::encode("the \"alg\" header must be a string")),
        };
        if let Some(signer) = &signer {
            if signer.pinned && alg != signer.alg {
                return Err(JwtError::encode(format!(
                    "the key {:?} signs {:?} only, not {alg:?}",
                    signer.kid.unwrap_or_default(),
                    signer.alg
                )));
            }
            if let Some(kid) = signer.kid {
                header
                    .entry("kid".into())
                    .or_insert_with(|| Value::String(kid.to_owned()));
            }
        }
        let json = serde_json::to_vec(&header).map_err(|e| JwtError::encode(e.to_string()))?;
        Ok((alg, json, signer))
    }

    /// Signs the token. Fails (kind [`ErrorKind::Encode`](crate::ErrorKind::Encode)) only on a programming error: claims that
    /// do not serialise, an unknown `alg` header, a key that does not fit the algorithm.
    pub async fn encode(mut self) -> Result<String, JwtError> {
        let manager = self.manager;
        let result = async move {
            if let Some(e) = self.error {
                return Err(JwtError::encode(e));
            }
            let identity = self.identity.map_err(JwtError::encode)?;
            let m = self.manager;
            let cfg = m.config();
            let loaders = m.loaders();
            let now = now_f64();
            let mut claims = OrderedClaims(Vec::with_capacity(10 + self.claims.len()));
            let fresh = match self.token_type {
                TokenType::Access => self.fresh.to_value(now),
                TokenType::Refresh => Value::Bool(false),
            };
            claims.set("fresh", fresh);
            claims.set("iat", Value::from(now.floor() as i64));
            claims.set("jti", Value::String(uuid::Uuid::new_v4().to_string()));
            claims.set("type", Value::String(self.token_type.as_str().to_owned()));
            let subject = match &loaders.user_identity {
                Some(loader) => loader(&identity),
                None => identity.clone(),
            };
            claims.set(cfg.identity_claim.as_str(), subject);
            if cfg.encode_nbf {
                claims.set("nbf", Value::from(now.floor() as i64));
            }
            if cfg.cookie_csrf_protect {
                claims.set("csrf", Value::String(uuid::Uuid::new_v4().to_string()));
            }
            if let Some(aud) = &cfg.encode_audience {
                claims.set("aud", serde_json::to_value(aud).unwrap_or(Value::Null));
            }
            if let Some(iss) = &cfg.encode_issuer {
                claims.set("iss", Value::String(iss.clone()));
            }
            let lifetime = self.expires.unwrap_or(match self.token_type {
                TokenType::Access => cfg.access_token_expires,
                TokenType::Refresh => cfg.refresh_token_expires,
            });
            if let Some(d) = lifetime.duration() {
                claims.set("exp", Value::from((now + d.as_secs_f64()).floor() as i64));
            }
            // The loader's claims, then the builder's (which win), each appended or overriding in
            // place, as flask-jwt-extended's dict updates do.
            if let Some(loader) = &loaders.additional_claims {
                for (k, v) in loader(&identity) {
                    claims.set(k, v);
                }
            }
            for (k, v) in std::mem::take(&mut self.claims) {
                claims.set(k, v);
            }

            let claims_json =
                serde_json::to_vec(&claims).map_err(|e| JwtError::encode(e.to_string()))?;
            let custom_headers = loaders.additional_headers.is_some() || !self.headers.is_empty();
            let loader_key = loaders.encode_key.is_some();
            let keyring = m.keys().snapshot();
            let (alg, mut token, signer) = if custom_headers {
                let headers = std::mem::take(&mut self.headers);
                let (alg, header, signer) =
                    Self::header_json(m, &keyring, headers, &identity, loader_key)?;
                let mut token =
                    String::with_capacity((header.len() + claims_json.len()) * 4 / 3 + 100);
                b64_encode_into(&header, &mut token);
                (alg, token, signer)
            } else if loader_key {
                let mut token = String::with_capacity(claims_json.len() * 4 / 3 + 160);
                token.push_str(m.default_header());
                (cfg.algorithm, token, None)
            } else {
                let signer = keyring.signer(None)?;
                let mut token = String::with_capacity(claims_json.len() * 4 / 3 + 160);
                token.push_str(signer.default_header);
                (signer.alg, token, Some(signer))
            };
            token.push('.');
            b64_encode_into(&claims_json, &mut token);
            let message_len = token.len();
            let mut signed = String::new();
            match (&loaders.encode_key, signer) {
                (_, Some(signer)) => signer.keys.sign_into(alg, token.as_bytes(), &mut signed)?,
                (Some(loader), None) => {
                    let key = loader(identity).await?;
                    crypto::sign_into(alg, &key, &token.as_bytes()[..message_len], &mut signed)?;
                }
                (None, None) => {
                    return Err(JwtError::encode("no key to sign with"));
                }
            }
            token.push('.');
            token.push_str(&signed);
            Ok(token)
        }
        .await;
        result.map_err(|e| manager.attach(e))
    }
}

impl JwtManager {
    /// Starts an access token for `identity` (`create_access_token`).
    pub fn access_token(&self, identity: impl serde::Serialize) -> TokenBuilder<'_> {
        TokenBuilder::new(self, serialize_identity(identity), TokenType::Access)
    }

    /// Starts a refresh token for `identity` (`create_refresh_token`).
    pub fn refresh_token(&self, identity: impl serde::Serialize) -> TokenBuilder<'_> {
        TokenBuilder::new(self, serialize_identity(identity), TokenType::Refresh)
    }
}

fn serialize_identity(identity: impl serde::Serialize) -> Result<Value, String> {
    serde_json::to_value(identity).map_err(|e| format!("identity does not serialise: {e}"))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::config::{Audience, JwtConfig};
    use crate::token::b64_decode;

    fn manager(f: impl FnOnce(crate::JwtConfigBuilder) -> crate::JwtConfigBuilder) -> JwtManager {
        JwtManager::new(
            f(JwtConfig::builder().secret_key("s3cr3t"))
                .build()
                .unwrap(),
        )
        .unwrap()
    }

    fn parts(token: &str) -> (Value, Vec<String>, Value) {
        let segs: Vec<&str> = token.split('.').collect();
        let header: Value = serde_json::from_slice(&b64_decode(segs[0]).unwrap()).unwrap();
        let payload_text = String::from_utf8(b64_decode(segs[1]).unwrap()).unwrap();
        let payload: Map<String, Value> = serde_json::from_str(&payload_text).unwrap();
        // Key order as written (serde_json's Map sorts, so read the order from the text).
        let mut order: Vec<(usize, String)> = payload
            .keys()
            .map(|k| (payload_text.find(&format!("\"{k}\":")).unwrap(), k.clone()))
            .collect();
        order.sort();
        (
            header,
            order.into_iter().map(|(_, k)| k).collect(),
            Value::Object(payload),
        )
    }

    fn block<F: std::future::IntoFuture>(f: F) -> F::Output {
        actix_web::rt::System::new().block_on(f.into_future())
    }

    #[test]
    fn claim_layout_and_order_follow_flask_jwt_extended() {
        let jwt = manager(|b| b);
        let token = block(jwt.access_token("alice").encode()).unwrap();
        let (header, order, claims) = parts(&token);
        assert_eq!(header, json!({"alg": "HS256", "typ": "JWT"}));
        assert_eq!(
            token.split('.').next().unwrap(),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
            "sorted header keys"
        );
        assert_eq!(
            order,
            ["fresh", "iat", "jti", "type", "sub", "nbf", "csrf", "exp"]
        );
        assert_eq!(claims["fresh"], false);
        assert_eq!(claims["type"], "access");
        assert_eq!(claims["iat"], claims["nbf"]);
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            900
        );
        assert_ne!(claims["jti"], claims["csrf"]);
        assert_eq!(claims["jti"].as_str().unwrap().len(), 36);
    }

    #[test]
    fn refresh_tokens_are_never_fresh_and_live_thirty_days() {
        let jwt = manager(|b| b);
        let (_, _, claims) =
            parts(&block(jwt.refresh_token("alice").fresh(true).encode()).unwrap());
        assert_eq!(claims["fresh"], false);
        assert_eq!(claims["type"], "refresh");
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            30 * 24 * 3600
        );
    }

    #[test]
    fn options_change_the_claims() {
        let jwt = manager(|b| {
            b.identity_claim("identity")
                .encode_nbf(false)
                .cookie_csrf_protect(false)
                .encode_issuer("me")
                .encode_audience(Audience::Many(vec!["a1".into(), "a2".into()]))
                .access_token_expires(Expires::Never)
        });
        let token = block(
            jwt.access_token("alice")
                .fresh(Duration::from_secs(600))
                .encode(),
        )
        .unwrap();
        let (_, order, claims) = parts(&token);
        assert_eq!(
            order,
            ["fresh", "iat", "jti", "type", "identity", "aud", "iss"]
        );
        assert_eq!(claims["aud"], json!(["a1", "a2"]));
        let fresh = claims["fresh"].as_f64().unwrap();
        let iat = claims["iat"].as_f64().unwrap();
        assert!(
            (fresh - iat - 600.0).abs() < 2.0,
            "fresh window is a float timestamp: {fresh}"
        );
    }

    #[test]
    fn additional_claims_override_loader_and_reserved_claims_in_place() {
        let jwt = JwtManager::builder(JwtConfig::builder().secret_key("s").build().unwrap())
            .additional_claims_loader(|identity| {
                let mut m = Map::new();
                m.insert("foo".into(), json!("loader"));
                m.insert("who".into(), identity.clone());
                m
            })
            .additional_headers_loader(|_| {
                let mut m = Map::new();
                m.insert("kid".into(), json!("loader-kid"));
                m
            })
            .user_identity_loader(|identity| json!(identity["id"].to_string()))
            .build()
            .unwrap();
        let token = block(
            jwt.access_token(json!({"id": 7}))
                .claim("foo", "arg")
                .claim("type", "app")
                .header("kid", "arg-kid")
                .header("typ", "at+jwt")
                .encode(),
        )
        .unwrap();
        let (header, order, claims) = parts(&token);
        assert_eq!(
            header,
            json!({"alg": "HS256", "kid": "arg-kid", "typ": "at+jwt"})
        );
        assert_eq!(claims["foo"], "arg");
        assert_eq!(
            claims["who"],
            json!({"id": 7}),
            "the loader sees the original identity"
        );
        assert_eq!(
            claims["sub"], "7",
            "user_identity_loader shapes the identity claim"
        );
        assert_eq!(claims["type"], "app");
        assert_eq!(order[3], "type", "an overridden claim keeps its place");
        assert_eq!(order.last().unwrap(), "who");
    }

    #[test]
    fn alg_header_changes_the_signing_algorithm() {
        let jwt = manager(|b| b);
        let token = block(jwt.access_token("a").header("alg", "HS512").encode()).unwrap();
        assert_eq!(parts(&token).0["alg"], "HS512");
        let err = block(jwt.decode_token(&token)).unwrap_err();
        assert_eq!(err.to_string(), "The specified alg value is not allowed");
        let jwt512 = manager(|b| b.decode_algorithms([Algorithm::HS512]));
        assert!(block(jwt512.decode_token(&token)).is_ok());
        assert!(matches!(
            block(jwt.access_token("a").header("alg", "none").encode()),
            Err(ref e) if e.kind() == crate::ErrorKind::Encode
        ));
    }

    #[test]
    fn unserialisable_input_is_an_encode_error() {
        let jwt = manager(|b| b);
        let err = block(jwt.access_token("a").claims(json!([1, 2])).encode()).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Encode);
        assert_eq!(err.status(), 500);
    }

    #[test]
    fn non_string_identity_encodes_but_fails_decode_unless_verify_sub_is_off() {
        let jwt = manager(|b| b);
        let token = block(jwt.access_token(1234).encode()).unwrap();
        assert_eq!(
            block(jwt.decode_token(&token)).unwrap_err().to_string(),
            "Subject must be a string"
        );
        let lax = manager(|b| b.verify_sub(false));
        let token = block(lax.access_token(1234).encode()).unwrap();
        assert_eq!(
            block(lax.decode_token(&token)).unwrap().identity(),
            Some(&json!(1234))
        );
    }

    #[test]
    fn key_loaders_pick_keys_per_identity_and_kid() {
        use jsonwebtoken::{DecodingKey, EncodingKey};
        let jwt = JwtManager::builder(JwtConfig::builder().secret_key("default").build().unwrap())
            .encode_key_loader(|identity| async move {
                Ok(EncodingKey::from_secret(
                    format!("key-of-{}", identity.as_str().unwrap_or("")).as_bytes(),
                ))
            })
            .decode_key_loader(|token| async move {
                Ok(DecodingKey::from_secret(
                    format!("key-of-{}", token.identity_str().unwrap_or("")).as_bytes(),
                ))
            })
            .build()
            .unwrap();
        let token = block(jwt.access_token("bob").encode()).unwrap();
        assert_eq!(
            block(jwt.decode_token(&token)).unwrap().identity_str(),
            Some("bob")
        );
        let default = manager(|b| b.secret_key("default"));
        assert_eq!(
            block(default.decode_token(&token)).unwrap_err().to_string(),
            "Signature verification failed"
        );
    }

    #[test]
    fn decode_defaults_allow_expired_csrf_and_helpers() {
        let jwt = manager(|b| b);
        let token = block(
            jwt.access_token("a")
                .expires(Duration::from_secs(1))
                .encode(),
        )
        .unwrap();
        let csrf = block(jwt.get_csrf_token(&token)).unwrap();
        assert!(block(jwt.decode_token(&token).csrf_value(&csrf)).is_ok());
        let err = block(jwt.decode_token(&token).csrf_value("wrong")).unwrap_err();
        assert_eq!(
            (err.status().as_u16(), err.to_string().as_str()),
            (401, "CSRF double submit tokens do not match")
        );
        assert_eq!(block(jwt.get_jti(&token)).unwrap().unwrap().len(), 36);
        let old = block(jwt.access_token("a").claim("exp", 1).encode()).unwrap();
        assert!(matches!(
            block(jwt.decode_token(&old)),
            Err(ref e) if e.kind() == crate::kind::ErrorKind::Expired
        ));
        let decoded = block(jwt.decode_token(&old).allow_expired(true)).unwrap();
        assert_eq!(decoded.claim("exp"), Some(&json!(1)));
        let bare = block(
            jwt.access_token("a")
                .claims(json!({"fresh": null, "jti": null}))
                .encode(),
        )
        .unwrap();
        let err = block(jwt.decode_token(&bare)).unwrap_err();
        assert_eq!(err.to_string(), "JWT ID must be a string");
    }
}
