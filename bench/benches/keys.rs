//! Key lookup cost: `decode_token` with the configured single key against a `KeySet` of five
//! keys (lookup by `kid`, one algorithm per key) and against `RemoteJwks` with its cache warm
//! (keys fetched once from a local JWKS server), for HS256 and ES256. Ratios are to the single
//! key of the same algorithm.
//!
//! ```text
//! cargo bench -p bench-baselines --bench keys
//! ```

mod common;

use std::future::IntoFuture as _;
use std::hint::black_box;
use std::time::SystemTime;

use actix_jwt_ext::jsonwebtoken::Algorithm;
use actix_jwt_ext::RemoteJwks;
use actix_jwt_ext::{JwtConfig, JwtManager, KeySet};
use actix_web::{web, App, HttpResponse, HttpServer};
use bench_baselines::{report, BENCH_SECRET};
use futures_util::FutureExt as _;

const EC_PRIVATE: &str = include_str!("../../tests/fixtures/ec_private.pem");
const EC_PUBLIC: &str = include_str!("../../tests/fixtures/ec_public.pem");
const EC_OTHER_PUBLIC: &str = include_str!("../../tests/fixtures/ec_other_public.pem");

type BoxError = Box<dyn std::error::Error>;

fn hmac_set() -> Result<KeySet, BoxError> {
    let mut b = KeySet::builder();
    for i in 0..5 {
        b = b.hmac(
            format!("hs-{i}"),
            Algorithm::HS256,
            format!("{BENCH_SECRET}-{i}"),
        );
    }
    Ok(b.current("hs-4").build()?)
}

fn ec_set() -> Result<KeySet, BoxError> {
    let mut b = KeySet::builder();
    for i in 0..4 {
        b = b.public_pem(format!("old-{i}"), Algorithm::ES256, EC_OTHER_PUBLIC);
    }
    Ok(b.private_pem("es-current", Algorithm::ES256, EC_PRIVATE)
        .build()?)
}

/// Serves `jwks` on 127.0.0.1 from a thread of its own; returns the JWKS address.
fn serve(jwks: String) -> Result<String, BoxError> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                let body = jwks.clone();
                App::new().route(
                    "/jwks",
                    web::get().to(move || {
                        let body = body.clone();
                        async move {
                            HttpResponse::Ok()
                                .content_type("application/json")
                                .body(body)
                        }
                    }),
                )
            })
            .workers(1)
            .bind(("127.0.0.1", 0));
            match server {
                Ok(server) => {
                    let _ = tx.send(server.addrs().first().map(|a| a.port()));
                    let _ = server.run().await;
                }
                Err(_) => {
                    let _ = tx.send(None);
                }
            }
        });
    });
    let port = rx.recv()?.ok_or("cannot bind the JWKS server")?;
    Ok(format!("http://127.0.0.1:{port}/jwks"))
}

fn main() -> Result<(), BoxError> {
    let since = SystemTime::now();
    let single_hs = JwtManager::new(JwtConfig::builder().secret_key(BENCH_SECRET).build()?)?;
    let set_hs = JwtManager::builder(JwtConfig::default())
        .key_set(hmac_set()?)
        .build()?;
    let ec_config = JwtConfig::builder()
        .algorithm(Algorithm::ES256)
        .private_key(EC_PRIVATE)
        .public_key(EC_PUBLIC)
        .build()?;
    let single_es = JwtManager::new(ec_config)?;
    let set_es = JwtManager::builder(JwtConfig::default())
        .key_set(ec_set()?)
        .build()?;
    let url = serve(serde_json::to_string(&set_es.jwks())?)?;
    let system = actix_web::rt::System::new();
    let remote = RemoteJwks::from_jwks_uri(url).audience("bench").build()?;
    system.block_on(remote.refresh())?;
    let remote_es = JwtManager::builder(JwtConfig::default())
        .remote_jwks(remote)
        .build()?;

    let mint = |jwt: &JwtManager| -> Result<String, BoxError> {
        let token = system.block_on(jwt.access_token("alice").claim("aud", "bench").encode())?;
        Ok(token)
    };
    let cases = [
        ("hs256-single", &single_hs, mint(&single_hs)?),
        ("hs256-keyset", &set_hs, mint(&set_hs)?),
        ("es256-single", &single_es, mint(&single_es)?),
        ("es256-keyset", &set_es, mint(&set_es)?),
        ("es256-remote", &remote_es, mint(&set_es)?),
    ];
    for (name, jwt, token) in &cases {
        if !matches!(
            jwt.decode_token(token).into_future().now_or_never(),
            Some(Ok(_))
        ) {
            return Err(format!("{name}: the benchmark token does not verify at once").into());
        }
    }

    let mut c = common::criterion();
    let mut group = c.benchmark_group("keys");
    for (name, jwt, token) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| {
                jwt.decode_token(black_box(token))
                    .into_future()
                    .now_or_never()
            })
        });
    }
    group.finish();
    c.final_summary();
    report::print_ratios(
        "keys",
        &["hs256-single", "hs256-keyset"],
        "hs256-single",
        since,
    );
    report::print_ratios(
        "keys",
        &["es256-single", "es256-keyset", "es256-remote"],
        "es256-single",
        since,
    );
    Ok(())
}
