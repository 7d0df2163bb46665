//! Target 4: configuration parsing: the input split into `NAME=VALUE` lines (a literal `\\n` in a value is a newline) for
//! `JwtConfig::from_vars`; a configuration that validates is then given to `JwtManager::new`
//! (key parsing) and used to issue and decode a token.
use actix_jwt_ext::{JwtConfig, JwtManager};
use actix_jwt_ext_fuzz::block_on;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let text = String::from_utf8_lossy(data);
        // A literal `\n` in a value stands for a newline, so PEM keys fit on one line.
        let vars: Vec<(&str, String)> = text
            .lines()
            .map(|l| l.split_once('=').unwrap_or((l, "")))
            .map(|(k, v)| (k, v.replace("\\n", "\n")))
            .collect();
        let Ok(config) = JwtConfig::from_vars(vars) else { return };
        let _ = config.decode_algorithms();
        let Ok(jwt) = JwtManager::new(config) else { return };
        if let Ok(token) = block_on(jwt.access_token("alice").encode()) {
            let _ = block_on(jwt.decode_token(&token));
        }
    });
}
