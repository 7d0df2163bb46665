//! Target 1: token parsing and verification through `JwtManager::decode_token`.
//! First byte picks the mode: the rest as a raw token, as the payload of a validly signed
//! token (verification reaches the claim checks), or as the header of a validly signed token.
use actix_jwt_ext_fuzz::*;

fn main() {
    // AssertUnwindSafe: the manager holds `dyn Fn` loaders; a panic aborts the run anyway.
    let jwt = std::panic::AssertUnwindSafe(manager());
    let valid = valid_payload("access", "c");
    afl::fuzz!(|data: &[u8]| {
        let jwt: &actix_jwt_ext::JwtManager = &jwt;
        let Some((&mode, rest)) = data.split_first() else { return };
        let token = match mode % 4 {
            0 => String::from_utf8_lossy(rest).into_owned(),
            1 => sign_raw(HS256_HEADER, rest),
            2 => sign_raw(rest, valid.as_bytes()),
            _ => match std::str::from_utf8(rest) {
                // header and payload as text split on the first newline
                Ok(s) => {
                    let (h, p) = s.split_once('\n').unwrap_or((s, "{}"));
                    sign_raw(h.as_bytes(), p.as_bytes())
                }
                Err(_) => return,
            },
        };
        let _ = block_on(jwt.decode_token(&token));
        let _ = actix_jwt_ext::dangerous::get_unverified_jwt_headers(&token);
    });
}
