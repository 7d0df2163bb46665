//! [`Require<P>`]: a requirement as a handler parameter, for handlers that protect
//! themselves without middleware.

use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::ops::Deref;
use std::rc::Rc;

use actix_web::HttpRequest;
use futures_util::future::LocalBoxFuture;

use crate::error::JwtError;
use crate::extract::{jwt_extractor, FromJwt};
use crate::kind::ErrorKind;
use crate::manager::JwtManager;
use crate::requirement::Requirement;
use crate::verify::VerifiedJwt;

/// A named requirement, for [`Require<P>`]: a type whose [`requirement`](Policy::requirement)
/// says what the token must hold.
///
/// ```
/// use actix_jwt_ext::{Policy, Requirement};
///
/// struct Admins;
///
/// impl Policy for Admins {
///     fn requirement() -> Requirement {
///         Requirement::role("admin").message("Admins only!")
///     }
/// }
/// ```
pub trait Policy: 'static {
    /// The requirement (built once per worker thread, then reused).
    fn requirement() -> Requirement;
}

thread_local! {
    static POLICIES: RefCell<HashMap<TypeId, Requirement>> = RefCell::new(HashMap::new());
}

/// `P`'s requirement, built on first use in this thread.
fn requirement_of<P: Policy>() -> Requirement {
    POLICIES.with(|cache| {
        cache
            .borrow_mut()
            .entry(TypeId::of::<P>())
            .or_insert_with(P::requirement)
            .clone()
    })
}

/// The verified token, once it meets policy `P`; otherwise the request is refused (401
/// without a token, 403 when the requirement is not met) with the manager's answer.
///
/// Put it first among the handler's parameters: Actix polls extractors in order, so a
/// refusal answers before a body extractor (`web::Json`) after it reports a bad body. When
/// verification waits for I/O (a Redis revocation check, a remote key fetch) a later
/// extractor may still answer first; a requirement in middleware
/// ([`JwtRequired::require`](crate::JwtRequired::require), or `.wrap(requirement)`) always
/// answers before any extractor runs.
///
/// ```
/// use actix_web::{web, App, HttpResponse};
/// use actix_jwt_ext::{JwtConfig, JwtManager, Policy, Require, Requirement};
///
/// struct ReportReaders;
/// impl Policy for ReportReaders {
///     fn requirement() -> Requirement {
///         Requirement::scope("reports:read")
///     }
/// }
///
/// async fn reports(token: Require<ReportReaders>) -> HttpResponse {
///     HttpResponse::Ok().json(serde_json::json!({ "for": token.identity_str() }))
/// }
///
/// let jwt = JwtManager::new(JwtConfig::builder().secret_key("s3cr3t").build().unwrap()).unwrap();
/// let app = App::new()
///     .configure(jwt.init_app())
///     .route("/reports", web::get().to(reports));
/// # drop(app);
/// ```
pub struct Require<P>(pub Rc<VerifiedJwt>, PhantomData<fn() -> P>);

impl<P> Clone for Require<P> {
    fn clone(&self) -> Self {
        Require(Rc::clone(&self.0), PhantomData)
    }
}

impl<P> std::fmt::Debug for Require<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Require")
            .field(&std::any::type_name::<P>())
            .field(&self.0)
            .finish()
    }
}

impl<P> Deref for Require<P> {
    type Target = VerifiedJwt;

    fn deref(&self) -> &VerifiedJwt {
        &self.0
    }
}

impl<P: Policy> FromJwt for Require<P> {
    type Future = LocalBoxFuture<'static, Result<Self, JwtError>>;

    fn from_jwt(req: HttpRequest, jwt: Rc<VerifiedJwt>) -> Self::Future {
        Box::pin(async move {
            let manager = req
                .app_data::<JwtManager>()
                .cloned()
                .ok_or_else(|| JwtError::new(ErrorKind::NotConfigured))?;
            requirement_of::<P>()
                .enforce(jwt.token(), manager.roles_claim())
                .await?;
            Ok(Require(jwt, PhantomData))
        })
    }
}
jwt_extractor!(Require<P: Policy>);
