//! Registered-claim checks with PyJWT's order and messages: `iat`, `nbf`, `exp`, `iss`, `aud`,
//! `sub`, `jti`. Leeway applies to the three time claims; `exp == now` is expired.

use serde_json::Value;

use crate::kind::{ErrorKind, Failure, TypedClaim};
use crate::manager::JwtManager;
use crate::token::{Member, Object};

/// What the registered-claim checks compare against (from the configuration).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ClaimRules<'a> {
    pub(crate) leeway: f64,
    pub(crate) issuer: Option<&'a [String]>,
    pub(crate) audience: Option<&'a [String]>,
    pub(crate) verify_sub: bool,
}

impl<'a> ClaimRules<'a> {
    /// The rules of a manager's configuration.
    pub(crate) fn of(manager: &'a JwtManager) -> Self {
        let config = manager.config();
        ClaimRules {
            leeway: config.decode_leeway.as_secs_f64(),
            issuer: manager.decode_issuer(),
            audience: manager.decode_audience(),
            verify_sub: config.verify_sub,
        }
    }
}

/// A time claim as a number of seconds. PyJWT runs `int()` on it: JSON numbers and booleans
/// pass; anything else fails with the claim's own message. (Numeric strings, which Python's
/// `int()` also takes, are refused here: a time claim is a number.)
fn seconds(member: Member<'_>, claim: TypedClaim) -> Result<f64, Failure> {
    match member {
        Member::Value(Value::Bool(b)) => Ok(f64::from(u8::from(*b))),
        Member::Value(Value::Number(n)) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map(f64::trunc)
            .ok_or_else(|| Failure::claim_type(claim)),
        _ => Err(Failure::claim_type(claim)),
    }
}

/// Checks the registered claims. Returns `Ok(true)` when everything but `exp` holds and the
/// token has expired, so that a later failure (audience, issuer, ...) is reported instead of
/// the expiry, as flask-jwt-extended's re-decode of expired tokens does.
pub(crate) fn validate_claims(
    claims: &Object,
    rules: &ClaimRules<'_>,
    allow_expired: bool,
    now: f64,
) -> Result<bool, Failure> {
    if let Some(iat) = claims.get("iat") {
        if seconds(iat, TypedClaim::Iat)? > now + rules.leeway {
            return Err(ErrorKind::IssuedInFuture.into());
        }
    }
    if let Some(nbf) = claims.get("nbf") {
        if seconds(nbf, TypedClaim::Nbf)? > now + rules.leeway {
            return Err(ErrorKind::NotYetValid.into());
        }
    }
    let mut expired = false;
    if let Some(exp) = claims.get("exp") {
        let exp = seconds(exp, TypedClaim::Exp)?;
        expired = !allow_expired && exp <= now - rules.leeway;
    }
    if let Some(issuers) = rules.issuer {
        match claims.get("iss") {
            None => return Err(Failure::missing_registered("iss")),
            Some(member) => match member.as_str() {
                Some(iss) => {
                    if !issuers.iter().any(|i| i == iss) {
                        return Err(ErrorKind::InvalidIssuer.into());
                    }
                }
                None => return Err(Failure::claim_type(TypedClaim::Iss)),
            },
        }
    }
    if let Some(audiences) = rules.audience {
        // PyJWT: an absent or falsy `aud` (null, "", [], {}, 0, false) is a missing claim.
        let aud = claims.get("aud").map(Member::to_value);
        let aud = aud.as_deref().filter(|v| crate::token::truthy(v));
        let token_aud: Vec<&Value> = match aud {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(other) => vec![other],
            None => Vec::new(),
        };
        if token_aud.is_empty() {
            return Err(Failure::missing_registered("aud"));
        }
        let mut names = Vec::with_capacity(token_aud.len());
        for aud in token_aud {
            match aud {
                Value::String(s) => names.push(s.as_str()),
                _ => return Err(Failure::claim_type(TypedClaim::Aud)),
            }
        }
        if !audiences.iter().any(|want| names.contains(&want.as_str())) {
            return Err(ErrorKind::InvalidAudience.into());
        }
    }
    if rules.verify_sub && claims.get("sub").is_some_and(|sub| !sub.is_string()) {
        return Err(Failure::claim_type(TypedClaim::Sub));
    }
    if claims.get("jti").is_some_and(|jti| !jti.is_string()) {
        return Err(Failure::claim_type(TypedClaim::Jti));
    }
    Ok(expired)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: f64 = 1_700_000_000.5;

    fn rules() -> ClaimRules<'static> {
        ClaimRules {
            leeway: 0.0,
            issuer: None,
            audience: None,
            verify_sub: true,
        }
    }

    fn check(claims: Value, rules: &ClaimRules<'_>) -> Result<bool, String> {
        let object =
            Object::parse(claims.to_string().into_bytes(), crate::kind::Part::Payload).unwrap();
        validate_claims(&object, rules, false, NOW).map_err(|e| e.message().to_owned())
    }

    #[test]
    fn time_claims() {
        assert_eq!(check(json!({"exp": NOW as i64 + 10}), &rules()), Ok(false));
        assert_eq!(check(json!({"exp": NOW as i64}), &rules()), Ok(true));
        assert_eq!(check(json!({"exp": NOW as i64 - 1}), &rules()), Ok(true));
        assert_eq!(
            check(json!({"nbf": NOW as i64 + 5}), &rules()),
            Err("The token is not yet valid (nbf)".into())
        );
        assert_eq!(
            check(json!({"iat": NOW as i64 + 5}), &rules()),
            Err("The token is not yet valid (iat)".into())
        );
        assert_eq!(
            check(json!({"exp": "soon"}), &rules()),
            Err("Expiration Time claim (exp) must be an integer.".into())
        );
        assert_eq!(
            check(json!({"iat": []}), &rules()),
            Err("Issued At claim (iat) must be an integer.".into())
        );
        assert_eq!(
            check(json!({"nbf": {}}), &rules()),
            Err("Not Before claim (nbf) must be an integer.".into())
        );
        let lenient = ClaimRules {
            leeway: 120.0,
            ..rules()
        };
        assert_eq!(
            check(
                json!({"exp": NOW as i64 - 60, "nbf": NOW as i64 + 60}),
                &lenient
            ),
            Ok(false)
        );
    }

    #[test]
    fn iat_is_checked_before_nbf_and_exp() {
        let claims = json!({"iat": NOW as i64 + 50, "nbf": NOW as i64 + 50, "exp": 1});
        assert_eq!(
            check(claims, &rules()),
            Err("The token is not yet valid (iat)".into())
        );
    }

    #[test]
    fn issuer_then_audience() {
        let iss = vec!["me".to_owned()];
        let aud = vec!["a1".to_owned(), "a2".to_owned()];
        let r = ClaimRules {
            issuer: Some(&iss),
            audience: Some(&aud),
            ..rules()
        };
        assert_eq!(
            check(json!({}), &r),
            Err("Token is missing the \"iss\" claim".into())
        );
        assert_eq!(
            check(json!({"iss": "you"}), &r),
            Err("Invalid issuer".into())
        );
        assert_eq!(
            check(json!({"iss": ["me"]}), &r),
            Err("Payload Issuer (iss) must be a string".into())
        );
        assert_eq!(
            check(json!({"iss": "me"}), &r),
            Err("Token is missing the \"aud\" claim".into())
        );
        assert_eq!(
            check(json!({"iss": "me", "aud": "zz"}), &r),
            Err("Audience doesn't match".into())
        );
        assert_eq!(
            check(json!({"iss": "me", "aud": ["a"]}), &r),
            Err("Audience doesn't match".into())
        );
        assert_eq!(
            check(json!({"iss": "me", "aud": ["zz", 1]}), &r),
            Err("Invalid claim format in token".into())
        );
        assert_eq!(
            check(json!({"iss": "me", "aud": ["zz", "a2"]}), &r),
            Ok(false)
        );
        // an expired token with a wrong audience reports the audience
        assert_eq!(
            check(json!({"iss": "me", "aud": "zz", "exp": 1}), &r),
            Err("Audience doesn't match".into())
        );
    }

    #[test]
    fn subject_and_jti_types() {
        assert_eq!(
            check(json!({"sub": 1234}), &rules()),
            Err("Subject must be a string".into())
        );
        let lax = ClaimRules {
            verify_sub: false,
            ..rules()
        };
        assert_eq!(check(json!({"sub": 1234}), &lax), Ok(false));
        assert_eq!(
            check(json!({"jti": 5}), &rules()),
            Err("JWT ID must be a string".into())
        );
    }
}
