//! [`ImplicitRefresh`]: re-issues the access cookie when it is about to expire, the documented
//! flask-jwt-extended recipe for browser front ends (`after_request` + `set_access_cookies`).
//!
//! After a request whose access token came from a cookie and whose answer is a success
//! (status below 400), when the token expires within the window, a new access token is set
//! (with a new CSRF cookie, so scripts must re-read it before the next unsafe request). The new
//! token keeps the identity and every non-registered claim; freshness never grows: `true`
//! becomes `false`, a fresh-until timestamp is kept as it is. It does not fire when the
//! response already unsets the access cookie (a logout), for refresh tokens, or for tokens
//! without `exp`.
//!
//! ```
//! use std::time::Duration;
//! use actix_web::{web, App, HttpResponse};
//! use actix_jwt_ext::{jwt_required, ImplicitRefresh, JwtConfig, JwtManager, TokenLocation};
//!
//! let config = JwtConfig::builder()
//!     .secret_key("s3cr3t")
//!     .token_location([TokenLocation::Cookies])
//!     .access_token_expires(Duration::from_secs(3600))
//!     .build()
//!     .unwrap();
//! let jwt = JwtManager::new(config).unwrap();
//! let app = App::new()
//!     .configure(jwt.init_app())
//!     .wrap(ImplicitRefresh::new(Duration::from_secs(30 * 60)))
//!     .service(web::resource("/api").wrap(jwt_required()).to(HttpResponse::Ok));
//! # drop(app);
//! ```

use std::future::{ready, Ready};
use std::rc::Rc;
use std::time::Duration;

use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::header::{HeaderValue, SET_COOKIE};
use futures_util::future::LocalBoxFuture;
use serde_json::Value;

use crate::config::TokenLocation;
use crate::extract::JwtRequestExt as _;
use crate::manager::Fresh;
use crate::manager::JwtManager;
use crate::token::now_f64;

/// Claims the new token gets afresh rather than copies.
const REGISTERED: &[&str] = &[
    "iat", "nbf", "exp", "jti", "csrf", "type", "fresh", "iss", "aud",
];

/// Middleware: refresh the access cookie when it expires within `window`.
#[derive(Clone, Copy, Debug)]
#[must_use = "middleware does nothing until passed to `.wrap(...)`"]
pub struct ImplicitRefresh {
    window: Duration,
}

impl ImplicitRefresh {
    /// Refresh access cookies that expire within `window` (the recipe uses 30 minutes).
    pub fn new(window: Duration) -> Self {
        Self { window }
    }
}

impl<S, B> Transform<S, ServiceRequest> for ImplicitRefresh
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = ImplicitRefreshMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ImplicitRefreshMiddleware {
            service: Rc::new(service),
            window: self.window,
        }))
    }
}

/// The service [`ImplicitRefresh`] wraps.
#[derive(Debug)]
pub struct ImplicitRefreshMiddleware<S> {
    service: Rc<S>,
    window: Duration,
}

impl<S, B> Service<ServiceRequest> for ImplicitRefreshMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let window = self.window;
        Box::pin(async move {
            let mut res = service.call(req).await?;
            if res.status().as_u16() >= 400 {
                return Ok(res);
            }
            let Some(jwt) = res.jwt() else { return Ok(res) };
            let Some(manager) = res.request().app_data::<JwtManager>().cloned() else {
                return Ok(res);
            };
            if jwt.location() != TokenLocation::Cookies || jwt.is_refresh() {
                return Ok(res);
            }
            let Some(exp) = jwt.expires_at() else {
                return Ok(res);
            };
            let now = now_f64();
            if now + window.as_secs_f64() <= exp || unsets_access_cookie(&res, &manager) {
                return Ok(res);
            }
            let fresh = match jwt.claim("fresh") {
                Some(Value::Number(n)) => n.as_f64().map_or(Fresh::No, Fresh::Until),
                _ => Fresh::No,
            };
            let mut builder = manager
                .access_token(jwt.identity().cloned().unwrap_or(Value::Null))
                .fresh(fresh);
            for (name, value) in jwt.claims() {
                if name != jwt.identity_claim() && !REGISTERED.contains(&name.as_str()) {
                    builder = builder.claim(name.clone(), value.clone());
                }
            }
            let cookies = match builder.encode().await {
                Ok(token) => manager.set_access_cookies(&token).await,
                Err(e) => Err(e),
            };
            match cookies {
                Ok(cookies) => {
                    for cookie in cookies.into_vec() {
                        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
                            res.headers_mut().append(SET_COOKIE, value);
                        }
                    }
                }
                Err(e) => log::error!("actix-jwt-ext: implicit refresh failed: {e}"),
            }
            Ok(res)
        })
    }
}

/// `true` when the response already sets the access cookie (e.g. clears it on logout).
fn unsets_access_cookie<B>(res: &ServiceResponse<B>, manager: &JwtManager) -> bool {
    let name = &manager.config().access_cookie_name;
    res.headers().get_all(SET_COOKIE).any(|v| {
        v.to_str().is_ok_and(|s| {
            s.split_once('=')
                .is_some_and(|(n, _)| n.trim() == name.as_str())
        })
    })
}

#[cfg(test)]
mod tests {
    use actix_web::http::header::COOKIE;
    use actix_web::{test, web, App, HttpResponse};

    use super::*;
    use crate::{jwt_required, JwtConfig, JwtCookiesExt as _};

    fn set_cookie_names(resp: &ServiceResponse) -> Vec<String> {
        resp.headers()
            .get_all(SET_COOKIE)
            .filter_map(|v| v.to_str().ok()?.split_once('=').map(|(n, _)| n.to_owned()))
            .collect()
    }

    #[actix_web::test]
    async fn refreshes_only_cookie_tokens_close_to_expiry_on_success() {
        let config = JwtConfig::builder()
            .secret_key("s3cr3t")
            .token_location([crate::TokenLocation::Cookies, crate::TokenLocation::Headers])
            .build()
            .unwrap();
        let jwt = JwtManager::new(config).unwrap();
        let manager = jwt.clone();
        let app = test::init_service(
            App::new()
                .configure(jwt.init_app())
                .wrap(ImplicitRefresh::new(Duration::from_secs(30 * 60)))
                .service(
                    web::resource("/ok")
                        .wrap(jwt_required())
                        .to(HttpResponse::Ok),
                )
                .service(
                    web::resource("/fail")
                        .wrap(jwt_required())
                        .to(HttpResponse::BadRequest),
                )
                .service(web::resource("/logout").wrap(jwt_required()).to(move || {
                    let cookies = manager.unset_jwt_cookies();
                    async move { HttpResponse::Ok().jwt_cookies(cookies).finish() }
                })),
        )
        .await;
        let soon = jwt
            .access_token("alice")
            .claim("roles", ["admin"])
            .fresh(true)
            .expires(Duration::from_secs(600))
            .encode()
            .await
            .unwrap();
        let later = jwt
            .access_token("alice")
            .expires(Duration::from_secs(3600))
            .encode()
            .await
            .unwrap();
        let get = |path: &str, token: &str| {
            test::TestRequest::get()
                .uri(path)
                .insert_header((COOKIE, format!("access_token_cookie={token}")))
                .to_request()
        };

        let resp = test::call_service(&app, get("/ok", &soon)).await;
        assert_eq!(
            set_cookie_names(&resp),
            ["access_token_cookie", "csrf_access_token"]
        );
        let new_token = resp
            .headers()
            .get(SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .and_then(|v| v.strip_prefix("access_token_cookie="))
            .unwrap()
            .to_owned();
        let renewed = jwt.decode_token(&new_token).await.unwrap();
        assert_eq!(renewed.identity_str(), Some("alice"));
        assert_eq!(renewed.claim("roles"), Some(&serde_json::json!(["admin"])));
        assert_eq!(
            renewed.claim("fresh"),
            Some(&Value::Bool(false)),
            "freshness never grows"
        );
        assert!(renewed.expires_at().unwrap() > now_f64() + 800.0);

        assert!(set_cookie_names(&test::call_service(&app, get("/ok", &later)).await).is_empty());
        assert!(set_cookie_names(&test::call_service(&app, get("/fail", &soon)).await).is_empty());
        let logout = test::call_service(&app, get("/logout", &soon)).await;
        assert_eq!(
            set_cookie_names(&logout).len(),
            4,
            "only the logout's own cookies"
        );
        let header = test::TestRequest::get()
            .uri("/ok")
            .insert_header(("Authorization", format!("Bearer {soon}")))
            .to_request();
        assert!(
            set_cookie_names(&test::call_service(&app, header).await).is_empty(),
            "header tokens are not refreshed"
        );
    }
}
