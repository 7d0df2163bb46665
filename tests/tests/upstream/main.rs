//! flask-jwt-extended's own test suite (4.7.4, `tests/` of the sdist), ported: one module per
//! upstream file, one Rust test per upstream case, with the upstream names, so the two can be
//! read side by side. Each test builds a small Actix app with this crate the way the upstream
//! test builds its Flask app, and drives it over real HTTP on loopback.
//!
//! Where Flask has no Actix counterpart (app context, `g`, template context processors) the test
//! checks the Actix equivalent and says so; where this crate deliberately answers differently
//! (a 4xx where flask-jwt-extended answers 500, a startup error where it fails at first use),
//! the test asserts our answer and names the reason.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod support_a;
mod support_c;

mod support_b;
mod test_add_context_processor;
mod test_additional_claims_loader;
mod test_asymmetric_crypto;
mod test_blocklist;
mod test_claims_verification;
mod test_config;
mod test_cookies;
mod test_decode_tokens;
mod test_get_jwt_in_non_protected_contexts;
mod test_get_methods_in_optional_endpoint;
mod test_headers;
mod test_json;
mod test_jwt_header_loader;
mod test_multiple_token_locations;
mod test_options_method;
mod test_query_string;
mod test_user_lookup;
mod test_view_decorators;
