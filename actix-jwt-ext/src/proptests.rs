//! Property tests: encoding round trips; no panic on any input in the parsers a client
//! controls (tokens, the header location, cookies with CSRF, the query string) or an operator
//! controls (`JwtConfig::from_vars`); and, for any payload text, agreement of the one parse of
//! a token's JSON (and of every accessor and check reading it) with a full `serde_json::Value`
//! parse of the same bytes. Case counts are kept moderate so the module runs in a few seconds;
//! the fuzz targets go further.

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

// ----- The one parse of a payload against a full `serde_json::Value` parse -----
//
// Payload *texts* are generated (not values serialised by serde_json): escaped member names
// (`\u0065xp`), every escape JSON has, surrogate pairs and lone surrogates, duplicate names
// (registered ones included), whitespace between every token, nesting around serde_json's
// limit of 128, numbers out of range or past `u64`, non-object roots, broken syntax and
// invalid UTF-8. The oracle is `serde_json::from_slice::<Value>` of the same bytes. No name
// is ever `$serde_json::private::RawValue` (see `raw_value_token_as_a_member_name`).

/// JSON whitespace between tokens, and now and then a character JSON does not allow there.
fn ws() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        300 => Just(""),
        60 => Just(" "),
        15 => Just("\n"),
        15 => Just("\t"),
        10 => Just("\r\n  "),
        1 => prop::sample::select(&["\u{a0}", "\u{c}", "\u{b}", "\u{feff}", "\u{2028}"][..]),
    ]
}

/// `c` as `\uXXXX` escapes (a surrogate pair above U+FFFF).
fn escape_char(c: char, upper: bool) -> String {
    let mut units = [0u16; 2];
    c.encode_utf16(&mut units)
        .iter()
        .map(|u| {
            if upper {
                format!("\\u{u:04X}")
            } else {
                format!("\\u{u:04x}")
            }
        })
        .collect()
}

/// The string literal of `s`, each character spelled by its style: 0 raw, 1 `\uxxxx`,
/// 2 `\uXXXX`, 3 a short escape where JSON has one (`\/`); always valid JSON.
fn spell(s: &str, styles: &[u8]) -> String {
    let mut out = String::from('"');
    for (i, c) in s.chars().enumerate() {
        match (styles.get(i).copied().unwrap_or(0), c) {
            (1, c) => out.push_str(&escape_char(c, false)),
            (2, c) => out.push_str(&escape_char(c, true)),
            (_, '"') => out.push_str("\\\""),
            (_, '\\') => out.push_str("\\\\"),
            (3, '/') => out.push_str("\\/"),
            (3, '\n') => out.push_str("\\n"),
            (_, c) if c < ' ' => out.push_str(&escape_char(c, false)),
            (_, c) => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The names the library reads itself, and a few others.
const NAMES: &[&str] = &[
    "exp", "iat", "nbf", "sub", "jti", "type", "fresh", "csrf", "iss", "aud", "x", "",
];

/// `name` spelled with a random mix of escapes.
fn spelled(name: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(0u8..4, 0..8).prop_map(move |styles| spell(name, &styles))
}

/// A string of `len` characters of `alphabet` (cheaper than a regex strategy, which is
/// compiled again for every case).
fn chars_of(alphabet: &'static str, len: std::ops::Range<usize>) -> impl Strategy<Value = String> {
    let chars: Vec<char> = alphabet.chars().collect();
    prop::collection::vec(prop::sample::select(chars), len).prop_map(|c| c.into_iter().collect())
}

/// A member name: a registered one or another (quotes, slashes, non-ASCII), spelled with
/// random escapes.
fn name_literal() -> BoxedStrategy<String> {
    (
        prop_oneof![
            4 => prop::sample::select(NAMES).prop_map(str::to_owned),
            1 => chars_of("abz\u{e9}\u{1f600}/\"\\", 0..5),
        ],
        prop::collection::vec(0u8..4, 0..8),
    )
        .prop_map(|(name, styles)| spell(&name, &styles))
        .boxed()
}

const VALID_ESCAPES: &[&str] = &[
    "\\\"",
    "\\\\",
    "\\/",
    "\\b",
    "\\f",
    "\\n",
    "\\r",
    "\\t",
    "\\u0065",
    "\\u00e9",
    "\\u00E9",
    "\\u4e2d",
    "\\ud83d\\ude00",
    "\\uD83D\\uDE00",
    "\\u0000",
    "\\u001f",
    "\\u2028",
];

/// Pieces JSON refuses inside a string: lone surrogates, unknown or short escapes, raw
/// control characters.
const INVALID_PIECES: &[&str] = &[
    "\\ud800",
    "\\udc00",
    "\\ud83d",
    "\\ude00\\ud83d",
    "\\ud800\\u0041",
    "\\ud800x",
    "\\x",
    "\\'",
    "\\u12",
    "\\U0041",
    "\u{1}",
    "\n",
    "\t",
    "\u{1f}",
];

fn string_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        120 => chars_of("abcxyzABC019 _.-", 1..7),
        40 => any::<char>()
            .prop_filter("JSON escapes it", |c| !matches!(c, '"' | '\\') && *c >= ' ')
            .prop_map(String::from),
        40 => (any::<char>(), any::<bool>()).prop_map(|(c, upper)| escape_char(c, upper)),
        40 => prop::sample::select(VALID_ESCAPES).prop_map(str::to_owned),
        1 => prop::sample::select(INVALID_PIECES).prop_map(str::to_owned),
    ]
}

/// A string literal (rarely one JSON refuses).
fn string_literal() -> BoxedStrategy<String> {
    prop::collection::vec(string_piece(), 0..5)
        .prop_map(|p| format!("\"{}\"", p.concat()))
        .boxed()
}

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "1",
    "-1",
    "1.0",
    "-0.0",
    "0.5",
    "1e3",
    "1E+2",
    "2.5e-3",
    "1e400",
    "-1e400",
    "1e-400",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "-9223372036854775809",
    "123456789012345678901234567890",
    "1.7976931348623157e308",
    "4102444800",
    "1700000000",
    "9007199254740993",
];

/// Number-like texts JSON refuses.
const BAD_NUMBERS: &[&str] = &[
    "01",
    "1.",
    ".5",
    "+1",
    "-",
    "1e",
    "1e+",
    "NaN",
    "Infinity",
    "-Infinity",
    "0x10",
    "1_0",
];

fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        30 => prop::sample::select(NUMBERS).prop_map(str::to_owned),
        10 => any::<i64>().prop_map(|n| n.to_string()),
        10 => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:e}")),
        1 => prop::sample::select(BAD_NUMBERS).prop_map(str::to_owned),
    ]
}

/// One member's text: `name: value`, with whitespace around each token.
fn member_text(
    name: impl Strategy<Value = String>,
    value: impl Strategy<Value = String>,
) -> impl Strategy<Value = String> {
    (ws(), name, ws(), ws(), value, ws())
        .prop_map(|(a, name, b, c, value, d)| format!("{a}{name}{b}:{c}{value}{d}"))
}

/// Any value's text: leaves, and arrays and objects of them (names may repeat).
fn value_text() -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        1 => Just("null".to_owned()),
        1 => Just("true".to_owned()),
        1 => Just("false".to_owned()),
        3 => number_text(),
        4 => string_literal(),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec((ws(), inner.clone(), ws()), 0..4).prop_map(|items| {
                let items: Vec<String> = items
                    .into_iter()
                    .map(|(a, v, b)| format!("{a}{v}{b}"))
                    .collect();
                format!("[{}]", items.join(","))
            }),
            prop::collection::vec(member_text(name_literal(), inner), 0..4)
                .prop_map(|members| format!("{{{}}}", members.join(","))),
        ]
    })
    .boxed()
}

/// `value` nested in arrays or objects, at depths around serde_json's limit of 128.
fn deep(value: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    (
        prop::sample::select(&[1usize, 2, 63, 125, 126, 127, 128, 129, 200][..]),
        any::<bool>(),
        value,
    )
        .prop_map(|(depth, arrays, v)| {
            if arrays {
                format!("{}{v}{}", "[".repeat(depth), "]".repeat(depth))
            } else {
                format!("{}{v}{}", "{\"d\":".repeat(depth), "}".repeat(depth))
            }
        })
}

/// Time claims far from now on either side, of every JSON type PyJWT's `int()` meets.
const TIMES: &[&str] = &[
    "0",
    "-0",
    "1",
    "1.0",
    "0.5e1",
    "true",
    "false",
    "1700000000",
    "-1e300",
    "4102444800",
    "4102444800.5",
    "1e300",
    "18446744073709551616",
    "1e400",
    "\"4102444800\"",
    "null",
    "[]",
];
const TYPES: &[&str] = &[
    "\"access\"",
    "\"refresh\"",
    "\"re\\u0066resh\"",
    "\"custom\"",
    "\"\"",
    "\"Refresh\"",
    "1",
];
const FRESH: &[&str] = &[
    "true",
    "false",
    "0",
    "1e300",
    "4102444800",
    "1700000000",
    "-0",
    "\"yes\"",
    "null",
];

fn pick(options: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(options).prop_map(str::to_owned)
}

/// One claim: mostly the registered ones with values of the right type, often not.
fn claim_text() -> BoxedStrategy<String> {
    let time = || {
        (
            prop::sample::select(&["exp", "iat", "nbf"][..]),
            prop::collection::vec(0u8..4, 0..8),
        )
            .prop_map(|(n, s)| spell(n, &s))
    };
    prop_oneof![
        3 => member_text(spelled("sub"), prop_oneof![5 => string_literal(), 1 => value_text()]),
        2 => member_text(spelled("jti"), prop_oneof![4 => string_literal(), 1 => value_text()]),
        2 => member_text(spelled("type"), prop_oneof![3 => pick(TYPES), 1 => value_text()]),
        2 => member_text(spelled("fresh"), prop_oneof![3 => pick(FRESH), 1 => value_text()]),
        1 => member_text(spelled("csrf"), prop_oneof![3 => string_literal(), 1 => value_text()]),
        3 => member_text(time(), prop_oneof![4 => pick(TIMES), 1 => value_text()]),
        3 => member_text(name_literal(), value_text()),
        1 => member_text(name_literal(), deep(value_text())),
    ]
    .boxed()
}

/// A payload object: usually a `sub` first, then claims (names may repeat, `sub` included).
fn payload_object() -> BoxedStrategy<String> {
    (
        ws(),
        prop::option::weighted(0.8, member_text(spelled("sub"), string_literal())),
        prop::collection::vec(claim_text(), 0..6),
        ws(),
    )
        .prop_map(|(a, sub, claims, b)| {
            let members: Vec<String> = sub.into_iter().chain(claims).collect();
            format!("{a}{{{}}}{b}", members.join(","))
        })
        .boxed()
}

/// Ways to break an object's text.
fn mutate(text: String, how: usize) -> String {
    match how {
        0 => text + "x",
        1 => text + ",",
        2 => text + "}",
        3 => text + "{}",
        4 => {
            let mut t = text;
            t.pop();
            t
        }
        5 => text.replacen('{', "[", 1),
        6 => match text.rfind('}') {
            Some(at) => format!("{},{}", &text[..at], &text[at..]),
            None => text,
        },
        7 => format!("\u{feff}{text}"),
        _ => format!("{text}\u{a0}"),
    }
}

/// The payload text: an object, another root, deep nesting, or a broken object.
fn payload_text() -> BoxedStrategy<String> {
    prop_oneof![
        14 => payload_object(),
        2 => value_text(),
        1 => deep(value_text()),
        2 => (payload_object(), 0usize..9).prop_map(|(t, how)| mutate(t, how)),
    ]
    .boxed()
}

/// Byte sequences that are not UTF-8: a stray byte, a lead byte alone, an encoded
/// surrogate (CESU-8), an overlong `/`.
const BAD_UTF8: &[&[u8]] = &[&[0xff], &[0xc3], &[0xed, 0xa0, 0x80], &[0xc0, 0xaf]];

/// The payload bytes: the text, or (rarely) the text with invalid UTF-8 inserted.
fn payload_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        12 => payload_text().prop_map(String::into_bytes),
        1 => (
            payload_text(),
            any::<prop::sample::Index>(),
            prop::sample::select(BAD_UTF8),
        )
            .prop_map(|(text, at, bad)| {
                let mut bytes = text.into_bytes();
                let at = at.index(bytes.len() + 1);
                bytes.splice(at..at, bad.iter().copied());
                bytes
            }),
    ]
}

/// A token over exactly `payload`, signed HS256 with `proptest-secret` (the manager's).
fn sign_payload(payload: &[u8]) -> String {
    let mut token = b64(br#"{"alg":"HS256","typ":"JWT"}"#);
    token.push('.');
    token.push_str(&b64(payload));
    let key = jsonwebtoken::EncodingKey::from_secret(b"proptest-secret");
    let message_len = token.len();
    token.push('.');
    let mut signature = String::new();
    crate::crypto::sign_into(
        jsonwebtoken::Algorithm::HS256,
        &key,
        &token.as_bytes()[..message_len],
        &mut signature,
    )
    .unwrap();
    token + &signature
}

/// What decoding a payload whose full parse is `claims` must give with the default
/// configuration (identity claim `sub`, `JWT_VERIFY_SUB`, no leeway, issuer or audience):
/// PyJWT's registered-claim checks in its order, then the identity claim, then the expiry.
fn expected_decode(
    claims: &Map<String, Value>,
    allow_expired: bool,
) -> Result<(), crate::ErrorKind> {
    use crate::ErrorKind::*;
    let now = crate::token::now_f64();
    let seconds = |v: &Value| match v {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite()).map(f64::trunc),
        _ => None,
    };
    if let Some(iat) = claims.get("iat") {
        if seconds(iat).ok_or(InvalidClaim)? > now {
            return Err(IssuedInFuture);
        }
    }
    if let Some(nbf) = claims.get("nbf") {
        if seconds(nbf).ok_or(InvalidClaim)? > now {
            return Err(NotYetValid);
        }
    }
    let mut expired = false;
    if let Some(exp) = claims.get("exp") {
        let exp = seconds(exp).ok_or(InvalidClaim)?;
        expired = !allow_expired && exp <= now;
    }
    if claims.get("sub").is_some_and(|v| !v.is_string()) {
        return Err(InvalidClaim);
    }
    if claims.get("jti").is_some_and(|v| !v.is_string()) {
        return Err(InvalidClaim);
    }
    if !claims.contains_key("sub") {
        return Err(MissingClaim);
    }
    if expired {
        return Err(Expired);
    }
    Ok(())
}

/// Every accessor of `token` against the full parse `claims` of its payload.
fn accessors_agree(
    token: &crate::DecodedToken,
    claims: &Map<String, Value>,
) -> Result<(), TestCaseError> {
    let str_of = |name: &str| claims.get(name).and_then(Value::as_str);
    let mut with_defaults = claims.clone();
    for (name, default) in [
        ("type", Value::from("access")),
        ("fresh", Value::Bool(false)),
        ("jti", Value::Null),
    ] {
        with_defaults.entry(name).or_insert(default);
    }
    prop_assert_eq!(token.claims(), &with_defaults);
    for name in with_defaults
        .keys()
        .map(String::as_str)
        .chain(NAMES.iter().copied())
    {
        prop_assert_eq!(
            token.claim(name),
            with_defaults.get(name),
            "claim({:?})",
            name
        );
    }
    let header = serde_json::json!({"alg": "HS256", "typ": "JWT"});
    prop_assert_eq!(token.header(), header.as_object().unwrap());
    prop_assert_eq!(token.identity_claim(), "sub");
    prop_assert_eq!(token.identity(), claims.get("sub"));
    prop_assert_eq!(token.identity_str(), str_of("sub"));
    let identity = token
        .identity_member()
        .map(|m| m.deserialize::<Value>().unwrap());
    prop_assert_eq!(identity.as_ref(), claims.get("sub"));
    prop_assert_eq!(token.jti(), str_of("jti"));
    prop_assert_eq!(token.token_type(), str_of("type").unwrap_or("access"));
    prop_assert_eq!(token.is_refresh(), str_of("type") == Some("refresh"));
    prop_assert_eq!(token.csrf(), str_of("csrf"));
    prop_assert_eq!(token.string_claim("csrf"), str_of("csrf"));
    prop_assert_eq!(
        token.expires_at(),
        claims.get("exp").and_then(Value::as_f64)
    );
    for now in [
        f64::MIN,
        0.0,
        crate::token::now_f64(),
        4_102_444_800.0,
        f64::MAX,
    ] {
        let fresh = match claims.get("fresh") {
            Some(Value::Bool(b)) => *b,
            Some(Value::Number(n)) => n.as_f64().is_some_and(|ts| ts >= now),
            _ => false,
        };
        prop_assert_eq!(token.is_fresh_at(now), fresh, "is_fresh_at({})", now);
    }
    prop_assert_eq!(
        &token.deserialize_claims::<Map<String, Value>>().unwrap(),
        &with_defaults
    );
    prop_assert_eq!(token.clone().into_parts().1, with_defaults);
    prop_assert!(token.clone() == *token);
    Ok(())
}

/// The full parse of `bytes`, when it is an object.
fn full_parse_object(bytes: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// Runs `cases` cases of `test` on a thread with a 64 MiB stack: the payload generators
/// nest deeply, and proptest's generic code has large frames in debug builds (the 2 MiB of
/// a test thread overflow while a case is generated, before the library runs).
fn run_on_a_big_stack<S: Strategy + 'static>(
    cases: u32,
    strategy: fn() -> S,
    test: fn(S::Value) -> Result<(), TestCaseError>,
) {
    let outcome = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let config = ProptestConfig {
                cases,
                failure_persistence: None,
                ..ProptestConfig::default()
            };
            proptest::test_runner::TestRunner::new(config)
                .run(&strategy(), test)
                .map_err(|e| e.to_string())
        })
        .unwrap()
        .join();
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(failure)) => panic!("{failure}"),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// `Object::parse` accepts exactly the objects a full parse accepts, and reads every member as
/// it does (the last duplicate wins, names and values unescaped).
#[test]
fn the_one_parse_agrees_with_a_full_value_parse() {
    run_on_a_big_stack(512, payload_bytes, one_parse_agrees);
}

/// `check(bytes)`, its failures naming the payload as text.
fn with_payload_text(
    bytes: &[u8],
    check: impl FnOnce() -> Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    check().map_err(|e| {
        TestCaseError::fail(format!(
            "{e}\n  payload: {:?}",
            String::from_utf8_lossy(bytes)
        ))
    })
}

fn one_parse_agrees(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    with_payload_text(&bytes.clone(), || one_parse_agrees_on(bytes))
}

fn one_parse_agrees_on(bytes: Vec<u8>) -> Result<(), TestCaseError> {
    use crate::kind::Part;
    use crate::token::Object;
    let parsed = Object::parse(bytes.clone(), Part::Payload);
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => {
            let object = parsed.map_err(|e| {
                TestCaseError::fail(format!(
                    "a full parse accepts it, the one parse refuses it: {}",
                    e.message()
                ))
            })?;
            prop_assert_eq!(&object.to_map(), &map);
            for (name, value) in &map {
                let member = object.get(name);
                let read = member.map(|m| m.to_value().into_owned());
                prop_assert_eq!(read.as_ref(), Some(value), "get({:?})", name);
                let deserialized = member.map(|m| m.deserialize::<Value>().unwrap());
                prop_assert_eq!(deserialized.as_ref(), Some(value));
                prop_assert_eq!(object.str(name), value.as_str());
                prop_assert_eq!(object.number(name), value.as_f64());
                prop_assert_eq!(member.is_some_and(|m| m.is_string()), value.is_string());
                prop_assert!(object.contains(name));
            }
            for name in NAMES.iter().filter(|n| !map.contains_key(**n)) {
                prop_assert!(object.get(name).is_none(), "get({:?})", name);
            }
        }
        Ok(_) => {
            let err = parsed
                .err()
                .ok_or_else(|| TestCaseError::fail("a non-object root was accepted"))?;
            prop_assert_eq!(
                err.message(),
                "Invalid payload string: must be a json object"
            );
        }
        Err(_) => {
            let err = parsed.err().ok_or_else(|| {
                TestCaseError::fail("a full parse refuses it, the one parse accepts it")
            })?;
            prop_assert_eq!(err.kind, crate::ErrorKind::BadJson);
            prop_assert_ne!(
                err.message(),
                "Invalid payload string: must be a json object"
            );
        }
    }
    Ok(())
}

/// For any payload text, `decode_token` refuses exactly what a full parse and the
/// registered-claim rules explain (never `BadJson` for an object a full parse accepts), and
/// every accessor of what it accepts, or of the token an `Expired` error carries, agrees
/// with the full parse; likewise `dangerous::decode_unverified`, and `verify_jwt_in_request`
/// on an access route and on a refresh route.
#[test]
fn decoded_tokens_agree_with_a_full_value_parse() {
    run_on_a_big_stack(
        384,
        || (payload_bytes(), any::<bool>()),
        decoded_token_agrees,
    );
}

fn decoded_token_agrees((bytes, allow_expired): (Vec<u8>, bool)) -> Result<(), TestCaseError> {
    with_payload_text(&bytes, || decoded_token_agrees_on(&bytes, allow_expired))
}

fn decoded_token_agrees_on(bytes: &[u8], allow_expired: bool) -> Result<(), TestCaseError> {
    use crate::ErrorKind;
    let jwt = manager(|b| b);
    let token = sign_payload(bytes);
    let decoded = block(jwt.decode_token(&token).allow_expired(allow_expired));
    let unverified = crate::dangerous::decode_unverified(&token);
    let Some(claims) = full_parse_object(bytes) else {
        let err = decoded.err().ok_or_else(|| {
            TestCaseError::fail("decoded a payload a full parse refuses or reads as a non-object")
        })?;
        prop_assert_eq!(err.kind(), ErrorKind::BadJson);
        prop_assert_eq!(unverified.err().map(|e| e.kind()), Some(ErrorKind::BadJson));
        return Ok(());
    };
    let unverified =
        unverified.map_err(|e| TestCaseError::fail(format!("decode_unverified: {e}")))?;
    for (name, value) in &claims {
        prop_assert_eq!(unverified.claim(name), Some(value), "claim({:?})", name);
    }
    prop_assert_eq!(unverified.claims().len(), {
        let defaults = ["type", "fresh", "jti"];
        claims.len()
            + defaults
                .iter()
                .filter(|d| !claims.contains_key(**d))
                .count()
    });
    prop_assert_eq!(unverified.identity(), claims.get("sub"));
    prop_assert_eq!(
        unverified.identity_str(),
        claims.get("sub").and_then(Value::as_str)
    );
    match (decoded, expected_decode(&claims, allow_expired)) {
        (Ok(token), Ok(())) => accessors_agree(&token, &claims)?,
        (Err(err), Err(kind)) => {
            prop_assert_eq!(err.kind(), kind, "{}", err);
            prop_assert_eq!(err.token().is_some(), kind == ErrorKind::Expired);
            if let Some(token) = err.token() {
                accessors_agree(token, &claims)?;
            }
        }
        (Ok(_), Err(kind)) => prop_assert!(false, "decoded, expected {:?}", kind),
        (Err(err), Ok(())) => prop_assert!(
            false,
            "refused with {:?} ({}), expected a decode",
            err.kind(),
            err
        ),
    }
    let req = TestRequest::get()
        .app_data(jwt.clone())
        .insert_header((
            actix_web::http::header::AUTHORIZATION,
            format!("Bearer {token}"),
        ))
        .to_http_request();
    let is_refresh = claims.get("type").and_then(Value::as_str) == Some("refresh");
    for refresh_route in [false, true] {
        let options = if refresh_route {
            jwt_required().refresh()
        } else {
            jwt_required()
        };
        let expected = expected_decode(&claims, false).and_then(|()| {
            (is_refresh == refresh_route)
                .then_some(())
                .ok_or(ErrorKind::WrongTokenType)
        });
        match (block(verify_jwt_in_request(&req, &options)), expected) {
            (Ok(Some(verified)), Ok(())) => accessors_agree(verified.token(), &claims)?,
            (Err(err), Err(kind)) => prop_assert_eq!(err.kind(), kind, "{}", err),
            (got, want) => prop_assert!(
                false,
                "refresh route {}: got {:?}, expected {:?}",
                refresh_route,
                got.map(|v| v.is_some()),
                want
            ),
        }
    }
    Ok(())
}

#[test]
fn serde_json_keeps_the_last_duplicate() {
    let v: Value = serde_json::from_str(r#"{"a":1,"b":0,"\u0061":2}"#).unwrap();
    assert_eq!(v, serde_json::json!({"a": 2, "b": 0}));
}

/// The one name the generators above never write: with serde_json's `raw_value` feature (which
/// any crate of an application may turn on), a full `Value` parse reads an object whose first
/// name is `$serde_json::private::RawValue` as the JSON text of its value. The library reads
/// it as JSON (and Python) do, as a member, at every depth, whether the feature is on or not,
/// so claims holding one round-trip.
#[test]
fn raw_value_token_as_a_member_name() {
    const RAW: &str = "$serde_json::private::RawValue";
    let jwt = manager(|b| b);
    let claims = serde_json::json!({
        RAW: 1,
        "x": { RAW: "1" },
        "y": [{ RAW: "[2]" }],
        "z": { "a": { RAW: true } },
    });
    let claims = claims.as_object().unwrap();
    let token = block(jwt.access_token("alice").claims(claims).encode()).unwrap();
    let decoded = block(jwt.decode_token(&token)).unwrap();
    for (name, value) in claims {
        assert_eq!(decoded.claim(name), Some(value), "{name}");
    }
    let text = format!(r#"{{"{RAW}":"{{\"sub\":\"a\"}}"}}"#);
    let err = block(jwt.decode_token(&sign_payload(text.as_bytes()))).unwrap_err();
    assert_eq!(err.to_string(), "Missing claim: sub");
}
