//! Heap allocations per request, counted by a global allocator that wraps the system one.
//!
//! Runs `N` requests (default 10,000, first argument) through `actix_web::test` services of
//! the three apps after a warm-up, and counts the allocations (`alloc`, `alloc_zeroed` and
//! `realloc` calls) and bytes made while the service answers one request (building the
//! request is not counted; dropping the response is). Everything runs on one thread.
//!
//! ```text
//! cargo run --release -p bench-baselines --bin alloc-count [N] [FILTER]
//! ```
//!
//! `FILTER` keeps the rows whose `"<app> <route>"` contains it (`"actix-jwt-ext /protected"`),
//! e.g. to run one path under a profiler.

#![allow(unsafe_code)] // the counting allocator, which only forwards to `System`

use std::alloc::{GlobalAlloc, Layout, System};
use std::error::Error;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::{test, web, App};
use bench_baselines::{bare, handwritten, mint_token, ours, request, BENCH_SECRET, REVOKED};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

fn count(size: usize) {
    ALLOCATIONS.fetch_add(1, Relaxed);
    BYTES.fetch_add(size as u64, Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the contract.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: same layout, as required by the caller of `alloc`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: as above.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: `ptr` was allocated by `System` (through this allocator) with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` (through this allocator) with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const WARM_UP: usize = 200;

/// Allocations and bytes per request, over `n` requests.
async fn measure<S, B>(
    app: &S,
    path: &str,
    token: Option<&str>,
    n: usize,
) -> Result<(f64, f64), Box<dyn Error>>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    for _ in 0..WARM_UP {
        let resp = test::call_service(app, request(path, token)).await;
        if !resp.status().is_success() {
            return Err(format!("{path}: {}", resp.status()).into());
        }
    }
    let (mut allocations, mut bytes) = (0, 0);
    for _ in 0..n {
        let req = request(path, token);
        let (a0, b0) = (ALLOCATIONS.load(Relaxed), BYTES.load(Relaxed));
        let resp = test::call_service(app, req).await;
        let ok = resp.status().is_success();
        drop(resp);
        allocations += ALLOCATIONS.load(Relaxed) - a0;
        bytes += BYTES.load(Relaxed) - b0;
        if !ok {
            return Err(format!("{path}: request refused").into());
        }
    }
    Ok((allocations as f64 / n as f64, bytes as f64 / n as f64))
}

async fn run(n: usize, filter: Option<String>) -> Result<(), Box<dyn Error>> {
    let jwt = ours::manager(BENCH_SECRET, REVOKED).await?;
    let token = mint_token(&jwt, Duration::from_secs(3600))?;
    let token = Some(token.as_str());
    let verifier = web::Data::new(handwritten::Verifier::new(BENCH_SECRET.as_bytes()));
    let ours = test::init_service(App::new().configure(ours::configure(jwt))).await;
    let hand = test::init_service(App::new().configure(handwritten::configure(verifier))).await;
    let bare = test::init_service(App::new().configure(bare::configure)).await;

    let filter = filter.unwrap_or_default();
    let wanted = |app: &str, route: &str| format!("{app} {route}").contains(filter.as_str());
    let mut rows = Vec::new();
    for (app, route, token) in [
        ("actix-jwt-ext", "/protected", token),
        ("handwritten-jwt", "/protected", token),
        ("bare-actix", "/protected", token),
        ("actix-jwt-ext", "/open", None),
        ("handwritten-jwt", "/open", None),
        ("bare-actix", "/open", None),
    ] {
        if !wanted(app, route) {
            continue;
        }
        let counts = match app {
            "actix-jwt-ext" => measure(&ours, route, token, n).await?,
            "handwritten-jwt" => measure(&hand, route, token, n).await?,
            _ => measure(&bare, route, token, n).await?,
        };
        rows.push((app, route, counts));
    }
    println!(
        "allocations per request ({n} requests after {WARM_UP} warm-up, actix_web::test services)"
    );
    println!(
        "{:<16} {:<11} {:>12} {:>12}",
        "app", "route", "allocs/req", "bytes/req"
    );
    for (app, route, (allocs, bytes)) in &rows {
        println!("{app:<16} {route:<11} {allocs:>12.2} {bytes:>12.1}");
    }
    let find = |app: &str, route: &str| {
        rows.iter()
            .find(|r| r.0 == app && r.1 == route)
            .map(|r| r.2)
    };
    if let (Some(ours), Some(hand), Some(bare)) = (
        find("actix-jwt-ext", "/protected"),
        find("handwritten-jwt", "/protected"),
        find("bare-actix", "/protected"),
    ) {
        println!(
            "/protected: actix-jwt-ext / handwritten = {:.3} x allocations, {:.3} x bytes",
            ours.0 / hand.0,
            ours.1 / hand.1
        );
        println!(
            "/protected beyond bare Actix: actix-jwt-ext +{:.2} allocs, handwritten +{:.2} allocs",
            ours.0 - bare.0,
            hand.0 - bare.0
        );
    }
    if let (Some(ours), Some(bare)) = (find("actix-jwt-ext", "/open"), find("bare-actix", "/open"))
    {
        println!(
            "/open: actix-jwt-ext / bare = {:.3} x allocations",
            ours.0 / bare.0
        );
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let n = match args.next() {
        Some(v) => v.parse()?,
        None => 10_000,
    };
    actix_web::rt::System::new().block_on(run(n, args.next()))
}
