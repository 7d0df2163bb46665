//! The `jwt_required(...)` middleware: [`JwtRequired`] as a `Transform`, for `.wrap(...)` on an
//! app, a scope or a resource.
//!
//! A refused request is answered by the middleware with the manager's error response (a
//! response, not an `Err`), so middleware wrapped outside it (CORS, `Logger`) still sees and
//! decorates the answer. Order of `.wrap` calls: the last one wraps outermost.
//!
//! ```text
//!             request ──▶ Cors ──▶ Logger ──▶ jwt_required() ──▶ handler (extractors)
//!   401/422 response ◀── Cors ◀── Logger ◀───────┘
//! ```

use std::future::{ready, Ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::HttpMessage as _;
use futures_util::future::LocalBoxFuture;

use crate::error::JwtError;
use crate::kind::ErrorKind;
use crate::manager::JwtManager;
use crate::verify::{start, JwtRequired};

impl<S, B> Transform<S, ServiceRequest> for JwtRequired
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = JwtRequiredMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(JwtRequiredMiddleware {
            service: Rc::new(service),
            options: self.clone(),
        }))
    }
}

/// The service [`JwtRequired`] wraps around a route.
#[derive(Debug)]
pub struct JwtRequiredMiddleware<S> {
    service: Rc<S>,
    options: JwtRequired,
}

impl<S, B> Service<ServiceRequest> for JwtRequiredMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, mut req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let Some(manager) = req.app_data::<JwtManager>().cloned() else {
            return Box::pin(ready(Ok(not_configured(req, "jwt_required()"))));
        };
        let mut payload = req.take_payload();
        let verification = start(&manager, req.request(), &mut payload, &self.options);
        req.set_payload(payload);
        Box::pin(async move {
            match verification.await {
                Ok(_) => service
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_left_body),
                Err(e) => Ok(refused(req, &manager, &e)),
            }
        })
    }
}

/// A middleware's answer to a refused request: the manager's error response, as a response
/// (not an `Err`), so that middleware wrapped outside still see and decorate it.
pub(crate) fn refused<B>(
    req: ServiceRequest,
    manager: &JwtManager,
    error: &JwtError,
) -> ServiceResponse<EitherBody<B>> {
    log::debug!(
        "actix-jwt-ext: refused {} {}: {} ({})",
        req.method(),
        req.path(),
        error,
        error.kind()
    );
    let resp = manager.error_response(error);
    req.into_response(resp).map_into_right_body()
}

/// The answer of middleware `what` on an app without a [`JwtManager`]: an opaque 500, and the
/// fix in the log.
pub(crate) fn not_configured<B>(req: ServiceRequest, what: &str) -> ServiceResponse<EitherBody<B>> {
    log::error!(
        "actix-jwt-ext: {what} ran without a JwtManager; call `.configure(jwt.init_app())`"
    );
    let resp = actix_web::ResponseError::error_response(&JwtError::new(ErrorKind::NotConfigured));
    req.into_response(resp).map_into_right_body()
}
