//! # actix-jwt-ext
//!
//! [flask-jwt-extended](https://flask-jwt-extended.readthedocs.io/) for Actix Web: the same
//! options under the same `JWT_*` names and defaults, the same tokens (a Flask service and an
//! Actix service accept each other's), the same checks in the same order, and the same error
//! answers, in Actix form: a manager registered with one call, `jwt_required()` middleware for
//! `.wrap(...)`, and extractors for handlers.
//!
//! ## Quick start
//!
//! ```
//! use actix_web::{test, web, App, HttpResponse};
//! use actix_jwt_ext::{jwt_required, JwtConfig, JwtIdentity, JwtManager};
//!
//! async fn login(jwt: web::Data<JwtManager>) -> actix_web::Result<HttpResponse> {
//!     let token = jwt.access_token("alice").fresh(true).encode().await?;
//!     Ok(HttpResponse::Ok().json(serde_json::json!({ "access_token": token })))
//! }
//!
//! async fn protected(identity: JwtIdentity) -> HttpResponse {
//!     HttpResponse::Ok().json(serde_json::json!({ "logged_in_as": identity.0 }))
//! }
//!
//! # actix_web::rt::System::new().block_on(async {
//! // JwtConfig::from_env() reads JWT_* and SECRET_KEY from the environment and `.env`.
//! let config = JwtConfig::builder().secret_key("change-me: secrets.token_hex(32)").build()?;
//! let jwt = JwtManager::new(config)?;
//! let app = test::init_service(
//!     App::new()
//!         // One call: the middleware, the extractors and `web::Data<JwtManager>` all find it.
//!         .configure(jwt.init_app())
//!         .route("/login", web::post().to(login))
//!         .service(web::resource("/protected").wrap(jwt_required()).to(protected)),
//! )
//! .await;
//!
//! let resp = test::call_service(&app, test::TestRequest::get().uri("/protected").to_request()).await;
//! assert_eq!(resp.status(), 401);
//! assert_eq!(test::read_body(resp).await, "{\"msg\":\"Missing Authorization Header\"}\n");
//!
//! let login: serde_json::Value =
//!     test::call_and_read_body_json(&app, test::TestRequest::post().uri("/login").to_request()).await;
//! let token = login["access_token"].as_str().unwrap();
//! let req = test::TestRequest::get()
//!     .uri("/protected")
//!     .insert_header(("Authorization", format!("Bearer {token}")))
//!     .to_request();
//! let body: serde_json::Value = test::call_and_read_body_json(&app, req).await;
//! assert_eq!(body["logged_in_as"], "alice");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! ## The names at the root, as a handler author meets them
//!
//! **Configure and register**
//! - [`JwtConfig`]: the `JWT_*` settings ([`JwtConfig::from_env`], [`JwtConfig::builder`]).
//! - [`JwtConfigBuilder`]: sets them in code; `build()` checks them.
//! - [`Secret`]: a secret or private key that never prints (`Debug` and `Display` redact it).
//! - [`TokenLocation`], [`Expires`], [`Audience`]: typed values of settings.
//! - [`ConfigError`]: a refused setting, named, at startup.
//! - [`JwtManager`]: the registered manager; `App::new().configure(jwt.init_app())` is all.
//! - [`JwtManagerBuilder`]: the loaders (`@jwt.*_loader`), stores, key sets, body limits.
//! - [`KeySet`], [`KeySetBuilder`]: signing and verifying keys by `kid`, served as a JWKS.
//! - `RemoteJwks`, `RemoteJwksBuilder`, `rustls` (feature `remote-jwks`): an issuer's keys.
//! - [`DEFAULT_BODY_LIMIT`], [`DEFAULT_BODY_READ_TIMEOUT`]: how much body, how long, is read.
//!
//! **Protect routes**
//! - [`jwt_required()`]: `@jwt_required()` as middleware for `.wrap(...)`, with options.
//! - [`JwtRequired`]: those options (`optional`, `fresh`, `refresh`, `locations`, ...).
//! - [`JwtRequiredMiddleware`]: the middleware service it builds.
//! - [`ImplicitRefresh`], [`ImplicitRefreshMiddleware`]: re-issue access cookies near expiry.
//!
//! **Authorize** ([`authorize`])
//! - [`Requirement`]: roles, scopes, claim values, your predicates, `all`/`any`/`not`; 403 when
//!   unmet, before the handler's extractors run. `jwt_required().require(r)` or `.wrap(r)`.
//! - [`RequirementMiddleware`]: the middleware service `.wrap(requirement)` builds.
//! - [`Require`], [`Policy`]: a requirement as a handler parameter.
//! - [`DEFAULT_ROLES_CLAIM`]: the claim role requirements read (`roles`).
//!
//! **Read the token in a handler**
//! - [`JwtIdentity`]: the identity, `get_jwt_identity()`.
//! - [`Claims`]: `get_jwt()`, as a map or your own type.
//! - [`JwtHeader`]: the JOSE header, `get_jwt_header()`.
//! - [`CurrentUser`]: `current_user`, loaded by the user lookup loader.
//! - [`JwtLocation`]: where the token was, `get_jwt_request_location()`.
//! - [`Jwt`]: the whole verified token.
//! - [`Optional`]: `optional=True` around any of these.
//! - [`FromJwt`]: make your own extractor from the verified token.
//! - [`JwtRequestExt`]: the verified token from an `HttpRequest` or `ServiceRequest`.
//! - [`VerifiedJwt`]: what verification leaves on the request.
//! - [`verify_jwt_in_request`], [`VerifyInRequest`]: `verify_jwt_in_request()` in a handler.
//!
//! **Issue tokens and cookies**
//! - [`TokenBuilder`]: from [`JwtManager::access_token`] / [`JwtManager::refresh_token`].
//! - [`Fresh`], [`TokenType`]: a token's freshness and type.
//! - [`JwtCookies`], [`JwtCookiesExt`]: `set_access_cookies` and friends, added to a response.
//! - [`NON_SESSION_MAX_AGE`]: the cookies' `Max-Age` when `JWT_SESSION_COOKIE` is off.
//!
//! **Decode, revoke, rotate**
//! - [`Decode`]: from [`JwtManager::decode_token`]; `.csrf_value(..)`, `.allow_expired(..)`.
//! - [`DecodedToken`]: a verified token's header and claims, read from one parse.
//! - [`TokenBlocklist`]: a revocation store; [`InMemoryBlocklist`] is one.
//! - `RedisBlocklist`, `RedisBlocklistBuilder` (feature `redis`): one shared by instances.
//! - [`BlocklistError`]: why a store could not answer.
//! - [`TokenPair`], [`FAMILY_CLAIM`]: refresh-token rotation and token families.
//!
//! **Errors**
//! - [`JwtError`]: every failure; answers like flask-jwt-extended, through your loaders.
//! - [`ErrorKind`]: which failure it is, to match on, log or count.
//! - [`jsonify`]: a JSON response written as Flask's `jsonify` writes it.
//!
//! **Modules**
//! - [`authorize`]: requirements and RFC 6750 challenges, with examples.
//! - [`dangerous`]: reading a token without verifying it.
//! - [`jsonwebtoken`]: the JWT primitives underneath (keys, `Algorithm`).
//!
//! ## Map of flask-jwt-extended
//!
//! | flask-jwt-extended | actix-jwt-ext |
//! |---|---|
//! | `app.config["JWT_*"]` | [`JwtConfig`] (builder, [`JwtConfig::from_env`]) |
//! | `JWTManager(app)` / `jwt.init_app(app)` | [`JwtManager::new`] + `App::configure(jwt.init_app())` |
//! | `@jwt.*_loader` | [`JwtManagerBuilder`] methods |
//! | `create_access_token` / `create_refresh_token` | [`JwtManager::access_token`] / [`JwtManager::refresh_token`] ([`TokenBuilder`]) |
//! | one key pair, rotation through `decode_key_loader` | [`KeySet`] (keys by `kid`), [`JwtManager::jwks`] / [`JwtManager::serve_jwks`], `RemoteJwks` |
//! | `decode_token`, `get_jti`, `get_csrf_token` | [`JwtManager::decode_token`], [`JwtManager::get_jti`], [`JwtManager::get_csrf_token`] |
//! | `get_unverified_jwt_headers` | [`dangerous::get_unverified_jwt_headers`] |
//! | `@jwt_required(...)` | [`jwt_required()`] middleware, or extractors alone |
//! | `verify_jwt_in_request(...)` | [`verify_jwt_in_request`] |
//! | `get_jwt_identity`, `get_jwt`, `get_jwt_header`, `current_user`, `get_jwt_request_location` | [`JwtIdentity`], [`Claims`], [`JwtHeader`], [`CurrentUser`], [`JwtLocation`] |
//! | `optional=True` | [`Optional<E>`] / `jwt_required().optional()` |
//! | a custom decorator: `verify_jwt_in_request()`, then `get_jwt()["roles"]` | [`Requirement`]: `jwt_required().require(Requirement::role("admin"))` |
//! | `set_access_cookies(resp, token, max_age=, domain=)` | [`JwtManager::set_access_cookies`], then [`JwtCookies::max_age`] / [`JwtCookies::domain`] |
//! | `token_in_blocklist_loader` | [`TokenBlocklist`] / [`JwtManagerBuilder::token_in_blocklist_loader`] |
//! | exceptions and default callbacks | [`JwtError`] ([`ErrorKind`]) and [`JwtManager::error_response`] |
//!
//! Deliberate differences: configuration is fixed once the manager is built (Flask reads it
//! live); invalid settings fail at startup with a [`ConfigError`] instead of a 500 at the first
//! request; inputs that make flask-jwt-extended answer 500 (a JSON array body, a non-boolean
//! `fresh`, a non-string `csrf` claim, odd header bytes) get a 4xx here; the user lookup runs
//! where a handler asks for [`CurrentUser`] (or with `jwt_required().load_user()`).
//!
//! ## Crate features
//!
//! | feature | what | default |
//! |---|---|---|
//! | `aws-lc-rs` | signatures through aws-lc-rs (constant-time RSA, fast HMAC/ECDSA) | yes |
//! | `rust-crypto` | signatures through the pure-Rust RustCrypto crates | no |
//! | `redis` | `RedisBlocklist`: a revocation store in Redis shared by many instances (the `redis` crate's `ConnectionManager`, on Tokio) | no |
//! | `remote-jwks` | `RemoteJwks`: verify an identity provider's tokens with the keys of its JWKS (OIDC discovery, cache, bounded fetches; awc over rustls) | no |
//!
//! ## Middleware order
//!
//! ```text
//!   request ──▶ Cors ──▶ Logger ──▶ jwt_required() ──▶ extractors ──▶ handler
//!   refusal ◀── Cors ◀── Logger ◀──────────┘   (a response, so outer middleware still see it)
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod authorize;
mod blocklist;

mod callbacks;
mod config;
mod cookies;
mod crypto;

pub mod dangerous;
mod error;
mod extract;
mod keys;
mod kind;
mod middleware;

mod manager;
mod refresh;
mod requirement;
mod revocation;
mod token;
mod verify;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod redaction_tests;

pub use crate::authorize::extract::{Policy, Require};
pub use crate::authorize::middleware::RequirementMiddleware;
pub use crate::blocklist::{BlocklistError, InMemoryBlocklist, TokenBlocklist, FAMILY_CLAIM};
#[cfg(feature = "redis")]
pub use crate::blocklist::{RedisBlocklist, RedisBlocklistBuilder};
pub use crate::config::{
    Audience, ConfigError, Expires, JwtConfig, JwtConfigBuilder, Secret, TokenLocation,
};
pub use crate::cookies::{JwtCookies, JwtCookiesExt, NON_SESSION_MAX_AGE};
pub use crate::error::{jsonify, JwtError};
pub use crate::extract::{
    Claims, CurrentUser, FromJwt, Jwt, JwtHeader, JwtIdentity, JwtLocation, JwtRequestExt, Optional,
};
#[cfg(feature = "remote-jwks")]
pub use crate::keys::{rustls, RemoteJwks, RemoteJwksBuilder};
pub use crate::keys::{KeySet, KeySetBuilder};
pub use crate::kind::ErrorKind;
pub use crate::manager::{
    Fresh, JwtManager, JwtManagerBuilder, TokenBuilder, TokenType, DEFAULT_BODY_LIMIT,
    DEFAULT_BODY_READ_TIMEOUT, DEFAULT_ROLES_CLAIM,
};
pub use crate::middleware::JwtRequiredMiddleware;
pub use crate::refresh::{ImplicitRefresh, ImplicitRefreshMiddleware};
pub use crate::requirement::Requirement;
pub use crate::revocation::TokenPair;
pub use crate::token::DecodedToken;
pub use crate::verify::{
    jwt_required, verify_jwt_in_request, Decode, JwtRequired, VerifiedJwt, VerifyInRequest,
};

/// The README's code blocks, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../../docs/MIGRATION.md")]
struct MigrationGuideDoctests;

/// The JWT primitives this crate is built on ([`jsonwebtoken`]): use its `DecodingKey` and
/// `EncodingKey` in the key loaders, and `Algorithm` in the configuration.
pub use jsonwebtoken;
