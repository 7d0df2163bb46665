//! The token's structure, in PyJWT's `_load` order: split, then decode header, payload and
//! signature; and the JOSE header parameters checked before any key is chosen.

use serde_json::Value;

use super::b64;
use super::parse::{Member, Object};
use crate::kind::{ErrorKind, Failure, Part};

/// The largest signature accepted (RSA-4096 is 512 bytes), decoded without allocating.
const MAX_SIGNATURE: usize = 1024;

/// The three segments of a compact JWS, decoded but not verified.
#[derive(Debug)]
pub(crate) struct RawToken<'a> {
    pub(crate) signing_input: &'a str,
    pub(crate) header: Object,
    payload: Vec<u8>,
    signature: ([u8; MAX_SIGNATURE], usize),
}

impl<'a> RawToken<'a> {
    /// PyJWT's `_load`: split, then decode header, payload and signature, in that order.
    pub(crate) fn parse(token: &'a str) -> Result<Self, Failure> {
        let segments = || Failure::new(ErrorKind::NotEnoughSegments);
        let (signing_input, signature) = token.rsplit_once('.').ok_or_else(segments)?;
        let (header, payload) = signing_input.split_once('.').ok_or_else(segments)?;
        let header = b64::decode(header).ok_or_else(|| Failure::bad_encoding(Part::Header))?;
        let header = Object::parse(header, Part::Header)?;
        // PyJWT's `_load`: with `b64: false` (RFC 7797) the payload segment must be empty.
        if header.get("b64").and_then(|m| m.to_value().as_bool()) == Some(false)
            && !payload.is_empty()
        {
            return Err(Failure::unencoded_payload());
        }
        let payload = b64::decode(payload).ok_or_else(|| Failure::bad_encoding(Part::Payload))?;
        let mut sig = [0u8; MAX_SIGNATURE];
        let len = b64::decode_slice(signature, &mut sig)
            .ok_or_else(|| Failure::bad_encoding(Part::Signature))?;
        Ok(Self {
            signing_input,
            header,
            payload,
            signature: (sig, len),
        })
    }

    /// The payload as a JSON object (PyJWT's `_decode_payload`).
    pub(crate) fn claims(&mut self) -> Result<Object, Failure> {
        Object::parse(std::mem::take(&mut self.payload), Part::Payload)
    }

    /// The `kid` header, when it is a string.
    pub(crate) fn kid(&self) -> Option<&str> {
        self.header.str("kid")
    }

    pub(crate) fn signature(&self) -> &[u8] {
        &self.signature.0[..self.signature.1]
    }
}

/// PyJWT's header checks that run before any key is chosen: `kid` must be a string; a
/// `crit` list names extensions this verifier does not implement, so it is refused, and so is
/// `b64` (RFC 7797 unencoded payloads are never accepted).
pub(crate) fn check_header_params(header: &Object) -> Result<(), Failure> {
    if header.get("kid").is_some_and(|kid| !kid.is_string()) {
        return Err(Failure::kid_not_a_string());
    }
    if let Some(crit) = header.get("crit") {
        let items = match crit {
            Member::Value(Value::Array(items)) if !items.is_empty() => items,
            _ => return Err(Failure::bad_crit_list()),
        };
        // `b64` (RFC 7797) is the one extension PyJWT knows; unencoded payloads are refused
        // below, so no critical extension is supported here.
        return Err(match items.first() {
            Some(Value::String(ext)) => Failure::unsupported_crit(ext),
            _ => Failure::bad_crit_values(),
        });
    }
    if header.contains("b64") {
        return Err(Failure::b64_without_crit());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(r: Result<RawToken<'_>, Failure>) -> String {
        r.map(|_| String::new())
            .unwrap_or_else(|e| e.message().to_owned())
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
        let parse = |json: &str| Object::parse(json.as_bytes().to_vec(), Part::Header).unwrap();
        assert!(check_header_params(&parse(r#"{"kid":"a"}"#)).is_ok());
        assert_eq!(
            check_header_params(&parse(r#"{"kid":1}"#))
                .unwrap_err()
                .message(),
            "Key ID header parameter must be a string"
        );
        assert!(check_header_params(&parse(r#"{"crit":["exp"]}"#)).is_err());
        assert!(check_header_params(&parse(r#"{"b64":false}"#)).is_err());
    }
}
