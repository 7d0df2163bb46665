//! Bare Actix baseline: `GET /protected` (no authentication, a constant identity) and
//! `GET /open`, one worker on `127.0.0.1:$PORT`; prints the bound address. No logger.

use std::error::Error;
use std::io::Write as _;

use actix_web::{App, HttpServer};
use bench_baselines::{bare, env_port};

async fn run() -> Result<(), Box<dyn Error>> {
    let server = HttpServer::new(|| App::new().configure(bare::configure))
        .workers(1)
        .shutdown_timeout(1)
        .bind(("127.0.0.1", env_port()?))?;
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
