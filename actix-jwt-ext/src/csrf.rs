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

use subtle::ConstantTimeEq as _;

/// `true` when the value sent equals the token's claim, compared in constant time.
///
/// ```
/// use actix_jwt_ext::csrf::values_match;
///
/// assert!(values_match("3f1c-a9", "3f1c-a9"));
/// assert!(!values_match("3f1c-a9", "3f1c-a8"));
/// assert!(!values_match("3f1c-a9", ""));
/// ```
pub fn values_match(claim: &str, sent: &str) -> bool {
    bool::from(claim.as_bytes().ct_eq(sent.as_bytes()))
}
