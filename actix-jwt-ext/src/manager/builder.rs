//! [`JwtManagerBuilder`]: the loaders of flask-jwt-extended and the manager's own options.

use std::any::Any;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpResponse;
use futures_util::FutureExt as _;
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde_json::{Map, Value};

use super::{
    Inner, JwtManager, DEFAULT_BODY_LIMIT, DEFAULT_BODY_READ_TIMEOUT, DEFAULT_ROLES_CLAIM,
};
use crate::blocklist::TokenBlocklist;
use crate::callbacks::Loaders;
use crate::config::{ConfigError, JwtConfig};
use crate::dangerous::UnverifiedToken;
use crate::error::{Challenges, ErrorLoaders, JwtError, Renderer};
use crate::keys::{KeySet, KeySource, Keys};
use crate::token::DecodedToken;

/// Registers loaders, then [`build`](Self::build)s the [`JwtManager`].
///
/// ```
/// use actix_web::HttpResponse;
/// use actix_jwt_ext::{JwtConfig, JwtManager};
///
/// #[derive(Clone)]
/// struct User { name: String }
///
/// let jwt = JwtManager::builder(JwtConfig::builder().secret_key("s3cr3t").build().unwrap())
///     .additional_claims_loader(|identity| {
///         let mut claims = serde_json::Map::new();
///         claims.insert("upcase_name".into(), identity.as_str().unwrap_or("").to_uppercase().into());
///         claims
///     })
///     .user_lookup_loader(|token| async move {
///         Ok(token.identity_str().map(|name| User { name: name.to_owned() }))
///     })
///     .token_in_blocklist_loader(|token| async move { Ok(token.jti() == Some("revoked-jti")) })
///     .expired_token_loader(|_token| {
///         HttpResponse::Unauthorized().json(serde_json::json!({"code": "dave", "err": "I can't let you do that"}))
///     })
///     .build()
///     .unwrap();
/// # drop(jwt);
/// ```
#[must_use = "call `.build()` to get the JwtManager"]
pub struct JwtManagerBuilder {
    config: JwtConfig,
    loaders: Loaders,
    error_loaders: ErrorLoaders,
    blocklist: Option<Arc<dyn TokenBlocklist>>,
    body_limit: usize,
    body_read_timeout: Duration,
    refresh_rotation: bool,
    key_source: Option<KeySource>,
    roles_claim: String,
}

impl std::fmt::Debug for JwtManagerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtManagerBuilder")
            .field("loaders", &self.loaders)
            .finish_non_exhaustive()
    }
}

impl JwtManagerBuilder {
    pub(super) fn new(config: JwtConfig) -> Self {
        Self {
            config,
            loaders: Loaders::default(),
            error_loaders: ErrorLoaders::default(),
            blocklist: None,
            body_limit: DEFAULT_BODY_LIMIT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            refresh_rotation: false,
            key_source: None,
            roles_claim: DEFAULT_ROLES_CLAIM.to_owned(),
        }
    }

    /// `additional_claims_loader`: extra claims for every new token, from the identity.
    /// Claims given to the [`TokenBuilder`](crate::TokenBuilder) win over these.
    pub fn additional_claims_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&Value) -> Map<String, Value> + Send + Sync + 'static,
    {
        self.loaders.additional_claims = Some(Arc::new(f));
        self
    }

    /// `additional_headers_loader`: extra JOSE headers for every new token.
    pub fn additional_headers_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&Value) -> Map<String, Value> + Send + Sync + 'static,
    {
        self.loaders.additional_headers = Some(Arc::new(f));
        self
    }

    /// `user_identity_loader`: what goes into the identity claim (default: the identity).
    pub fn user_identity_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&Value) -> Value + Send + Sync + 'static,
    {
        self.loaders.user_identity = Some(Arc::new(f));
        self
    }

    /// `user_lookup_loader`: loads the user of a verified token, for
    /// [`CurrentUser<U>`](crate::CurrentUser). `Ok(None)` answers 401
    /// `Error loading the user <identity>`.
    pub fn user_lookup_loader<U, F, Fut>(mut self, f: F) -> Self
    where
        U: 'static,
        F: Fn(Arc<DecodedToken>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<U>, JwtError>> + 'static,
    {
        self.loaders.user_lookup = Some(Arc::new(move |token| {
            f(token)
                .map(|r| r.map(|u| u.map(|u| Rc::new(u) as Rc<dyn Any>)))
                .boxed_local()
        }));
        self
    }

    /// `token_in_blocklist_loader`: `Ok(true)` means revoked (401 `Token has been revoked`).
    /// Replaces a [`blocklist`](Self::blocklist) store for the check.
    pub fn token_in_blocklist_loader<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Arc<DecodedToken>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<bool, JwtError>> + 'static,
    {
        self.loaders.token_in_blocklist = Some(Arc::new(move |t| f(t).boxed_local()));
        self
    }

    /// A revocation store: the revocation check asks it for the token's `jti`, and
    /// [`JwtManager::revoke`] writes to it.
    pub fn blocklist(mut self, store: impl TokenBlocklist) -> Self {
        self.blocklist = Some(Arc::new(store));
        self
    }

    /// `token_verification_loader`: custom checks after revocation; `Ok(false)` answers 400
    /// `User claims verification failed`.
    pub fn token_verification_loader<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Arc<DecodedToken>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<bool, JwtError>> + 'static,
    {
        self.loaders.token_verification = Some(Arc::new(move |t| f(t).boxed_local()));
        self
    }

    /// `decode_key_loader`: the verification key for a token, from its unverified header and
    /// claims (per-tenant keys, `kid` lookups).
    pub fn decode_key_loader<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Arc<UnverifiedToken>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<DecodingKey, JwtError>> + 'static,
    {
        self.loaders.decode_key = Some(Arc::new(move |t| f(t).boxed_local()));
        self
    }

    /// `encode_key_loader`: the signing key for a new token, from the identity.
    pub fn encode_key_loader<F, Fut>(mut self, f: F) -> Self
    where
        F: Fn(Value) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<EncodingKey, JwtError>> + 'static,
    {
        self.loaders.encode_key = Some(Arc::new(move |identity| f(identity).boxed_local()));
        self
    }

    /// `unauthorized_loader`: the answer to a missing token or a CSRF failure (default 401).
    pub fn unauthorized_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&str) -> HttpResponse + Send + Sync + 'static,
    {
        self.error_loaders.unauthorized = Some(Arc::new(f));
        self
    }

    /// `invalid_token_loader`: the answer to a malformed or invalid token (default 422).
    pub fn invalid_token_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&str) -> HttpResponse + Send + Sync + 'static,
    {
        self.error_loaders.invalid_token = Some(Arc::new(f));
        self
    }

    /// `expired_token_loader` (default 401 `Token has expired`).
    pub fn expired_token_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.error_loaders.expired_token = Some(Arc::new(f));
        self
    }

    /// `revoked_token_loader` (default 401 `Token has been revoked`).
    pub fn revoked_token_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.error_loaders.revoked_token = Some(Arc::new(f));
        self
    }

    /// `needs_fresh_token_loader` (default 401 `Fresh token required`).
    pub fn needs_fresh_token_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.error_loaders.needs_fresh_token = Some(Arc::new(f));
        self
    }

    /// `user_lookup_error_loader` (default 401 `Error loading the user <identity>`).
    pub fn user_lookup_error_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.error_loaders.user_lookup_error = Some(Arc::new(f));
        self
    }

    /// `token_verification_failed_loader` (default 400 `User claims verification failed`).
    pub fn token_verification_failed_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.error_loaders.token_verification_failed = Some(Arc::new(f));
        self
    }

    /// This crate's own loader: the answer to an unmet [`Requirement`](crate::Requirement)
    /// (403), given the token and the requirement's message.
    pub fn forbidden_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&DecodedToken, &str) -> HttpResponse + Send + Sync + 'static,
    {
        self.error_loaders.forbidden = Some(Arc::new(f));
        self
    }

    /// The claim [role requirements](crate::Requirement::role) read: a string or an array of
    /// strings. Default `"roles"`.
    pub fn roles_claim(mut self, name: impl Into<String>) -> Self {
        self.roles_claim = name.into();
        self
    }

    /// A renderer consulted first for every error (all kinds, including 413/503/500);
    /// return `None` to fall back to the loaders above and the defaults.
    pub fn error_renderer<F>(mut self, f: F) -> Self
    where
        F: Fn(&JwtError) -> Option<HttpResponse> + Send + Sync + 'static,
    {
        self.error_loaders.error_renderer = Some(Arc::new(f));
        self
    }

    /// The largest request body read to find a token in JSON or a CSRF form field
    /// (default [`DEFAULT_BODY_LIMIT`], 64 KiB); larger bodies answer 413.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// The deadline for reading a request body that may hold the token (default
    /// [`DEFAULT_BODY_READ_TIMEOUT`], 10 s); a slower body answers 408 and is dropped.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }

    /// Refresh-token rotation with reuse detection (see [`JwtManager::rotate_refresh_token`](crate::JwtManager::rotate_refresh_token)); needs a
    /// [`blocklist`](Self::blocklist) store. Default off.
    pub fn refresh_rotation(mut self, on: bool) -> Self {
        self.refresh_rotation = on;
        self
    }

    /// Signs and verifies with a [`KeySet`] (keys by `kid`, for rotation) instead of
    /// `JWT_SECRET_KEY` / `JWT_PRIVATE_KEY` / `JWT_PUBLIC_KEY`, which are then not needed.
    pub fn key_set(mut self, keys: KeySet) -> Self {
        self.key_source = Some(KeySource::set(keys));
        self
    }

    /// Verifies the tokens of a remote issuer (an OIDC provider) with the keys of its JWKS,
    /// instead of the configured keys; the manager then signs no tokens. The issuer's `iss`
    /// and audience are checked unless `JWT_DECODE_ISSUER` / `JWT_DECODE_AUDIENCE` are set,
    /// which win.
    #[cfg(feature = "remote-jwks")]
    pub fn remote_jwks(mut self, remote: crate::keys::RemoteJwks) -> Self {
        self.key_source = Some(KeySource::Remote(remote));
        self
    }

    /// Validates the configuration, decodes and checks the keys, and returns the manager.
    pub fn build(self) -> Result<JwtManager, ConfigError> {
        if self.key_source.is_some() {
            self.config.validate_settings()?;
        } else {
            self.config.validate()?;
        }
        if self.refresh_rotation && self.blocklist.is_none() {
            return Err(ConfigError::Invalid {
                setting: "JWT_REFRESH_ROTATION",
                reason:
                    "refresh-token rotation needs a revocation store (JwtManagerBuilder::blocklist)"
                        .into(),
            });
        }
        if self.roles_claim.trim().is_empty() {
            return Err(ConfigError::Empty {
                setting: "JwtManagerBuilder::roles_claim",
            });
        }
        let loaders = self.loaders;
        let challenges = self
            .config
            .www_authenticate
            .then(|| Challenges::new(self.config.www_authenticate_realm.as_deref()));
        let renderer = Arc::new(Renderer::new(
            &self.config.error_message_key,
            self.error_loaders,
            challenges,
        ));
        let mut default_header = String::new();
        let json = format!(
            "{{\"alg\":\"{:?}\",\"typ\":\"JWT\"}}",
            self.config.algorithm
        );
        crate::token::b64_encode_into(json.as_bytes(), &mut default_header);
        let keys = match self.key_source {
            Some(source) => source,
            None => KeySource::single(
                Keys::from_config(&self.config)?,
                self.config.algorithm,
                default_header.clone(),
            ),
        };
        let (decode_issuer, decode_audience) = match &keys {
            #[cfg(feature = "remote-jwks")]
            KeySource::Remote(remote) => (
                self.config.decode_issuer.clone().or_else(|| {
                    remote
                        .expected_issuer()
                        .map(|issuer| vec![issuer.to_owned()])
                }),
                self.config
                    .decode_audience
                    .clone()
                    .or_else(|| remote.audience().map(<[String]>::to_vec)),
            ),
            _ => (
                self.config.decode_issuer.clone(),
                self.config.decode_audience.clone(),
            ),
        };
        #[cfg(feature = "remote-jwks")]
        if matches!(keys, KeySource::Remote(_)) && decode_audience.is_none() {
            log::warn!(
                "RemoteJwks: no audience is set: tokens the issuer made for any of its clients \
                 are accepted (set RemoteJwksBuilder::audience or JWT_DECODE_AUDIENCE)"
            );
        }
        Ok(JwtManager {
            inner: Arc::new(Inner {
                decode_algorithms: self.config.decode_algorithms(),
                identity_claim: Arc::from(self.config.identity_claim.as_str()),
                config: self.config,
                keys,
                loaders,
                renderer,
                blocklist: self.blocklist,
                body_limit: self.body_limit,
                body_read_timeout: self.body_read_timeout,
                refresh_rotation: self.refresh_rotation,
                roles_claim: Arc::from(self.roles_claim.as_str()),
                default_header,
                decode_issuer,
                decode_audience,
            }),
        })
    }
}
