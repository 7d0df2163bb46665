//! Token decoding in PyJWT's order: structure, header, payload, algorithm, key, signature,
//! registered claims; then flask-jwt-extended's identity claim, defaults and CSRF value.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, AlgorithmFamily};
use serde_json::Value;

use super::object::{json_str, JsonObject, ObjectError};
use super::validate::{validate_claims, ClaimRules};
use super::{b64, DecodedToken};
use crate::crypto::KeyRef;
use crate::error::JwtError;

/// The largest signature accepted (RSA-4096 is 512 bytes), decoded without allocating.
const MAX_SIGNATURE: usize = 1024;

/// The three segments of a compact JWS, decoded but not verified.
#[derive(Debug)]
pub(crate) struct RawToken<'a> {
    pub(crate) signing_input: &'a str,
    pub(crate) header: JsonObject,
    payload: Vec<u8>,
    signature: ([u8; MAX_SIGNATURE], usize),
}

fn object_error(part: &str, e: ObjectError) -> JwtError {
    match e {
        ObjectError::NotObject => {
            JwtError::invalid(format!("Invalid {part} string: must be a json object"))
        }
        ObjectError::Syntax(reason) => {
            JwtError::invalid(format!("Invalid {part} string: {reason}"))
        }
    }
}

impl<'a> RawToken<'a> {
    /// PyJWT's `_load`: split, then decode header, payload and signature, in that order.
    pub(crate) fn parse(token: &'a str) -> Result<Self, JwtError> {
        let (signing_input, signature) = token
            .rsplit_once('.')
            .ok_or_else(|| JwtError::invalid("Not enough segments"))?;
        let (header, payload) = signing_input
            .split_once('.')
            .ok_or_else(|| JwtError::invalid("Not enough segments"))?;
        let header =
            b64::decode(header).ok_or_else(|| JwtError::invalid("Invalid header padding"))?;
        let header = JsonObject::parse(header).map_err(|e| object_error("header", e))?;
        // PyJWT's `_load`: with `b64: false` (RFC 7797) the payload segment must be empty.
        if header.get("b64") == Some("false") && !payload.is_empty() {
            return Err(JwtError::invalid(
                "Payload segment must be empty when 'b64' is false.",
            ));
        }
        let payload =
            b64::decode(payload).ok_or_else(|| JwtError::invalid("Invalid payload padding"))?;
        let mut sig = [0u8; MAX_SIGNATURE];
        let len = b64::decode_slice(signature, &mut sig)
            .ok_or_else(|| JwtError::invalid("Invalid crypto padding"))?;
        Ok(Self {
            signing_input,
            header,
            payload,
            signature: (sig, len),
        })
    }

    /// The payload as a JSON object (PyJWT's `_decode_payload`).
    pub(crate) fn claims(&mut self) -> Result<JsonObject, JwtError> {
        JsonObject::parse(std::mem::take(&mut self.payload)).map_err(|e| object_error("payload", e))
    }

    /// The `kid` header, when it is a string.
    pub(crate) fn kid(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.header.get("kid").and_then(json_str)
    }

    fn signature(&self) -> &[u8] {
        &self.signature.0[..self.signature.1]
    }
}

/// PyJWT's header checks that run before any key is chosen: `kid` must be a string; a
/// `crit` list names extensions this verifier does not implement, so it is refused, and so is
/// `b64` (RFC 7797 unencoded payloads are never accepted).
pub(crate) fn check_header_params(header: &JsonObject) -> Result<(), JwtError> {
    if let Some(kid) = header.get("kid") {
        if !kid.starts_with('"') {
            return Err(JwtError::invalid(
                "Key ID header parameter must be a string",
            ));
        }
    }
    if header.contains("crit") {
        let items = match header.value("crit") {
            Some(Value::Array(items)) if !items.is_empty() => items,
            _ => {
                return Err(JwtError::invalid(
                    "Invalid 'crit' header: must be a non-empty list",
                ))
            }
        };
        // `b64` (RFC 7797) is the one extension PyJWT knows; unencoded payloads are refused
        // below, so no critical extension is supported here.
        return Err(match items.first() {
            Some(Value::String(ext)) => {
                JwtError::invalid(format!("Unsupported critical extension: {ext}"))
            }
            _ => JwtError::invalid("Invalid 'crit' header: values must be strings"),
        });
    }
    if header.contains("b64") {
        return Err(JwtError::invalid(
            "The 'b64' header parameter requires 'b64' to be listed in 'crit'.",
        ));
    }
    Ok(())
}

/// How a decode runs.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DecodeOptions<'a> {
    /// The CSRF value sent with a cookie token; checked against the `csrf` claim.
    pub(crate) csrf_value: Option<&'a str>,
    /// Accept an expired token (flask-jwt-extended `allow_expired`).
    pub(crate) allow_expired: bool,
}

/// Verifies an already parsed token with `key` and returns it with decode defaults.
pub(crate) fn decode_with(
    raw: RawToken<'_>,
    claims: JsonObject,
    key: KeyRef<'_>,
    rules: &ClaimRules<'_>,
    algorithms: &[Algorithm],
    identity_claim: &Arc<str>,
    options: DecodeOptions<'_>,
) -> Result<DecodedToken, JwtError> {
    let alg = match raw.header.get("alg") {
        None => return Err(JwtError::invalid("Algorithm not specified")),
        Some(name) => json_str(name)
            .and_then(|name| name.parse::<Algorithm>().ok())
            .filter(|a| algorithms.contains(a)),
    }
    .ok_or_else(|| JwtError::invalid("The specified alg value is not allowed"))?;
    if alg.family() != key.family() {
        return Err(JwtError::invalid(match alg.family() {
            AlgorithmFamily::Hmac => "The specified key is an asymmetric key or x509 certificate and should not be used as an HMAC secret.",
            _ => "Could not parse the provided public key.",
        }));
    }
    if !key.verify(alg, raw.signing_input.as_bytes(), raw.signature())? {
        return Err(JwtError::invalid("Signature verification failed"));
    }
    let expired = validate_claims(&claims, rules, options.allow_expired, super::now_f64())?;
    if !claims.contains(identity_claim) {
        return Err(JwtError::invalid(format!(
            "Missing claim: {identity_claim}"
        )));
    }
    if let Some(sent) = options.csrf_value.filter(|v| !v.is_empty()) {
        let Some(expected) = claims.get("csrf") else {
            return Err(JwtError::invalid("Missing claim: csrf"));
        };
        if !json_str(expected).is_some_and(|expected| crate::csrf::values_match(&expected, sent)) {
            return Err(JwtError::Csrf(
                "CSRF double submit tokens do not match".to_owned(),
            ));
        }
    }
    let token = DecodedToken::new(raw.header, claims, Arc::clone(identity_claim));
    if expired {
        return Err(JwtError::Expired(Box::new(token)));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(r: Result<RawToken<'_>, JwtError>) -> String {
        r.map(|_| String::new()).unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn structure_errors_use_pyjwt_messages() {
        assert_eq!(msg(RawToken::parse("foobarbaz")), "Not enough segments");
        assert_eq!(msg(RawToken::parse("a.b")), "Not enough segments");
        assert_eq!(
            msg(RawToken::parse("aaaaa.bbbbb.ccccc")),
            "Invalid header padding"
        );
        let header = b64::encode(br#"{"alg":"HS256"}"#);
        assert_eq!(
            msg(RawToken::parse(&format!("{header}.b.c"))),
            "Invalid payload padding"
        );
        assert_eq!(
            msg(RawToken::parse(&format!("{header}.e30.ccccc"))),
            "Invalid crypto padding"
        );
        let list = b64::encode(b"[1]");
        assert_eq!(
            msg(RawToken::parse(&format!("{list}.e30.e30"))),
            "Invalid header string: must be a json object"
        );
        let junk = b64::encode(b"{nope");
        assert!(
            msg(RawToken::parse(&format!("{junk}.e30.e30"))).starts_with("Invalid header string: ")
        );
    }

    #[test]
    fn header_params_are_checked() {
        let parse = |json: &str| JsonObject::parse(json.as_bytes().to_vec()).unwrap();
        assert!(check_header_params(&parse(r#"{"kid":"a"}"#)).is_ok());
        assert_eq!(
            check_header_params(&parse(r#"{"kid":1}"#))
                .unwrap_err()
                .to_string(),
            "Key ID header parameter must be a string"
        );
        assert!(check_header_params(&parse(r#"{"crit":["exp"]}"#)).is_err());
        assert!(check_header_params(&parse(r#"{"b64":false}"#)).is_err());
    }
}
