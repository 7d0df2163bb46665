//! [`JwtRequired`]: the `jwt_required(...)` middleware, for `.wrap(...)` on an app, a scope or
//! a resource.
//!
//! A refused request is answered by the middleware with the manager's error response (a
//! response, not an `Err`), so middleware wrapped outside it (CORS, `Logger`) still sees and
//! decorates the answer. Order of `.wrap` calls: the last one wraps outermost.
//!
//! ```text
//!             request ──▶ Cors ──▶ Logger ──▶ JwtRequired ──▶ handler (extractors)
//!   401/422 response ◀── Cors ◀── Logger ◀───────┘
//! ```
//!
//! ```
//! use actix_web::{web, App, HttpResponse};
//! use actix_jwt_ext::{jwt_required, JwtConfig, JwtIdentity, JwtManager, TokenLocation};
//!
//! async fn refresh(identity: JwtIdentity) -> HttpResponse { HttpResponse::Ok().finish() }
//! async fn account() -> HttpResponse { HttpResponse::Ok().finish() }
//!
//! let jwt = JwtManager::new(JwtConfig::builder().secret_key("s3cr3t").build().unwrap()).unwrap();
//! let app = App::new()
//!     .configure(jwt.init_app())
//!     .service(web::resource("/refresh").wrap(jwt_required().refresh()).route(web::post().to(refresh)))
//!     .service(
//!         web::scope("/account")
//!             .wrap(jwt_required().fresh().locations([TokenLocation::Headers]))
//!             .route("", web::delete().to(account)),
//!     );
//! # drop(app);
//! ```

use std::future::{ready, Ready};
use std::rc::Rc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::Method;
use actix_web::HttpMessage as _;
use futures_util::future::LocalBoxFuture;

use crate::config::TokenLocation;
use crate::error::JwtError;
use crate::manager::JwtManager;
use crate::verify::{verify_request, VerifyOptions};

/// `@jwt_required()` as Actix middleware: `.wrap(jwt_required())`, with the options of
/// flask-jwt-extended as builder methods.
#[derive(Clone, Debug, Default)]
#[must_use = "middleware does nothing until passed to `.wrap(...)`"]
pub struct JwtRequired {
    options: Rc<VerifyOptions>,
}

/// `jwt_required()`: requires a valid access token.
pub fn jwt_required() -> JwtRequired {
    JwtRequired::default()
}

impl JwtRequired {
    /// Middleware with the given options.
    pub fn with_options(options: VerifyOptions) -> Self {
        Self {
            options: Rc::new(options),
        }
    }

    fn map(self, f: impl FnOnce(VerifyOptions) -> VerifyOptions) -> Self {
        Self::with_options(f(Rc::unwrap_or_clone(self.options)))
    }

    /// `optional=True`.
    pub fn optional(self) -> Self {
        self.map(|o| o.optional(true))
    }

    /// `fresh=True`.
    pub fn fresh(self) -> Self {
        self.map(|o| o.fresh(true))
    }

    /// `refresh=True`.
    pub fn refresh(self) -> Self {
        self.map(|o| o.refresh(true))
    }

    /// `locations=[...]`.
    pub fn locations(self, locations: impl IntoIterator<Item = TokenLocation>) -> Self {
        self.map(|o| o.locations(locations))
    }

    /// `verify_type=False`.
    pub fn no_verify_type(self) -> Self {
        self.map(|o| o.verify_type(false))
    }

    /// `skip_revocation_check=True`.
    pub fn skip_revocation_check(self) -> Self {
        self.map(|o| o.skip_revocation_check(true))
    }

    /// Load the user (user lookup loader) during verification.
    pub fn load_user(self) -> Self {
        self.map(|o| o.load_user(true))
    }

    /// The options in effect.
    pub fn options(&self) -> &VerifyOptions {
        &self.options
    }
}

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
            options: Rc::clone(&self.options),
        }))
    }
}

/// The service [`JwtRequired`] wraps around a route.
#[derive(Debug)]
pub struct JwtRequiredMiddleware<S> {
    service: Rc<S>,
    options: Rc<VerifyOptions>,
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
        let options = Rc::clone(&self.options);
        Box::pin(async move {
            if req.method() == Method::OPTIONS {
                return service
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_left_body);
            }
            let Some(manager) = req.app_data::<JwtManager>().cloned() else {
                log::error!("actix-jwt-ext: jwt_required() ran without a JwtManager; call `.configure(jwt.init_app())`");
                let resp = actix_web::ResponseError::error_response(&JwtError::NotConfigured);
                return Ok(req.into_response(resp).map_into_right_body());
            };
            let locations = options.locations_for(&manager);
            let body = if crate::locations::needs_body(req.request(), manager.config(), locations) {
                match crate::body::read(
                    crate::body::declared_length(req.headers()),
                    req.take_payload(),
                    manager.body_limit(),
                )
                .await
                {
                    Ok(bytes) => {
                        req.set_payload(crate::body::replay(bytes.clone()));
                        Some(bytes)
                    }
                    Err(e) => return Ok(refuse(req, &manager, &e)),
                }
            } else {
                None
            };
            match verify_request(&manager, req.request(), body.as_deref(), &options).await {
                Ok(_) => service
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_left_body),
                Err(e) => Ok(refuse(req, &manager, &e)),
            }
        })
    }
}

fn refuse<B>(
    req: ServiceRequest,
    manager: &JwtManager,
    error: &JwtError,
) -> ServiceResponse<EitherBody<B>> {
    log::debug!(
        "actix-jwt-ext: refused {} {}: {}",
        req.method(),
        req.path(),
        error
    );
    let resp = manager.error_response(error);
    req.into_response(resp).map_into_right_body()
}
