//! The bench server of `BENCHMARKS.md`: the crate's standard protection on one route, nothing
//! on the other, one worker.
//!
//! ```text
//! cargo build --release --example bench_server
//! JWT_SECRET_KEY=... PORT=8000 RUST_LOG=off target/release/examples/bench_server
//! ```
//!
//! - `GET /protected`: `.wrap(jwt_required())` (flask-jwt-extended's default checks: token in
//!   the `Authorization: Bearer` header, signature, `exp`/`nbf` with no leeway, identity claim,
//!   `type` not `refresh`, revocation) and a [`JwtIdentity`] extractor; answers
//!   `{"logged_in_as":"<sub>"}`.
//! - `GET /admin`: as `/protected`, with a role requirement
//!   (`jwt_required().require(Requirement::role("admin"))`): the cost of authorization.
//! - `GET /open`: no authentication; answers `{"logged_in_as":null}`.
//!
//! The revocation check asks an [`InMemoryBlocklist`] holding `BENCH_REVOKED` revoked `jti`s
//! (default 1000, so the lookup hashes as it would in production, not an empty-map shortcut).
//!
//! Binds `127.0.0.1:$PORT` (default 8000; `0` picks a free port) with `HttpServer::workers(1)`
//! and prints the bound address (`127.0.0.1:<port>`) on stdout. It installs no logger, so it
//! logs nothing (whatever `RUST_LOG` says).

use std::error::Error;
use std::io::Write as _;
use std::time::{Duration, SystemTime};

use actix_jwt_ext::{
    jwt_required, InMemoryBlocklist, JwtConfig, JwtIdentity, JwtManager, Requirement,
    TokenBlocklist,
};
use actix_web::{web, App, HttpResponse, HttpServer};

#[derive(serde::Serialize)]
struct LoggedInAs<'a> {
    logged_in_as: Option<&'a str>,
}

async fn protected(identity: JwtIdentity) -> HttpResponse {
    HttpResponse::Ok().json(LoggedInAs {
        logged_in_as: Some(&identity.0),
    })
}

async fn open() -> HttpResponse {
    HttpResponse::Ok().json(LoggedInAs { logged_in_as: None })
}

fn env_number<T: std::str::FromStr>(name: &str, default: T) -> Result<T, Box<dyn Error>> {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("{name}={v:?} is not a number").into()),
        Err(_) => Ok(default),
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    let secret = std::env::var("JWT_SECRET_KEY").map_err(|_| "set JWT_SECRET_KEY")?;
    let port: u16 = env_number("PORT", 8000)?;
    let revoked: usize = env_number("BENCH_REVOKED", 1000)?;

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
    let jwt = JwtManager::builder(JwtConfig::builder().secret_key(secret).build()?)
        .blocklist(store)
        .build()?;

    let server = HttpServer::new(move || {
        App::new()
            .configure(jwt.init_app())
            .service(
                web::resource("/protected")
                    .wrap(jwt_required())
                    .route(web::get().to(protected)),
            )
            .service(
                web::resource("/admin")
                    .wrap(jwt_required().require(Requirement::role("admin")))
                    .route(web::get().to(protected)),
            )
            .route("/open", web::get().to(open))
    })
    .workers(1)
    .shutdown_timeout(1)
    .bind(("127.0.0.1", port))?;
    for addr in server.addrs() {
        println!("{addr}");
    }
    std::io::stdout().flush()?;
    server.run().await?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    actix_web::rt::System::new().block_on(run())
}
