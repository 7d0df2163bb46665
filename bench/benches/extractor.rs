//! A full request through each app, in process: `actix_web::test::TestRequest` →
//! `test::call_service` on a service built once with `test::init_service`, for
//! `GET /protected` with a valid token. The crate's path is `.wrap(jwt_required())` +
//! `JwtIdentity` (with the revocation check on an in-memory blocklist); the baselines are the
//! hand-written `jsonwebtoken` extractor and bare Actix (no authentication). Requests are
//! built before the timed loop; only the service calls (and dropping the responses) are timed.
//!
//! ```text
//! cargo bench -p bench-baselines --bench extractor
//! ```

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::rt::SystemRunner;
use actix_web::{test, web, App};
use bench_baselines::{
    bare, handwritten, mint_token, ours, report, request, BENCH_SECRET, REVOKED,
};
use criterion::measurement::WallTime;
use criterion::BenchmarkGroup;

const GROUP: &str = "extractor";

fn bench_app<S, B>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    rt: &SystemRunner,
    name: &str,
    app: &S,
    token: &str,
) where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let requests: Vec<_> = (0..iters)
                    .map(|_| request("/protected", Some(token)))
                    .collect();
                let start = Instant::now();
                for req in requests {
                    black_box(test::call_service(app, req).await);
                }
                start.elapsed()
            })
        })
    });
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let since = SystemTime::now();
    let rt = actix_web::rt::System::new();
    let jwt = rt.block_on(ours::manager(BENCH_SECRET, REVOKED))?;
    let token = mint_token(&jwt, Duration::from_secs(3600))?;
    let verifier = web::Data::new(handwritten::Verifier::new(BENCH_SECRET.as_bytes()));
    let ours = rt.block_on(test::init_service(
        App::new().configure(ours::configure(jwt)),
    ));
    let hand = rt.block_on(test::init_service(
        App::new().configure(handwritten::configure(verifier)),
    ));
    let bare = rt.block_on(test::init_service(App::new().configure(bare::configure)));
    let want = br#"{"logged_in_as":"alice"}"#;
    for body in [
        rt.block_on(test::call_and_read_body(
            &ours,
            request("/protected", Some(&token)),
        )),
        rt.block_on(test::call_and_read_body(
            &hand,
            request("/protected", Some(&token)),
        )),
        rt.block_on(test::call_and_read_body(
            &bare,
            request("/protected", Some(&token)),
        )),
    ] {
        if body != want.as_slice() {
            return Err(format!("unexpected answer {body:?}").into());
        }
    }

    let mut c = common::criterion();
    let mut group = c.benchmark_group(GROUP);
    bench_app(&mut group, &rt, "actix-jwt-ext", &ours, &token);
    bench_app(&mut group, &rt, "handwritten", &hand, &token);
    bench_app(&mut group, &rt, "bare-actix", &bare, &token);
    group.finish();
    c.final_summary();
    report::print_ratios(
        GROUP,
        &["actix-jwt-ext", "handwritten", "bare-actix"],
        "handwritten",
        since,
    );
    Ok(())
}
