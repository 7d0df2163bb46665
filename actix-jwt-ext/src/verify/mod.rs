//! The verification every protected request goes through, in flask-jwt-extended's order. The
//! middleware ([`JwtRequired`] in `.wrap`), the extractors and [`verify_jwt_in_request`] all
//! run [`start`], this procedure, once per request:
//!
//! 1. `OPTIONS` requests are not verified (CORS preflights carry no credentials).
//! 2. The body is buffered when a location may need it (bounded in size and time,
//!    [`body`]): a JSON body for the `json` location, a form for the CSRF form field.
//! 3. The locations are searched in order ([`lookup`]); the first token found is decoded.
//!    No token anywhere: 401, or anonymous for optional routes.
//! 4. The token is parsed once ([`crate::token`]): structure, header parameters, JSON.
//! 5. The key is chosen and the algorithm and signature checked ([`jws`]).
//! 6. Registered claims ([`claims`]), the identity claim, and for cookie tokens the CSRF
//!    value ([`csrf`]).
//! 7. Token type: refresh routes take only refresh tokens, others anything but refresh tokens.
//! 8. Freshness.
//! 9. Revocation ([`revocation`]), unless skipped.
//! 10. The token verification loader (custom claims check).
//! 11. The user lookup loader ([`user`]), at once with [`JwtRequired::load_user`], else where a
//!     handler asks for [`CurrentUser`](crate::CurrentUser).
//! 12. The route's [`Requirement`](crate::Requirement), if any ([`JwtRequired::require`]):
//!     403 when unmet.
//! 13. The result goes to the request extensions, where the extractors read it.
//!
//! The procedure reads the [`JwtManager`] (configuration, keys, loaders, store) and never
//! calls back into it.

mod body;
mod claims;
mod csrf;
mod decode;
mod jws;
mod lookup;
mod options;
mod revocation;
mod user;

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{HttpMessage as _, HttpRequest};

pub use self::decode::Decode;
pub(crate) use self::jws::DecodeOptions;
pub(crate) use self::options::Options;
pub use self::options::{jwt_required, JwtRequired};
pub(crate) use self::revocation::{revoked_in, store_unavailable};
pub(crate) use self::user::{load_user, LoadedUser};
use crate::config::TokenLocation;
use crate::error::JwtError;
use crate::kind::{ErrorKind, Failure};
use crate::manager::JwtManager;
use crate::token::{now_f64, DecodedToken};

/// A request's verified token and where it was found.
#[derive(Debug)]
pub struct VerifiedJwt {
    token: Arc<DecodedToken>,
    location: TokenLocation,
}

impl VerifiedJwt {
    /// The decoded token.
    pub fn token(&self) -> &Arc<DecodedToken> {
        &self.token
    }

    /// `get_jwt_request_location()`.
    pub fn location(&self) -> TokenLocation {
        self.location
    }
}

impl std::ops::Deref for VerifiedJwt {
    type Target = DecodedToken;

    fn deref(&self) -> &DecodedToken {
        &self.token
    }
}

/// What verification left in the request extensions.
#[derive(Clone, Debug)]
pub(crate) enum JwtState {
    Verified(Rc<VerifiedJwt>),
    /// No token (optional route), or an `OPTIONS` request; the text says what was missing.
    Anonymous(Rc<str>),
}

/// Steps 1 and 2, then the rest: verifies the request with `options`, leaves the result in
/// its extensions and returns it. When the body is needed it is taken from `payload`, which
/// is left replaying the same bytes to the handler's own extractors.
pub(crate) fn start(
    manager: &JwtManager,
    req: &HttpRequest,
    payload: &mut Payload,
    options: &JwtRequired,
) -> impl Future<Output = Result<JwtState, JwtError>> + 'static {
    let manager = manager.clone();
    let req = req.clone();
    let options = options.clone();
    let skip = req.method() == Method::OPTIONS;
    let body = (!skip
        && lookup::needs_body(
            &req,
            manager.config(),
            options.options().locations_for(&manager),
        ))
    .then(|| body::Tee::take(req.headers(), payload));
    async move {
        if skip {
            return Ok(JwtState::Anonymous(Rc::from("Missing JWT")));
        }
        let body = match body {
            Some(tee) => Some(
                tee.read(manager.body_limit(), manager.body_read_timeout())
                    .await?,
            ),
            None => None,
        };
        let state = run(&manager, &req, body.as_deref(), options.options()).await?;
        req.extensions_mut().insert(state.clone());
        Ok(state)
    }
}

/// Steps 3 to 12.
async fn run(
    manager: &JwtManager,
    req: &HttpRequest,
    body: Option<&[u8]>,
    opts: &Options,
) -> Result<JwtState, JwtError> {
    // 3. the locations, in order: a missing token moves on, anything else answers.
    let locations = opts.locations_for(manager);
    let parts = lookup::RequestParts { req, body };
    let mut reasons = Vec::new();
    let mut found = None;
    for &location in locations {
        match lookup::lookup(location, parts, manager.config(), opts.refresh)? {
            lookup::Lookup::Missing(reason) => reasons.push(reason),
            lookup::Lookup::Found { token, csrf } => {
                let options = DecodeOptions {
                    csrf_value: csrf.as_deref(),
                    allow_expired: false,
                };
                // 4 to 6.
                found = Some((jws::decode(manager, &token, options).await?, location));
                break;
            }
        }
    }
    let Some((token, location)) = found else {
        let message = lookup::missing_message(locations, &reasons);
        if opts.optional {
            return Ok(JwtState::Anonymous(message.into()));
        }
        return Err(Failure::missing_token(message).into());
    };
    // 7. token type.
    if opts.verify_type && opts.refresh != token.is_refresh() {
        return Err(Failure::wrong_type(opts.refresh).into());
    }
    // 8. freshness.
    if opts.fresh && !token.is_fresh_at(now_f64()) {
        return Err(JwtError::with_token(ErrorKind::NotFresh, token));
    }
    let token = Arc::new(token);
    // 9. revocation.
    if !opts.skip_revocation_check && revocation::is_revoked(manager, &token).await? {
        return Err(JwtError::with_token(
            ErrorKind::Revoked,
            DecodedToken::clone(&token),
        ));
    }
    // 10. the custom claims check.
    if let Some(verify) = &manager.loaders().token_verification {
        if !verify(Arc::clone(&token)).await? {
            return Err(JwtError::with_token(
                ErrorKind::ClaimsVerificationFailed,
                DecodedToken::clone(&token),
            ));
        }
    }
    // 11. the user, when asked for now.
    if opts.load_user {
        if let Some(user) = load_user(manager, &token).await? {
            req.extensions_mut().insert(user);
        }
    }
    // 12. the route's requirement.
    if let Some(requirement) = &opts.requirement {
        requirement.enforce(&token, manager.roles_claim()).await?;
    }
    Ok(JwtState::Verified(Rc::new(VerifiedJwt { token, location })))
}

/// flask-jwt-extended's `verify_jwt_in_request(...)`: verifies the request's token with
/// `options` and leaves the result for the extractors and [`JwtRequestExt`](crate::JwtRequestExt).
/// Await it; for the `json` location (and the CSRF form field) hand it the body first with
/// [`body`](VerifyInRequest::body).
///
/// Resolves to `Ok(None)` for `OPTIONS` requests and for optional routes without a token.
///
/// ```
/// # actix_web::rt::System::new().block_on(async {
/// use actix_web::{test, App};
/// use actix_jwt_ext::{jwt_required, verify_jwt_in_request, JwtConfig, JwtManager};
///
/// let jwt = JwtManager::new(JwtConfig::builder().secret_key("s3cr3t").build()?)?;
/// let token = jwt.access_token("alice").encode().await?;
/// let req = test::TestRequest::default()
///     .app_data(jwt.clone())
///     .insert_header(("Authorization", format!("Bearer {token}")))
///     .to_http_request();
/// let verified = verify_jwt_in_request(&req, &jwt_required()).await?.unwrap();
/// assert_eq!(verified.identity_str(), Some("alice"));
///
/// let anonymous = test::TestRequest::default().app_data(jwt.clone()).to_http_request();
/// assert!(verify_jwt_in_request(&anonymous, &jwt_required().optional()).await?.is_none());
/// let err = verify_jwt_in_request(&anonymous, &jwt_required()).await.unwrap_err();
/// assert_eq!(err.to_string(), "Missing Authorization Header");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub fn verify_jwt_in_request<'a>(
    req: &'a HttpRequest,
    options: &'a JwtRequired,
) -> VerifyInRequest<'a> {
    VerifyInRequest {
        req,
        options,
        body: None,
    }
}

/// The verification [`verify_jwt_in_request`] starts; `.await` it.
#[must_use = "verification runs when awaited"]
pub struct VerifyInRequest<'a> {
    req: &'a HttpRequest,
    options: &'a JwtRequired,
    body: Option<actix_web::web::Bytes>,
}

/// Shows the request's method and path and the options; never the query string, the
/// headers or the body, which may carry the token and the CSRF value.
impl std::fmt::Debug for VerifyInRequest<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyInRequest")
            .field("method", self.req.method())
            .field("path", &self.req.path())
            .field("options", self.options)
            .field("body_len", &self.body.as_ref().map(|b| b.len()))
            .finish()
    }
}

impl VerifyInRequest<'_> {
    /// The request body, for the `json` location and the CSRF form-field fallback.
    pub fn body(mut self, body: impl Into<actix_web::web::Bytes>) -> Self {
        self.body = Some(body.into());
        self
    }
}

impl<'a> IntoFuture for VerifyInRequest<'a> {
    type Output = Result<Option<Rc<VerifiedJwt>>, JwtError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let manager = self
                .req
                .app_data::<JwtManager>()
                .cloned()
                .ok_or_else(|| JwtError::new(ErrorKind::NotConfigured))?;
            let mut payload = match self.body {
                Some(bytes) => Payload::from(bytes),
                None => Payload::None,
            };
            let state = start(&manager, self.req, &mut payload, self.options)
                .await
                .map_err(|e| manager.attach(e))?;
            Ok(match state {
                JwtState::Verified(jwt) => Some(jwt),
                JwtState::Anonymous(_) => None,
            })
        })
    }
}
