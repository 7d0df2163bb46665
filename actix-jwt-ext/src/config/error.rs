//! [`ConfigError`]: a startup error that names the setting at fault.

use jsonwebtoken::Algorithm;

/// A configuration problem found at startup. Its message always names the setting, and never
/// repeats a secret or a key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No HMAC secret for an HS* algorithm.
    #[error(
        "JWT_SECRET_KEY or SECRET_KEY must be set when using symmetric algorithm \"{algorithm:?}\""
    )]
    MissingSecret {
        /// The configured `JWT_ALGORITHM`.
        algorithm: Algorithm,
    },
    /// No PEM key for an asymmetric algorithm.
    #[error("{setting} must be set to use asymmetric cryptography algorithm \"{algorithm:?}\"")]
    MissingKey {
        /// `JWT_PRIVATE_KEY` or `JWT_PUBLIC_KEY`.
        setting: &'static str,
        /// The configured `JWT_ALGORITHM`.
        algorithm: Algorithm,
    },
    /// A PEM key that does not parse, or does not fit the algorithm.
    #[error("{setting} is not a usable key for algorithm \"{algorithm:?}\": {reason}")]
    InvalidKey {
        /// `JWT_PRIVATE_KEY` or `JWT_PUBLIC_KEY`.
        setting: &'static str,
        /// The configured `JWT_ALGORITHM`.
        algorithm: Algorithm,
        /// What is wrong (never the key itself).
        reason: String,
    },
    /// An algorithm name this crate does not know.
    #[error("{setting}: unknown algorithm {value:?} (expected one of HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA)")]
    UnknownAlgorithm {
        /// `JWT_ALGORITHM` or `JWT_DECODE_ALGORITHMS`.
        setting: &'static str,
        /// The name given.
        value: String,
    },
    /// `JWT_TOKEN_LOCATION` names something else than the four locations.
    #[error("JWT_TOKEN_LOCATION can only contain \"headers\", \"cookies\", \"query_string\", or \"json\" (got {value:?})")]
    UnknownLocation {
        /// The name given.
        value: String,
    },
    /// `JWT_TOKEN_LOCATION` is empty.
    #[error("JWT_TOKEN_LOCATION must contain at least one of \"headers\", \"cookies\", \"query_string\", or \"json\"")]
    EmptyLocations,
    /// A setting that must not be empty is empty.
    #[error("{setting} cannot be empty")]
    Empty {
        /// The setting.
        setting: &'static str,
    },
    /// A value that does not parse (number, boolean, duration, method, SameSite...).
    #[error("{setting}: {reason}")]
    Invalid {
        /// The setting.
        setting: &'static str,
        /// What was expected.
        reason: String,
    },
    /// A key of a [`KeySet`](crate::keys::KeySet) (or of the directory it was read from)
    /// that cannot be used.
    #[error("{setting}: key {kid:?}: {reason}")]
    KeySet {
        /// `JWT_KEYS_DIR`, or `KeySet` for a set built in code.
        setting: &'static str,
        /// The key's `kid` (its file name without `.pem` for a directory).
        kid: String,
        /// What is wrong (never the key itself).
        reason: String,
    },
    /// A remote issuer's settings that cannot work (an `http://` URL off loopback, no issuer).
    #[error("{setting}: {reason}")]
    RemoteIssuer {
        /// The `RemoteJwks` constructor or builder method at fault.
        setting: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The `.env` file exists but cannot be read.
    #[error("cannot read {path}: {reason}")]
    DotEnv {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

impl ConfigError {
    /// The name of the setting at fault (`JWT_*` or `SECRET_KEY`), where there is one.
    pub fn setting(&self) -> Option<&'static str> {
        match self {
            ConfigError::MissingSecret { .. } => Some("JWT_SECRET_KEY"),
            ConfigError::MissingKey { setting, .. }
            | ConfigError::InvalidKey { setting, .. }
            | ConfigError::UnknownAlgorithm { setting, .. }
            | ConfigError::Empty { setting }
            | ConfigError::Invalid { setting, .. }
            | ConfigError::KeySet { setting, .. }
            | ConfigError::RemoteIssuer { setting, .. } => Some(setting),
            ConfigError::UnknownLocation { .. } | ConfigError::EmptyLocations => {
                Some("JWT_TOKEN_LOCATION")
            }
            ConfigError::DotEnv { .. } => None,
        }
    }
}
