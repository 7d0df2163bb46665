//! Public keys as JSON Web Keys (RFC 7517), and the JWKS document a service publishes.

use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk, JwkSet, KeyAlgorithm, OctetKeyPairParameters, OctetKeyPairType,
    PublicKeyUse, RSAKeyParameters, RSAKeyType, ThumbprintHash,
};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind};

use crate::crypto::provider;
use crate::token::b64_encode_into;

fn b64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 4);
    b64_encode_into(bytes, &mut out);
    out
}

/// The public JWK of an asymmetric key, with `use: sig`, its algorithm and `kid`. `None` for
/// an HMAC secret: secrets are never published.
pub(crate) fn public_jwk(alg: Algorithm, key: &DecodingKey, kid: Option<&str>) -> Option<Jwk> {
    let algorithm = match alg.family() {
        AlgorithmFamily::Hmac => return None,
        AlgorithmFamily::Rsa => {
            let (n, e) = match key.kind() {
                DecodingKeyKind::RsaModulusExponent { n, e } => (n.clone(), e.clone()),
                DecodingKeyKind::SecretOrDer(der) => {
                    (provider().key_utils.rsa_pub_components_from_public_key)(der).ok()?
                }
            };
            AlgorithmParameters::RSA(RSAKeyParameters {
                key_type: RSAKeyType::RSA,
                n: b64(strip_zeros(&n)),
                e: b64(strip_zeros(&e)),
            })
        }
        AlgorithmFamily::Ec => {
            let point = key.try_get_as_bytes().ok()?;
            let (curve, half) = match point.len() {
                65 => (EllipticCurve::P256, 32),
                97 => (EllipticCurve::P384, 48),
                _ => return None,
            };
            let (x, y) = point.get(1..)?.split_at(half);
            AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                key_type: EllipticCurveKeyType::EC,
                curve,
                x: b64(x),
                y: b64(y),
            })
        }
        AlgorithmFamily::Ed => AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
            key_type: OctetKeyPairType::OctetKeyPair,
            curve: EllipticCurve::Ed25519,
            x: b64(key.try_get_as_bytes().ok()?),
        }),
    };
    let mut jwk = Jwk {
        common: CommonParameters {
            public_key_use: Some(PublicKeyUse::Signature),
            key_algorithm: key_algorithm(alg),
            ..CommonParameters::default()
        },
        algorithm,
    };
    jwk.common.key_id = Some(match kid {
        Some(kid) => kid.to_owned(),
        None => thumbprint(&jwk)?,
    });
    Some(jwk)
}

/// RFC 7518 integers carry no leading zero bytes.
fn strip_zeros(n: &[u8]) -> &[u8] {
    let start = n
        .iter()
        .take_while(|b| **b == 0)
        .count()
        .min(n.len().saturating_sub(1));
    &n[start..]
}

/// The RFC 7638 SHA-256 thumbprint of a public JWK, base64url: the `kid` of a key that has
/// none. (jsonwebtoken's `Jwk::thumbprint` hashes through the process-wide default provider,
/// which this crate never installs; this one uses the selected backend.)
pub(crate) fn thumbprint(jwk: &Jwk) -> Option<String> {
    // RFC 7638 section 3.2: the required members, in lexicographic order, no whitespace.
    let canonical = match &jwk.algorithm {
        AlgorithmParameters::RSA(p) => format!(r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#, p.e, p.n),
        AlgorithmParameters::EllipticCurve(p) => format!(
            r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
            curve_name(&p.curve),
            p.x,
            p.y
        ),
        AlgorithmParameters::OctetKeyPair(p) => format!(
            r#"{{"crv":"{}","kty":"OKP","x":"{}"}}"#,
            curve_name(&p.curve),
            p.x
        ),
        _ => return None,
    };
    let digest =
        (provider().key_utils.compute_digest)(canonical.as_bytes(), ThumbprintHash::SHA256).ok()?;
    Some(b64(&digest))
}

fn curve_name(curve: &EllipticCurve) -> &'static str {
    match curve {
        EllipticCurve::P256 => "P-256",
        EllipticCurve::P384 => "P-384",
        EllipticCurve::P521 => "P-521",
        EllipticCurve::Ed25519 => "Ed25519",
        _ => "unknown",
    }
}

/// The JWK `alg` value of a signature algorithm.
pub(crate) fn key_algorithm(alg: Algorithm) -> Option<KeyAlgorithm> {
    format!("{alg:?}").parse().ok()
}

/// A JWKS document serialised.
pub(crate) fn to_json(set: &JwkSet) -> actix_web::web::Bytes {
    actix_web::web::Bytes::from(serde_json::to_vec(set).unwrap_or_default())
}

/// A JWKS document: `{"keys": [...]}`.
pub(crate) fn jwk_set(keys: impl IntoIterator<Item = Jwk>) -> JwkSet {
    JwkSet {
        keys: keys.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_PUBLIC: &str = include_str!("../../../tests/fixtures/rsa_public.pem");
    const EC_PUBLIC: &str = include_str!("../../../tests/fixtures/ec_public.pem");
    const ED_PUBLIC: &str = include_str!("../../../tests/fixtures/ed25519_public.pem");

    #[test]
    fn public_jwks_round_trip_to_the_same_key() {
        let cases = [
            (
                Algorithm::RS256,
                DecodingKey::from_rsa_pem(RSA_PUBLIC.as_bytes()).unwrap(),
            ),
            (
                Algorithm::ES256,
                DecodingKey::from_ec_pem(EC_PUBLIC.as_bytes()).unwrap(),
            ),
            (
                Algorithm::EdDSA,
                DecodingKey::from_ed_pem(ED_PUBLIC.as_bytes()).unwrap(),
            ),
        ];
        for (alg, key) in cases {
            let jwk = public_jwk(alg, &key, Some("k1")).unwrap();
            let json = serde_json::to_value(&jwk).unwrap();
            assert_eq!(json["kid"], "k1");
            assert_eq!(json["use"], "sig");
            assert_eq!(json["alg"], format!("{alg:?}"));
            assert!(json.get("d").is_none(), "no private member");
            let back = DecodingKey::from_jwk(&jwk).unwrap();
            let again = public_jwk(alg, &back, Some("k1")).unwrap();
            assert_eq!(jwk, again, "{alg:?}");
        }
        assert!(public_jwk(Algorithm::HS256, &DecodingKey::from_secret(b"s"), None).is_none());
    }

    #[test]
    fn keys_without_kid_get_their_rfc7638_thumbprint() {
        // RFC 7638 section 3.1's example key and thumbprint.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        let jwk = Jwk {
            common: CommonParameters::default(),
            algorithm: AlgorithmParameters::RSA(RSAKeyParameters {
                key_type: RSAKeyType::RSA,
                n: n.into(),
                e: "AQAB".into(),
            }),
        };
        assert_eq!(
            thumbprint(&jwk).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }
}
