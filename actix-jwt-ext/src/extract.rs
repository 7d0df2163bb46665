//! Extractors: take the token's parts as handler parameters.
//!
//! | flask-jwt-extended | extractor |
//! |---|---|
//! | `get_jwt_identity()` | [`JwtIdentity<T>`] (typed, `String` by default) |
//! | `get_jwt()` | [`Claims<T>`] (typed via serde, the raw map by default) |
//! | `get_jwt_header()` | [`JwtHeader`] |
//! | `get_jwt_request_location()` | [`JwtLocation`] |
//! | `current_user` / `get_current_user()` | [`CurrentUser<U>`] |
//! | all of them | [`Jwt`] |
//! | `jwt_required(optional=True)` | [`Optional<E>`] around any of them |
//!
//! Behind a [`jwt_required`](crate::jwt_required) middleware they read what it verified. Used
//! alone they protect the handler themselves: they verify the token (once per request, shared
//! by all extractors) with the [`JwtRequired`] options found in `app_data`, or the defaults
//! of `jwt_required()`.
//!
//! `Option<JwtIdentity>` would be wrong: Actix turns *every* extractor error into `None`, so a
//! forged token would read as "anonymous". [`Optional`] gives `None` only when no token was
//! sent, and refuses a bad one.
//!
//! ```
//! use actix_web::{web, App, HttpResponse};
//! use actix_jwt_ext::{Claims, JwtConfig, JwtIdentity, JwtManager, Optional};
//!
//! #[derive(serde::Deserialize)]
//! struct MyClaims { roles: Vec<String> }
//!
//! // Good: extractors alone protect the handler.
//! async fn admin(identity: JwtIdentity, claims: Claims<MyClaims>) -> HttpResponse {
//!     if claims.roles.iter().any(|r| r == "admin") {
//!         HttpResponse::Ok().body(format!("Welcome, {}", identity.0))
//!     } else {
//!         HttpResponse::Forbidden().finish()
//!     }
//! }
//!
//! // Good: anonymous visitors get None, bad tokens are refused.
//! async fn greet(identity: Optional<JwtIdentity>) -> HttpResponse {
//!     HttpResponse::Ok().json(identity.0.map(|id| id.0))
//! }
//! // Bad: `Option<JwtIdentity>` would accept a forged token as anonymous.
//!
//! let jwt = JwtManager::new(JwtConfig::builder().secret_key("s3cr3t").build().unwrap()).unwrap();
//! let app = App::new()
//!     .configure(jwt.init_app())
//!     .route("/admin", web::get().to(admin))
//!     .route("/greet", web::get().to(greet));
//! # drop(app);
//! ```

use std::ops::Deref;
use std::rc::Rc;

use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::{LocalBoxFuture, Shared};
use futures_util::FutureExt as _;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::config::TokenLocation;
use crate::error::JwtError;
use crate::kind::ErrorKind;
use crate::kind::Failure;
use crate::manager::JwtManager;
use crate::verify::{
    jwt_required, load_user, start, JwtRequired, JwtState, LoadedUser, VerifiedJwt,
};

/// The verification of a request, shared by all the extractors of one handler: Actix creates
/// every extractor's future before polling any, so the first one starts the verification and
/// the others wait for the same result (loaders run once, the body is read once).
type SharedVerification = Shared<LocalBoxFuture<'static, Rc<Result<JwtState, JwtError>>>>;

#[derive(Clone)]
struct PendingVerification(SharedVerification);

/// What an extractor waits for: a verification already done (the middleware ran, or another
/// extractor finished), or one still running.
pub(crate) enum Verification {
    Done(Result<JwtState, JwtError>),
    Pending(SharedVerification),
}

/// Finds the request's verification, or starts it.
pub(crate) fn verification(req: &HttpRequest, payload: &mut Payload) -> Verification {
    if let Some(state) = req.extensions().get::<JwtState>() {
        return Verification::Done(Ok(state.clone()));
    }
    if let Some(PendingVerification(pending)) = req.extensions().get::<PendingVerification>() {
        return Verification::Pending(pending.clone());
    }
    let Some(manager) = req.app_data::<JwtManager>() else {
        return Verification::Done(Err(JwtError::new(ErrorKind::NotConfigured)));
    };
    // Extractors verify with the route's options (`.app_data(jwt_required()...)`), always
    // allowing "no token": each extractor then decides whether that is an error.
    let options = req
        .app_data::<JwtRequired>()
        .map_or_else(|| jwt_required().optional(), JwtRequired::allowing_none);
    let verification = start(manager, req, payload, &options);
    let shared = async move { Rc::new(verification.await) }
        .boxed_local()
        .shared();
    req.extensions_mut()
        .insert(PendingVerification(shared.clone()));
    Verification::Pending(shared)
}

/// Waits for the verification; `Ok(None)` for a request without a token when `optional`.
pub(crate) async fn resolve(
    req: &HttpRequest,
    verification: Verification,
    optional: bool,
) -> Result<Option<Rc<VerifiedJwt>>, actix_web::Error> {
    let shared;
    let result = match &verification {
        Verification::Done(result) => result,
        Verification::Pending(pending) => {
            shared = pending.clone().await;
            &*shared
        }
    };
    match result {
        Ok(JwtState::Verified(jwt)) => Ok(Some(Rc::clone(jwt))),
        Ok(JwtState::Anonymous(_)) if optional => Ok(None),
        Ok(JwtState::Anonymous(missing)) => Err(render(
            req,
            Failure::missing_token(missing.to_string()).into(),
        )),
        Err(e) => Err(render(req, e.clone())),
    }
}

/// The error, answered as the manager answers it (loaders, `JWT_ERROR_MESSAGE_KEY`).
pub(crate) fn render(req: &HttpRequest, error: JwtError) -> actix_web::Error {
    match req.app_data::<JwtManager>() {
        Some(manager) => manager.attach(error).into(),
        None => error.into(),
    }
}

/// Extractors built from a verified token; [`Optional`] wraps any of them.
pub trait FromJwt: Sized + 'static {
    /// The future [`from_jwt`](Self::from_jwt) returns (`Ready` for the synchronous ones).
    type Future: std::future::Future<Output = Result<Self, JwtError>> + 'static;

    /// Builds the extractor from the request's verified token.
    fn from_jwt(req: HttpRequest, jwt: Rc<VerifiedJwt>) -> Self::Future;
}

/// `FromRequest` for a [`FromJwt`] type: verify (or reuse the verification), then build.
macro_rules! jwt_extractor {
    ($ty:ident $(<$g:ident $(: $bound:path)?>)?) => {
        impl$(<$g: $($bound +)? 'static>)? actix_web::FromRequest for $ty$(<$g>)? {
            type Error = actix_web::Error;
            type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

            fn from_request(
                req: &actix_web::HttpRequest,
                payload: &mut actix_web::dev::Payload,
            ) -> Self::Future {
                use $crate::extract::{render, resolve, verification};
                let req = req.clone();
                let verification = verification(&req, payload);
                Box::pin(async move {
                    let missing = || {
                        render(&req, $crate::kind::Failure::missing_token("Missing JWT".into()).into())
                    };
                    let jwt = resolve(&req, verification, false).await?.ok_or_else(missing)?;
                    <Self as $crate::extract::FromJwt>::from_jwt(req.clone(), jwt)
                        .await
                        .map_err(|e| render(&req, e))
                })
            }
        }
    };
}
pub(crate) use jwt_extractor;

/// The whole verified token: header, claims (with decode defaults) and location.
#[derive(Clone, Debug)]
pub struct Jwt(pub Rc<VerifiedJwt>);

impl Deref for Jwt {
    type Target = VerifiedJwt;

    fn deref(&self) -> &VerifiedJwt {
        &self.0
    }
}

impl FromJwt for Jwt {
    type Future = std::future::Ready<Result<Self, JwtError>>;

    fn from_jwt(_: HttpRequest, jwt: Rc<VerifiedJwt>) -> Self::Future {
        std::future::ready(Ok(Jwt(jwt)))
    }
}
jwt_extractor!(Jwt);

/// The identity claim (`get_jwt_identity()`), deserialised into `T` (a `String` by default).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtIdentity<T = String>(pub T);

impl<T> Deref for JwtIdentity<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromJwt for JwtIdentity<T> {
    type Future = std::future::Ready<Result<Self, JwtError>>;

    fn from_jwt(_: HttpRequest, jwt: Rc<VerifiedJwt>) -> Self::Future {
        let result = match jwt.identity_member() {
            Some(member) => member
                .deserialize::<T>()
                .map(JwtIdentity)
                .map_err(|e| Failure::identity_type(jwt.identity_claim(), &e).into()),
            None => Err(Failure::missing_claim(jwt.identity_claim()).into()),
        };
        std::future::ready(result)
    }
}
jwt_extractor!(JwtIdentity<T: DeserializeOwned>);

/// The claims (`get_jwt()`), deserialised into `T` (the raw JSON map by default).
#[derive(Clone, Debug, PartialEq)]
pub struct Claims<T = Map<String, Value>>(pub T);

impl<T> Deref for Claims<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromJwt for Claims<T> {
    type Future = std::future::Ready<Result<Self, JwtError>>;

    fn from_jwt(_: HttpRequest, jwt: Rc<VerifiedJwt>) -> Self::Future {
        let result = jwt
            .deserialize_claims::<T>()
            .map(Claims)
            .map_err(|e| Failure::claims_shape(&e).into());
        std::future::ready(result)
    }
}
jwt_extractor!(Claims<T: DeserializeOwned>);

/// The JOSE header (`get_jwt_header()`).
#[derive(Clone, Debug, PartialEq)]
pub struct JwtHeader(pub Map<String, Value>);

impl FromJwt for JwtHeader {
    type Future = std::future::Ready<Result<Self, JwtError>>;

    fn from_jwt(_: HttpRequest, jwt: Rc<VerifiedJwt>) -> Self::Future {
        let header = jwt.header().clone();
        std::future::ready(Ok(JwtHeader(header)))
    }
}
jwt_extractor!(JwtHeader);

/// Where the token was found (`get_jwt_request_location()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JwtLocation(pub TokenLocation);

impl FromJwt for JwtLocation {
    type Future = std::future::Ready<Result<Self, JwtError>>;

    fn from_jwt(_: HttpRequest, jwt: Rc<VerifiedJwt>) -> Self::Future {
        let location = jwt.location();
        std::future::ready(Ok(JwtLocation(location)))
    }
}
jwt_extractor!(JwtLocation);

/// The user of the token (`current_user`), loaded once per request by the
/// [`user_lookup_loader`](crate::JwtManagerBuilder::user_lookup_loader). `U` must be the type
/// that loader returns.
pub struct CurrentUser<U>(pub Rc<U>);

impl<U> Clone for CurrentUser<U> {
    fn clone(&self) -> Self {
        CurrentUser(Rc::clone(&self.0))
    }
}

impl<U: std::fmt::Debug> std::fmt::Debug for CurrentUser<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("CurrentUser").field(&self.0).finish()
    }
}

impl<U> Deref for CurrentUser<U> {
    type Target = U;

    fn deref(&self) -> &U {
        &self.0
    }
}

impl<U: 'static> FromJwt for CurrentUser<U> {
    type Future = LocalBoxFuture<'static, Result<Self, JwtError>>;

    fn from_jwt(req: HttpRequest, jwt: Rc<VerifiedJwt>) -> Self::Future {
        Box::pin(async move {
            let cached = req.extensions().get::<LoadedUser>().cloned();
            let user = match cached {
                Some(LoadedUser(user)) => user,
                None => {
                    let manager = req
                        .app_data::<JwtManager>()
                        .ok_or_else(|| JwtError::new(ErrorKind::NotConfigured))?;
                    if !manager.has_user_loader() {
                        log::error!("actix-jwt-ext: CurrentUser needs a user_lookup_loader on the JwtManager");
                    }
                    let loaded = load_user(manager, jwt.token()).await?.ok_or_else(|| {
                        JwtError::misconfigured(
                            "You must provide a `user_lookup_loader` callback to use CurrentUser",
                        )
                    })?;
                    req.extensions_mut().insert(loaded.clone());
                    loaded.0
                }
            };
            user.downcast::<U>().map(CurrentUser).map_err(|_| {
                log::error!(
                    "actix-jwt-ext: CurrentUser<{}> does not match the type the user_lookup_loader returns",
                    std::any::type_name::<U>()
                );
                JwtError::misconfigured("CurrentUser<U> does not match the user_lookup_loader's type")
            })
        })
    }
}
jwt_extractor!(CurrentUser<U>);

/// `optional=True` for one extractor: `None` when the request carries no token at all; a
/// present but invalid token is still refused.
#[derive(Clone, Debug)]
pub struct Optional<E>(pub Option<E>);

impl<E> Deref for Optional<E> {
    type Target = Option<E>;

    fn deref(&self) -> &Option<E> {
        &self.0
    }
}

impl<E: FromJwt> FromRequest for Optional<E> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let verification = verification(&req, payload);
        Box::pin(async move {
            match resolve(&req, verification, true).await? {
                Some(jwt) => E::from_jwt(req.clone(), jwt)
                    .await
                    .map(|e| Optional(Some(e)))
                    .map_err(|e| render(&req, e)),
                None => Ok(Optional(None)),
            }
        })
    }
}

/// Access to the verified token outside handlers (other middleware, guards, `ResponseError`
/// code): on [`HttpRequest`], [`ServiceRequest`] and [`ServiceResponse`].
///
/// ```
/// use actix_jwt_ext::JwtRequestExt;
///
/// fn who(req: &actix_web::HttpRequest) -> String {
///     req.jwt().and_then(|jwt| jwt.identity_str().map(str::to_owned)).unwrap_or_default()
/// }
/// let req = actix_web::test::TestRequest::default().to_http_request();
/// assert_eq!(who(&req), "");
/// assert!(req.jwt_location().is_none());
/// ```
pub trait JwtRequestExt {
    /// The token verified for this request, if any.
    fn jwt(&self) -> Option<Rc<VerifiedJwt>>;

    /// Where the token was found (`get_jwt_request_location()`); `None` without one.
    fn jwt_location(&self) -> Option<TokenLocation> {
        self.jwt().map(|jwt| jwt.location())
    }
}

fn from_extensions(ext: &actix_web::dev::Extensions) -> Option<Rc<VerifiedJwt>> {
    match ext.get::<JwtState>()? {
        JwtState::Verified(jwt) => Some(Rc::clone(jwt)),
        JwtState::Anonymous(_) => None,
    }
}

impl JwtRequestExt for HttpRequest {
    fn jwt(&self) -> Option<Rc<VerifiedJwt>> {
        from_extensions(&self.extensions())
    }
}

impl JwtRequestExt for ServiceRequest {
    fn jwt(&self) -> Option<Rc<VerifiedJwt>> {
        from_extensions(&self.extensions())
    }
}

impl<B> JwtRequestExt for ServiceResponse<B> {
    fn jwt(&self) -> Option<Rc<VerifiedJwt>> {
        from_extensions(&self.request().extensions())
    }
}
