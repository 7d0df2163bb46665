//! Target 3: cookie and CSRF parsing: the input as a `Cookie` header line (GET and POST),
//! and as the `X-CSRF-TOKEN` value on a POST carrying a valid access-token cookie.
use actix_jwt_ext::{jwt_required, verify_jwt_in_request};
use actix_jwt_ext_fuzz::*;
use actix_web::http::header::HeaderValue;
use actix_web::test::TestRequest;

fn main() {
    // AssertUnwindSafe: the manager holds `dyn Fn` loaders; a panic aborts the run anyway.
    let jwt = std::panic::AssertUnwindSafe(manager());
    let access = sign_raw(HS256_HEADER, valid_payload("access", "csrf-value").as_bytes());
    let refresh = sign_raw(HS256_HEADER, valid_payload("refresh", "csrf-value").as_bytes());
    let access_only = jwt_required();
    let refresh_only = jwt_required().refresh();
    afl::fuzz!(|data: &[u8]| {
        let jwt: &actix_jwt_ext::JwtManager = &jwt;
        let Some((&mode, rest)) = data.split_first() else { return };
        let opts = if mode & 0x80 != 0 { &refresh_only } else { &access_only };
        let Ok(v) = HeaderValue::from_bytes(rest) else { return };
        let req = match mode % 4 {
            0 => TestRequest::get().insert_header(("Cookie", v)),
            1 => TestRequest::post().insert_header(("Cookie", v)),
            2 => TestRequest::post()
                .insert_header(("Cookie", format!("access_token_cookie={access}; refresh_token_cookie={refresh}")))
                .insert_header(("X-CSRF-TOKEN", v)),
            // CSRF through the form field fallback: input as the body
            _ => {
                let req = TestRequest::post()
                    .app_data(jwt.clone())
                    .insert_header(("Cookie", format!("access_token_cookie={access}; refresh_token_cookie={refresh}")))
                    .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                    .to_http_request();
                let _ = block_on(verify_jwt_in_request(&req, opts).body(rest.to_vec()));
                return;
            }
        };
        let req = req.app_data(jwt.clone()).to_http_request();
        let _ = block_on(verify_jwt_in_request(&req, opts));
    });
}
