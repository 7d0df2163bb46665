//! CSRF double submit for tokens read from cookies.
//!
//! **Threat.** A browser attaches cookies to cross-site requests, so a cookie-borne token
//! alone proves nothing about who composed a request. **Defence.** Every token carries a
//! random `csrf` claim (while `JWT_COOKIE_CSRF_PROTECT` is on); the same value is set in a
//! cookie that page scripts can read (the JWT cookie itself is HttpOnly). A state-changing
//! request must echo the value in a header (`X-CSRF-TOKEN`), which a cross-site page can
//! neither read nor send.
//!
//! Decision procedure, for a token found in a cookie:
//! 1. The method is not in `JWT_CSRF_METHODS` (GET, HEAD, OPTIONS by default): no check.
//! 2. Read the CSRF header; with `JWT_CSRF_CHECK_FORM`, fall back to the form field.
//!    Nothing: 401 `Missing CSRF token`, before the token is even decoded.
//! 3. Verify the token's signature and claims.
//! 4. The token has no `csrf` claim: 422 `Missing claim: csrf`.
//! 5. Compare the values in constant time; different: 401
//!    `CSRF double submit tokens do not match`.
//!
//! Tokens from headers, the query string or JSON are never CSRF-checked: a cross-site page
//! cannot make a browser send them.
//!
//! ## Deployment caveats
//!
//! - **SameSite.** `JWT_COOKIE_SAMESITE=Lax` or `Strict` keeps browsers from sending the JWT
//!   cookie on cross-site requests at all, a second fence behind the double submit.
//!   `SameSite=None` needs `JWT_COOKIE_SECURE=true`, or browsers drop the cookie.
//! - **Subdomains.** A sibling subdomain (`evil.example.com`) can *set* cookies for
//!   `example.com` and so plant a CSRF cookie of its choice; it still cannot forge a token
//!   whose `csrf` claim matches, but keep `JWT_COOKIE_DOMAIN` unset unless several subdomains
//!   must share the login, and prefer `__Host-` cookie names (checked at startup: `Secure`,
//!   `Path=/`, no `Domain`).
//! - **Proxies and HTTPS.** Behind a TLS-terminating proxy the app sees plain HTTP: still set
//!   `JWT_COOKIE_SECURE=true`, since the browser talks HTTPS. Proxies must forward the
//!   `X-CSRF-TOKEN` header (or the configured name) unchanged.
//! - **Safe methods stay safe.** `GET`, `HEAD` and `OPTIONS` are not checked by default:
//!   never change state in them, or add them to `JWT_CSRF_METHODS`.
//! - **Implicit refresh** rotates the CSRF value; scripts must read the cookie before each
//!   unsafe request, not once at page load.
//!
//! ## Accept and reject
//!
//! ```
//! # actix_web::rt::System::new().block_on(async {
//! use actix_web::{test, web, App, HttpResponse};
//! use actix_jwt_ext::{jwt_required, JwtConfig, JwtManager, TokenLocation};
//!
//! let config = JwtConfig::builder()
//!     .secret_key("s3cr3t")
//!     .token_location([TokenLocation::Cookies])
//!     .build()?;
//! let jwt = JwtManager::new(config)?;
//! let app = test::init_service(
//!     App::new()
//!         .configure(jwt.init_app())
//!         .service(web::resource("/transfer").wrap(jwt_required()).to(HttpResponse::Ok)),
//! )
//! .await;
//! let token = jwt.access_token("alice").encode().await?;
//! let csrf = jwt.get_csrf_token(&token).await?;
//! let cookie = format!("access_token_cookie={token}");
//!
//! // A cross-site form: the browser sends the cookie, but nobody sends the header.
//! let forged = test::TestRequest::post().uri("/transfer").insert_header(("Cookie", cookie.as_str()));
//! let resp = test::call_service(&app, forged.to_request()).await;
//! assert_eq!(resp.status(), 401);
//! assert_eq!(test::read_body(resp).await, "{\"msg\":\"Missing CSRF token\"}\n");
//!
//! // A guessed value.
//! let guessed = test::TestRequest::post()
//!     .uri("/transfer")
//!     .insert_header(("Cookie", cookie.as_str()))
//!     .insert_header(("X-CSRF-TOKEN", "00000000-0000-4000-8000-000000000000"));
//! let resp = test::call_service(&app, guessed.to_request()).await;
//! assert_eq!(test::read_body(resp).await, "{\"msg\":\"CSRF double submit tokens do not match\"}\n");
//!
//! // The page's own script, echoing the readable CSRF cookie.
//! let genuine = test::TestRequest::post()
//!     .uri("/transfer")
//!     .insert_header(("Cookie", cookie.as_str()))
//!     .insert_header(("X-CSRF-TOKEN", csrf.as_str()));
//! assert_eq!(test::call_service(&app, genuine.to_request()).await.status(), 200);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use subtle::ConstantTimeEq as _;

use crate::kind::{ErrorKind, Failure};
use crate::token::Object;

/// Steps 4 and 5: the token's `csrf` claim against the value sent with the request.
pub(crate) fn check(claims: &Object, sent: &str) -> Result<(), Failure> {
    let Some(expected) = claims.get("csrf") else {
        return Err(Failure::missing_claim("csrf"));
    };
    if expected
        .as_str()
        .is_some_and(|expected| values_match(expected, sent))
    {
        Ok(())
    } else {
        Err(ErrorKind::CsrfMismatch.into())
    }
}

/// `true` when the value sent equals the token's claim, compared in constant time.
pub(crate) fn values_match(claim: &str, sent: &str) -> bool {
    bool::from(claim.as_bytes().ct_eq(sent.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::Part;

    #[test]
    fn values_are_compared_whole() {
        assert!(values_match("3f1c-a9", "3f1c-a9"));
        assert!(!values_match("3f1c-a9", "3f1c-a8"));
        assert!(!values_match("3f1c-a9", ""));
    }

    #[test]
    fn the_claim_is_read_from_the_one_parse() {
        let claims = Object::parse(br#"{"csrf":"ab\u0063"}"#.to_vec(), Part::Payload).unwrap();
        assert!(check(&claims, "abc").is_ok());
        assert_eq!(
            check(&claims, "abd").unwrap_err().kind,
            ErrorKind::CsrfMismatch
        );
        let none = Object::parse(b"{}".to_vec(), Part::Payload).unwrap();
        assert_eq!(
            check(&none, "abc").unwrap_err().message(),
            "Missing claim: csrf"
        );
    }
}
