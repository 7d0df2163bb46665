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

mod builder;
mod issue;
mod keys;

use std::sync::Arc;

use actix_web::{web, HttpResponse};
use jsonwebtoken::Algorithm;

pub use self::builder::JwtManagerBuilder;
pub use self::issue::{Fresh, TokenBuilder, TokenType};
use crate::blocklist::TokenBlocklist;
use crate::callbacks::Loaders;
use crate::config::{ConfigError, JwtConfig};
use crate::error::{JwtError, Renderer};
use crate::keys::KeySource;

/// The JWT manager: one per application, cheap to clone (an `Arc`), shared by all workers.
///
/// Build it with [`JwtManager::new`] or [`JwtManager::builder`] (to register loaders), then
/// register it with `App::new().configure(jwt.init_app())`.
#[derive(Clone, Debug)]
pub struct JwtManager {
    inner: Arc<Inner>,
}

struct Inner {
    config: JwtConfig,
    keys: KeySource,
    loaders: Loaders,
    renderer: Arc<Renderer>,
    decode_algorithms: Vec<Algorithm>,
    identity_claim: Arc<str>,
    blocklist: Option<Arc<dyn TokenBlocklist>>,
    body_limit: usize,
    body_read_timeout: std::time::Duration,
    refresh_rotation: bool,
    /// The claim role requirements read.
    roles_claim: Arc<str>,
    /// `{"alg":"<JWT_ALGORITHM>","typ":"JWT"}`, base64url: the header of tokens without
    /// additional headers.
    default_header: String,
    /// `JWT_DECODE_ISSUER`, or the remote issuer's.
    decode_issuer: Option<Vec<String>>,
    /// `JWT_DECODE_AUDIENCE`, or the remote issuer's audience.
    decode_audience: Option<Vec<String>>,
}

/// Shows every setting: the keys and loaders as their own `Debug` shows them (never a key),
/// and the issuers without the user information of a URL (a remote issuer's address may hold
/// a password).
impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let issuers = self.decode_issuer.as_ref().map(|issuers| {
            issuers
                .iter()
                .map(|i| crate::config::without_userinfo(i))
                .collect::<Vec<_>>()
        });
        f.debug_struct("Inner")
            .field("config", &self.config)
            .field("keys", &self.keys)
            .field("loaders", &self.loaders)
            .field("renderer", &self.renderer)
            .field("decode_algorithms", &self.decode_algorithms)
            .field("identity_claim", &self.identity_claim)
            .field("blocklist", &self.blocklist)
            .field("body_limit", &self.body_limit)
            .field("body_read_timeout", &self.body_read_timeout)
            .field("refresh_rotation", &self.refresh_rotation)
            .field("roles_claim", &self.roles_claim)
            .field("default_header", &self.default_header)
            .field("decode_issuer", &issuers)
            .field("decode_audience", &self.decode_audience)
            .finish()
    }
}

impl std::fmt::Debug for dyn TokenBlocklist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenBlocklist")
    }
}

/// The default largest request body read when looking for a token in JSON or a CSRF form field.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// The claim [role requirements](crate::Requirement::role) read unless
/// [`JwtManagerBuilder::roles_claim`] names another.
pub const DEFAULT_ROLES_CLAIM: &str = "roles";

/// The default deadline for reading a request body that may hold the token: 10 seconds.
pub const DEFAULT_BODY_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl JwtManager {
    /// A manager with flask-jwt-extended's default loaders. Validates the configuration and
    /// decodes the keys once.
    pub fn new(config: JwtConfig) -> Result<Self, ConfigError> {
        Self::builder(config).build()
    }

    /// A builder to register loaders (flask-jwt-extended's `@jwt.*_loader` decorators).
    pub fn builder(config: JwtConfig) -> JwtManagerBuilder {
        JwtManagerBuilder::new(config)
    }

    /// Registers the manager on an app (flask-jwt-extended's `jwt.init_app(app)`):
    /// `App::new().configure(jwt.init_app())`. Works on scopes too.
    ///
    /// This one call is all the app needs: the middleware and extractors find the manager,
    /// and handlers can take it as `web::Data<JwtManager>`.
    pub fn init_app(&self) -> impl FnOnce(&mut web::ServiceConfig) + Clone + 'static {
        let manager = self.clone();
        move |cfg: &mut web::ServiceConfig| {
            cfg.app_data(web::Data::new(manager.clone()));
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

    pub(crate) fn loaders(&self) -> &Loaders {
        &self.inner.loaders
    }

    pub(crate) fn default_header(&self) -> &str {
        &self.inner.default_header
    }

    pub(crate) fn body_limit(&self) -> usize {
        self.inner.body_limit
    }

    pub(crate) fn body_read_timeout(&self) -> std::time::Duration {
        self.inner.body_read_timeout
    }

    pub(crate) fn identity_claim(&self) -> &Arc<str> {
        &self.inner.identity_claim
    }

    pub(crate) fn decode_algorithms(&self) -> &[Algorithm] {
        &self.inner.decode_algorithms
    }

    /// `JWT_DECODE_ISSUER`, parsed once.
    pub(crate) fn decode_issuer(&self) -> Option<&[String]> {
        self.inner.decode_issuer.as_deref()
    }

    /// `JWT_DECODE_AUDIENCE`, parsed once.
    pub(crate) fn decode_audience(&self) -> Option<&[String]> {
        self.inner.decode_audience.as_deref()
    }

    /// `true` when refresh-token rotation is on (see [`JwtManager::rotate_refresh_token`]).
    pub fn refresh_rotation(&self) -> bool {
        self.inner.refresh_rotation
    }

    /// The registered revocation store, if any.
    pub fn blocklist(&self) -> Option<&Arc<dyn TokenBlocklist>> {
        self.inner.blocklist.as_ref()
    }

    /// The response for an error: the registered error loaders' answer, or
    /// flask-jwt-extended's under `JWT_ERROR_MESSAGE_KEY`. The same response the middleware,
    /// the extractors and a handler's `?` give for that error.
    pub fn error_response(&self, error: &JwtError) -> HttpResponse {
        self.inner.renderer.render(error)
    }

    /// The error with this manager's renderer attached, for returning from a handler.
    pub(crate) fn attach(&self, error: JwtError) -> JwtError {
        error.rendered_by(&self.inner.renderer)
    }

    /// The claim role requirements read ([`JwtManagerBuilder::roles_claim`]).
    pub fn roles_claim(&self) -> &str {
        &self.inner.roles_claim
    }

    pub(crate) fn has_user_loader(&self) -> bool {
        self.inner.loaders.user_lookup.is_some()
    }
}
