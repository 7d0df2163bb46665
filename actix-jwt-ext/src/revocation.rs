//! Revoking tokens: logout ([`JwtManager::revoke`]), and refresh-token rotation with reuse
//! detection.
//!
//! With rotation on ([`JwtManagerBuilder::refresh_rotation`](crate::JwtManagerBuilder::refresh_rotation)),
//! a login creates a token *family* (the `fam` claim, shared by the access and refresh token);
//! each refresh retires the refresh token presented and returns a new pair in the same family.
//! A retired refresh token presented again means it leaked (or a client replays it): the whole
//! family is revoked, so the thief's and the owner's tokens stop working together, and the
//! answer is the revoked-token error. Retirement is atomic in the store
//! ([`TokenBlocklist::revoke_once`]): of two refreshes racing with the same token, exactly one
//! succeeds.
//!
//! ```
//! # actix_web::rt::System::new().block_on(async {
//! use actix_jwt_ext::{ErrorKind, InMemoryBlocklist, JwtConfig, JwtManager};
//!
//! let jwt = JwtManager::builder(JwtConfig::builder().secret_key("s3cr3t").build()?)
//!     .blocklist(InMemoryBlocklist::new())
//!     .refresh_rotation(true)
//!     .build()?;
//! let login = jwt.create_token_pair("alice", true).await?;
//! let first = jwt.decode_token(&login.refresh_token).await?;
//! let rotated = jwt.rotate_refresh_token(&first).await?;          // a new pair, same family
//! assert!(matches!(jwt.rotate_refresh_token(&first).await, Err(e) if e.kind() == ErrorKind::Revoked)); // reuse
//! let second = jwt.decode_token(&rotated.refresh_token).await?;
//! assert!(jwt.is_revoked(&second).await?, "the family went down with the reused token");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

use crate::blocklist::{family_id, retired_id, FAMILY_CLAIM};
use crate::error::JwtError;
use crate::kind::{ErrorKind, Failure};
use crate::manager::Fresh;
use crate::manager::JwtManager;
use crate::token::DecodedToken;
use crate::verify::revoked_in;

/// An access token and a refresh token, as a login or a rotation returns them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[must_use]
pub struct TokenPair {
    /// The access token.
    pub access_token: String,
    /// The refresh token.
    pub refresh_token: String,
}

/// The claim a refresh keeps (RFC 6749, section 6; RFC 8693 names it).
const SCOPE_CLAIM: &str = "scope";

fn until(seconds_from_epoch: f64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs_f64(seconds_from_epoch.clamp(0.0, 1e11))
}

impl JwtManager {
    /// Revokes a token in the registered [`TokenBlocklist`](crate::TokenBlocklist) until it
    /// would expire anyway (a logout). A token without `jti` cannot be revoked: 422
    /// `Missing claim: jti`; a failing or missing store: 503.
    pub async fn revoke(&self, token: &DecodedToken) -> Result<(), JwtError> {
        let result = async {
            let store = self.blocklist().ok_or_else(|| {
                log::error!("actix-jwt-ext: revoke() needs a TokenBlocklist on the JwtManager");
                JwtError::store_unavailable("no TokenBlocklist is registered on the JwtManager")
            })?;
            let jti = token
                .jti()
                .ok_or_else(|| JwtError::from(Failure::missing_claim("jti")))?;
            let keep_until = token
                .expires_at()
                .map(|exp| until(exp.max(0.0) + self.config().decode_leeway.as_secs_f64() + 1.0));
            store.revoke(jti, keep_until).await.map_err(unavailable)
        }
        .await;
        result.map_err(|e| self.attach(e))
    }

    /// A login's tokens: an access token (with `fresh`) and a refresh token, in a new token
    /// family when refresh rotation is on.
    pub async fn create_token_pair(
        &self,
        identity: impl serde::Serialize,
        fresh: impl Into<Fresh>,
    ) -> Result<TokenPair, JwtError> {
        self.create_token_pair_with(identity, fresh, Map::new())
            .await
    }

    /// Like [`create_token_pair`](Self::create_token_pair), with `claims` added to both
    /// tokens (say a granted `scope`). The `scope` claim is carried into the pairs that
    /// [`rotate_refresh_token`](Self::rotate_refresh_token) returns for this login (RFC 6749,
    /// section 6: a refresh keeps the scope); other extra claims are not.
    ///
    /// ```
    /// # actix_web::rt::System::new().block_on(async {
    /// use actix_jwt_ext::{JwtConfig, JwtManager};
    ///
    /// let jwt = JwtManager::new(JwtConfig::builder().secret_key("s3cr3t").build()?)?;
    /// let mut claims = serde_json::Map::new();
    /// claims.insert("scope".into(), "reports:read".into());
    /// let pair = jwt.create_token_pair_with("alice", true, claims).await?;
    /// let refresh = jwt.decode_token(&pair.refresh_token).await?;
    /// assert_eq!(refresh.claims()["scope"], "reports:read");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn create_token_pair_with(
        &self,
        identity: impl serde::Serialize,
        fresh: impl Into<Fresh>,
        claims: Map<String, Value>,
    ) -> Result<TokenPair, JwtError> {
        let result = async move {
            let identity =
                serde_json::to_value(identity).map_err(|e| JwtError::encode(e.to_string()))?;
            let family = self
                .refresh_rotation()
                .then(|| uuid::Uuid::new_v4().to_string());
            self.pair(identity, fresh.into(), family, claims).await
        }
        .await;
        result.map_err(|e| self.attach(e))
    }

    async fn pair(
        &self,
        identity: Value,
        fresh: Fresh,
        family: Option<String>,
        claims: Map<String, Value>,
    ) -> Result<TokenPair, JwtError> {
        let mut access = self.access_token(&identity).fresh(fresh);
        let mut refresh = self.refresh_token(&identity);
        if !claims.is_empty() {
            access = access.claims(&claims);
            refresh = refresh.claims(&claims);
        }
        if let Some(family) = family {
            access = access.claim(FAMILY_CLAIM, &family);
            refresh = refresh.claim(FAMILY_CLAIM, &family);
        }
        Ok(TokenPair {
            access_token: access.encode().await?,
            refresh_token: refresh.encode().await?,
        })
    }

    /// Retires the verified refresh token `refresh` and returns a new pair in its family (a
    /// non-fresh access token and a refresh token). A refresh token retired before revokes its
    /// family and fails with [`ErrorKind::Revoked`](crate::ErrorKind::Revoked). Needs a
    /// [`blocklist`](crate::JwtManagerBuilder::blocklist) store.
    pub async fn rotate_refresh_token(
        &self,
        refresh: &DecodedToken,
    ) -> Result<TokenPair, JwtError> {
        let result = async move {
            let store = self.blocklist().ok_or_else(|| {
                log::error!(
                    "actix-jwt-ext: refresh-token rotation needs a TokenBlocklist on the JwtManager"
                );
                JwtError::new(ErrorKind::NotConfigured)
            })?;
            let jti = refresh
                .jti()
                .ok_or_else(|| JwtError::from(Failure::missing_claim("jti")))?;
            let family = refresh
                .claim(FAMILY_CLAIM)
                .and_then(Value::as_str)
                .unwrap_or(jti)
                .to_owned();
            let leeway = self.config().decode_leeway.as_secs_f64() + 1.0;
            let retired_until = refresh.expires_at().map(|exp| until(exp + leeway));
            let first_use = store
                .revoke_once(&retired_id(jti), retired_until)
                .await
                .map_err(unavailable)?;
            if !first_use {
                let family_until = self
                    .config()
                    .refresh_token_expires
                    .duration()
                    .map(|d| until(crate::token::now_f64() + d.as_secs_f64() + leeway));
                store
                    .revoke(&family_id(&family), family_until)
                    .await
                    .map_err(unavailable)?;
                log::warn!("actix-jwt-ext: a rotated refresh token was used again; its token family is revoked");
                return Err(JwtError::with_token(ErrorKind::Revoked, refresh.clone()));
            }
            let identity = refresh.identity().cloned().unwrap_or(Value::Null);
            let mut kept = Map::new();
            if let Some(scope) = refresh.claim(SCOPE_CLAIM) {
                kept.insert(SCOPE_CLAIM.to_owned(), scope.clone());
            }
            self.pair(identity, Fresh::No, Some(family), kept).await
        }
        .await;
        result.map_err(|e| self.attach(e))
    }

    /// `true` when the store holds the token's `jti` or its family as revoked.
    pub async fn is_revoked(&self, token: &DecodedToken) -> Result<bool, JwtError> {
        let result = async move {
            match self.blocklist() {
                Some(store) => revoked_in(store.as_ref(), token).await,
                None => Ok(false),
            }
        }
        .await;
        result.map_err(|e| self.attach(e))
    }
}

use crate::verify::store_unavailable as unavailable;
