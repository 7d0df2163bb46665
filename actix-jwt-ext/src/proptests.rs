//! Property tests: encoding round trips, and no panic on any input in the parsers a client
//! controls (tokens, the header location, cookies with CSRF, the query string) or an operator
//! controls (`JwtConfig::from_vars`). Case counts are kept moderate so the module runs in a
//! few seconds; the fuzz targets go further.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::test::TestRequest;
use proptest::prelude::*;
use serde_json::{Map, Value};

use crate::{jwt_required, verify_jwt_in_request, JwtConfig, JwtManager, TokenLocation};

fn block<F: std::future::IntoFuture>(f: F) -> F::Output {
    actix_web::rt::System::new().block_on(f.into_future())
}

fn manager(f: impl FnOnce(crate::JwtConfigBuilder) -> crate::JwtConfigBuilder) -> JwtManager {
    JwtManager::new(
        f(JwtConfig::builder().secret_key("proptest-secret"))
            .build()
            .unwrap(),
    )
    .unwrap()
}

/// Any JSON value: strings (any Unicode), integers, finite floats, booleans, null, and nested
/// arrays and objects.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // serde_json without its `float_roundtrip` feature may read a float back one ULP off
        // (e.g. 9.488805244109623e94); only floats serde_json itself round-trips are used, so
        // this checks the crate, not serde_json's float parser.
        any::<f64>()
            .prop_filter("finite, serde_json round-trips it", |f| {
                f.is_finite()
                    && serde_json::from_str::<f64>(&Value::from(*f).to_string()).ok() == Some(*f)
            })
            .prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Custom claims whose names cannot collide with the registered ones the crate writes.
fn custom_claims() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map("x_[a-zA-Z0-9_\u{e9}\u{4e2d}]{0,12}", json_value(), 0..6)
        .prop_map(|m| m.into_iter().collect())
}

/// Header bytes an HTTP client can send (Actix refuses only CR, LF, NUL and other controls).
fn header_value() -> impl Strategy<Value = HeaderValue> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..120),
        // Near misses of a well-formed `Bearer <token>`.
        ("(Bearer|bearer|JWT|Basic|)", "[ \t,]{0,3}", "[ -~]{0,80}")
            .prop_map(|(t, s, v)| format!("{t}{s}{v}").into_bytes()),
    ]
    .prop_filter_map("not a legal header value", |b| {
        HeaderValue::from_bytes(&b).ok()
    })
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn b64_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_-]{0,60}",
        prop::collection::vec(any::<u8>(), 0..60).prop_map(|b| b64(&b)),
        json_value().prop_map(|v| b64(v.to_string().as_bytes())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn string_identity_and_claims_round_trip(
        identity in any::<String>(),
        claims in custom_claims(),
        refresh in any::<bool>(),
    ) {
        let jwt = manager(|b| b);
        let builder = if refresh { jwt.refresh_token(&identity) } else { jwt.access_token(&identity) };
        let token = block(builder.claims(&claims).encode()).unwrap();
        let decoded = block(jwt.decode_token(&token)).unwrap();
        prop_assert_eq!(decoded.identity_str(), Some(identity.as_str()));
        prop_assert_eq!(decoded.is_refresh(), refresh);
        for (name, value) in &claims {
            prop_assert_eq!(decoded.claim(name), Some(value), "claim {}", name);
        }
    }

    #[test]
    fn json_identity_round_trips_under_a_custom_identity_claim(
        identity in json_value(),
        claims in custom_claims(),
    ) {
        let jwt = manager(|b| b.identity_claim("identity"));
        let token = block(jwt.access_token(&identity).claims(&claims).encode()).unwrap();
        let decoded = block(jwt.decode_token(&token)).unwrap();
        prop_assert_eq!(decoded.identity(), Some(&identity));
        for (name, value) in &claims {
            prop_assert_eq!(decoded.claim(name), Some(value), "claim {}", name);
        }
    }

    #[test]
    fn decode_token_never_panics_on_any_string(token in any::<String>()) {
        let jwt = manager(|b| b);
        prop_assert!(block(jwt.decode_token(&token)).is_err());
        let _ = crate::dangerous::get_unverified_jwt_headers(&token);
    }

    #[test]
    fn decode_token_refuses_forged_three_segment_tokens(
        header in b64_segment(),
        payload in b64_segment(),
        signature in b64_segment(),
    ) {
        let jwt = manager(|b| b);
        let token = format!("{header}.{payload}.{signature}");
        prop_assert!(block(jwt.decode_token(&token)).is_err());
        let _ = crate::dangerous::get_unverified_jwt_headers(&token);
    }

    #[test]
    fn header_location_never_panics(
        values in prop::collection::vec(header_value(), 1..3),
        header_type in "(Bearer|JWT|)",
    ) {
        let jwt = manager(|b| b.header_type(header_type.clone()));
        let mut req = TestRequest::get().app_data(jwt.clone());
        for v in values {
            req = req.append_header((actix_web::http::header::AUTHORIZATION, v));
        }
        let req = req.to_http_request();
        prop_assert!(block(verify_jwt_in_request(&req, &jwt_required())).is_err());
        let optional = block(verify_jwt_in_request(&req, &jwt_required().optional()));
        prop_assert!(!matches!(optional, Ok(Some(_))));
    }

    #[test]
    fn cookie_and_csrf_parsing_never_panics(
        raw in prop::collection::vec(header_value(), 0..3),
        token in "[ -~]{0,60}",
        csrf in header_value(),
        method in prop_oneof![Just("GET"), Just("POST"), Just("DELETE")],
    ) {
        let jwt = manager(|b| b.token_location([TokenLocation::Cookies]));
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = TestRequest::default().method(method).app_data(jwt.clone());
        for v in raw {
            req = req.append_header((actix_web::http::header::COOKIE, v));
        }
        if let Ok(v) = HeaderValue::from_str(&format!("access_token_cookie={token}; csrf_access_token=x")) {
            req = req.append_header((actix_web::http::header::COOKIE, v));
        }
        req = req.insert_header((HeaderName::from_static("x-csrf-token"), csrf));
        let req = req.to_http_request();
        prop_assert!(block(verify_jwt_in_request(&req, &jwt_required())).is_err());
        prop_assert!(block(verify_jwt_in_request(&req, &jwt_required().refresh())).is_err());
    }

    #[test]
    fn query_string_location_never_panics(pairs in prop::collection::vec(("(jwt|x|)", any::<String>()), 0..4)) {
        let jwt = manager(|b| b.token_location([TokenLocation::QueryString, TokenLocation::Headers]));
        let query: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .finish();
        let req = TestRequest::get().uri(&format!("/p?{query}")).app_data(jwt.clone()).to_http_request();
        prop_assert!(block(verify_jwt_in_request(&req, &jwt_required())).is_err());
    }

    #[test]
    fn config_from_vars_never_panics(
        vars in prop::collection::vec(
            (
                prop_oneof![
                    prop::sample::select(CONFIG_NAMES).prop_map(str::to_owned),
                    "JWT_[A-Z_]{0,12}",
                ],
                prop_oneof![
                    any::<String>(),
                    "(true|false|True|0|1|-1|3600|1e9|HS256|RS256|none|headers, cookies|Lax|None|\
                      GET,POST|)",
                ],
            ),
            0..8,
        ),
    ) {
        let _ = JwtConfig::from_vars(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let mut with_secret = vars.clone();
        with_secret.push(("JWT_SECRET_KEY".into(), "s".into()));
        if let Ok(config) = JwtConfig::from_vars(with_secret) {
            // A configuration that validates also builds a manager or fails cleanly.
            let _ = JwtManager::new(config);
        }
    }
}

const CONFIG_NAMES: &[&str] = &[
    "SECRET_KEY",
    "JWT_ACCESS_COOKIE_NAME",
    "JWT_ACCESS_COOKIE_PATH",
    "JWT_ACCESS_CSRF_COOKIE_NAME",
    "JWT_ACCESS_CSRF_COOKIE_PATH",
    "JWT_ACCESS_CSRF_FIELD_NAME",
    "JWT_ACCESS_CSRF_HEADER_NAME",
    "JWT_ACCESS_TOKEN_EXPIRES",
    "JWT_ALGORITHM",
    "JWT_COOKIE_CSRF_PROTECT",
    "JWT_COOKIE_DOMAIN",
    "JWT_COOKIE_SAMESITE",
    "JWT_COOKIE_SECURE",
    "JWT_CSRF_CHECK_FORM",
    "JWT_CSRF_IN_COOKIES",
    "JWT_CSRF_METHODS",
    "JWT_DECODE_ALGORITHMS",
    "JWT_DECODE_AUDIENCE",
    "JWT_DECODE_ISSUER",
    "JWT_DECODE_LEEWAY",
    "JWT_ENCODE_AUDIENCE",
    "JWT_ENCODE_ISSUER",
    "JWT_ENCODE_NBF",
    "JWT_ERROR_MESSAGE_KEY",
    "JWT_HEADER_NAME",
    "JWT_HEADER_TYPE",
    "JWT_IDENTITY_CLAIM",
    "JWT_JSON_KEY",
    "JWT_PRIVATE_KEY",
    "JWT_PUBLIC_KEY",
    "JWT_QUERY_STRING_NAME",
    "JWT_QUERY_STRING_VALUE_PREFIX",
    "JWT_REFRESH_COOKIE_NAME",
    "JWT_REFRESH_COOKIE_PATH",
    "JWT_REFRESH_CSRF_COOKIE_NAME",
    "JWT_REFRESH_CSRF_COOKIE_PATH",
    "JWT_REFRESH_CSRF_FIELD_NAME",
    "JWT_REFRESH_CSRF_HEADER_NAME",
    "JWT_REFRESH_JSON_KEY",
    "JWT_REFRESH_TOKEN_EXPIRES",
    "JWT_SECRET_KEY",
    "JWT_SESSION_COOKIE",
    "JWT_TOKEN_LOCATION",
    "JWT_VERIFY_SUB",
];
