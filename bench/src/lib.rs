//! Baselines and shared pieces for the benchmarks of `BENCHMARKS.md` (not published).
//!
//! Three apps with the same two routes and the same JSON answers:
//!
//! - [`ours`]: `GET /protected` behind actix-jwt-ext's standard protection
//!   (`.wrap(jwt_required())` + [`JwtIdentity`](actix_jwt_ext::JwtIdentity), revocation check
//!   against an [`InMemoryBlocklist`](actix_jwt_ext::InMemoryBlocklist)), as
//!   `actix-jwt-ext/examples/bench_server.rs` serves it;
//! - [`handwritten`]: the twenty-line alternative, a `FromRequest` extractor around
//!   `jsonwebtoken::decode` (HS256, no leeway, `nbf`, `exp` required, `type == "access"`);
//! - [`bare`]: no authentication at all (`/protected` answers a constant identity).
//!
//! `GET /open` is the same unauthenticated handler in all three.

#![allow(missing_docs)]

use std::error::Error;
use std::time::Duration;

use actix_jwt_ext::JwtManager;
use actix_web::HttpResponse;
use futures_util::FutureExt as _;

/// The HS256 secret of the in-process benchmarks (criterion, `alloc-count`); the servers read
/// `JWT_SECRET_KEY` instead.
pub const BENCH_SECRET: &str = "bench-secret-0123456789abcdef0123456789abcdef";

/// The identity in the benchmark tokens, and the constant answer of the bare server.
pub const IDENTITY: &str = "alice";

/// Revoked `jti`s held by the in-memory blocklist of the crate's app (so the revocation lookup
/// hashes, as it would in production).
pub const REVOKED: usize = 1000;

/// The answer of both routes: `{"logged_in_as":"<sub>"}` or `{"logged_in_as":null}`.
#[derive(Debug, serde::Serialize)]
pub struct LoggedInAs<'a> {
    pub logged_in_as: Option<&'a str>,
}

/// `GET /open`: no authentication.
pub async fn open() -> HttpResponse {
    HttpResponse::Ok().json(LoggedInAs { logged_in_as: None })
}

/// `JWT_SECRET_KEY`, required by the servers.
pub fn env_secret() -> Result<String, Box<dyn Error>> {
    std::env::var("JWT_SECRET_KEY").map_err(|_| "set JWT_SECRET_KEY".into())
}

/// `PORT` (default 8000; `0` picks a free port).
pub fn env_port() -> Result<u16, Box<dyn Error>> {
    match std::env::var("PORT") {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("PORT={v:?} is not a port").into()),
        Err(_) => Ok(8000),
    }
}

/// An access token for [`IDENTITY`] minted by the crate (flask-jwt-extended's claim set:
/// `fresh, iat, jti, type, sub, nbf, csrf, exp`, plus `roles: ["admin"]` for the role
/// requirement of `GET /admin`), valid for `lifetime`.
pub fn mint_token(jwt: &JwtManager, lifetime: Duration) -> Result<String, Box<dyn Error>> {
    jwt.access_token(IDENTITY)
        .expires(lifetime)
        .claim("roles", ["admin"])
        .encode()
        .now_or_never()
        .ok_or("token encoding did not complete at once")?
        .map_err(Into::into)
}

/// `GET <path>` with `Authorization: Bearer <token>` when a token is given, for
/// `actix_web::test` services.
pub fn request(path: &str, token: Option<&str>) -> actix_http::Request {
    let mut req = actix_web::test::TestRequest::get().uri(path);
    if let Some(token) = token {
        req = req.insert_header(("Authorization", format!("Bearer {token}")));
    }
    req.to_request()
}

/// actix-jwt-ext's standard protection.
pub mod ours {
    use std::error::Error;
    use std::time::{Duration, SystemTime};

    use actix_jwt_ext::{
        jwt_required, InMemoryBlocklist, JwtConfig, JwtIdentity, JwtManager, TokenBlocklist,
    };
    use actix_web::{web, HttpResponse};

    use crate::LoggedInAs;

    /// A manager with flask-jwt-extended's defaults and an in-memory blocklist holding
    /// `revoked` revoked `jti`s.
    pub async fn manager(secret: &str, revoked: usize) -> Result<JwtManager, Box<dyn Error>> {
        let store = InMemoryBlocklist::new();
        let keep_until = SystemTime::now() + Duration::from_secs(24 * 3600);
        for i in 0..revoked {
            store
                .revoke(
                    &format!("revoked-{i:08}-{}", uuid::Uuid::new_v4()),
                    Some(keep_until),
                )
                .await?;
        }
        Ok(
            JwtManager::builder(JwtConfig::builder().secret_key(secret).build()?)
                .blocklist(store)
                .build()?,
        )
    }

    /// `GET /protected`.
    pub async fn protected(identity: JwtIdentity) -> HttpResponse {
        HttpResponse::Ok().json(LoggedInAs {
            logged_in_as: Some(&identity.0),
        })
    }

    /// The manager and both routes, for `App::configure`.
    pub fn configure(jwt: JwtManager) -> impl FnOnce(&mut web::ServiceConfig) {
        move |cfg| {
            jwt.init_app()(cfg);
            cfg.service(
                web::resource("/protected")
                    .wrap(jwt_required())
                    .route(web::get().to(protected)),
            )
            .route("/open", web::get().to(crate::open));
        }
    }
}

/// The hand-written alternative: a `FromRequest` extractor around `jsonwebtoken::decode`.
pub mod handwritten {
    use std::future::{ready, Ready};

    use actix_web::dev::Payload;
    use actix_web::http::{header, StatusCode};
    use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};

    use crate::LoggedInAs;

    /// flask-jwt-extended's access-token claims. `jsonwebtoken::decode` needs
    /// `DeserializeOwned`, so the strings are owned.
    #[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
    pub struct Claims {
        pub sub: String,
        pub exp: u64,
        pub nbf: u64,
        pub iat: u64,
        pub jti: String,
        #[serde(rename = "type")]
        pub type_: String,
        /// `false`, `true` or a timestamp.
        pub fresh: serde_json::Value,
        pub csrf: String,
    }

    /// The key and the validation rules, built once (app data).
    #[derive(Clone)]
    pub struct Verifier {
        key: DecodingKey,
        validation: Validation,
    }

    impl std::fmt::Debug for Verifier {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Verifier")
                .field("validation", &self.validation)
                .finish_non_exhaustive()
        }
    }

    impl Verifier {
        /// HS256 only, no leeway, `nbf` checked, `exp` required.
        pub fn new(secret: &[u8]) -> Self {
            // jsonwebtoken picks its backend from its features; select it explicitly so a build
            // that unifies both backends (`--all-features`) still runs. Already set: fine.
            let _ = jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER.install_default();
            let mut validation = Validation::new(Algorithm::HS256);
            validation.leeway = 0;
            validation.validate_nbf = true;
            validation.set_required_spec_claims(&["exp"]);
            Self {
                key: DecodingKey::from_secret(secret),
                validation,
            }
        }

        /// Decodes and checks `token`, then its `type`.
        pub fn verify(&self, token: &str) -> Result<Claims, &'static str> {
            let claims = jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
                .map_err(|_| "Invalid token")?
                .claims;
            if claims.type_ != "access" {
                return Err("Only non-refresh tokens are allowed");
            }
            Ok(claims)
        }
    }

    /// The extractor: the claims of a valid access token from `Authorization: Bearer <t>`.
    #[derive(Debug)]
    pub struct Access(pub Claims);

    fn refuse(status: StatusCode, msg: &'static str) -> actix_web::Error {
        actix_web::error::InternalError::from_response(
            msg,
            HttpResponse::build(status).json(serde_json::json!({ "msg": msg })),
        )
        .into()
    }

    impl FromRequest for Access {
        type Error = actix_web::Error;
        type Future = Ready<Result<Self, Self::Error>>;

        fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
            ready((|| {
                let verifier = req.app_data::<web::Data<Verifier>>().ok_or_else(|| {
                    refuse(StatusCode::INTERNAL_SERVER_ERROR, "No Verifier registered")
                })?;
                let token = req
                    .headers()
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.strip_prefix("Bearer "))
                    .ok_or_else(|| {
                        refuse(StatusCode::UNAUTHORIZED, "Missing Authorization Header")
                    })?;
                verifier
                    .verify(token)
                    .map(Access)
                    .map_err(|msg| refuse(StatusCode::UNPROCESSABLE_ENTITY, msg))
            })())
        }
    }

    /// `GET /protected`.
    pub async fn protected(access: Access) -> HttpResponse {
        HttpResponse::Ok().json(LoggedInAs {
            logged_in_as: Some(&access.0.sub),
        })
    }

    /// The verifier and both routes, for `App::configure`.
    pub fn configure(verifier: web::Data<Verifier>) -> impl FnOnce(&mut web::ServiceConfig) {
        move |cfg| {
            cfg.app_data(verifier)
                .route("/protected", web::get().to(protected))
                .route("/open", web::get().to(crate::open));
        }
    }
}

/// Bare Actix: the same routes without authentication.
pub mod bare {
    use actix_web::{web, HttpResponse};

    use crate::{LoggedInAs, IDENTITY};

    /// `GET /protected`, unprotected: a constant identity.
    pub async fn protected() -> HttpResponse {
        HttpResponse::Ok().json(LoggedInAs {
            logged_in_as: Some(IDENTITY),
        })
    }

    /// Both routes, for `App::configure`.
    pub fn configure(cfg: &mut web::ServiceConfig) {
        cfg.route("/protected", web::get().to(protected))
            .route("/open", web::get().to(crate::open));
    }
}

/// Criterion's results, read back to print median ratios.
pub mod report {
    use std::path::PathBuf;
    use std::time::SystemTime;

    /// Where criterion writes (its own rule: `CRITERION_HOME`, `CARGO_TARGET_DIR/criterion`,
    /// else the workspace's `target/criterion`); the benches pass it to criterion too.
    pub fn criterion_dir() -> PathBuf {
        if let Some(home) = std::env::var_os("CRITERION_HOME") {
            return PathBuf::from(home);
        }
        if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
            return PathBuf::from(target).join("criterion");
        }
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/criterion"))
    }

    /// The median (ns) of `group/function` measured after `since`; `None` when that benchmark
    /// did not run (filtered out, `--test` mode).
    pub fn median_ns(group: &str, function: &str, since: SystemTime) -> Option<f64> {
        let path = criterion_dir()
            .join(group)
            .join(function)
            .join("new/estimates.json");
        let modified = std::fs::metadata(&path).ok()?.modified().ok()?;
        if modified < since {
            return None;
        }
        let text = std::fs::read_to_string(&path).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        json["median"]["point_estimate"].as_f64()
    }

    /// Prints the median of each function of `group` and its ratio to `baseline`'s.
    pub fn print_ratios(group: &str, functions: &[&str], baseline: &str, since: SystemTime) {
        let Some(base) = median_ns(group, baseline, since) else {
            println!(
                "{group}: no fresh criterion estimates for {baseline} (filtered or --test run)"
            );
            return;
        };
        println!("{group}: medians, ratio to {baseline}");
        for f in functions {
            match median_ns(group, f, since) {
                Some(m) => println!("  {f:<24} {:>10.1} ns   {:>6.3} x", m, m / base),
                None => println!("  {f:<24} (not run)"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::time::Duration;

    use actix_web::{test, web, App};

    use super::*;

    #[actix_web::test]
    async fn the_three_apps_answer_alike() {
        let jwt = ours::manager(BENCH_SECRET, 10).await.unwrap();
        let token = mint_token(&jwt, Duration::from_secs(600)).unwrap();
        let refresh = jwt.refresh_token(IDENTITY).encode().await.unwrap();
        let verifier = web::Data::new(handwritten::Verifier::new(BENCH_SECRET.as_bytes()));
        let ours = test::init_service(App::new().configure(ours::configure(jwt))).await;
        let hand = test::init_service(App::new().configure(handwritten::configure(verifier))).await;
        let bare = test::init_service(App::new().configure(bare::configure)).await;

        let protected = r#"{"logged_in_as":"alice"}"#;
        let open = r#"{"logged_in_as":null}"#;
        for (path, token, want) in [
            ("/protected", Some(token.as_str()), protected),
            ("/open", None, open),
        ] {
            for body in [
                test::call_and_read_body(&ours, request(path, token)).await,
                test::call_and_read_body(&hand, request(path, token)).await,
                test::call_and_read_body(&bare, request(path, token)).await,
            ] {
                assert_eq!(body, want.as_bytes(), "{path}");
            }
        }
        for (token, status) in [(None, 401), (Some(refresh.as_str()), 422)] {
            let a = test::call_service(&ours, request("/protected", token)).await;
            let b = test::call_service(&hand, request("/protected", token)).await;
            assert_eq!((a.status().as_u16(), b.status().as_u16()), (status, status));
        }
    }
}
