//! [`KeySet`]: several keys, each with a `kid`, for rotation without downtime.

use std::collections::BTreeMap;
use std::path::Path;

use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, AlgorithmFamily};

use super::checks::hmac_secret_warning;
use super::jwk::public_jwk;
use crate::config::ConfigError;
use crate::error::JwtError;
use crate::keys::Keys;

/// Signing and verification keys, each named by a `kid`.
///
/// New tokens are signed with the *current* key and carry its `kid` in their header; a token
/// is verified with the key its `kid` names, with that key's algorithm only. Rotation without
/// downtime:
///
/// 1. add the new key as a verification-only key ([`public_pem`](KeySetBuilder::public_pem))
///    on every instance, so that all of them accept its tokens;
/// 2. make it current ([`private_pem`](KeySetBuilder::private_pem) +
///    [`current`](KeySetBuilder::current)): new tokens use it, older tokens still verify with
///    the old key, which stays in the set;
/// 3. once the old key's last token has expired, drop the old key: its tokens are refused
///    from then on (422 `Unknown key ID`).
///
/// Every key is checked when the set is built: size and curve (RSA 2048 bits or more, the
/// curve of the algorithm), a private key that matches its public key, one `kid` per key. A
/// short HMAC secret is a logged warning.
///
/// ```
/// use actix_jwt_ext::jsonwebtoken::Algorithm;
/// use actix_jwt_ext::KeySet;
/// use actix_jwt_ext::{JwtConfig, JwtManager};
///
/// # actix_web::rt::System::new().block_on(async {
/// let old = KeySet::builder()
///     .private_pem("2026-10", Algorithm::EdDSA, include_str!("../../../tests/fixtures/ed25519_private.pem"))
///     .build()
///     .unwrap();
/// let before = JwtManager::builder(JwtConfig::default()).key_set(old).build().unwrap();
/// let old_token = before.access_token("alice").encode().await.unwrap();
///
/// // The rotation: a new current key; the old one stays to verify its tokens.
/// let rotated = KeySet::builder()
///     .private_pem("2026-10", Algorithm::EdDSA, include_str!("../../../tests/fixtures/ed25519_private.pem"))
///     .private_pem("2026-11", Algorithm::ES256, include_str!("../../../tests/fixtures/ec_private.pem"))
///     .current("2026-11")
///     .build()
///     .unwrap();
/// let after = JwtManager::builder(JwtConfig::default()).key_set(rotated).build().unwrap();
/// let new_token = after.access_token("bob").encode().await.unwrap();
/// assert_eq!(after.decode_token(&old_token).await.unwrap().identity_str(), Some("alice"));
/// let decoded = after.decode_token(&new_token).await.unwrap();
/// assert_eq!(decoded.header()["kid"], "2026-11");
/// assert_eq!(decoded.header()["alg"], "ES256");
/// assert_eq!(after.jwks().keys.len(), 2);
/// # });
/// ```
#[derive(Clone)]
pub struct KeySet {
    entries: Vec<KeyEntry>,
    current: Option<usize>,
    untagged: Option<usize>,
    jwks_json: actix_web::web::Bytes,
}

/// One key of a set.
#[derive(Clone)]
pub(crate) struct KeyEntry {
    pub(crate) kid: String,
    pub(crate) alg: Algorithm,
    pub(crate) keys: Keys,
    /// `{"alg":..,"kid":..,"typ":"JWT"}`, base64url: the header of tokens this key signs.
    pub(crate) default_header: String,
    jwk: Option<Jwk>,
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySet")
            .field("kids", &self.kids().collect::<Vec<_>>())
            .field("current", &self.current_kid())
            .finish()
    }
}

impl KeySet {
    /// A builder: add keys, name the current one, build.
    pub fn builder() -> KeySetBuilder {
        KeySetBuilder::default()
    }

    /// The largest key file [`from_pem_dir`](Self::from_pem_dir) reads: 64 KiB, ten times
    /// an 8192-bit RSA private key in PEM. A larger `<kid>.pem` file is refused unread.
    pub const MAX_PEM_FILE_SIZE: u64 = 64 * 1024;

    /// Reads every `<kid>.pem` file of a directory (`JWT_KEYS_DIR`); other files are ignored.
    ///
    /// A file holding a private key signs and verifies; one holding only a public key
    /// (`-----BEGIN PUBLIC KEY-----` or `-----BEGIN RSA PUBLIC KEY-----`) verifies only (a retired key, or one another service
    /// signs with). The algorithm comes from the key: `rsa_algorithm` for RSA keys (RS256 ..
    /// PS512), ES256 or ES384 by curve, EdDSA for Ed25519. The current key is `current` when
    /// given (`JWT_CURRENT_KID`), otherwise the private key whose `kid` sorts last, so that
    /// date-named files (`2026-11-01.pem`) rotate by adding a file.
    ///
    /// Each `<kid>.pem` must be a regular file (or a symbolic link to one) of at most
    /// [`MAX_PEM_FILE_SIZE`](Self::MAX_PEM_FILE_SIZE) bytes holding one PEM block (plus, for a
    /// SEC1 EC key, the `EC PARAMETERS` block `openssl ecparam -genkey` writes before it).
    /// Anything else is an error naming the file: a FIFO, socket, device or directory (refused
    /// without being opened for a blocking read, so a FIFO never stalls the call), a larger
    /// file (refused before it is read, and never read past the limit if it grows), or a file
    /// holding two keys, a key and a certificate, etc. (of which only one would be used).
    ///
    /// This reads files: from async code, call it off the runtime's threads
    /// (`actix_web::rt::task::spawn_blocking`).
    ///
    /// # Errors
    /// [`ConfigError::KeySet`] naming the `kid` and the file, [`ConfigError::Invalid`] for a
    /// directory that cannot be read or holds no `.pem` file (setting `JWT_KEYS_DIR`), or
    /// for a non-RSA `rsa_algorithm` (setting `JWT_ALGORITHM`). Never the content of a key.
    pub fn from_pem_dir(
        dir: impl AsRef<Path>,
        rsa_algorithm: Algorithm,
        current: Option<&str>,
    ) -> Result<Self, ConfigError> {
        const SETTING: &str = "JWT_KEYS_DIR";
        let dir = dir.as_ref();
        let problem = |kid: &str, reason: String| ConfigError::KeySet {
            setting: SETTING,
            kid: kid.to_owned(),
            reason,
        };
        if rsa_algorithm.family() != AlgorithmFamily::Rsa {
            return Err(ConfigError::Invalid {
                setting: "JWT_ALGORITHM",
                reason: format!("{rsa_algorithm:?} is not an RSA algorithm (RS* or PS*)"),
            });
        }
        let listing = std::fs::read_dir(dir).map_err(|e| ConfigError::Invalid {
            setting: SETTING,
            reason: format!("cannot read the directory {}: {e}", dir.display()),
        })?;
        let mut files = BTreeMap::new();
        for entry in listing {
            let entry = entry.map_err(|e| ConfigError::Invalid {
                setting: SETTING,
                reason: format!("cannot read the directory {}: {e}", dir.display()),
            })?;
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("pem") {
                continue;
            }
            let Some(kid) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let pem = super::file::read_pem_file(&path, Self::MAX_PEM_FILE_SIZE)
                .map_err(|reason| problem(kid, reason))?;
            files.insert(kid.to_owned(), pem);
        }
        if files.is_empty() {
            return Err(ConfigError::Invalid {
                setting: SETTING,
                reason: format!("no <kid>.pem file in {}", dir.display()),
            });
        }
        let mut builder = KeySet::builder().setting(SETTING);
        for (kid, pem) in &files {
            // `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1), and no private key.
            let public_only = pem.contains(" PUBLIC KEY-----") && !pem.contains("PRIVATE KEY-----");
            let alg = pem_algorithm(pem, public_only, rsa_algorithm).ok_or_else(|| {
                problem(kid, "not an RSA, EC (P-256, P-384) or Ed25519 key".into())
            })?;
            builder = if public_only {
                builder.public_pem(kid.clone(), alg, pem.as_bytes())
            } else {
                builder.private_pem(kid.clone(), alg, pem.as_bytes())
            };
        }
        if let Some(kid) = current {
            builder = builder.current(kid);
        }
        builder.build()
    }

    /// The `kid`s of the set, in the order they were added.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.kid.as_str())
    }

    /// The `kid` new tokens are signed with; `None` for a verification-only set.
    pub fn current_kid(&self) -> Option<&str> {
        self.current.map(|i| self.entries[i].kid.as_str())
    }

    /// The algorithm of the key `kid`.
    pub fn algorithm(&self, kid: &str) -> Option<Algorithm> {
        self.find(kid).map(|e| e.alg)
    }

    /// The public keys as a JWKS document (RFC 7517), for
    /// [`JwtManager::jwks`](crate::JwtManager::jwks). HMAC keys are never included.
    pub fn jwks(&self) -> jsonwebtoken::jwk::JwkSet {
        super::jwk::jwk_set(self.entries.iter().filter_map(|e| e.jwk.clone()))
    }

    pub(crate) fn jwks_json(&self) -> actix_web::web::Bytes {
        self.jwks_json.clone()
    }

    fn find(&self, kid: &str) -> Option<&KeyEntry> {
        self.entries.iter().find(|e| e.kid == kid)
    }

    /// The key that verifies a token whose header names `kid` (or none).
    pub(crate) fn verifier(&self, kid: Option<&str>) -> Result<&KeyEntry, JwtError> {
        match kid {
            Some(kid) => self
                .find(kid)
                .ok_or_else(|| JwtError::new(crate::kind::ErrorKind::UnknownKeyId)),
            None => self
                .untagged
                .map(|i| &self.entries[i])
                .ok_or_else(|| JwtError::new(crate::kind::ErrorKind::MissingKeyId)),
        }
    }

    /// The key that signs a new token: the one `kid` names, or the current one.
    pub(crate) fn signer(&self, kid: Option<&str>) -> Result<&KeyEntry, JwtError> {
        let entry = match kid {
            Some(kid) => self.find(kid).ok_or_else(|| {
                JwtError::encode(format!("the key set has no key with kid {kid:?}"))
            })?,
            None => self
                .current
                .map(|i| &self.entries[i])
                .ok_or_else(|| JwtError::encode("the key set holds no private key to sign with"))?,
        };
        if entry.keys.encoding.is_none() {
            return Err(JwtError::encode(format!(
                "the key {:?} verifies only: it has no private key",
                entry.kid
            )));
        }
        Ok(entry)
    }
}

/// The algorithm a PEM key is for, from its type (and, for EC keys, its curve). Only the
/// type is recognised here: the key itself is checked when the set is built, so that a weak
/// or broken key is reported as such.
fn pem_algorithm(pem: &str, public_only: bool, rsa_algorithm: Algorithm) -> Option<Algorithm> {
    use jsonwebtoken::{DecodingKey, EncodingKey};
    let bytes = pem.as_bytes();
    let parses = |private: fn(&[u8]) -> jsonwebtoken::errors::Result<EncodingKey>,
                  public: fn(&[u8]) -> jsonwebtoken::errors::Result<DecodingKey>| {
        if public_only {
            public(bytes).is_ok()
        } else {
            private(bytes).is_ok()
        }
    };
    if parses(EncodingKey::from_rsa_pem, DecodingKey::from_rsa_pem) {
        Some(rsa_algorithm)
    } else if parses(EncodingKey::from_ed_pem, DecodingKey::from_ed_pem) {
        Some(Algorithm::EdDSA)
    } else if pem.contains("-----BEGIN EC PRIVATE KEY-----")
        || parses(EncodingKey::from_ec_pem, DecodingKey::from_ec_pem)
    {
        let p384 = if public_only {
            Keys::from_pem(Algorithm::ES384, None, Some(bytes)).is_ok()
        } else {
            Keys::from_pem(Algorithm::ES384, Some(bytes), None).is_ok()
        };
        Some(if p384 {
            Algorithm::ES384
        } else {
            Algorithm::ES256
        })
    } else {
        None
    }
}

enum Material {
    Secret(Vec<u8>),
    Private(Vec<u8>),
    Public(Vec<u8>),
}

/// Builds a [`KeySet`]; every key is checked by [`build`](Self::build).
#[derive(Default)]
#[must_use = "call `.build()` to get the KeySet"]
pub struct KeySetBuilder {
    keys: Vec<(String, Algorithm, Material)>,
    current: Option<String>,
    untagged: Option<String>,
    setting: Option<&'static str>,
}

impl std::fmt::Debug for KeySetBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySetBuilder")
            .field("kids", &self.keys.iter().map(|k| &k.0).collect::<Vec<_>>())
            .field("current", &self.current)
            .finish()
    }
}

impl KeySetBuilder {
    fn setting(mut self, setting: &'static str) -> Self {
        self.setting = Some(setting);
        self
    }

    /// An HMAC secret for `alg` (HS256, HS384, HS512): signs and verifies. Never published.
    pub fn hmac(
        mut self,
        kid: impl Into<String>,
        alg: Algorithm,
        secret: impl AsRef<[u8]>,
    ) -> Self {
        self.keys
            .push((kid.into(), alg, Material::Secret(secret.as_ref().to_vec())));
        self
    }

    /// A PEM private key for `alg` (PKCS#8 `PRIVATE KEY`; also PKCS#1 `RSA PRIVATE KEY` and
    /// SEC1 `EC PRIVATE KEY`, openssl's defaults): signs and verifies; its public half is
    /// derived and published.
    pub fn private_pem(
        mut self,
        kid: impl Into<String>,
        alg: Algorithm,
        pem: impl AsRef<[u8]>,
    ) -> Self {
        self.keys
            .push((kid.into(), alg, Material::Private(pem.as_ref().to_vec())));
        self
    }

    /// A PEM public key for `alg` (SPKI `PUBLIC KEY`, or PKCS#1 `RSA PUBLIC KEY`): verifies
    /// only (a retired key, or another signer's).
    pub fn public_pem(
        mut self,
        kid: impl Into<String>,
        alg: Algorithm,
        pem: impl AsRef<[u8]>,
    ) -> Self {
        self.keys
            .push((kid.into(), alg, Material::Public(pem.as_ref().to_vec())));
        self
    }

    /// The key new tokens are signed with. Default: the last private key (or secret) added.
    pub fn current(mut self, kid: impl Into<String>) -> Self {
        self.current = Some(kid.into());
        self
    }

    /// The key that verifies tokens without a `kid` header (tokens issued before the key set,
    /// by a single-key setup such as flask-jwt-extended's). Default: none, and such tokens
    /// answer 422 `Missing key ID`.
    pub fn untagged(mut self, kid: impl Into<String>) -> Self {
        self.untagged = Some(kid.into());
        self
    }

    /// Checks every key and returns the set.
    pub fn build(self) -> Result<KeySet, ConfigError> {
        let setting = self.setting.unwrap_or("KeySet");
        let problem = |kid: &str, reason: String| ConfigError::KeySet {
            setting,
            kid: kid.to_owned(),
            reason,
        };
        if self.keys.is_empty() {
            return Err(ConfigError::Invalid {
                setting,
                reason: "a key set needs at least one key".into(),
            });
        }
        let mut entries: Vec<KeyEntry> = Vec::with_capacity(self.keys.len());
        for (kid, alg, material) in self.keys {
            if kid.is_empty() {
                return Err(problem(&kid, "a kid cannot be empty".into()));
            }
            if entries.iter().any(|e| e.kid == kid) {
                return Err(problem(&kid, "two keys have this kid".into()));
            }
            let keys = match material {
                Material::Secret(secret) => {
                    if alg.family() != AlgorithmFamily::Hmac {
                        return Err(problem(
                            &kid,
                            format!("{alg:?} takes a PEM key, not a secret"),
                        ));
                    }
                    if secret.is_empty() {
                        return Err(problem(&kid, "the secret is empty".into()));
                    }
                    if let Some(warning) = hmac_secret_warning(alg, secret.len()) {
                        log::warn!("{setting}: key {kid:?}: {warning}");
                    }
                    Keys::hmac(&secret)
                }
                Material::Private(pem) => Keys::from_pem(alg, Some(&pem), None)
                    .map_err(|p| problem(&kid, format!("{alg:?}: {}", p.reason)))?,
                Material::Public(pem) => Keys::from_pem(alg, None, Some(&pem))
                    .map_err(|p| problem(&kid, format!("{alg:?}: {}", p.reason)))?,
            };
            let jwk = public_jwk(alg, &keys.decoding, Some(&kid));
            let header = serde_json::json!({"alg": format!("{alg:?}"), "kid": kid, "typ": "JWT"});
            let mut default_header = String::new();
            crate::token::b64_encode_into(
                serde_json::to_string(&header)
                    .unwrap_or_default()
                    .as_bytes(),
                &mut default_header,
            );
            entries.push(KeyEntry {
                kid,
                alg,
                keys,
                default_header,
                jwk,
            });
        }
        let index = |kid: &str, what: &str| {
            entries
                .iter()
                .position(|e| e.kid == kid)
                .ok_or_else(|| problem(kid, format!("the {what} key is not in the set")))
        };
        let current = match &self.current {
            Some(kid) => {
                let i = index(kid, "current")?;
                if entries[i].keys.encoding.is_none() {
                    return Err(problem(
                        kid,
                        "the current key needs a private key to sign with".into(),
                    ));
                }
                Some(i)
            }
            None => entries.iter().rposition(|e| e.keys.encoding.is_some()),
        };
        let untagged = self
            .untagged
            .as_deref()
            .map(|kid| index(kid, "untagged"))
            .transpose()?;
        let mut set = KeySet {
            entries,
            current,
            untagged,
            jwks_json: actix_web::web::Bytes::new(),
        };
        set.jwks_json = super::jwk::to_json(&set.jwks());
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_PRIVATE: &str = include_str!("../../../tests/fixtures/rsa_private.pem");
    const RSA_PUBLIC: &str = include_str!("../../../tests/fixtures/rsa_public.pem");
    const RSA_OTHER_PUBLIC: &str = include_str!("../../../tests/fixtures/rsa_other_public.pem");
    const RSA1024_PRIVATE: &str = include_str!("../../../tests/fixtures/rsa1024_private.pem");
    const EC_PRIVATE: &str = include_str!("../../../tests/fixtures/ec_private.pem");
    const EC384_PRIVATE: &str = include_str!("../../../tests/fixtures/ec384_private.pem");
    const ED_PRIVATE: &str = include_str!("../../../tests/fixtures/ed25519_private.pem");
    /// `openssl ec -in ec_private.pem` (SEC1, no parameters block).
    const SEC1_P256: &str = include_str!("../../../tests/fixtures/ec_sec1_private.pem");
    /// `openssl ecparam -name secp384r1 -genkey` (an `EC PARAMETERS` block, then SEC1).
    const SEC1_P384: &str = include_str!("../../../tests/fixtures/ec384_sec1_private.pem");
    /// `openssl rsa -RSAPublicKey_out` of rsa_private.pem (PKCS#1).
    const PKCS1_PUBLIC: &str = include_str!("../../../tests/fixtures/rsa_pkcs1_public.pem");

    fn err(builder: KeySetBuilder) -> String {
        let e = builder.build().unwrap_err();
        let msg = e.to_string();
        assert!(!msg.contains("BEGIN"), "no key material in {msg}");
        msg
    }

    #[test]
    fn current_defaults_to_the_last_private_key_and_public_keys_verify_only() {
        let set = KeySet::builder()
            .private_pem("a", Algorithm::RS256, RSA_PRIVATE)
            .private_pem("b", Algorithm::ES256, EC_PRIVATE)
            .public_pem("c", Algorithm::RS256, RSA_OTHER_PUBLIC)
            .build()
            .unwrap();
        assert_eq!(set.current_kid(), Some("b"));
        assert_eq!(set.kids().collect::<Vec<_>>(), ["a", "b", "c"]);
        assert_eq!(set.algorithm("c"), Some(Algorithm::RS256));
        assert!(set.signer(Some("c")).is_err(), "a public key cannot sign");
        assert_eq!(set.signer(Some("a")).unwrap().kid, "a");
        assert_eq!(set.verifier(Some("c")).unwrap().alg, Algorithm::RS256);
        let missing = set.verifier(Some("zzz")).err().unwrap().to_string();
        assert_eq!(missing, "Unknown key ID");
        let untagged = set.verifier(None).err().unwrap().to_string();
        assert_eq!(untagged, "Missing key ID");
        let jwks = serde_json::to_value(set.jwks()).unwrap();
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 3);
        assert_eq!(jwks["keys"][1]["kid"], "b");
        assert_eq!(jwks["keys"][1]["crv"], "P-256");
    }

    #[test]
    fn bad_sets_fail_naming_the_key() {
        let msg = err(KeySet::builder().private_pem("weak", Algorithm::RS256, RSA1024_PRIVATE));
        assert!(msg.contains("\"weak\"") && msg.contains("RS256"), "{msg}");
        let msg = err(KeySet::builder().private_pem("curve", Algorithm::ES256, EC384_PRIVATE));
        assert!(msg.contains("\"curve\""), "{msg}");
        let msg = err(KeySet::builder()
            .private_pem("x", Algorithm::EdDSA, ED_PRIVATE)
            .private_pem("x", Algorithm::ES256, EC_PRIVATE));
        assert!(msg.contains("two keys"), "{msg}");
        let msg = err(KeySet::builder()
            .private_pem("x", Algorithm::EdDSA, ED_PRIVATE)
            .current("y"));
        assert!(msg.contains("\"y\"") && msg.contains("current"), "{msg}");
        let msg = err(KeySet::builder()
            .public_pem("p", Algorithm::RS256, RSA_PUBLIC)
            .current("p"));
        assert!(msg.contains("private key"), "{msg}");
        let msg = err(KeySet::builder().hmac("h", Algorithm::RS256, "secret"));
        assert!(msg.contains("PEM"), "{msg}");
        let msg = err(KeySet::builder().private_pem("", Algorithm::EdDSA, ED_PRIVATE));
        assert!(msg.contains("empty"), "{msg}");
        assert!(KeySet::builder().build().is_err());
        let msg = err(KeySet::builder().public_pem("mixed", Algorithm::EdDSA, RSA_PUBLIC));
        assert!(msg.contains("\"mixed\""), "{msg}");
    }

    #[test]
    fn a_directory_reads_kids_from_file_names() {
        let dir = std::env::temp_dir().join(format!("actix-jwt-ext-keys-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("2026-01.pem"), RSA_PRIVATE).unwrap();
        std::fs::write(dir.join("2026-02.pem"), EC_PRIVATE).unwrap();
        std::fs::write(dir.join("2025-12.pem"), RSA_OTHER_PUBLIC).unwrap();
        std::fs::write(dir.join("README.txt"), "ignored").unwrap();
        let set = KeySet::from_pem_dir(&dir, Algorithm::PS256, None).unwrap();
        assert_eq!(
            set.kids().collect::<Vec<_>>(),
            ["2025-12", "2026-01", "2026-02"]
        );
        assert_eq!(set.current_kid(), Some("2026-02"));
        assert_eq!(set.algorithm("2026-01"), Some(Algorithm::PS256));
        assert_eq!(set.algorithm("2026-02"), Some(Algorithm::ES256));
        let set = KeySet::from_pem_dir(&dir, Algorithm::RS256, Some("2026-01")).unwrap();
        assert_eq!(set.current_kid(), Some("2026-01"));
        std::fs::write(dir.join("2026-03.pem"), EC384_PRIVATE).unwrap();
        std::fs::write(dir.join("2026-04-sec1.pem"), SEC1_P384).unwrap();
        std::fs::write(dir.join("2026-05-sec1.pem"), SEC1_P256).unwrap();
        std::fs::write(dir.join("2025-11-pkcs1.pem"), PKCS1_PUBLIC).unwrap();
        let set = KeySet::from_pem_dir(&dir, Algorithm::RS256, None).unwrap();
        assert_eq!(set.algorithm("2026-03"), Some(Algorithm::ES384));
        assert_eq!(set.algorithm("2026-04-sec1"), Some(Algorithm::ES384));
        assert_eq!(set.algorithm("2026-05-sec1"), Some(Algorithm::ES256));
        assert_eq!(set.current_kid(), Some("2026-05-sec1"));
        assert_eq!(set.algorithm("2025-11-pkcs1"), Some(Algorithm::RS256));
        assert!(set.signer(Some("2025-11-pkcs1")).is_err(), "a public key");
        for kid in [
            "2026-01",
            "2026-03",
            "2026-04-sec1",
            "2026-05-sec1",
            "2025-11-pkcs1",
        ] {
            std::fs::remove_file(dir.join(format!("{kid}.pem"))).ok();
        }
        std::fs::write(dir.join("weak.pem"), RSA1024_PRIVATE).unwrap();
        let e = KeySet::from_pem_dir(&dir, Algorithm::RS256, None).unwrap_err();
        assert!(e.to_string().contains("2048"), "{e}");
        std::fs::remove_file(dir.join("weak.pem")).unwrap();
        std::fs::write(dir.join("bad.pem"), "not a key").unwrap();
        let e = KeySet::from_pem_dir(&dir, Algorithm::RS256, None).unwrap_err();
        assert_eq!(e.setting(), Some("JWT_KEYS_DIR"));
        assert!(e.to_string().contains("\"bad\""), "{e}");
        let e = KeySet::from_pem_dir(dir.join("missing"), Algorithm::RS256, None).unwrap_err();
        assert_eq!(e.setting(), Some("JWT_KEYS_DIR"));
        let e = KeySet::from_pem_dir(&dir, Algorithm::ES256, None).unwrap_err();
        assert_eq!(e.setting(), Some("JWT_ALGORITHM"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A fresh directory holding `good.pem` (an Ed25519 private key).
    fn key_dir(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("actix-jwt-ext-keys-{name}-{}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("good.pem"), ED_PRIVATE).unwrap();
        dir
    }

    /// `from_pem_dir(dir)`, in a thread: `None` when it does not return within 5 s.
    fn load_within_5s(dir: &Path) -> Option<Result<KeySet, ConfigError>> {
        let (tx, rx) = std::sync::mpsc::channel();
        let dir = dir.to_owned();
        std::thread::spawn(move || {
            let _ = tx.send(KeySet::from_pem_dir(&dir, Algorithm::RS256, None));
        });
        rx.recv_timeout(std::time::Duration::from_secs(5)).ok()
    }

    /// The directory is refused, naming `kid`, its file, and `reason`, with no key material.
    fn refused(dir: &Path, kid: &str, reason: &str) {
        let e = load_within_5s(dir)
            .unwrap_or_else(|| panic!("{kid}.pem: from_pem_dir blocked for 5 s"))
            .unwrap_err();
        assert_eq!(e.setting(), Some("JWT_KEYS_DIR"), "{e}");
        let msg = e.to_string();
        let file = dir.join(format!("{kid}.pem"));
        assert!(msg.contains(&format!("key \"{kid}\"")), "{msg}");
        assert!(msg.contains(&file.display().to_string()), "{msg}");
        assert!(msg.contains(reason), "{msg}");
        assert!(!msg.contains("BEGIN") && !msg.contains("MC4CAQ"), "{msg}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let dir = key_dir("fifo");
        let fifo = dir.join("k9.pem");
        crate::keys::file::make_fifo(&fifo);
        refused(&dir, "k9", "is a FIFO (named pipe), not a regular file");
        std::fs::remove_file(&fifo).unwrap();
        let set = load_within_5s(&dir).unwrap().unwrap();
        assert_eq!(set.kids().collect::<Vec<_>>(), ["good"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_socket_is_refused() {
        let dir = key_dir("socket");
        let _listener = std::os::unix::net::UnixListener::bind(dir.join("sock.pem")).unwrap();
        refused(&dir, "sock", "is a socket, not a regular file");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_directory_entry_is_refused() {
        let dir = key_dir("subdir");
        std::fs::create_dir(dir.join("nested.pem")).unwrap();
        refused(&dir, "nested", "is a directory, not a regular file");
        std::fs::remove_dir(dir.join("nested.pem")).unwrap();
        assert!(KeySet::from_pem_dir(&dir, Algorithm::RS256, None).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_oversized_file_is_refused_unread() {
        assert_eq!(KeySet::MAX_PEM_FILE_SIZE, 64 * 1024);
        let dir = key_dir("big");
        // A valid key padded past the cap: refused for its size, not for its content.
        let limit = usize::try_from(KeySet::MAX_PEM_FILE_SIZE).unwrap();
        let mut big = RSA_PRIVATE.to_owned();
        big.push_str(&"\n".repeat(limit + 1 - big.len()));
        std::fs::write(dir.join("big.pem"), &big).unwrap();
        refused(
            &dir,
            "big",
            &format!("is {} bytes, more than the limit of 65536 bytes", limit + 1),
        );
        // At the cap exactly, the same padding reads (and the key loads).
        big.pop();
        std::fs::write(dir.join("big.pem"), &big).unwrap();
        let set = KeySet::from_pem_dir(&dir, Algorithm::RS256, None).unwrap();
        assert_eq!(set.algorithm("big"), Some(Algorithm::RS256));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_of_two_pem_blocks_is_refused() {
        let dir = key_dir("two");
        std::fs::write(dir.join("pair.pem"), format!("{RSA_PRIVATE}{RSA_PUBLIC}")).unwrap();
        refused(&dir, "pair", "holds 2 PEM blocks (PRIVATE KEY, PUBLIC KEY)");
        std::fs::write(dir.join("pair.pem"), format!("{ED_PRIVATE}\n{EC_PRIVATE}")).unwrap();
        refused(&dir, "pair", "holds 2 PEM blocks");
        // One key, after the EC PARAMETERS block of `openssl ecparam -genkey`: one key.
        std::fs::write(dir.join("pair.pem"), SEC1_P384).unwrap();
        let set = KeySet::from_pem_dir(&dir, Algorithm::RS256, None).unwrap();
        assert_eq!(set.algorithm("pair"), Some(Algorithm::ES384));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_that_is_not_text_is_refused() {
        let dir = key_dir("binary");
        std::fs::write(dir.join("der.pem"), [0x30, 0x82, 0xff, 0xfe]).unwrap();
        refused(&dir, "der", "is not a PEM file (not UTF-8 text)");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_to_a_key_file_loads() {
        // Kubernetes mounts secrets as symbolic links into a `..data` directory.
        let dir = key_dir("symlink");
        std::fs::create_dir(dir.join("..data")).unwrap();
        std::fs::write(dir.join("..data").join("linked.pem"), EC_PRIVATE).unwrap();
        std::os::unix::fs::symlink("..data/linked.pem", dir.join("linked.pem")).unwrap();
        let set = load_within_5s(&dir).unwrap().unwrap();
        assert_eq!(set.kids().collect::<Vec<_>>(), ["good", "linked"]);
        assert_eq!(set.algorithm("linked"), Some(Algorithm::ES256));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
