//! Prints an access token for `alice` minted by actix-jwt-ext with the secret in
//! `JWT_SECRET_KEY` (flask-jwt-extended's claim set), valid for `TOKEN_LIFETIME` seconds
//! (default 7200). The load and callgrind scripts send it to all three servers.

use std::error::Error;
use std::time::Duration;

use actix_jwt_ext::{JwtConfig, JwtManager};

fn main() -> Result<(), Box<dyn Error>> {
    let lifetime: u64 = match std::env::var("TOKEN_LIFETIME") {
        Ok(v) => v.parse()?,
        Err(_) => 7200,
    };
    let jwt = JwtManager::new(
        JwtConfig::builder()
            .secret_key(bench_baselines::env_secret()?)
            .build()?,
    )?;
    println!(
        "{}",
        bench_baselines::mint_token(&jwt, Duration::from_secs(lifetime))?
    );
    Ok(())
}
