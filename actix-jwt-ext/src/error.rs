//! [`JwtError`]: every way a request can fail authentication, with flask-jwt-extended's status
//! codes and messages.
//!
//! | kind | status | default message | loader that can replace the answer |
//! |---|---|---|---|
//! | [`NoAuthorization`](JwtError::NoAuthorization) | 401 | `Missing Authorization Header`, ... | `unauthorized_loader` |
//! | [`Csrf`](JwtError::Csrf) | 401 | `Missing CSRF token`, ... | `unauthorized_loader` |
//! | [`InvalidHeader`](JwtError::InvalidHeader), [`InvalidQueryParam`](JwtError::InvalidQueryParam), [`InvalidToken`](JwtError::InvalidToken), [`WrongTokenType`](JwtError::WrongTokenType) | 422 | `Not enough segments`, ... | `invalid_token_loader` |
//! | [`Expired`](JwtError::Expired) | 401 | `Token has expired` | `expired_token_loader` |
//! | [`Revoked`](JwtError::Revoked) | 401 | `Token has been revoked` | `revoked_token_loader` |
//! | [`FreshTokenRequired`](JwtError::FreshTokenRequired) | 401 | `Fresh token required` | `needs_fresh_token_loader` |
//! | [`UserLookup`](JwtError::UserLookup) | 401 | `Error loading the user <identity>` | `user_lookup_error_loader` |
//! | [`ClaimsVerification`](JwtError::ClaimsVerification) | 400 | `User claims verification failed` | `token_verification_failed_loader` |
//! | [`PayloadTooLarge`](JwtError::PayloadTooLarge) | 413 | `Request body too large` | `error_renderer` |
//! | [`Unavailable`](JwtError::Unavailable) | 503 | `Service unavailable` | `error_renderer` |
//! | [`KeysUnavailable`](JwtError::KeysUnavailable) | 503 | `Token signing keys are unavailable` | `error_renderer` |
//! | [`Encode`](JwtError::Encode), [`NotConfigured`](JwtError::NotConfigured), [`Misconfigured`](JwtError::Misconfigured) | 500 | `Internal Server Error` (opaque) | `error_renderer` |
//!
//! Inside a request the [`JwtManager`](crate::JwtManager) renders errors through its loaders
//! under `JWT_ERROR_MESSAGE_KEY`. Outside (a bare `ResponseError` conversion) the body uses
//! flask-jwt-extended's default key, `msg`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::tokens::DecodedToken;

/// An authentication failure (or a server-side token creation problem).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// No token in any searched location (flask-jwt-extended `NoAuthorizationError`).
    #[error("{0}")]
    NoAuthorization(String),
    /// The CSRF double-submit check failed (`CSRFError`).
    #[error("{0}")]
    Csrf(String),
    /// The header holds something that is not `<type> <JWT>` (`InvalidHeaderError`).
    #[error("{0}")]
    InvalidHeader(String),
    /// The query value lacks `JWT_QUERY_STRING_VALUE_PREFIX` (`InvalidQueryParamError`).
    #[error("{0}")]
    InvalidQueryParam(String),
    /// The token is malformed, badly signed, not yet valid, for another audience or issuer,
    /// or lacks a required claim (PyJWT's errors and `JWTDecodeError`).
    #[error("{0}")]
    InvalidToken(String),
    /// A refresh token where an access token is expected, or the other way round.
    #[error("{0}")]
    WrongTokenType(String),
    /// The token's `exp` has passed. Carries the token, verified in every other respect.
    #[error("Token has expired")]
    Expired(Box<DecodedToken>),
    /// The revocation check said the token is revoked.
    #[error("Token has been revoked")]
    Revoked(Box<DecodedToken>),
    /// The route needs a fresh token.
    #[error("Fresh token required")]
    FreshTokenRequired(Box<DecodedToken>),
    /// The user lookup loader found no user for the token.
    #[error("{message}")]
    UserLookup {
        /// `Error loading the user <identity>`.
        message: String,
        /// The token.
        token: Box<DecodedToken>,
    },
    /// The token verification loader refused the token.
    #[error("User claims verification failed")]
    ClaimsVerification(Box<DecodedToken>),
    /// The request body that may hold the token is larger than the configured limit.
    #[error("Request body too large")]
    PayloadTooLarge,
    /// A backend the check depends on (the revocation store) cannot answer.
    #[error("Service unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The signing keys of a remote issuer could not be fetched (it is down, slow, or answers
    /// something else than a JWKS) and none are cached. The reason is logged when the fetch
    /// fails; clients see 503 `Token signing keys are unavailable`.
    #[error("Token signing keys are unavailable")]
    KeysUnavailable(String),
    /// A token could not be created (claims that do not serialise, a key that does not fit).
    #[error("cannot create token: {0}")]
    Encode(String),
    /// An extractor or middleware ran without a registered [`JwtManager`](crate::JwtManager).
    #[error("no JwtManager is registered on this app: call `.configure(jwt.init_app())`")]
    NotConfigured,
    /// The app uses a feature it did not set up (for example [`CurrentUser`](crate::CurrentUser)
    /// without a user lookup loader). A programming error: clients see an opaque 500.
    #[error("{0}")]
    Misconfigured(&'static str),
}

impl JwtError {
    /// The HTTP status flask-jwt-extended answers with for this kind.
    pub fn status(&self) -> StatusCode {
        match self {
            JwtError::NoAuthorization(_)
            | JwtError::Csrf(_)
            | JwtError::Expired(_)
            | JwtError::Revoked(_)
            | JwtError::FreshTokenRequired(_)
            | JwtError::UserLookup { .. } => StatusCode::UNAUTHORIZED,
            JwtError::InvalidHeader(_)
            | JwtError::InvalidQueryParam(_)
            | JwtError::InvalidToken(_)
            | JwtError::WrongTokenType(_) => StatusCode::UNPROCESSABLE_ENTITY,
            JwtError::ClaimsVerification(_) => StatusCode::BAD_REQUEST,
            JwtError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            JwtError::Unavailable(_) | JwtError::KeysUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            JwtError::Encode(_) | JwtError::NotConfigured | JwtError::Misconfigured(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }

    /// The text a client sees. Server-side failures are opaque: their details stay in logs.
    pub fn public_message(&self) -> String {
        match self {
            JwtError::Encode(_) | JwtError::NotConfigured | JwtError::Misconfigured(_) => {
                "Internal Server Error".to_owned()
            }
            other => other.to_string(),
        }
    }

    /// The token the error is about, for the kinds that carry one.
    pub fn token(&self) -> Option<&DecodedToken> {
        match self {
            JwtError::Expired(t)
            | JwtError::Revoked(t)
            | JwtError::FreshTokenRequired(t)
            | JwtError::ClaimsVerification(t)
            | JwtError::UserLookup { token: t, .. } => Some(t),
            _ => None,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        JwtError::InvalidToken(message.into())
    }
}

/// `{"<key>": "<message>"}` as Flask's `jsonify` writes it (see [`jsonify`]).
pub(crate) fn json_message(status: StatusCode, key: &str, message: &str) -> HttpResponse {
    let mut body = serde_json::Map::with_capacity(1);
    body.insert(
        key.to_owned(),
        serde_json::Value::String(message.to_owned()),
    );
    HttpResponse::build(status)
        .content_type("application/json")
        .body(jsonify(&serde_json::Value::Object(body)))
}

/// JSON text the way Flask's `jsonify` writes it: compact, keys sorted, non-ASCII characters
/// escaped as `\uXXXX`, and a final newline. Error bodies use it, so that a Flask service and
/// an Actix service answer byte for byte alike.
///
/// ```
/// let body = actix_jwt_ext::error::jsonify(&serde_json::json!({"msg": "Error loading the user ghöst"}));
/// assert_eq!(body, "{\"msg\":\"Error loading the user gh\\u00f6st\"}\n");
/// ```
pub fn jsonify(value: &serde_json::Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out.push('\n');
    out
}

impl ResponseError for JwtError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        json_message(self.status(), "msg", &self.public_message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_flask_jwt_extended() {
        assert_eq!(JwtError::NoAuthorization("x".into()).status(), 401);
        assert_eq!(JwtError::Csrf("x".into()).status(), 401);
        assert_eq!(JwtError::InvalidToken("x".into()).status(), 422);
        assert_eq!(JwtError::WrongTokenType("x".into()).status(), 422);
        assert_eq!(JwtError::ClaimsVerification(Box::default()).status(), 400);
        assert_eq!(JwtError::PayloadTooLarge.status(), 413);
    }

    #[test]
    fn jsonify_escapes_like_python() {
        assert_eq!(
            jsonify(&serde_json::json!({"b": 1, "a": "😀"})),
            "{\"a\":\"\\ud83d\\ude00\",\"b\":1}\n"
        );
    }

    #[test]
    fn internal_errors_render_opaque() {
        let err = JwtError::Encode("secret detail: key=hunter2".into());
        let resp = err.error_response();
        assert_eq!(resp.status(), 500);
        assert_eq!(err.public_message(), "Internal Server Error");
    }
}
