//! The actix-jwt-ext example service: settings from the environment / `.env`, a handler
//! module, and the manager registered with `init_app`, as the flask-jwt-extended setup guide
//! wires a Flask app.
//!
//! ```text
//! SECRET_KEY=$(openssl rand -hex 32) cargo run -p example-app
//! ```

mod handlers;
mod jwt;
mod settings;
mod users;

use actix_web::middleware::Logger;
use actix_web::{App, HttpServer};

use crate::settings::Settings;

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();

    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("example-app: configuration error: {e}");
            std::process::exit(2);
        }
    };
    let store = match jwt::blocklist(
        settings.redis_url.as_deref(),
        settings.redis_prefix.as_deref(),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("example-app: configuration error: {e}");
            std::process::exit(2);
        }
    };
    let algorithm = settings.jwt.algorithm;
    let key_set = match settings
        .keys
        .as_ref()
        .map(|k| jwt::key_set(k, algorithm))
        .transpose()
    {
        Ok(set) => set,
        Err(e) => {
            eprintln!("example-app: configuration error: {e}");
            std::process::exit(2);
        }
    };
    let jwt = match jwt::manager(settings.jwt, store, settings.refresh_rotation, key_set) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("example-app: configuration error: {e}");
            std::process::exit(2);
        }
    };
    if let Some(keys) = settings.keys.clone() {
        actix_web::rt::spawn(jwt::reload_keys(jwt.clone(), keys, algorithm));
    }
    // The public keys, for other services to verify this one's tokens (asymmetric keys only:
    // an HMAC secret is never published).
    let publish_jwks = !jwt.jwks().keys.is_empty();

    let manager = jwt.clone();
    let server = HttpServer::new(move || {
        App::new()
            .configure(manager.init_app())
            // The path only (%U): a token in the query string never reaches the log.
            .wrap(
                Logger::new("%a \"%{method}xi %U\" %s %b %Dms")
                    .custom_request_replace("method", |req| req.method().to_string()),
            )
            .configure(handlers::routes)
            .configure(|cfg| {
                if publish_jwks {
                    manager.serve_jwks("/.well-known/jwks.json")(cfg);
                }
            })
    })
    .bind((settings.host.as_str(), settings.port))?;
    for addr in server.addrs() {
        println!("example-app listening on http://{addr}");
    }
    server.run().await
}
