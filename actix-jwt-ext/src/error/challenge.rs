//! RFC 6750 challenges: the `WWW-Authenticate: Bearer ...` header of a refusal, when
//! `JWT_WWW_AUTHENTICATE` is on.
//!
//! | refusal | challenge |
//! |---|---|
//! | no token | `Bearer realm="..."` |
//! | a token that is refused (signature, expiry, revocation, structure, type, CSRF, ...) | `Bearer realm="...", error="invalid_token", error_description="..."` |
//! | an unmet scope requirement | `Bearer realm="...", error="insufficient_scope", scope="..."` |
//! | any other unmet requirement | `Bearer realm="...", error="insufficient_scope"` |
//! | a body that cannot be read, a server-side failure | none |
//!
//! `realm` appears only when `JWT_WWW_AUTHENTICATE_REALM` is set. The description is the
//! kind's fixed text: never a token, a secret or a claim value.

use actix_web::http::header::HeaderValue;

use crate::kind::ErrorKind;

/// What a refusal of `kind` challenges the client with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Challenge {
    /// No credentials were sent: the scheme (and realm) only.
    Credentials,
    /// The token sent is refused.
    InvalidToken,
    /// The token is valid but not sufficient.
    InsufficientScope,
    /// Not a question of credentials.
    None,
}

const fn challenge_of(kind: ErrorKind) -> Challenge {
    use ErrorKind::*;
    match kind {
        MissingToken => Challenge::Credentials,
        MissingRole | MissingScope | ClaimMismatch | RequirementFailed => {
            Challenge::InsufficientScope
        }
        BodyTooLarge | BodyUnreadable | BodyTimeout | StoreUnavailable | KeysUnavailable
        | Encode | NotConfigured | Misconfigured => Challenge::None,
        BadAuthorizationHeader
        | BadQueryParam
        | BadTokenValue
        | CsrfMissing
        | CsrfMismatch
        | NotEnoughSegments
        | BadEncoding
        | BadJson
        | BadHeaderParameter
        | MissingAlgorithm
        | AlgorithmNotAllowed
        | KeyMismatch
        | UnknownKeyId
        | MissingKeyId
        | BadSignature
        | Expired
        | NotYetValid
        | IssuedInFuture
        | InvalidIssuer
        | InvalidAudience
        | MissingClaim
        | InvalidClaim
        | WrongTokenType
        | NotFresh
        | Revoked
        | ClaimsVerificationFailed
        | UserLookupFailed => Challenge::InvalidToken,
    }
}

/// The challenges of one manager: on, with an optional realm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Challenges {
    realm: Option<String>,
}

impl Challenges {
    /// Challenges with `realm` (already checked to be printable ASCII by the configuration;
    /// an empty one means none, as an empty `JWT_WWW_AUTHENTICATE_REALM` does).
    pub(crate) fn new(realm: Option<&str>) -> Self {
        Self {
            realm: realm.filter(|r| !r.is_empty()).map(str::to_owned),
        }
    }

    /// The header value for a refusal of `kind`; `scope` is the unmet scope requirement's
    /// scopes, space-separated.
    pub(crate) fn header(&self, kind: ErrorKind, scope: Option<&str>) -> Option<HeaderValue> {
        let challenge = challenge_of(kind);
        if challenge == Challenge::None {
            return None;
        }
        let mut params: Vec<(&str, &str)> = Vec::with_capacity(3);
        if let Some(realm) = &self.realm {
            params.push(("realm", realm));
        }
        match challenge {
            Challenge::InvalidToken => {
                params.push(("error", "invalid_token"));
                params.push(("error_description", kind.fixed_text()));
            }
            Challenge::InsufficientScope => {
                params.push(("error", "insufficient_scope"));
                if let Some(scope) = scope.filter(|s| is_header_text(s)) {
                    params.push(("scope", scope));
                }
            }
            Challenge::Credentials | Challenge::None => {}
        }
        HeaderValue::from_str(&bearer(&params)).ok()
    }
}

/// `Bearer a="x", b="y"` (RFC 7235 `challenge` with `auth-param`s).
fn bearer(params: &[(&str, &str)]) -> String {
    let mut out = String::from("Bearer");
    for (i, (name, value)) in params.iter().enumerate() {
        out.push_str(if i == 0 { " " } else { ", " });
        out.push_str(name);
        out.push('=');
        push_quoted(&mut out, value);
    }
    out
}

/// `value` as an RFC 7230 `quoted-string`: `"` and `\` are escaped with a `quoted-pair`.
fn push_quoted(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// Text a quoted-string can carry in a header: visible ASCII, space and tab.
fn is_header_text(s: &str) -> bool {
    s.bytes().all(|b| b == b'\t' || (b' '..=b'~').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_strings_escape_quotes_and_backslashes() {
        let c = Challenges::new(Some(r#"my "api" \ v1"#));
        let h = c.header(ErrorKind::MissingToken, None).unwrap();
        assert_eq!(h, r#"Bearer realm="my \"api\" \\ v1""#);
    }

    #[test]
    fn each_refusal_has_its_challenge() {
        let c = Challenges::new(None);
        assert_eq!(c.header(ErrorKind::MissingToken, None).unwrap(), "Bearer");
        let empty_realm = Challenges::new(Some(""));
        assert_eq!(
            empty_realm.header(ErrorKind::MissingToken, None).unwrap(),
            "Bearer"
        );
        assert_eq!(
            c.header(ErrorKind::Expired, None).unwrap(),
            r#"Bearer error="invalid_token", error_description="Token has expired""#
        );
        assert_eq!(
            c.header(ErrorKind::MissingScope, Some("a:read b")).unwrap(),
            r#"Bearer error="insufficient_scope", scope="a:read b""#
        );
        assert_eq!(
            c.header(ErrorKind::MissingRole, None).unwrap(),
            r#"Bearer error="insufficient_scope""#
        );
        assert!(c.header(ErrorKind::StoreUnavailable, None).is_none());
        assert!(c.header(ErrorKind::BodyTooLarge, None).is_none());
    }

    #[test]
    fn a_scope_a_header_cannot_carry_is_left_out() {
        let c = Challenges::new(Some("api"));
        assert_eq!(
            c.header(ErrorKind::MissingScope, Some("caf\u{e9}"))
                .unwrap(),
            r#"Bearer realm="api", error="insufficient_scope""#
        );
    }
}
