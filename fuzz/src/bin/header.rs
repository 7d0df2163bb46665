//! Target 2: token lookup through `verify_jwt_in_request`: the input as `Authorization`
//! header value(s), as a query string, and as a JSON body.
use actix_jwt_ext::{jwt_required, verify_jwt_in_request};
use actix_jwt_ext_fuzz::*;
use actix_web::http::header::HeaderValue;
use actix_web::http::Uri;
use actix_web::test::TestRequest;

fn main() {
    // AssertUnwindSafe: the manager holds `dyn Fn` loaders; a panic aborts the run anyway.
    let jwt = std::panic::AssertUnwindSafe(manager());
    let all = jwt_required();
    let optional = jwt_required().optional();
    afl::fuzz!(|data: &[u8]| {
        let jwt: &actix_jwt_ext::JwtManager = &jwt;
        let Some((&mode, rest)) = data.split_first() else { return };
        let opts = if mode & 0x80 != 0 { &optional } else { &all };
        match mode % 4 {
            // one or more Authorization lines (split on '\n'); lines the HTTP layer rejects skipped
            0 => {
                let mut req = TestRequest::default().app_data(jwt.clone());
                for line in rest.split(|&b| b == b'\n') {
                    let Ok(v) = HeaderValue::from_bytes(line) else { return };
                    req = req.append_header(("Authorization", v));
                }
                let _ = block_on(verify_jwt_in_request(&req.to_http_request(), opts));
            }
            // a raw query string (skipped unless it forms a valid URI)
            1 => {
                let Ok(s) = std::str::from_utf8(rest) else { return };
                let uri = format!("/protected?{s}");
                if Uri::try_from(uri.as_str()).is_err() {
                    return;
                }
                let req = TestRequest::get().uri(&uri).app_data(jwt.clone()).to_http_request();
                let _ = block_on(verify_jwt_in_request(&req, opts));
            }
            // a JSON body (POST with Content-Type: application/json)
            2 => {
                let req = TestRequest::post()
                    .app_data(jwt.clone())
                    .insert_header(("Content-Type", "application/json"))
                    .to_http_request();
                let _ = block_on(verify_jwt_in_request(&req, opts).body(rest.to_vec()));
            }
            // the input as the token after "Bearer " (arbitrary bytes reach the token parser)
            _ => {
                let mut v = b"Bearer ".to_vec();
                v.extend_from_slice(rest);
                let Ok(v) = HeaderValue::from_bytes(&v) else { return };
                let req = TestRequest::default()
                    .app_data(jwt.clone())
                    .insert_header(("Authorization", v))
                    .to_http_request();
                let _ = block_on(verify_jwt_in_request(&req, opts));
            }
        }
    });
}
