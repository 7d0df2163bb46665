//! [`JwtError`]: every way a request can fail authentication, as an [`ErrorKind`] with
//! flask-jwt-extended's status and text, the token it is about (when verified far enough) and
//! the underlying cause in [`source()`](std::error::Error::source).
//!
//! | kinds | status | default text | loader that can replace the answer |
//! |---|---|---|---|
//! | `MissingToken`, `CsrfMissing`, `CsrfMismatch` | 401 | `Missing Authorization Header`, `Missing CSRF token`, ... | `unauthorized_loader` |
//! | `BadAuthorizationHeader`, `BadQueryParam`, structure, algorithm, key, signature and claim kinds, `WrongTokenType` | 422 | `Not enough segments`, `Signature verification failed`, ... | `invalid_token_loader` |
//! | `Expired` | 401 | `Token has expired` | `expired_token_loader` |
//! | `Revoked` | 401 | `Token has been revoked` | `revoked_token_loader` |
//! | `NotFresh` | 401 | `Fresh token required` | `needs_fresh_token_loader` |
//! | `UserLookupFailed` | 401 | `Error loading the user <identity>` | `user_lookup_error_loader` |
//! | `ClaimsVerificationFailed` | 400 | `User claims verification failed` | `token_verification_failed_loader` |
//! | `MissingRole`, `MissingScope`, `ClaimMismatch`, `RequirementFailed` | 403 | the requirement's [message](crate::Requirement::message), or `Missing required role`, `Insufficient scope`, ... | `forbidden_loader` |
//! | `BodyTooLarge`, `BodyUnreadable`, `BodyTimeout` | 413, 400, 408 | `Request body too large`, ... | `error_renderer` |
//! | `StoreUnavailable`, `KeysUnavailable` | 503 | `Service unavailable`, `Token signing keys are unavailable` | `error_renderer` |
//! | `Encode`, `NotConfigured`, `Misconfigured` | 500 | `Internal Server Error` (opaque) | `error_renderer` |
//!
//! One renderer answers for every error: an error that passed through a
//! [`JwtManager`](crate::JwtManager) (the middleware, an extractor, or a manager method whose
//! error a handler returns with `?`) carries the manager's renderer, so its response has the
//! registered loaders' answer and `JWT_ERROR_MESSAGE_KEY`, whichever way it surfaced. Only an
//! error made without a manager (say [`dangerous::decode_header`](crate::dangerous::decode_header))
//! renders with flask-jwt-extended's default key, `msg`.

mod challenge;
mod render;

use std::borrow::Cow;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

pub(crate) use self::challenge::Challenges;
pub use self::render::jsonify;
pub(crate) use self::render::{ErrorLoaders, Renderer};
use crate::kind::{ErrorKind, Failure};
use crate::token::DecodedToken;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An authentication failure (or a server-side token creation problem): an [`ErrorKind`]
/// rendered as flask-jwt-extended's answer.
///
/// ```
/// use actix_jwt_ext::{ErrorKind, JwtError};
///
/// let err = JwtError::new(ErrorKind::Revoked);
/// assert_eq!(err.kind(), ErrorKind::Revoked);
/// assert_eq!(err.status(), 401);
/// assert_eq!(err.to_string(), "Token has been revoked");
/// ```
#[derive(Clone)]
pub struct JwtError(Box<Inner>);

#[derive(Clone)]
struct Inner {
    failure: Failure,
    token: Option<DecodedToken>,
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
    renderer: Option<Arc<Renderer>>,
    /// The scopes of an unmet scope requirement, space-separated (for the RFC 6750 challenge).
    required_scope: Option<Arc<str>>,
}

impl JwtError {
    /// An error of `kind` with its fixed text.
    pub fn new(kind: ErrorKind) -> Self {
        Failure::new(kind).into()
    }

    /// The revocation store (or another backend a loader depends on) cannot answer: 503
    /// `Service unavailable`, with `cause` kept as the [`source`](std::error::Error::source)
    /// for logs.
    pub fn store_unavailable(cause: impl Into<BoxError>) -> Self {
        Self::new(ErrorKind::StoreUnavailable).with_source(cause)
    }

    /// Keeps `cause` as the [`source`](std::error::Error::source) (never shown to clients).
    #[must_use]
    pub fn with_source(mut self, cause: impl Into<BoxError>) -> Self {
        self.0.source = Some(Arc::from(cause.into()));
        self
    }

    /// What failed.
    pub fn kind(&self) -> ErrorKind {
        self.0.failure.kind
    }

    /// The HTTP status flask-jwt-extended answers with for this kind.
    pub fn status(&self) -> StatusCode {
        self.kind().status()
    }

    /// The text a client sees. Server-side failures are opaque: their details stay in logs.
    pub fn public_message(&self) -> Cow<'_, str> {
        if self.status().is_server_error() && self.kind() != ErrorKind::StoreUnavailable {
            if self.kind() == ErrorKind::KeysUnavailable {
                return Cow::Borrowed(self.0.failure.message());
            }
            return Cow::Borrowed("Internal Server Error");
        }
        Cow::Borrowed(self.0.failure.message())
    }

    /// The token the error is about, for the kinds found after the signature verified
    /// (expired, not fresh, revoked, claims verification, user lookup).
    pub fn token(&self) -> Option<&DecodedToken> {
        self.0.token.as_ref()
    }

    /// For an unmet [scope requirement](crate::Requirement::scope): the scopes it requires,
    /// space-separated, as the RFC 6750 challenge names them. `None` for other errors.
    pub fn required_scope(&self) -> Option<&str> {
        self.0.required_scope.as_deref()
    }

    /// Notes the scopes an unmet scope requirement asks for.
    pub(crate) fn with_required_scope(mut self, scope: Option<Arc<str>>) -> Self {
        self.0.required_scope = scope;
        self
    }

    pub(crate) fn with_token(kind: impl Into<Failure>, token: DecodedToken) -> Self {
        let mut err = JwtError::from(kind.into());
        err.0.token = Some(token);
        err
    }

    /// A token could not be created (a programming or configuration error; opaque 500).
    pub(crate) fn encode(why: impl std::fmt::Display) -> Self {
        Failure::encode(why).into()
    }

    /// The app uses a feature it did not set up (opaque 500; `why` goes to the log).
    pub(crate) fn misconfigured(why: &'static str) -> Self {
        Failure::misconfigured(why).into()
    }

    /// A remote issuer's keys cannot be had; `reason` is kept as the source, for logs.
    #[cfg(feature = "remote-jwks")]
    pub(crate) fn keys_unavailable(reason: impl Into<String>) -> Self {
        Self::new(ErrorKind::KeysUnavailable).with_source(reason.into())
    }

    /// Attaches the manager's renderer, unless one is attached already.
    pub(crate) fn rendered_by(mut self, renderer: &Arc<Renderer>) -> Self {
        if self.0.renderer.is_none() {
            self.0.renderer = Some(Arc::clone(renderer));
        }
        self
    }
}

impl From<Failure> for JwtError {
    fn from(failure: Failure) -> Self {
        JwtError(Box::new(Inner {
            failure,
            token: None,
            source: None,
            renderer: None,
            required_scope: None,
        }))
    }
}

impl From<ErrorKind> for JwtError {
    fn from(kind: ErrorKind) -> Self {
        JwtError::new(kind)
    }
}

impl std::fmt::Display for JwtError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.failure.message())
    }
}

/// Shows the kind and the text; never a token's claims, a key or a secret.
impl std::fmt::Debug for JwtError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("JwtError");
        d.field("kind", &self.kind())
            .field("message", &self.0.failure.message());
        if let Some(source) = &self.0.source {
            d.field("source", &source.to_string());
        }
        d.finish_non_exhaustive()
    }
}

impl std::error::Error for JwtError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl ResponseError for JwtError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    /// The manager's answer (loaders, `JWT_ERROR_MESSAGE_KEY`) when the error passed through
    /// one; flask-jwt-extended's default `{"msg": ...}` otherwise.
    fn error_response(&self) -> HttpResponse {
        match &self.0.renderer {
            Some(renderer) => renderer.render(self),
            None => Renderer::DEFAULT.render(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_render_opaque() {
        let err = JwtError::from(Failure::encode("secret detail: key=hunter2"));
        let resp = err.error_response();
        assert_eq!(resp.status(), 500);
        assert_eq!(err.public_message(), "Internal Server Error");
        assert!(err.to_string().contains("hunter2"), "the log text keeps it");
    }

    #[test]
    fn causes_are_kept_in_source() {
        let err = JwtError::store_unavailable("connection refused");
        assert_eq!(err.kind(), ErrorKind::StoreUnavailable);
        assert_eq!(err.public_message(), "Service unavailable");
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some("connection refused"));
    }

    #[test]
    fn errors_are_small() {
        assert_eq!(
            std::mem::size_of::<JwtError>(),
            std::mem::size_of::<usize>()
        );
    }
}
