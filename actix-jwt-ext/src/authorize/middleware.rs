//! [`Requirement`] as middleware: `.wrap(Requirement::role("admin"))` on an app, a scope or a
//! resource.
//!
//! Inside a [`jwt_required`](crate::jwt_required) middleware it checks the token that one
//! verified. Where no verification ran before it (the requirement wraps outermost, or alone),
//! it verifies the token itself, with the [`JwtRequired`] options found in `app_data` or
//! those of `jwt_required()`. A request without a token is refused as unauthenticated (401),
//! one whose token does not meet the requirement with 403; either way the handler and its
//! extractors never run.

use std::future::{ready, Ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::Method;
use actix_web::HttpMessage as _;
use futures_util::future::{Either, LocalBoxFuture};

use crate::kind::Failure;
use crate::manager::JwtManager;
use crate::middleware::{not_configured, refused};
use crate::requirement::Requirement;
use crate::verify::{jwt_required, start, JwtRequired, JwtState};

impl<S, B> Transform<S, ServiceRequest> for Requirement
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = RequirementMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequirementMiddleware {
            service: Rc::new(service),
            requirement: self.clone(),
        }))
    }
}

/// The service a [`Requirement`] wraps around a route.
#[derive(Debug)]
pub struct RequirementMiddleware<S> {
    service: Rc<S>,
    requirement: Requirement,
}

impl<S, B> Service<ServiceRequest> for RequirementMiddleware<S>
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
        if req.method() == Method::OPTIONS {
            // CORS preflights carry no credentials and are not checked.
            return Box::pin(async move {
                service
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_left_body)
            });
        }
        let requirement = self.requirement.clone();
        let Some(manager) = req.app_data::<JwtManager>().cloned() else {
            return Box::pin(ready(Ok(not_configured(req, "a Requirement"))));
        };
        let verified = req.extensions().get::<JwtState>().cloned();
        let state = match verified {
            Some(state) => Either::Left(ready(Ok(state))),
            None => {
                let options = req
                    .app_data::<JwtRequired>()
                    .cloned()
                    .unwrap_or_else(jwt_required);
                let mut payload = req.take_payload();
                let pending = start(&manager, req.request(), &mut payload, &options);
                req.set_payload(payload);
                Either::Right(pending)
            }
        };
        Box::pin(async move {
            let checked = match state.await {
                Ok(JwtState::Verified(jwt)) => {
                    requirement
                        .enforce(jwt.token(), manager.roles_claim())
                        .await
                }
                Ok(JwtState::Anonymous(missing)) => {
                    Err(Failure::missing_token(missing.to_string()).into())
                }
                Err(e) => Err(e),
            };
            match checked {
                Ok(()) => service
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_left_body),
                Err(e) => Ok(refused(req, &manager, &e)),
            }
        })
    }
}
