//! Token creation: actix-jwt-ext's `access_token(..).encode()` against `jsonwebtoken::encode` of the
//! same claim set (flask-jwt-extended's: `fresh, iat, jti, type, sub, nbf, csrf, exp`, with
//! fresh `jti`/`csrf` UUIDs and timestamps each time, as both would in a login handler).
//!
//! ```text
//! cargo bench -p bench-baselines --bench encode
//! ```

mod common;

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_jwt_ext::{JwtConfig, JwtManager};
use bench_baselines::handwritten::Claims;
use bench_baselines::{report, BENCH_SECRET, IDENTITY};
use futures_util::FutureExt as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

const GROUP: &str = "encode";

fn jsonwebtoken_encode(header: &Header, key: &EncodingKey) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs();
    let claims = Claims {
        sub: IDENTITY.to_owned(),
        exp: now + 900,
        nbf: now,
        iat: now,
        jti: uuid::Uuid::new_v4().to_string(),
        type_: "access".to_owned(),
        fresh: serde_json::Value::Bool(false),
        csrf: uuid::Uuid::new_v4().to_string(),
    };
    jsonwebtoken::encode(header, &claims, key).unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let since = SystemTime::now();
    let jwt = JwtManager::new(JwtConfig::builder().secret_key(BENCH_SECRET).build()?)?;
    // Select jsonwebtoken's backend (aws-lc-rs, as the crate's default) for `encode`.
    drop(bench_baselines::handwritten::Verifier::new(
        BENCH_SECRET.as_bytes(),
    ));
    let key = EncodingKey::from_secret(BENCH_SECRET.as_bytes());
    let header = Header::new(Algorithm::HS256);
    if jsonwebtoken_encode(&header, &key).is_empty() {
        return Err("jsonwebtoken::encode failed".into());
    }

    let mut c = common::criterion();
    let mut group = c.benchmark_group(GROUP);
    group.bench_function("actix-jwt-ext", |b| {
        b.iter(|| {
            jwt.access_token(black_box(IDENTITY))
                .encode()
                .now_or_never()
                .and_then(Result::ok)
        })
    });
    group.bench_function("jsonwebtoken", |b| {
        b.iter(|| jsonwebtoken_encode(black_box(&header), &key))
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
