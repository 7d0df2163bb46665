//! The verification every protected request goes through, in flask-jwt-extended's order:
//!
//! 1. `OPTIONS` requests skip everything (the middleware passes them through).
//! 2. Search the locations in order; decode the first token found (signature, registered
//!    claims, identity claim, CSRF value for cookies). No token anywhere: 401, or anonymous
//!    for optional routes.
//! 3. Token type (`verify_type`): refresh routes take only refresh tokens, others anything
//!    but refresh tokens.
//! 4. Freshness (`fresh`).
//! 5. Revocation (unless `skip_revocation_check`).
//! 6. The token verification loader (custom claims check).
//! 7. The user lookup loader, where a handler asks for [`CurrentUser`](crate::CurrentUser)
//!    (or at once with [`VerifyOptions::load_user`]).

use std::rc::Rc;
use std::sync::Arc;

use actix_web::{HttpMessage as _, HttpRequest};

use crate::config::TokenLocation;
use crate::error::JwtError;
use crate::locations::{self, Lookup, RequestParts};
use crate::manager::JwtManager;
use crate::tokens::{now_f64, DecodeOptions, DecodedToken};

/// The options of `jwt_required(...)` / `verify_jwt_in_request(...)`, with the same names and
/// defaults.
///
/// Also usable as extractor configuration: `web::resource("/refresh")
/// .app_data(VerifyOptions::new().refresh(true))` makes the extractors of that resource verify
/// refresh tokens when no middleware ran.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct VerifyOptions {
    pub(crate) optional: bool,
    pub(crate) fresh: bool,
    pub(crate) refresh: bool,
    pub(crate) locations: Option<Vec<TokenLocation>>,
    pub(crate) verify_type: bool,
    pub(crate) skip_revocation_check: bool,
    pub(crate) load_user: bool,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl VerifyOptions {
    /// `jwt_required()`: an access (non-refresh) token is required.
    pub const DEFAULT: VerifyOptions = VerifyOptions {
        optional: false,
        fresh: false,
        refresh: false,
        locations: None,
        verify_type: true,
        skip_revocation_check: false,
        load_user: false,
    };

    /// The defaults of `jwt_required()`.
    pub fn new() -> Self {
        Self::DEFAULT
    }

    /// `optional=True`: no token is fine (handlers see none); a bad token is still refused.
    pub fn optional(mut self, yes: bool) -> Self {
        self.optional = yes;
        self
    }

    /// `fresh=True`: the token must be fresh.
    pub fn fresh(mut self, yes: bool) -> Self {
        self.fresh = yes;
        self
    }

    /// `refresh=True`: only refresh tokens, read from the refresh cookie / JSON key.
    pub fn refresh(mut self, yes: bool) -> Self {
        self.refresh = yes;
        self
    }

    /// `locations=[...]`: search these instead of `JWT_TOKEN_LOCATION`.
    pub fn locations(mut self, locations: impl IntoIterator<Item = TokenLocation>) -> Self {
        let list: Vec<_> = locations.into_iter().collect();
        self.locations = (!list.is_empty()).then_some(list);
        self
    }

    /// `verify_type=False` skips the token type check (e.g. a logout route for both types).
    pub fn verify_type(mut self, yes: bool) -> Self {
        self.verify_type = yes;
        self
    }

    /// `skip_revocation_check=True` skips the blocklist (e.g. an RFC 7009 revoke route).
    pub fn skip_revocation_check(mut self, yes: bool) -> Self {
        self.skip_revocation_check = yes;
        self
    }

    /// Run the user lookup loader during verification, as flask-jwt-extended does whenever a
    /// loader is registered (default: only when a handler asks for the current user).
    pub fn load_user(mut self, yes: bool) -> Self {
        self.load_user = yes;
        self
    }

    /// The locations searched for `manager`'s configuration.
    pub(crate) fn locations_for<'a>(&'a self, manager: &'a JwtManager) -> &'a [TokenLocation] {
        self.locations
            .as_deref()
            .unwrap_or(&manager.config().token_location)
    }
}

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
    /// Optional route without a token; the text says what was missing.
    Anonymous(Rc<str>),
}

/// The user loaded for the request, cached in the extensions.
#[derive(Clone)]
pub(crate) struct LoadedUser(pub(crate) Rc<dyn std::any::Any>);

/// Runs steps 2 to 6 (and 7 with `load_user`) and stores the result in the request.
pub(crate) async fn verify_request(
    manager: &JwtManager,
    req: &HttpRequest,
    body: Option<&[u8]>,
    opts: &VerifyOptions,
) -> Result<JwtState, JwtError> {
    let state = check(manager, req, body, opts).await?;
    if let (JwtState::Verified(jwt), true) = (&state, opts.load_user) {
        if let Some(user) = manager.lookup_user(&jwt.token).await? {
            req.extensions_mut().insert(LoadedUser(user));
        }
    }
    req.extensions_mut().insert(state.clone());
    Ok(state)
}

async fn check(
    manager: &JwtManager,
    req: &HttpRequest,
    body: Option<&[u8]>,
    opts: &VerifyOptions,
) -> Result<JwtState, JwtError> {
    let config = manager.config();
    let locations = opts.locations_for(manager);
    let parts = RequestParts { req, body };
    let mut reasons = Vec::new();
    let mut found = None;
    for &location in locations {
        match locations::lookup(location, parts, config, opts.refresh)? {
            Lookup::Missing(reason) => reasons.push(reason),
            Lookup::Found { token, csrf } => {
                let options = DecodeOptions {
                    csrf_value: csrf.as_deref(),
                    allow_expired: false,
                };
                found = Some((manager.decode(&token, options).await?, location));
                break;
            }
        }
    }
    let Some((token, location)) = found else {
        let message = locations::missing_message(locations, &reasons);
        if opts.optional {
            return Ok(JwtState::Anonymous(message.into()));
        }
        return Err(JwtError::NoAuthorization(message));
    };
    if opts.verify_type {
        if opts.refresh && !token.is_refresh() {
            return Err(JwtError::WrongTokenType(
                "Only refresh tokens are allowed".into(),
            ));
        }
        if !opts.refresh && token.is_refresh() {
            return Err(JwtError::WrongTokenType(
                "Only non-refresh tokens are allowed".into(),
            ));
        }
    }
    if opts.fresh && !token.is_fresh_at(now_f64()) {
        return Err(JwtError::FreshTokenRequired(Box::new(token)));
    }
    let token = Arc::new(token);
    let loaders = manager.loaders();
    if !opts.skip_revocation_check {
        let revoked = match (&loaders.token_in_blocklist, manager.blocklist()) {
            (Some(is_revoked), _) => is_revoked(Arc::clone(&token)).await?,
            (None, Some(store)) => crate::rotation::revoked_in(store.as_ref(), &token).await?,
            (None, None) => false,
        };
        if revoked {
            return Err(JwtError::Revoked(Box::new(DecodedToken::clone(&token))));
        }
    }
    if let Some(verify) = &loaders.token_verification {
        if !verify(Arc::clone(&token)).await? {
            return Err(JwtError::ClaimsVerification(Box::new(DecodedToken::clone(
                &token,
            ))));
        }
    }
    Ok(JwtState::Verified(Rc::new(VerifiedJwt { token, location })))
}

/// flask-jwt-extended's `verify_jwt_in_request(...)`: verifies the request's token with
/// `options` and leaves the result for the extractors and [`JwtRequestExt`](crate::JwtRequestExt).
///
/// Returns `Ok(None)` for `OPTIONS` requests and for optional routes without a token. The JSON
/// body location needs the body: pass it with [`verify_jwt_in_request_with_body`].
///
/// ```
/// # actix_web::rt::System::new().block_on(async {
/// use actix_web::{test, App};
/// use actix_jwt_ext::{verify_jwt_in_request, JwtConfig, JwtManager, VerifyOptions};
///
/// let jwt = JwtManager::new(JwtConfig::builder().secret_key("s3cr3t").build()?)?;
/// let token = jwt.create_access_token("alice").await?;
/// let req = test::TestRequest::default()
///     .app_data(jwt.clone())
///     .insert_header(("Authorization", format!("Bearer {token}")))
///     .to_http_request();
/// let verified = verify_jwt_in_request(&req, &VerifyOptions::new()).await?.unwrap();
/// assert_eq!(verified.identity_str(), Some("alice"));
///
/// let anonymous = test::TestRequest::default().app_data(jwt.clone()).to_http_request();
/// assert!(verify_jwt_in_request(&anonymous, &VerifyOptions::new().optional(true)).await?.is_none());
/// let err = verify_jwt_in_request(&anonymous, &VerifyOptions::new()).await.unwrap_err();
/// assert_eq!(err.to_string(), "Missing Authorization Header");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub async fn verify_jwt_in_request(
    req: &HttpRequest,
    options: &VerifyOptions,
) -> Result<Option<Rc<VerifiedJwt>>, JwtError> {
    verify_jwt_in_request_with_body(req, None, options).await
}

/// [`verify_jwt_in_request`] with the request body (for the `json` location and the CSRF
/// form-field fallback).
pub async fn verify_jwt_in_request_with_body(
    req: &HttpRequest,
    body: Option<&[u8]>,
    options: &VerifyOptions,
) -> Result<Option<Rc<VerifiedJwt>>, JwtError> {
    if req.method() == actix_web::http::Method::OPTIONS {
        return Ok(None);
    }
    let manager = req
        .app_data::<JwtManager>()
        .ok_or(JwtError::NotConfigured)?;
    match verify_request(manager, req, body, options).await? {
        JwtState::Verified(jwt) => Ok(Some(jwt)),
        JwtState::Anonymous(_) => Ok(None),
    }
}
