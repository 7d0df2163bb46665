//! Authorization: [`Requirement`](crate::Requirement)s a verified token must meet (roles, scopes, claim values,
//! your own predicates), checked after verification and before any of the handler's
//! extractors run, and RFC 6750 challenges.
//!
//! Three places to put one:
//!
//! | where | how | for |
//! |---|---|---|
//! | with the verification | `.wrap(jwt_required().require(r))` | a route's whole rule in one place |
//! | as middleware | `.wrap(r)` on an app, scope or resource | scopes already behind `jwt_required()`, or alone (it verifies itself) |
//! | as a handler parameter | [`Require<P>`](crate::Require) with a [`Policy`](crate::Policy) | handlers that protect themselves |
//!
//! A token that does not meet the requirement is refused with 403 and the manager's error
//! body (`{"<JWT_ERROR_MESSAGE_KEY>": "<message>"}`), where the message is the requirement's
//! own ([`Requirement::message`](crate::Requirement::message)) or its kind's (`Missing required role`, `Insufficient
//! scope`, `Claim requirement not met`, `Access denied`). The kind
//! ([`ErrorKind::MissingRole`](crate::ErrorKind::MissingRole), `MissingScope`,
//! `ClaimMismatch`, `RequirementFailed`) names what was not met; the
//! [`forbidden_loader`](crate::JwtManagerBuilder::forbidden_loader) and the
//! [`error_renderer`](crate::JwtManagerBuilder::error_renderer) can replace the answer. Since
//! the check runs in the middleware, a refused request never reaches a body extractor: a
//! non-admin with a malformed JSON body gets 403, not 400.
//!
//! Roles and a custom predicate, through real requests:
//!
//! ```
//! # actix_web::rt::System::new().block_on(async {
//! use actix_web::{test, web, App, HttpResponse};
//! use actix_jwt_ext::{jwt_required, JwtConfig, JwtManager, Requirement};
//!
//! #[derive(serde::Deserialize)]
//! struct Account { plan: String }
//!
//! let jwt = JwtManager::new(
//!     JwtConfig::builder().secret_key("s3cr3t").error_message_key("message").build()?,
//! )?;
//! let app = test::init_service(
//!     App::new()
//!         .configure(jwt.init_app())
//!         .service(
//!             web::resource("/admin")
//!                 .wrap(jwt_required().require(Requirement::role("admin").message("Admins only!")))
//!                 .to(|| async { HttpResponse::Ok().body("Welcome, admin") }),
//!         )
//!         .service(
//!             web::resource("/export")
//!                 .wrap(jwt_required().require(Requirement::claims(|a: &Account| a.plan == "pro")))
//!                 .to(|| async { HttpResponse::Ok().finish() }),
//!         ),
//! )
//! .await;
//!
//! let admin = jwt.access_token("ada").claim("roles", ["admin"]).claim("plan", "free").encode().await?;
//! let user = jwt.access_token("bob").claim("roles", ["user"]).claim("plan", "pro").encode().await?;
//! let get = |path: &str, token: &str| {
//!     test::TestRequest::get()
//!         .uri(path)
//!         .insert_header(("Authorization", format!("Bearer {token}")))
//!         .to_request()
//! };
//!
//! assert_eq!(test::call_service(&app, get("/admin", &admin)).await.status(), 200);
//! let refused = test::call_service(&app, get("/admin", &user)).await;
//! assert_eq!(refused.status(), 403);
//! assert_eq!(test::read_body(refused).await, "{\"message\":\"Admins only!\"}\n");
//!
//! assert_eq!(test::call_service(&app, get("/export", &user)).await.status(), 200);
//! let refused = test::call_service(&app, get("/export", &admin)).await;
//! assert_eq!(test::read_body(refused).await, "{\"message\":\"Access denied\"}\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! # RFC 6750 challenges
//!
//! With `JWT_WWW_AUTHENTICATE=true` (and optionally `JWT_WWW_AUTHENTICATE_REALM`) every
//! refusal carries a `WWW-Authenticate` header, whatever its status: `Bearer realm="..."`
//! for a missing token, `error="invalid_token"` with the kind's fixed `error_description`
//! for a refused token, `error="insufficient_scope"` (with `scope="..."` for a scope
//! requirement) for an unmet requirement. Off by default, as flask-jwt-extended sends none.
//! Quoted strings are escaped; no token, secret or claim value ever appears in the header.
//!
//! A scope requirement as middleware on a scope, with challenges on:
//!
//! ```
//! # actix_web::rt::System::new().block_on(async {
//! use actix_web::{test, web, App, HttpResponse};
//! use actix_jwt_ext::{jwt_required, JwtConfig, JwtManager, Requirement};
//!
//! let config = JwtConfig::from_vars([
//!     ("JWT_SECRET_KEY", "s3cr3t"),
//!     ("JWT_WWW_AUTHENTICATE", "true"),
//!     ("JWT_WWW_AUTHENTICATE_REALM", "reports"),
//! ])?;
//! let jwt = JwtManager::new(config)?;
//! let app = test::init_service(
//!     App::new().configure(jwt.init_app()).service(
//!         web::scope("/reports")
//!             .wrap(Requirement::scope("reports:read"))
//!             .wrap(jwt_required())
//!             .route("", web::get().to(|| async { HttpResponse::Ok().finish() })),
//!     ),
//! )
//! .await;
//!
//! let reader = jwt.access_token("ada").claim("scope", "profile reports:read").encode().await?;
//! let other = jwt.access_token("bob").claim("scope", "profile").encode().await?;
//! let get = |token: Option<&str>| {
//!     let mut req = test::TestRequest::get().uri("/reports");
//!     if let Some(token) = token {
//!         req = req.insert_header(("Authorization", format!("Bearer {token}")));
//!     }
//!     req.to_request()
//! };
//!
//! assert_eq!(test::call_service(&app, get(Some(&reader))).await.status(), 200);
//! let refused = test::call_service(&app, get(Some(&other))).await;
//! assert_eq!(refused.status(), 403);
//! assert_eq!(
//!     refused.headers().get("WWW-Authenticate").unwrap(),
//!     r#"Bearer realm="reports", error="insufficient_scope", scope="reports:read""#
//! );
//! let anonymous = test::call_service(&app, get(None)).await;
//! assert_eq!(anonymous.status(), 401);
//! assert_eq!(anonymous.headers().get("WWW-Authenticate").unwrap(), r#"Bearer realm="reports""#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

// The items are at the crate root (one path each): `Requirement`, `Require`, `Policy`,
// `RequirementMiddleware`. This module holds their guide.
pub(crate) mod extract;
pub(crate) mod middleware;
