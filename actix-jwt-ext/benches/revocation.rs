//! The cost of the revocation check on `GET /protected`: the same app, the same tokens, once
//! with the in-memory store and once with the Redis store, side by side (criterion, then
//! alternating rounds of both); the ratio is printed at the end.
//!
//! ```text
//! cargo bench -p actix-jwt-ext --features redis --bench revocation -- --quick
//! ```
//!
//! Redis: `REDIS_URL`, else `redis://127.0.0.1:6379`. Keys go under a prefix unique to the run
//! and expire with the tokens (two minutes).

use std::error::Error;
use std::time::{Duration, Instant};

use actix_jwt_ext::{
    jwt_required, InMemoryBlocklist, JwtConfig, JwtIdentity, JwtManager, RedisBlocklist,
    TokenBlocklist,
};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::{test, web, App, HttpResponse};
use criterion::Criterion;

/// Tokens in the set; every tenth is revoked.
const TOKENS: usize = 100;

async fn protected(identity: JwtIdentity) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "logged_in_as": identity.0 }))
}

fn manager(store: impl TokenBlocklist) -> Result<JwtManager, Box<dyn Error>> {
    let config = JwtConfig::builder()
        .secret_key("bench-secret-0123456789abcdef0123456789abcdef")
        .access_token_expires(Duration::from_secs(120))
        .build()?;
    Ok(JwtManager::builder(config).blocklist(store).build()?)
}

async fn app(
    jwt: JwtManager,
) -> impl Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error> {
    test::init_service(
        App::new()
            .configure(jwt.init_app())
            .app_data(web::Data::new(jwt.clone()))
            .service(
                web::resource("/protected")
                    .wrap(jwt_required())
                    .to(protected),
            ),
    )
    .await
}

/// `n` requests to `app`, cycling through `tokens`; the time they took.
async fn run<S>(app: &S, tokens: &[String], n: u64) -> Duration
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let start = Instant::now();
    for i in 0..n {
        let auth = &tokens[(i as usize) % tokens.len()];
        let req = test::TestRequest::get()
            .uri("/protected")
            .insert_header(("Authorization", auth.as_str()))
            .to_request();
        let resp = test::call_service(app, req).await;
        std::hint::black_box(resp.status());
    }
    start.elapsed()
}

/// The median of `rounds` alternating runs of `n` requests per store: (in-memory, redis), per
/// request.
fn side_by_side<S>(
    system: &actix_web::rt::SystemRunner,
    memory: &S,
    redis: &S,
    tokens: &[String],
    rounds: usize,
    n: u64,
) -> (Duration, Duration)
where
    S: Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error>,
{
    let mut times = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        times.0.push(system.block_on(run(memory, tokens, n)));
        times.1.push(system.block_on(run(redis, tokens, n)));
    }
    let per_request = |mut v: Vec<Duration>| {
        v.sort();
        v[v.len() / 2] / u32::try_from(n).unwrap_or(u32::MAX)
    };
    (per_request(times.0), per_request(times.1))
}

fn main() -> Result<(), Box<dyn Error>> {
    let url = std::env::var("REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".into());
    let prefix = format!("actix-jwt-ext-bench:{}:", std::process::id());
    let system = actix_web::rt::System::new();

    let (memory_app, redis_app, tokens) = system.block_on(async {
        let redis = RedisBlocklist::builder(url.as_str())
            .prefix(prefix.as_str())
            .connect()
            .await
            .map_err(|e| format!("the benchmark needs Redis at {url} (REDIS_URL): {e}"))?;
        let memory = InMemoryBlocklist::new();
        let signer = manager(memory.clone())?;
        let mut tokens = Vec::with_capacity(TOKENS);
        for i in 0..TOKENS {
            let token = signer.access_token(format!("user-{i}")).encode().await?;
            if i % 10 == 0 {
                let decoded = signer.decode_token(&token).await?;
                let jti = decoded.jti().ok_or("token without jti")?;
                let until = Some(std::time::SystemTime::now() + Duration::from_secs(120));
                memory.revoke(jti, until).await?;
                redis.revoke(jti, until).await?;
            }
            tokens.push(format!("Bearer {token}"));
        }
        let memory_app = app(manager(memory)?).await;
        let redis_app = app(manager(redis)?).await;
        // Both answer the same: 401 for the revoked tenth, 200 for the others.
        for (i, auth) in tokens.iter().enumerate() {
            for (name, app) in [("memory", &memory_app), ("redis", &redis_app)] {
                let req = test::TestRequest::get()
                    .uri("/protected")
                    .insert_header(("Authorization", auth.as_str()))
                    .to_request();
                let status = test::call_service(app, req).await.status().as_u16();
                let want = if i % 10 == 0 { 401 } else { 200 };
                if status != want {
                    return Err(format!("{name}: token {i} answered {status}, not {want}").into());
                }
            }
        }
        Ok::<_, Box<dyn Error>>((memory_app, redis_app, tokens))
    })?;

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    {
        let mut group = criterion.benchmark_group("GET /protected");
        for (name, app) in [
            ("in-memory store", &memory_app),
            ("redis store", &redis_app),
        ] {
            group.bench_function(name, |b| {
                b.iter_custom(|iters| system.block_on(run(app, &tokens, iters)))
            });
        }
        group.finish();
    }
    criterion.final_summary();

    // Side by side in this run: alternating rounds, so that drift hits both stores alike.
    let (memory, redis) = side_by_side(&system, &memory_app, &redis_app, &tokens, 5, 2_000);
    println!(
        "GET /protected, median of 5 alternating rounds of 2000 requests: \
         in-memory {memory:.2?}/request, redis {redis:.2?}/request; \
         redis / in-memory = {:.2}x (+{:.2?} per request for the Redis round trip)",
        redis.as_secs_f64() / memory.as_secs_f64(),
        redis.saturating_sub(memory)
    );
    Ok(())
}
