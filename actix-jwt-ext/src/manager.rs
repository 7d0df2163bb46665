//! [`JwtManager`]: configuration, keys and loaders, registered on an app with
//! [`init_app`](JwtManager::init_app).
//!
//! ```
//! use actix_web::{web, App, HttpResponse};
//! use actix_jwt_ext::{jwt_required, JwtConfig, JwtIdentity, JwtManager};
//!
//! async fn protected(identity: JwtIdentity) -> HttpResponse {
//!     HttpResponse::Ok().json(serde_json::json!({ "logged_in_as": identity.0 }))
//! }
//!
//! let jwt = JwtManager::new(JwtConfig::builder().secret_key("s3cr3t").build().unwrap()).unwrap();
//! let app = App::new()
//!     .configure(jwt.init_app())
//!     .service(web::resource("/protected").wrap(jwt_required()).to(protected));
//! # drop(app);
//! ```

use std::any::Any;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use actix_web::{web, HttpResponse};
use futures_util::FutureExt as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde_json::{Map, Value};

use crate::blocklist::{BlocklistError, TokenBlocklist};
use crate::callbacks::Loaders;
use crate::config::{ConfigError, JwtConfig};
use crate::crypto::{KeyRef, Keys};
use crate::error::{json_message, JwtError};
use crate::keys::{KeySet, KeySource, Keyring};
use crate::tokens::{
    decode_with, ClaimRules, DecodeOptions, DecodedToken, RawToken, TokenBuilder, TokenType,
};

/// The JWT manager: one per application, cheap to clone (an `Arc`), shared by all workers.
///
/// Build it with [`JwtManager::new`] or [`JwtManager::builder`] (to register loaders), then
/// register it with `App::new().configure(jwt.init_app())`.
#[derive(Clone, Debug)]
pub struct JwtManager {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: JwtConfig,
    keys: KeySource,
    loaders: Loaders,
    decode_algorithms: Vec<Algorithm>,
    identity_claim: Arc<str>,
    blocklist: Option<Arc<dyn TokenBlocklist>>,
    body_limit: usize,
    refresh_rotation: bool,
    /// `{"alg":"<JWT_ALGORITHM>","typ":"JWT"}`, base64url: the header of tokens without
    /// additional headers.
    default_header: String,
    /// `JWT_DECODE_ISSUER`, or the remote issuer's.
    decode_issuer: Option<Vec<String>>,
    /// `JWT_DECODE_AUDIENCE`, or the remote issuer's audience.
    decode_audience: Option<Vec<String>>,
}

impl std::fmt::Debug for dyn TokenBlocklist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenBlocklist")
    }
}

/// The default largest request body read when looking for a token in JSON or a CSRF form field.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

impl JwtManager {
    /// A manager with flask-jwt-extended's default loaders. Validates the configuration and
    /// decodes the keys once.
    pub fn new(config: JwtConfig) -> Result<Self, ConfigError> {
        Self::builder(config).build()
    }

    /// A builder to register loaders (flask-jwt-extended's `@jwt.*_loader` decorators).
    pub fn builder(config: JwtConfig) -> JwtManagerBuilder {
        JwtManagerBuilder {
            config,
            loaders: Loaders::default(),
            blocklist: None,
            body_limit: DEFAULT_BODY_LIMIT,
            refresh_rotation: false,
            key_source: None,
        }
    }

    /// Registers the manager on an app (flask-jwt-extended's `jwt.init_app(app)`):
    /// `App::new().configure(jwt.init_app())`. Works on scopes too.
    pub fn init_app(&self) -> impl FnOnce(&mut web::ServiceConfig) + Clone + 'static {
        let manager = self.clone();
        move |cfg: &mut web::ServiceConfig| {
            cfg.app_data(manager);
        }
    }

    /// The configuration.
    pub fn config(&self) -> &JwtConfig {
        &self.inner.config
    }

    pub(crate) fn keys(&self) -> &KeySource {
        &self.inner.keys
    }

    /// The public keys as a JWKS document (RFC 7517): the configured asymmetric key (its
    /// `kid` is its RFC 7638 thumbprint), or every key of the [`KeySet`]. Empty for HMAC
    /// secrets, which are never published, and for a remote issuer's keys.
    pub fn jwks(&self) -> jsonwebtoken::jwk::JwkSet {
        self.inner.keys.snapshot().jwks()
    }

    /// Replaces the [`KeySet`] while the app runs (a rotation without restart): tokens
    /// signed from now on use the new set's current key, and tokens are verified with the new
    /// set's keys. Keep the previous current key in the new set until its tokens expire.
    /// Fails when the manager was not built with a key set.
    pub fn replace_key_set(&self, keys: KeySet) -> Result<(), ConfigError> {
        if self.inner.keys.replace_set(keys) {
            Ok(())
        } else {
            Err(ConfigError::Invalid {
                setting: "KeySet",
                reason: "this JwtManager was not built with a key set (JwtManagerBuilder::key_set)"
                    .into(),
            })
        }
    }

    /// Serves [`jwks`](Self::jwks) at `path` (`GET` and `HEAD`), for
    /// `App::new().configure(jwt.serve_jwks("/.well-known/jwks.json"))`. The document is
    /// built once; clients may cache it for five minutes.
    pub fn serve_jwks(&self, path: &str) -> impl FnOnce(&mut web::ServiceConfig) + Clone + 'static {
        let manager = self.clone();
        let path = path.to_owned();
        move |cfg: &mut web::ServiceConfig| {
            let serve = move || {
                let body = manager.inner.keys.snapshot().jwks_json();
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .insert_header((
                            actix_web::http::header::CACHE_CONTROL,
                            "public, max-age=300",
                        ))
                        .body(body)
                }
            };
            cfg.service(
                web::resource(path)
                    .route(web::get().to(serve.clone()))
                    .route(web::head().to(serve)),
            );
        }
    }

    pub(crate) fn loaders(&self) -> &Loaders {
        &self.inner.loaders
    }

    pub(crate) fn default_header(&self) -> &str {
        &self.inner.default_header
    }

    pub(crate) fn body_limit(&self) -> usize {
        self.inner.body_limit
    }

    /// `true` when refresh-token rotation is on (see [`crate::rotation`]).
    pub fn refresh_rotation(&self) -> bool {
        self.inner.refresh_rotation
    }

    /// The registered revocation store, if any.
    pub fn blocklist(&self) -> Option<&Arc<dyn TokenBlocklist>> {
        self.inner.blocklist.as_ref()
    }

    /// Starts an access token for `identity` (`create_access_token`).
    pub fn access_token(&self, identity: impl serde::Serialize) -> TokenBuilder<'_> {
        TokenBuilder::new(self, serialize_identity(identity), TokenType::Access)
    }

    /// Starts a refresh token for `identity` (`create_refresh_token`).
    pub fn refresh_token(&self, identity: impl serde::Serialize) -> TokenBuilder<'_> {
        TokenBuilder::new(self, serialize_identity(identity), TokenType::Refresh)
    }

    /// `create_access_token(identity)` with default options.
    pub async fn create_access_token(
        &self,
        identity: impl serde::Serialize,
    ) -> Result<String, JwtError> {
        self.access_token(identity).encode().await
    }

    /// `create_refresh_token(identity)` with default options.
    pub async fn create_refresh_token(
        &self,
        identity: impl serde::Serialize,
    ) -> Result<String, JwtError> {
        self.refresh_token(identity).encode().await
    }

    /// `decode_token(token)`: full verification of signature and registered claims, the
    /// identity claim and decode defaults. No type, freshness or revocation check.
    pub async fn decode_token(&self, token: &str) -> Result<DecodedToken, JwtError> {
        self.decode(token, DecodeOptions::default()).await
    }

    /// `decode_token(token, csrf_value, allow_expired)`.
    pub async fn decode_token_with(
        &self,
        token: &str,
        csrf_value: Option<&str>,
        allow_expired: bool,
    ) -> Result<DecodedToken, JwtError> {
        self.decode(
            token,
            DecodeOptions {
                csrf_value,
                allow_expired,
            },
        )
        .await
    }

    /// `get_jti(token)`: the `jti` of a fully verified token.
    pub async fn get_jti(&self, token: &str) -> Result<Option<String>, JwtError> {
        Ok(self.decode_token(token).await?.jti().map(str::to_owned))
    }

    /// `get_csrf_token(token)`: the `csrf` claim of a fully verified token.
    pub async fn get_csrf_token(&self, token: &str) -> Result<String, JwtError> {
        self.decode_token(token)
            .await?
            .csrf()
            .map(str::to_owned)
            .ok_or_else(|| JwtError::invalid("Missing claim: csrf"))
    }

    /// Revokes a token in the registered [`TokenBlocklist`] until it would expire anyway.
    pub async fn revoke(&self, token: &DecodedToken) -> Result<(), BlocklistError> {
        let store = self.blocklist().ok_or_else(|| {
            BlocklistError::Unavailable("no TokenBlocklist is registered on the JwtManager".into())
        })?;
        let jti = token.jti().ok_or(BlocklistError::MissingJti)?;
        let keep_until = token.expires_at().map(|exp| {
            let until = exp.max(0.0) + self.config().decode_leeway.as_secs_f64() + 1.0;
            SystemTime::UNIX_EPOCH + Duration::from_secs_f64(until.min(1e11))
        });
        store.revoke(jti, keep_until).await
    }

    pub(crate) async fn decode(
        &self,
        token: &str,
        options: DecodeOptions<'_>,
    ) -> Result<DecodedToken, JwtError> {
        let mut raw = RawToken::parse(token)?;
        crate::tokens::check_header_params(&raw.header)?;
        let claims = raw.claims()?;
        let inner = &self.inner;
        let cfg = &inner.config;
        let rules = ClaimRules {
            leeway: cfg.decode_leeway.as_secs_f64(),
            issuer: inner.decode_issuer.as_deref(),
            audience: inner.decode_audience.as_deref(),
            verify_sub: cfg.verify_sub,
        };
        let decode = |raw, claims, key, algorithms: &[Algorithm]| {
            decode_with(
                raw,
                claims,
                key,
                &rules,
                algorithms,
                &inner.identity_claim,
                options,
            )
        };
        if let Some(loader) = &inner.loaders.decode_key {
            let unverified = DecodedToken::new(
                raw.header.clone(),
                claims.clone(),
                Arc::clone(&inner.identity_claim),
            );
            let key = loader(Arc::new(unverified)).await?;
            return decode(raw, claims, KeyRef::Loaded(&key), &inner.decode_algorithms);
        }
        // The `kid` is read only where it picks the key: the single-key path stays as it was.
        match inner.keys.snapshot() {
            Keyring::Single(single) => decode(
                raw,
                claims,
                KeyRef::Default(&single.keys),
                &inner.decode_algorithms,
            ),
            Keyring::Set(set) => {
                let entry = set.verifier(raw.kid().as_deref())?;
                decode(raw, claims, KeyRef::Default(&entry.keys), &[entry.alg])
            }
            #[cfg(feature = "remote-jwks")]
            Keyring::Remote(remote) => {
                let key = remote.key_for(raw.kid().as_deref()).await?;
                decode(raw, claims, KeyRef::Loaded(&key.key), &[key.alg])
            }
        }
    }

    /// The response for an error, through the registered loaders, under
    /// `JWT_ERROR_MESSAGE_KEY` by default.
    pub fn error_response(&self, error: &JwtError) -> HttpResponse {
        let l = &self.inner.loaders;
        if let Some(render) = &l.error_renderer {
            if let Some(resp) = render(error) {
                return resp;
            }
        }
        let custom = match error {
            JwtError::NoAuthorization(m) | JwtError::Csrf(m) => {
                l.unauthorized.as_ref().map(|f| f(m))
            }
            JwtError::InvalidHeader(m)
            | JwtError::InvalidQueryParam(m)
            | JwtError::InvalidToken(m)
            | JwtError::WrongTokenType(m) => l.invalid_token.as_ref().map(|f| f(m)),
            JwtError::Expired(t) => l.expired_token.as_ref().map(|f| f(t)),
            JwtError::Revoked(t) => l.revoked_token.as_ref().map(|f| f(t)),
            JwtError::FreshTokenRequired(t) => l.needs_fresh_token.as_ref().map(|f| f(t)),
            JwtError::UserLookup { token, .. } => l.user_lookup_error.as_ref().map(|f| f(token)),
            JwtError::ClaimsVerification(t) => l.token_verification_failed.as_ref().map(|f| f(t)),
            _ => None,
        };
        match custom {
            Some(resp) => resp,
            None => {
                if error.status().is_server_error() {
                    log::error!("actix-jwt-ext: {error}");
                }
                json_message(
                    error.status(),
                    &self.inner.config.error_message_key,
                    &error.public_message(),
                )
            }
        }
    }

    /// The error as an `actix_web::Error` whose response comes from [`error_response`](Self::error_response).
    pub fn into_actix_error(&self, error: JwtError) -> actix_web::Error {
        let response = self.error_response(&error);
        actix_web::error::InternalError::from_response(error, response).into()
    }

    /// `user_lookup_loader` for a verified token; `Ok(None)` when no loader is registered.
    pub(crate) async fn lookup_user(
        &self,
        token: &Arc<DecodedToken>,
    ) -> Result<Option<Rc<dyn Any>>, JwtError> {
        let Some(loader) = &self.inner.loaders.user_lookup else {
            return Ok(None);
        };
        match loader(Arc::clone(token)).await? {
            Some(user) => Ok(Some(user)),
            None => {
                let identity = token
                    .identity()
                    .map_or_else(|| "None".to_owned(), crate::tokens::python_str);
                Err(JwtError::UserLookup {
                    message: format!("Error loading the user {identity}"),
                    token: Box::new(DecodedToken::clone(token)),
                })
            }
        }
    }

    pub(crate) fn has_user_loader(&self) -> bool {
        self.inner.loaders.user_lookup.is_some()
    }
}

fn serialize_identity(identity: impl serde::Serialize) -> Result<Value, String> {
    serde_json::to_value(identity).map_err(|e| format!("identity does not serialise: {e}"))
}

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
    blocklist: Option<Arc<dyn TokenBlocklist>>,
    body_limit: usize,
    refresh_rotation: bool,
    key_source: Option<KeySource>,
}

impl std::fmt::Debug for JwtManagerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtManagerBuilder")
            .field("loaders", &self.loaders)
            .finish_non_exhaustive()
    }
}

impl JwtManagerBuilder {
    /// `additional_claims_loader`: extra claims for every new token, from the identity.
    /// Claims given to the [`TokenBuilder`] win over these.
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
        F: Fn(Arc<DecodedToken>) -> Fut + Send + Sync + 'static,
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
        self.loaders.unauthorized = Some(Arc::new(f));
        self
    }

    /// `invalid_token_loader`: the answer to a malformed or invalid token (default 422).
    pub fn invalid_token_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&str) -> HttpResponse + Send + Sync + 'static,
    {
        self.loaders.invalid_token = Some(Arc::new(f));
        self
    }

    /// `expired_token_loader` (default 401 `Token has expired`).
    pub fn expired_token_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.loaders.expired_token = Some(Arc::new(f));
        self
    }

    /// `revoked_token_loader` (default 401 `Token has been revoked`).
    pub fn revoked_token_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.loaders.revoked_token = Some(Arc::new(f));
        self
    }

    /// `needs_fresh_token_loader` (default 401 `Fresh token required`).
    pub fn needs_fresh_token_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.loaders.needs_fresh_token = Some(Arc::new(f));
        self
    }

    /// `user_lookup_error_loader` (default 401 `Error loading the user <identity>`).
    pub fn user_lookup_error_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.loaders.user_lookup_error = Some(Arc::new(f));
        self
    }

    /// `token_verification_failed_loader` (default 400 `User claims verification failed`).
    pub fn token_verification_failed_loader<F>(mut self, f: F) -> Self
    where
        F: Fn(&DecodedToken) -> HttpResponse + Send + Sync + 'static,
    {
        self.loaders.token_verification_failed = Some(Arc::new(f));
        self
    }

    /// A renderer consulted first for every error (all kinds, including 413/503/500);
    /// return `None` to fall back to the loaders above and the defaults.
    pub fn error_renderer<F>(mut self, f: F) -> Self
    where
        F: Fn(&JwtError) -> Option<HttpResponse> + Send + Sync + 'static,
    {
        self.loaders.error_renderer = Some(Arc::new(f));
        self
    }

    /// The largest request body read to find a token in JSON or a CSRF form field
    /// (default [`DEFAULT_BODY_LIMIT`], 64 KiB); larger bodies answer 413.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Refresh-token rotation with reuse detection (see [`crate::rotation`]); needs a
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
        let loaders = self.loaders;
        let mut default_header = String::new();
        let json = format!(
            "{{\"alg\":\"{:?}\",\"typ\":\"JWT\"}}",
            self.config.algorithm
        );
        crate::tokens::b64_encode_into(json.as_bytes(), &mut default_header);
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
                blocklist: self.blocklist,
                body_limit: self.body_limit,
                refresh_rotation: self.refresh_rotation,
                default_header,
                decode_issuer,
                decode_audience,
            }),
        })
    }
}
