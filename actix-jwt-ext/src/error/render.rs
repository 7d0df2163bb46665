//! The one renderer: an error's kind and text become flask-jwt-extended's answer, or the
//! answer of the loader registered for that kind.

use std::borrow::Cow;
use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::HttpResponse;

use super::challenge::Challenges;
use super::JwtError;
use crate::kind::ErrorKind;
use crate::token::DecodedToken;

pub(crate) type MessageLoader = Arc<dyn Fn(&str) -> HttpResponse + Send + Sync>;
pub(crate) type TokenLoader = Arc<dyn Fn(&DecodedToken) -> HttpResponse + Send + Sync>;
pub(crate) type ForbiddenLoader = Arc<dyn Fn(&DecodedToken, &str) -> HttpResponse + Send + Sync>;
pub(crate) type ErrorRenderer = Arc<dyn Fn(&JwtError) -> Option<HttpResponse> + Send + Sync>;

/// The error loaders of flask-jwt-extended; `None` means its default answer.
#[derive(Clone, Default)]
pub(crate) struct ErrorLoaders {
    pub(crate) unauthorized: Option<MessageLoader>,
    pub(crate) invalid_token: Option<MessageLoader>,
    pub(crate) expired_token: Option<TokenLoader>,
    pub(crate) revoked_token: Option<TokenLoader>,
    pub(crate) needs_fresh_token: Option<TokenLoader>,
    pub(crate) user_lookup_error: Option<TokenLoader>,
    pub(crate) token_verification_failed: Option<TokenLoader>,
    /// This crate's own: unmet requirements (403).
    pub(crate) forbidden: Option<ForbiddenLoader>,
    pub(crate) error_renderer: Option<ErrorRenderer>,
}

impl ErrorLoaders {
    const NONE: ErrorLoaders = ErrorLoaders {
        unauthorized: None,
        invalid_token: None,
        expired_token: None,
        revoked_token: None,
        needs_fresh_token: None,
        user_lookup_error: None,
        token_verification_failed: None,
        forbidden: None,
        error_renderer: None,
    };
}

/// Renders errors: the message key, the error loaders and the RFC 6750 challenges of one
/// manager.
pub(crate) struct Renderer {
    message_key: Cow<'static, str>,
    loaders: ErrorLoaders,
    challenges: Option<Challenges>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("message_key", &self.message_key)
            .field("challenges", &self.challenges)
            .finish_non_exhaustive()
    }
}

impl Renderer {
    /// flask-jwt-extended's defaults: `{"msg": ...}`, no loaders.
    pub(crate) const DEFAULT: Renderer = Renderer {
        message_key: Cow::Borrowed("msg"),
        loaders: ErrorLoaders::NONE,
        challenges: None,
    };

    /// `challenges`: RFC 6750 challenges on refusals (`JWT_WWW_AUTHENTICATE`), or none.
    pub(crate) fn new(
        message_key: &str,
        loaders: ErrorLoaders,
        challenges: Option<Challenges>,
    ) -> Self {
        Self {
            message_key: Cow::Owned(message_key.to_owned()),
            loaders,
            challenges,
        }
    }

    /// The response for `error`: the error renderer first, then the loader of its kind, then
    /// `{"<JWT_ERROR_MESSAGE_KEY>": "<text>"}` with the kind's status. Whichever answers, the
    /// challenge (when on) is added unless that answer has a `WWW-Authenticate` of its own.
    pub(crate) fn render(&self, error: &JwtError) -> HttpResponse {
        let mut resp = self.answer(error);
        if let Some(challenges) = &self.challenges {
            let name = actix_web::http::header::WWW_AUTHENTICATE;
            if !resp.headers().contains_key(&name) {
                if let Some(value) = challenges.header(error.kind(), error.required_scope()) {
                    resp.headers_mut().insert(name, value);
                }
            }
        }
        resp
    }

    fn answer(&self, error: &JwtError) -> HttpResponse {
        let l = &self.loaders;
        if let Some(render) = &l.error_renderer {
            if let Some(resp) = render(error) {
                return resp;
            }
        }
        if let Some(resp) = self.loader_answer(error) {
            return resp;
        }
        if error.status().is_server_error() {
            log::error!("actix-jwt-ext: {error:?}");
        }
        json_message(error.status(), &self.message_key, &error.public_message())
    }

    fn loader_answer(&self, error: &JwtError) -> Option<HttpResponse> {
        let l = &self.loaders;
        let message = || error.to_string();
        let with_token = |loader: &Option<TokenLoader>| {
            let loader = loader.as_ref()?;
            error.token().map(|t| loader(t))
        };
        match error.kind() {
            ErrorKind::MissingToken | ErrorKind::CsrfMissing | ErrorKind::CsrfMismatch => {
                l.unauthorized.as_ref().map(|f| f(&message()))
            }
            ErrorKind::Expired => with_token(&l.expired_token),
            ErrorKind::Revoked => with_token(&l.revoked_token),
            ErrorKind::NotFresh => with_token(&l.needs_fresh_token),
            ErrorKind::UserLookupFailed => with_token(&l.user_lookup_error),
            ErrorKind::ClaimsVerificationFailed => with_token(&l.token_verification_failed),
            ErrorKind::MissingRole
            | ErrorKind::MissingScope
            | ErrorKind::ClaimMismatch
            | ErrorKind::RequirementFailed => {
                let loader = l.forbidden.as_ref()?;
                error.token().map(|t| loader(t, &message()))
            }
            kind if kind.status() == StatusCode::UNPROCESSABLE_ENTITY => {
                l.invalid_token.as_ref().map(|f| f(&message()))
            }
            _ => None,
        }
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
/// let body = actix_jwt_ext::jsonify(&serde_json::json!({"msg": "Error loading the user ghöst"}));
/// assert_eq!(body, "{\"msg\":\"Error loading the user gh\\u00f6st\"}\n");
/// ```
pub fn jsonify(value: &serde_json::Value) -> String {
    use std::fmt::Write as _;
    let text = value.to_string();
    let mut out = String::with_capacity(text.len() + 1);
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonify_escapes_like_python() {
        assert_eq!(
            jsonify(&serde_json::json!({"b": 1, "a": "😀"})),
            "{\"a\":\"\\ud83d\\ude00\",\"b\":1}\n"
        );
    }

    #[actix_web::test]
    async fn the_message_key_and_loaders_decide_the_answer() {
        let loaders = ErrorLoaders {
            invalid_token: Some(Arc::new(|m: &str| {
                HttpResponse::BadRequest().body(format!("custom: {m}"))
            })),
            ..ErrorLoaders::default()
        };
        let renderer = Renderer::new("message", loaders, None);
        let bad = JwtError::new(ErrorKind::BadSignature);
        let resp = renderer.render(&bad);
        assert_eq!(resp.status(), 400);
        let body = actix_web::body::to_bytes(resp.into_body()).await.unwrap();
        assert_eq!(body, "custom: Signature verification failed");
        let revoked = JwtError::new(ErrorKind::Revoked);
        let resp = renderer.render(&revoked);
        assert_eq!(resp.status(), 401);
        let body = actix_web::body::to_bytes(resp.into_body()).await.unwrap();
        assert_eq!(body, "{\"message\":\"Token has been revoked\"}\n");
    }
}
