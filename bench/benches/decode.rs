//! Token verification alone: actix-jwt-ext's `JwtManager::decode_token` (signature, registered
//! claims, identity claim, decode defaults; no type or revocation check) against
//! `jsonwebtoken::decode` with the hand-written baseline's rules (HS256, no leeway, `nbf`,
//! `exp` required) plus its `type == "access"` check.
//!
//! ```text
//! cargo bench -p bench-baselines --bench decode
//! ```

mod common;

use std::future::IntoFuture as _;
use std::hint::black_box;
use std::time::{Duration, SystemTime};

use actix_jwt_ext::{JwtConfig, JwtManager};
use bench_baselines::handwritten::Verifier;
use bench_baselines::{mint_token, report, BENCH_SECRET};
use futures_util::FutureExt as _;

const GROUP: &str = "decode";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let since = SystemTime::now();
    let jwt = JwtManager::new(JwtConfig::builder().secret_key(BENCH_SECRET).build()?)?;
    let token = mint_token(&jwt, Duration::from_secs(3600))?;
    let verifier = Verifier::new(BENCH_SECRET.as_bytes());
    let ours_ok = matches!(
        jwt.decode_token(&token).into_future().now_or_never(),
        Some(Ok(_))
    );
    if !ours_ok || verifier.verify(&token).is_err() {
        return Err("the benchmark token does not verify".into());
    }

    let mut c = common::criterion();
    let mut group = c.benchmark_group(GROUP);
    group.bench_function("actix-jwt-ext", |b| {
        b.iter(|| {
            jwt.decode_token(black_box(&token))
                .into_future()
                .now_or_never()
        })
    });
    group.bench_function("jsonwebtoken", |b| {
        b.iter(|| verifier.verify(black_box(&token)))
    });
    group.finish();
    c.final_summary();
    report::print_ratios(
        GROUP,
        &["actix-jwt-ext", "jsonwebtoken"],
        "jsonwebtoken",
        since,
    );
    Ok(())
}
