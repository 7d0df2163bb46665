//! Hand-written baseline: `GET /protected` behind a `FromRequest` extractor around
//! `jsonwebtoken::decode` (HS256, leeway 0, `nbf`, `exp` required, `type == "access"`) and
//! `GET /open`, one worker on `127.0.0.1:$PORT`, secret from `JWT_SECRET_KEY`; prints the
//! bound address. No logger.

use std::error::Error;
use std::io::Write as _;

use actix_web::{web, App, HttpServer};
use bench_baselines::{env_port, env_secret, handwritten};

async fn run() -> Result<(), Box<dyn Error>> {
    let verifier = web::Data::new(handwritten::Verifier::new(env_secret()?.as_bytes()));
    let server =
        HttpServer::new(move || App::new().configure(handwritten::configure(verifier.clone())))
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
