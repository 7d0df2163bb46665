//! How requirements read a verified token: its roles, its scopes, and JSON equality.
//!
//! Every read goes through the token's one parse
//! ([`DecodedToken::claim_member`]), so a requirement sees what
//! [`DecodedToken::claims`] and the extractors see.

use serde_json::Value;

use crate::token::{DecodedToken, Member};

/// `true` when the roles claim is `role`, or an array holding the string `role`. Any other
/// shape (absent, a number, an object, nested arrays) holds no role.
pub(super) fn has_role(token: &DecodedToken, claim: &str, role: &str) -> bool {
    match token.claim_member(claim) {
        Some(Member::Str(s)) => s == role,
        Some(Member::Value(Value::String(s))) => s == role,
        Some(Member::Value(Value::Array(items))) => items.iter().any(|v| v.as_str() == Some(role)),
        _ => false,
    }
}

/// `true` when the token grants `scope`: from `scope` (RFC 8693: a space-separated string)
/// when the token has that claim, else from `scp` (RFC 9068 profiles: an array of strings, or
/// a space-separated string). A `scope` claim of another type grants nothing.
pub(super) fn has_scope(token: &DecodedToken, scope: &str) -> bool {
    if scope.is_empty() {
        // Not a scope token (RFC 6749, section 3.3): never granted, whatever the claim holds.
        return false;
    }
    let in_list = |list: &str| list.split(' ').any(|s| s == scope);
    match token.claim_member("scope") {
        Some(member) => member.as_str().is_some_and(in_list),
        None => match token.claim_member("scp") {
            Some(Member::Value(Value::Array(items))) => {
                items.iter().any(|v| v.as_str() == Some(scope))
            }
            Some(member) => member.as_str().is_some_and(in_list),
            None => false,
        },
    }
}

/// `true` when claim `name` equals `value` ([`json_eq`]).
pub(super) fn claim_equals(token: &DecodedToken, name: &str, value: &Value) -> bool {
    match token.claim_member(name) {
        Some(member) => member_eq(member, value),
        None => false,
    }
}

/// `true` when claim `name` is an array with an element equal to `value`. A claim that is not
/// an array contains nothing (no substring matching: `"notadmin"` does not contain `"admin"`).
pub(super) fn claim_contains(token: &DecodedToken, name: &str, value: &Value) -> bool {
    match token.claim_member(name) {
        Some(Member::Value(Value::Array(items))) => items.iter().any(|v| json_eq(v, value)),
        _ => false,
    }
}

fn member_eq(member: Member<'_>, value: &Value) -> bool {
    match member {
        Member::Str(s) => value.as_str() == Some(s),
        Member::Value(v) => json_eq(v, value),
    }
}

/// JSON equality where numbers compare by value (`1` equals `1.0`, as in JavaScript and
/// Python), at any depth.
pub(super) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
                (Some(x), Some(y), _, _) => x == y,
                (_, _, Some(x), Some(y)) => x == y,
                _ => match (x.as_f64(), y.as_f64()) {
                    (Some(x), Some(y)) => x == y,
                    _ => false,
                },
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numbers_compare_by_value() {
        assert!(json_eq(&json!(1), &json!(1.0)));
        assert!(json_eq(&json!([1, {"a": 2}]), &json!([1.0, {"a": 2.0}])));
        assert!(!json_eq(&json!(1), &json!("1")));
        assert!(!json_eq(&json!(u64::MAX), &json!(-1)));
        assert!(json_eq(&json!(u64::MAX), &json!(u64::MAX)));
    }
}
