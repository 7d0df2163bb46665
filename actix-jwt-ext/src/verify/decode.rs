//! Reading a token outside a request: flask-jwt-extended's `decode_token`, `get_jti` and
//! `get_csrf_token`, as [`JwtManager`] methods. The checks are the procedure's steps 4 to 6;
//! no type, freshness or revocation check.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use super::jws::{self, DecodeOptions};
use crate::error::JwtError;
use crate::kind::Failure;
use crate::manager::JwtManager;
use crate::token::DecodedToken;

impl JwtManager {
    /// `decode_token(token, csrf_value=None, allow_expired=False)`: full verification of the
    /// signature and registered claims, the identity claim and decode defaults. Await it, or
    /// set the options first.
    ///
    /// ```
    /// # actix_web::rt::System::new().block_on(async {
    /// use actix_jwt_ext::{ErrorKind, JwtConfig, JwtManager};
    ///
    /// let jwt = JwtManager::new(JwtConfig::builder().secret_key("s3cr3t").build()?)?;
    /// let token = jwt.access_token("alice").claim("exp", 1).encode().await?;
    /// assert_eq!(jwt.decode_token(&token).await.unwrap_err().kind(), ErrorKind::Expired);
    /// let expired = jwt.decode_token(&token).allow_expired(true).await?;
    /// assert_eq!(expired.identity_str(), Some("alice"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn decode_token<'a>(&'a self, token: &'a str) -> Decode<'a> {
        Decode {
            manager: self,
            token,
            options: DecodeOptions::default(),
        }
    }

    /// `get_jti(token)`: the `jti` of a fully verified token.
    pub async fn get_jti(&self, token: &str) -> Result<Option<String>, JwtError> {
        Ok(self.decode_token(token).await?.jti().map(str::to_owned))
    }

    /// `get_csrf_token(token)`: the `csrf` claim of a fully verified token.
    pub async fn get_csrf_token(&self, token: &str) -> Result<String, JwtError> {
        let token = self.decode_token(token).await?;
        match token.csrf() {
            Some(csrf) => Ok(csrf.to_owned()),
            None => Err(self.attach(Failure::missing_claim("csrf").into())),
        }
    }
}

/// A decode [`JwtManager::decode_token`] starts; `.await` it.
#[must_use = "the token is decoded when awaited"]
pub struct Decode<'a> {
    manager: &'a JwtManager,
    token: &'a str,
    options: DecodeOptions<'a>,
}

/// Shows the options; never the token (a bearer credential) nor the CSRF value.
impl std::fmt::Debug for Decode<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decode")
            .field("manager", self.manager)
            .field("token_len", &self.token.len())
            .field("csrf_value", &self.options.csrf_value.map(|_| "[redacted]"))
            .field("allow_expired", &self.options.allow_expired)
            .finish()
    }
}

impl<'a> Decode<'a> {
    /// `csrf_value=...`: the value sent with a cookie token, checked against its `csrf` claim.
    pub fn csrf_value(mut self, value: &'a str) -> Self {
        self.options.csrf_value = Some(value);
        self
    }

    /// `allow_expired=True`: accept an expired token (everything else is still checked).
    pub fn allow_expired(mut self, yes: bool) -> Self {
        self.options.allow_expired = yes;
        self
    }
}

impl<'a> IntoFuture for Decode<'a> {
    type Output = Result<DecodedToken, JwtError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + 'a>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            jws::decode(self.manager, self.token, self.options)
                .await
                .map_err(|e| self.manager.attach(e))
        })
    }
}
