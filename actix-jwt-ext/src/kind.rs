//! [`ErrorKind`]: the closed set of reasons a token or request is refused, with each kind's
//! HTTP status and flask-jwt-extended's (or PyJWT's) text, in this one place.
//!
//! This module is a leaf: the token parser names its failures here ([`Failure`]) without
//! depending on [`JwtError`](crate::JwtError), which carries decoded tokens.

use std::borrow::Cow;

use actix_web::http::StatusCode;

/// Why authentication failed: one name per failure, for loaders, logs and metrics.
///
/// [`JwtError::kind`](crate::JwtError::kind) returns it. The texts clients see are rendered
/// from the kind ([`JwtError`](crate::JwtError)'s `Display`), word for word as
/// flask-jwt-extended 4.7 and PyJWT write them.
///
/// ```
/// use actix_jwt_ext::ErrorKind;
///
/// assert_eq!(ErrorKind::BadSignature.status(), 422);
/// assert_eq!(ErrorKind::BadSignature.as_str(), "bad_signature");
/// assert_eq!(ErrorKind::Expired.status(), 401);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    // ----- the request: where the token is -----
    /// No token in any searched location (`NoAuthorizationError`, 401). The text names each
    /// location's reason (`Missing Authorization Header`, `Missing cookie "..."`, ...).
    MissingToken,
    /// The `Authorization` (or configured) header is not `<type> <JWT>` (`InvalidHeaderError`, 422).
    BadAuthorizationHeader,
    /// The query-string value lacks `JWT_QUERY_STRING_VALUE_PREFIX` (`InvalidQueryParamError`, 422).
    BadQueryParam,
    /// The JSON body holds a token that is not a string (422).
    BadTokenValue,
    /// A cookie token on a CSRF-checked method came without a CSRF value (`CSRFError`, 401).
    CsrfMissing,
    /// The CSRF value does not match the token's `csrf` claim (`CSRFError`, 401).
    CsrfMismatch,
    /// The request body that may hold the token is larger than the configured limit (413).
    BodyTooLarge,
    /// The request body broke off or failed while it was read (400).
    BodyUnreadable,
    /// The request body did not arrive within the read deadline (408).
    BodyTimeout,

    // ----- the token's structure (PyJWT `DecodeError`, 422) -----
    /// Fewer than three segments.
    NotEnoughSegments,
    /// A segment is not base64url (`Invalid header padding`, `... payload ...`, `... crypto ...`).
    BadEncoding,
    /// The header or payload is not a JSON object, or holds JSON that a full parse refuses
    /// (a lone surrogate escape, nesting too deep, a number out of range).
    BadJson,
    /// A JOSE header parameter is not acceptable (`kid` not a string, `crit`, `b64`).
    BadHeaderParameter,

    // ----- algorithm, key and signature (422) -----
    /// The header has no `alg`.
    MissingAlgorithm,
    /// `alg` is not among the accepted algorithms.
    AlgorithmNotAllowed,
    /// The key does not fit the algorithm family (an HMAC token for an RSA key, ...).
    KeyMismatch,
    /// A key set is used and the token's `kid` names no key in it.
    UnknownKeyId,
    /// A key set is used and the token has no `kid`.
    MissingKeyId,
    /// The signature does not verify.
    BadSignature,

    // ----- registered and required claims -----
    /// `exp` has passed (`ExpiredSignatureError`, 401).
    Expired,
    /// `nbf` is in the future (`ImmatureSignatureError`, 422).
    NotYetValid,
    /// `iat` is in the future (`ImmatureSignatureError`, 422).
    IssuedInFuture,
    /// `iss` does not match `JWT_DECODE_ISSUER` (422).
    InvalidIssuer,
    /// `aud` does not match `JWT_DECODE_AUDIENCE` (422).
    InvalidAudience,
    /// A required claim is absent: the identity claim, `csrf`, `jti`, `iss` or `aud` (422).
    MissingClaim,
    /// A claim has the wrong JSON type (`exp` not a number, `sub` not a string, ...), or the
    /// claims do not deserialise into the extractor's type (422).
    InvalidClaim,

    // ----- the route's requirements -----
    /// A refresh token on an access route, or the other way round (`WrongTokenError`, 422).
    WrongTokenType,
    /// The route needs a fresh token (`FreshTokenRequired`, 401).
    NotFresh,
    /// The revocation check says the token is revoked (`RevokedTokenError`, 401).
    Revoked,
    /// The token verification loader refused the token (`UserClaimsVerificationError`, 400).
    ClaimsVerificationFailed,
    /// The user lookup loader found no user (`UserLookupError`, 401).
    UserLookupFailed,

    // ----- authorization: the route's requirements of a verified token (403) -----
    /// A [role requirement](crate::Requirement::role) is not met.
    MissingRole,
    /// A [scope requirement](crate::Requirement::scope) is not met.
    MissingScope,
    /// A [claim requirement](crate::Requirement::claim_equals) is not met.
    ClaimMismatch,
    /// A custom requirement, a [`not`](crate::Requirement::not), or an
    /// [`any`](crate::Requirement::any) of requirements of different kinds is not met.
    RequirementFailed,

    // ----- the server's side -----
    /// The revocation store cannot answer (503).
    StoreUnavailable,
    /// A remote issuer's keys cannot be fetched and none are cached (503).
    KeysUnavailable,
    /// A token could not be created (claims that do not serialise, a key that does not fit):
    /// a programming or configuration error (500, opaque to clients).
    Encode,
    /// No [`JwtManager`](crate::JwtManager) is registered on the app (500, opaque).
    NotConfigured,
    /// The app uses a feature it did not set up, such as
    /// [`CurrentUser`](crate::CurrentUser) without a user lookup loader (500, opaque).
    Misconfigured,
}

impl ErrorKind {
    /// The HTTP status flask-jwt-extended answers with.
    pub const fn status(self) -> StatusCode {
        use ErrorKind::*;
        match self {
            MissingToken | CsrfMissing | CsrfMismatch | Expired | NotFresh | Revoked
            | UserLookupFailed => StatusCode::UNAUTHORIZED,
            BadAuthorizationHeader
            | BadQueryParam
            | BadTokenValue
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
            | NotYetValid
            | IssuedInFuture
            | InvalidIssuer
            | InvalidAudience
            | MissingClaim
            | InvalidClaim
            | WrongTokenType => StatusCode::UNPROCESSABLE_ENTITY,
            ClaimsVerificationFailed | BodyUnreadable => StatusCode::BAD_REQUEST,
            MissingRole | MissingScope | ClaimMismatch | RequirementFailed => StatusCode::FORBIDDEN,
            BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            StoreUnavailable | KeysUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Encode | NotConfigured | Misconfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The kind in snake_case (`bad_signature`, `missing_token`, ...): a closed set, fit for a
    /// metrics label or a log field.
    pub const fn as_str(self) -> &'static str {
        use ErrorKind::*;
        match self {
            MissingToken => "missing_token",
            BadAuthorizationHeader => "bad_authorization_header",
            BadQueryParam => "bad_query_param",
            BadTokenValue => "bad_token_value",
            CsrfMissing => "csrf_missing",
            CsrfMismatch => "csrf_mismatch",
            BodyTooLarge => "body_too_large",
            BodyUnreadable => "body_unreadable",
            BodyTimeout => "body_timeout",
            NotEnoughSegments => "not_enough_segments",
            BadEncoding => "bad_encoding",
            BadJson => "bad_json",
            BadHeaderParameter => "bad_header_parameter",
            MissingAlgorithm => "missing_algorithm",
            AlgorithmNotAllowed => "algorithm_not_allowed",
            KeyMismatch => "key_mismatch",
            UnknownKeyId => "unknown_key_id",
            MissingKeyId => "missing_key_id",
            BadSignature => "bad_signature",
            Expired => "expired",
            NotYetValid => "not_yet_valid",
            IssuedInFuture => "issued_in_future",
            InvalidIssuer => "invalid_issuer",
            InvalidAudience => "invalid_audience",
            MissingClaim => "missing_claim",
            InvalidClaim => "invalid_claim",
            WrongTokenType => "wrong_token_type",
            NotFresh => "not_fresh",
            Revoked => "revoked",
            ClaimsVerificationFailed => "claims_verification_failed",
            UserLookupFailed => "user_lookup_failed",
            MissingRole => "missing_role",
            MissingScope => "missing_scope",
            ClaimMismatch => "claim_mismatch",
            RequirementFailed => "requirement_failed",
            StoreUnavailable => "store_unavailable",
            KeysUnavailable => "keys_unavailable",
            Encode => "encode",
            NotConfigured => "not_configured",
            Misconfigured => "misconfigured",
        }
    }

    /// The text of kinds whose text never varies; kinds with a variable part get theirs from
    /// a [`Text`] made where the failure is found.
    pub(crate) const fn fixed_text(self) -> &'static str {
        use ErrorKind::*;
        match self {
            MissingToken => "Missing JWT",
            BadAuthorizationHeader => "Bad Authorization header",
            BadQueryParam => "Invalid query parameter",
            BadTokenValue => "Invalid token type. Token must be a <class 'bytes'>",
            CsrfMissing => "Missing CSRF token",
            CsrfMismatch => "CSRF double submit tokens do not match",
            BodyTooLarge => "Request body too large",
            BodyUnreadable => "Request body could not be read",
            BodyTimeout => "Request body timed out",
            NotEnoughSegments => "Not enough segments",
            BadEncoding => "Invalid token encoding",
            BadJson => "Invalid token JSON",
            BadHeaderParameter => "Invalid header parameter",
            MissingAlgorithm => "Algorithm not specified",
            AlgorithmNotAllowed => "The specified alg value is not allowed",
            KeyMismatch => "Could not parse the provided public key.",
            UnknownKeyId => "Unknown key ID",
            MissingKeyId => "Missing key ID",
            BadSignature => "Signature verification failed",
            Expired => "Token has expired",
            NotYetValid => "The token is not yet valid (nbf)",
            IssuedInFuture => "The token is not yet valid (iat)",
            InvalidIssuer => "Invalid issuer",
            InvalidAudience => "Audience doesn't match",
            MissingClaim => "Missing claim",
            InvalidClaim => "Invalid claim",
            WrongTokenType => "Wrong token type",
            NotFresh => "Fresh token required",
            Revoked => "Token has been revoked",
            ClaimsVerificationFailed => "User claims verification failed",
            UserLookupFailed => "Error loading the user",
            MissingRole => "Missing required role",
            MissingScope => "Insufficient scope",
            ClaimMismatch => "Claim requirement not met",
            RequirementFailed => "Access denied",
            StoreUnavailable => "Service unavailable",
            KeysUnavailable => "Token signing keys are unavailable",
            Encode => "cannot create token",
            NotConfigured => {
                "no JwtManager is registered on this app: call `.configure(jwt.init_app())`"
            }
            Misconfigured => "the app is misconfigured",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The variable texts: every message with a part that depends on the token or the
/// configuration is written here, next to the fixed ones above.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Text {
    /// The kind's fixed text.
    Fixed,
    /// A text made by one of the functions below (or a location's missing-token reason).
    Made(Cow<'static, str>),
}

/// Which JSON part of the token a structure failure is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    Header,
    Payload,
    Signature,
}

impl Part {
    const fn name(self) -> &'static str {
        match self {
            Part::Header => "header",
            Part::Payload => "payload",
            Part::Signature => "crypto",
        }
    }
}

/// The claims whose type PyJWT checks, with its message for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TypedClaim {
    Iat,
    Nbf,
    Exp,
    Iss,
    Aud,
    Sub,
    Jti,
}

/// A failure found below the error type: its kind and text. Converted into a
/// [`JwtError`](crate::JwtError) with `?`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) kind: ErrorKind,
    pub(crate) text: Text,
}

impl Failure {
    pub(crate) const fn new(kind: ErrorKind) -> Self {
        Self {
            kind,
            text: Text::Fixed,
        }
    }

    fn made(kind: ErrorKind, text: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind,
            text: Text::Made(text.into()),
        }
    }

    /// The text clients see.
    pub(crate) fn message(&self) -> &str {
        match &self.text {
            Text::Fixed => self.kind.fixed_text(),
            Text::Made(text) => text,
        }
    }

    /// `Invalid header padding` / `Invalid payload padding` / `Invalid crypto padding`.
    pub(crate) fn bad_encoding(part: Part) -> Self {
        Self::made(
            ErrorKind::BadEncoding,
            format!("Invalid {} padding", part.name()),
        )
    }

    /// `Invalid header string: <reason>` (never echoing the input).
    pub(crate) fn bad_json(part: Part, reason: &str) -> Self {
        Self::made(
            ErrorKind::BadJson,
            format!("Invalid {} string: {reason}", part.name()),
        )
    }

    /// `Invalid payload string: must be a json object`.
    pub(crate) fn not_an_object(part: Part) -> Self {
        Self::bad_json(part, "must be a json object")
    }

    pub(crate) fn unencoded_payload() -> Self {
        Self::made(
            ErrorKind::BadHeaderParameter,
            "Payload segment must be empty when 'b64' is false.",
        )
    }

    pub(crate) fn kid_not_a_string() -> Self {
        Self::made(
            ErrorKind::BadHeaderParameter,
            "Key ID header parameter must be a string",
        )
    }

    pub(crate) fn bad_crit_list() -> Self {
        Self::made(
            ErrorKind::BadHeaderParameter,
            "Invalid 'crit' header: must be a non-empty list",
        )
    }

    pub(crate) fn bad_crit_values() -> Self {
        Self::made(
            ErrorKind::BadHeaderParameter,
            "Invalid 'crit' header: values must be strings",
        )
    }

    pub(crate) fn unsupported_crit(extension: &str) -> Self {
        Self::made(
            ErrorKind::BadHeaderParameter,
            format!("Unsupported critical extension: {extension}"),
        )
    }

    pub(crate) fn b64_without_crit() -> Self {
        Self::made(
            ErrorKind::BadHeaderParameter,
            "The 'b64' header parameter requires 'b64' to be listed in 'crit'.",
        )
    }

    /// An HMAC token for an asymmetric key (`hmac == true`), or an asymmetric one for a secret.
    pub(crate) fn key_mismatch(hmac: bool) -> Self {
        if hmac {
            Self::made(
                ErrorKind::KeyMismatch,
                "The specified key is an asymmetric key or x509 certificate and should not be used as an HMAC secret.",
            )
        } else {
            Self::new(ErrorKind::KeyMismatch)
        }
    }

    /// PyJWT's type check of a registered claim.
    pub(crate) fn claim_type(claim: TypedClaim) -> Self {
        Self::made(
            ErrorKind::InvalidClaim,
            match claim {
                TypedClaim::Iat => "Issued At claim (iat) must be an integer.",
                TypedClaim::Nbf => "Not Before claim (nbf) must be an integer.",
                TypedClaim::Exp => "Expiration Time claim (exp) must be an integer.",
                TypedClaim::Iss => "Payload Issuer (iss) must be a string",
                TypedClaim::Aud => "Invalid claim format in token",
                TypedClaim::Sub => "Subject must be a string",
                TypedClaim::Jti => "JWT ID must be a string",
            },
        )
    }

    /// PyJWT's `Token is missing the "iss" claim` (for `iss` and `aud`).
    pub(crate) fn missing_registered(name: &'static str) -> Self {
        Self::made(
            ErrorKind::MissingClaim,
            format!("Token is missing the \"{name}\" claim"),
        )
    }

    /// flask-jwt-extended's `Missing claim: <name>`.
    pub(crate) fn missing_claim(name: &str) -> Self {
        Self::made(ErrorKind::MissingClaim, format!("Missing claim: {name}"))
    }

    /// `Only refresh tokens are allowed` / `Only non-refresh tokens are allowed`.
    pub(crate) fn wrong_type(refresh_expected: bool) -> Self {
        Self::made(
            ErrorKind::WrongTokenType,
            if refresh_expected {
                "Only refresh tokens are allowed"
            } else {
                "Only non-refresh tokens are allowed"
            },
        )
    }

    /// `Bad <name> header. Expected '<name>: <type> <JWT>'`.
    pub(crate) fn bad_authorization_header(name: &str, header_type: &str) -> Self {
        Self::made(
            ErrorKind::BadAuthorizationHeader,
            if header_type.is_empty() {
                format!("Bad {name} header. Expected '{name}: <JWT>'")
            } else {
                format!("Bad {name} header. Expected '{name}: {header_type} <JWT>'")
            },
        )
    }

    /// `Invalid value for query parameter '<name>'. Expected the value to start with '<prefix>'`.
    pub(crate) fn bad_query_prefix(name: &str, prefix: &str) -> Self {
        Self::made(
            ErrorKind::BadQueryParam,
            format!(
                "Invalid value for query parameter '{name}'. Expected the value to start with '{prefix}'"
            ),
        )
    }

    /// No token anywhere: one location's reason, or `Missing JWT in a, b or c (r1; r2; r3)`.
    pub(crate) fn missing_token(text: String) -> Self {
        Self::made(ErrorKind::MissingToken, text)
    }

    /// `Error loading the user <identity>` (the identity as Python's `str()` writes it).
    pub(crate) fn user_lookup(identity: &str) -> Self {
        Self::made(
            ErrorKind::UserLookupFailed,
            format!("Error loading the user {identity}"),
        )
    }

    /// The identity claim does not deserialise into the extractor's type.
    pub(crate) fn identity_type(claim: &str, reason: &dyn std::fmt::Display) -> Self {
        Self::made(
            ErrorKind::InvalidClaim,
            format!("Identity claim ({claim}) has an unexpected type: {reason}"),
        )
    }

    /// The claims do not deserialise into the extractor's type.
    pub(crate) fn claims_shape(reason: &dyn std::fmt::Display) -> Self {
        Self::made(
            ErrorKind::InvalidClaim,
            format!("Claims have an unexpected shape: {reason}"),
        )
    }

    /// An unmet requirement's own message (set with [`Requirement::message`](crate::Requirement::message)).
    pub(crate) fn unmet(kind: ErrorKind, message: Option<&Cow<'static, str>>) -> Self {
        match message {
            Some(text) => Self::made(kind, text.clone()),
            None => Self::new(kind),
        }
    }

    /// `cannot create token: <why>` (server side; clients see an opaque 500).
    pub(crate) fn encode(why: impl std::fmt::Display) -> Self {
        Self::made(ErrorKind::Encode, format!("cannot create token: {why}"))
    }

    /// A programming error named for the log (clients see an opaque 500).
    pub(crate) fn misconfigured(why: &'static str) -> Self {
        Self::made(ErrorKind::Misconfigured, why)
    }
}

impl From<ErrorKind> for Failure {
    fn from(kind: ErrorKind) -> Self {
        Self::new(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_flask_jwt_extended() {
        assert_eq!(ErrorKind::MissingToken.status(), 401);
        assert_eq!(ErrorKind::CsrfMismatch.status(), 401);
        assert_eq!(ErrorKind::BadSignature.status(), 422);
        assert_eq!(ErrorKind::WrongTokenType.status(), 422);
        assert_eq!(ErrorKind::ClaimsVerificationFailed.status(), 400);
        assert_eq!(ErrorKind::BodyTooLarge.status(), 413);
        assert_eq!(ErrorKind::BodyTimeout.status(), 408);
        assert_eq!(ErrorKind::BodyUnreadable.status(), 400);
        assert_eq!(ErrorKind::StoreUnavailable.status(), 503);
        assert_eq!(ErrorKind::Encode.status(), 500);
        assert_eq!(ErrorKind::MissingRole.status(), 403);
        assert_eq!(ErrorKind::RequirementFailed.status(), 403);
    }

    #[test]
    fn texts_are_pyjwt_and_flask_jwt_extended_words() {
        assert_eq!(
            Failure::bad_encoding(Part::Signature).message(),
            "Invalid crypto padding"
        );
        assert_eq!(
            Failure::not_an_object(Part::Header).message(),
            "Invalid header string: must be a json object"
        );
        assert_eq!(
            Failure::missing_registered("aud").message(),
            "Token is missing the \"aud\" claim"
        );
        assert_eq!(
            Failure::new(ErrorKind::NotYetValid).message(),
            "The token is not yet valid (nbf)"
        );
        assert_eq!(
            Failure::bad_authorization_header("Authorization", "Bearer").message(),
            "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'"
        );
    }

    #[test]
    fn labels_are_snake_case_and_distinct() {
        use std::collections::HashSet;
        let all = [
            ErrorKind::MissingToken,
            ErrorKind::BadAuthorizationHeader,
            ErrorKind::BadQueryParam,
            ErrorKind::BadTokenValue,
            ErrorKind::CsrfMissing,
            ErrorKind::CsrfMismatch,
            ErrorKind::BodyTooLarge,
            ErrorKind::BodyUnreadable,
            ErrorKind::BodyTimeout,
            ErrorKind::NotEnoughSegments,
            ErrorKind::BadEncoding,
            ErrorKind::BadJson,
            ErrorKind::BadHeaderParameter,
            ErrorKind::MissingAlgorithm,
            ErrorKind::AlgorithmNotAllowed,
            ErrorKind::KeyMismatch,
            ErrorKind::UnknownKeyId,
            ErrorKind::MissingKeyId,
            ErrorKind::BadSignature,
            ErrorKind::Expired,
            ErrorKind::NotYetValid,
            ErrorKind::IssuedInFuture,
            ErrorKind::InvalidIssuer,
            ErrorKind::InvalidAudience,
            ErrorKind::MissingClaim,
            ErrorKind::InvalidClaim,
            ErrorKind::WrongTokenType,
            ErrorKind::NotFresh,
            ErrorKind::Revoked,
            ErrorKind::ClaimsVerificationFailed,
            ErrorKind::UserLookupFailed,
            ErrorKind::MissingRole,
            ErrorKind::MissingScope,
            ErrorKind::ClaimMismatch,
            ErrorKind::RequirementFailed,
            ErrorKind::StoreUnavailable,
            ErrorKind::KeysUnavailable,
            ErrorKind::Encode,
            ErrorKind::NotConfigured,
            ErrorKind::Misconfigured,
        ];
        let labels: HashSet<_> = all.iter().map(|k| k.as_str()).collect();
        assert_eq!(labels.len(), all.len());
        assert!(labels
            .iter()
            .all(|l| l.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    }
}
