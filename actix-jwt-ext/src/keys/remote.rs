//! [`RemoteJwks`]: the keys of a remote issuer (an OIDC provider), fetched from its JWKS.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use actix_web::http::Uri;
use futures_util::lock::Mutex;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use super::checks::check_public_key;
use crate::config::without_userinfo;
use crate::config::ConfigError;
use crate::error::JwtError;

/// The algorithms accepted by default: every asymmetric one. HMAC never: a public JWKS
/// cannot hold a shared secret.
const ASYMMETRIC: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// Verifies the tokens of a remote issuer with the keys of its JWKS (RFC 7517), found
/// through OpenID Connect discovery or given directly.
///
/// Register it with [`JwtManagerBuilder::remote_jwks`](crate::JwtManagerBuilder::remote_jwks):
/// the extractors and [`jwt_required`](crate::jwt_required) then accept the issuer's tokens
/// (and only those; the manager signs none). Each token is checked with the key its `kid`
/// names, with that key's algorithm only, and for the issuer's `iss` and the configured
/// audience.
///
/// How keys are fetched:
///
/// - at the first token (or with [`refresh`](Self::refresh) at startup), then again once
///   they are older than [`max_age`](RemoteJwksBuilder::max_age) (15 minutes);
/// - when a token names a `kid` the cache lacks (a rotation at the issuer), at most once per
///   [`refetch_interval`](RemoteJwksBuilder::refetch_interval) (10 seconds), so that tokens
///   with made-up `kid`s cannot make this service flood the issuer;
/// - one fetch at a time, within [`timeout`](RemoteJwksBuilder::timeout) (5 seconds) for
///   connection, answer and body together, and with the body bounded by
///   [`max_document_size`](RemoteJwksBuilder::max_document_size) (256 KiB); redirects are not
///   followed.
///
/// When the issuer is down or slow, cached keys keep working: keys past `max_age` are used at
/// once while a background fetch renews them. With no keys cached, requests answer 503
/// `Token signing keys are unavailable` at once between two attempts, and at most after
/// `timeout` during one. Each key of the JWKS is pinned to one algorithm: its `alg`,
/// which must agree with its `kty` and curve (a key whose `alg` disagrees is skipped), or,
/// without `alg`, the curve's algorithm (ES256, ES384, EdDSA) or RS256 for RSA. Symmetric
/// (`oct`) keys, encryption keys (`use: enc`), RSA keys under 2048 bits and keys of other
/// algorithms than [`algorithms`](RemoteJwksBuilder::algorithms) are skipped.
///
/// Fetches run on the Actix runtime (awc): inside a handler, an extractor, or an
/// `actix_web::rt::System`; elsewhere a fetch is a 503 (`JwtError::KeysUnavailable`), not a
/// panic.
///
/// ```
/// use actix_jwt_ext::RemoteJwks;
/// use actix_jwt_ext::{JwtConfig, JwtManager};
///
/// let remote = RemoteJwks::discover("https://accounts.example.com")
///     .audience("my-api")
///     .build()
///     .unwrap();
/// let jwt = JwtManager::builder(JwtConfig::default()).remote_jwks(remote).build().unwrap();
/// # drop(jwt);
/// ```
#[derive(Clone)]
pub struct RemoteJwks {
    inner: Arc<Inner>,
}

/// Shows the addresses without their user information (it may hold a password).
impl std::fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteJwks")
            .field(
                "issuer",
                &self.inner.issuer.as_deref().map(without_userinfo),
            )
            .field(
                "jwks_uri",
                &self.inner.jwks_uri.as_deref().map(without_userinfo),
            )
            .finish_non_exhaustive()
    }
}

struct Inner {
    /// The expected `iss`; also the discovery base when `discover` is set.
    issuer: Option<String>,
    jwks_uri: Option<String>,
    audience: Option<Vec<String>>,
    algorithms: Vec<Algorithm>,
    refetch_interval: Duration,
    max_age: Duration,
    timeout: Duration,
    max_document_size: usize,
    allow_http: bool,
    tls: Arc<rustls::ClientConfig>,
    state: RwLock<State>,
    /// Held while fetching: one fetch at a time.
    fetching: Mutex<()>,
}

#[derive(Default)]
struct State {
    keys: Arc<Vec<Arc<RemoteKey>>>,
    /// The last successful fetch.
    fetched_at: Option<Instant>,
    /// The last fetch, successful or not.
    attempted_at: Option<Instant>,
    /// The `jwks_uri` discovery found.
    discovered_uri: Option<String>,
}

/// One key of the issuer's JWKS, pinned to one algorithm.
#[derive(Clone)]
pub(crate) struct RemoteKey {
    pub(crate) kid: Option<String>,
    pub(crate) alg: Algorithm,
    pub(crate) key: DecodingKey,
}

impl RemoteJwks {
    /// An issuer found through OpenID Connect discovery: its JWKS address is the `jwks_uri`
    /// of `<issuer>/.well-known/openid-configuration`, whose `issuer` must equal `issuer`;
    /// tokens must carry `iss` = `issuer`.
    pub fn discover(issuer: impl Into<String>) -> RemoteJwksBuilder {
        RemoteJwksBuilder::new(Some(issuer.into()), true, None)
    }

    /// A JWKS at a known address. Set the expected `iss` with
    /// [`issuer`](RemoteJwksBuilder::issuer) (or `JWT_DECODE_ISSUER`): without either, `iss`
    /// is not checked.
    pub fn from_jwks_uri(jwks_uri: impl Into<String>) -> RemoteJwksBuilder {
        RemoteJwksBuilder::new(None, false, Some(jwks_uri.into()))
    }

    pub(crate) fn expected_issuer(&self) -> Option<&str> {
        self.inner.issuer.as_deref()
    }

    pub(crate) fn audience(&self) -> Option<&[String]> {
        self.inner.audience.as_deref()
    }

    /// The `kid`s of the cached keys.
    pub fn cached_kids(&self) -> Vec<String> {
        self.state()
            .keys
            .iter()
            .filter_map(|k| k.kid.clone())
            .collect()
    }

    /// Fetches the keys now (for example at startup, to fail early) and returns how many
    /// usable keys the JWKS holds.
    pub async fn refresh(&self) -> Result<usize, JwtError> {
        let _guard = self.inner.fetching.lock().await;
        self.fetch_and_store().await?;
        Ok(self.state().keys.len())
    }

    fn state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.inner
            .state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The key for a token whose header names `kid`, fetching the JWKS when needed.
    pub(crate) async fn key_for(&self, kid: Option<&str>) -> Result<Arc<RemoteKey>, JwtError> {
        let now = Instant::now();
        let on_actix = actix_web::rt::System::try_current().is_some();
        match self.lookup(kid, now) {
            (Some(key), true) => return Ok(key),
            // Past `max_age`: served at once while a background fetch renews the cache.
            (Some(key), false) if on_actix => {
                self.renew_in_background(now);
                return Ok(key);
            }
            _ => {}
        }
        if !on_actix {
            return Err(JwtError::keys_unavailable(
                "RemoteJwks fetches keys on the Actix runtime (an actix_web::rt::System); \
                 none runs on this thread",
            ));
        }
        let _guard = self.inner.fetching.lock().await;
        // Another request may have fetched while this one waited.
        let now = Instant::now();
        if let (Some(key), true) = self.lookup(kid, now) {
            return Ok(key);
        }
        let failure = if self.may_fetch(now) {
            self.fetch_and_store().await.err()
        } else {
            None
        };
        let state = self.state();
        if let Some(key) = find(&state.keys, kid) {
            return Ok(key); // fresh, or stale while the issuer cannot answer
        }
        if state.fetched_at.is_none() {
            return Err(failure.unwrap_or_else(|| {
                JwtError::keys_unavailable(
                    "the issuer's keys could not be fetched; the next attempt is pending",
                )
            }));
        }
        Err(JwtError::new(match kid {
            Some(_) => crate::kind::ErrorKind::UnknownKeyId,
            None => crate::kind::ErrorKind::MissingKeyId,
        }))
    }

    /// The cached key for `kid`, and whether the cache is younger than `max_age`.
    fn lookup(&self, kid: Option<&str>, now: Instant) -> (Option<Arc<RemoteKey>>, bool) {
        let state = self.state();
        let fresh = state
            .fetched_at
            .is_some_and(|t| now.duration_since(t) < self.inner.max_age);
        (find(&state.keys, kid), fresh)
    }

    /// `true` when the last fetch is at least `refetch_interval` old.
    fn may_fetch(&self, now: Instant) -> bool {
        self.state()
            .attempted_at
            .is_none_or(|t| now.duration_since(t) >= self.inner.refetch_interval)
    }

    /// Renews stale keys without making the request wait: one background fetch at a time,
    /// at most once per `refetch_interval`.
    fn renew_in_background(&self, now: Instant) {
        if !self.may_fetch(now) {
            return;
        }
        let Some(guard) = self.inner.fetching.try_lock() else {
            return; // a fetch is running
        };
        drop(guard);
        let this = self.clone();
        actix_web::rt::spawn(async move {
            let _guard = this.inner.fetching.lock().await;
            if this.may_fetch(Instant::now()) {
                // A failure is logged; the stale keys stay in use.
                let _ = this.fetch_and_store().await;
            }
        });
    }

    async fn fetch_and_store(&self) -> Result<(), JwtError> {
        let result = self.fetch().await;
        let mut state = self
            .inner
            .state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.attempted_at = Some(Instant::now());
        match result {
            Ok((keys, discovered_uri)) => {
                log::debug!("remote JWKS: {} usable keys", keys.len());
                state.keys = Arc::new(keys);
                state.fetched_at = state.attempted_at;
                state.discovered_uri = discovered_uri;
                Ok(())
            }
            Err(reason) => {
                log::warn!("remote JWKS: {reason}");
                Err(JwtError::keys_unavailable(reason))
            }
        }
    }

    /// Discovery (when needed), then the JWKS.
    async fn fetch(&self) -> Result<(Vec<Arc<RemoteKey>>, Option<String>), String> {
        let inner = &self.inner;
        let known_uri = inner
            .jwks_uri
            .clone()
            .or_else(|| self.state().discovered_uri.clone());
        let deadline = Instant::now() + inner.timeout;
        let (uri, discovered) = match known_uri {
            Some(uri) => (uri, None),
            None => {
                let uri = self.discover_jwks_uri(deadline).await?;
                (uri.clone(), Some(uri))
            }
        };
        let document = self.get_json(&uri, deadline).await?;
        let keys = parse_jwks(&document, &inner.algorithms)?;
        Ok((
            keys,
            discovered.or_else(|| self.state().discovered_uri.clone()),
        ))
    }

    async fn discover_jwks_uri(&self, deadline: Instant) -> Result<String, String> {
        let issuer = self.inner.issuer.as_deref().unwrap_or_default();
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let config = self.get_json(&url, deadline).await?;
        // Reasons go to logs: never a password of the URL.
        let (url, shown_issuer) = (without_userinfo(&url), without_userinfo(issuer));
        // OpenID Connect Discovery 1.0 section 4.3: the issuer must be exactly the one asked.
        if config.get("issuer").and_then(Value::as_str) != Some(issuer) {
            return Err(format!(
                "{url}: the \"issuer\" of the discovery document is not {shown_issuer:?}"
            ));
        }
        let uri = config
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{url}: no \"jwks_uri\" in the discovery document"))?;
        check_url(uri, self.inner.allow_http)
            .map_err(|reason| format!("{url}: jwks_uri {reason}"))?;
        Ok(uri.to_owned())
    }

    /// `GET url` as JSON, within the deadline and the size bound, without redirects.
    async fn get_json(&self, url: &str, deadline: Instant) -> Result<Value, String> {
        let inner = &self.inner;
        let left = deadline.saturating_duration_since(Instant::now());
        let shown = without_userinfo(url);
        let request = async {
            let connector = awc::Connector::new()
                .rustls_0_23(Arc::clone(&inner.tls))
                .timeout(left);
            let client = awc::Client::builder()
                .connector(connector)
                .timeout(left)
                .disable_redirects()
                .finish();
            let mut response = client
                .get(url)
                .insert_header((actix_web::http::header::ACCEPT, "application/json"))
                .send()
                .await
                .map_err(|e| format!("GET {shown}: {e}"))?;
            if !response.status().is_success() {
                return Err(format!("GET {shown}: HTTP {}", response.status()));
            }
            let body = response
                .body()
                .limit(inner.max_document_size)
                .await
                .map_err(|e| format!("GET {shown}: {e}"))?;
            serde_json::from_slice::<Value>(&body)
                .map_err(|e| format!("GET {shown}: not JSON: {e}"))
        };
        actix_web::rt::time::timeout(left, request)
            .await
            .map_err(|_| format!("GET {shown}: no answer within {:?}", inner.timeout))?
    }
}

fn find(keys: &[Arc<RemoteKey>], kid: Option<&str>) -> Option<Arc<RemoteKey>> {
    match kid {
        Some(kid) => keys.iter().find(|k| k.kid.as_deref() == Some(kid)).cloned(),
        // No `kid`: only an issuer with a single key is unambiguous.
        None => match keys {
            [only] => Some(Arc::clone(only)),
            _ => None,
        },
    }
}

/// The usable signature keys of a JWKS document, each pinned to one algorithm.
pub(crate) fn parse_jwks(
    document: &Value,
    allowed: &[Algorithm],
) -> Result<Vec<Arc<RemoteKey>>, String> {
    let entries = document
        .get("keys")
        .and_then(Value::as_array)
        .ok_or("the JWKS has no \"keys\" list")?;
    let mut keys: Vec<Arc<RemoteKey>> = Vec::new();
    for entry in entries {
        match parse_key(entry, allowed) {
            Ok(key) => {
                if key.kid.is_some() && keys.iter().any(|k| k.kid == key.kid) {
                    log::warn!(
                        "remote JWKS: two keys have the kid {:?}; the first is used",
                        key.kid
                    );
                    continue;
                }
                keys.push(Arc::new(key));
            }
            Err(reason) => log::info!("remote JWKS: a key is skipped: {reason}"),
        }
    }
    if keys.is_empty() {
        return Err("the JWKS holds no usable signature key".into());
    }
    Ok(keys)
}

fn parse_key(entry: &Value, allowed: &[Algorithm]) -> Result<RemoteKey, String> {
    let kid = match entry.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err("a kid that is not a string".into()),
    };
    let name = kid.as_deref().unwrap_or("(no kid)");
    let text = |member: &str| entry.get(member).and_then(Value::as_str);
    if let Some(usage) = entry.get("use") {
        if usage != "sig" {
            return Err(format!("{name}: \"use\" is {usage}, not \"sig\""));
        }
    }
    let kty = text("kty").ok_or_else(|| format!("{name}: no \"kty\""))?;
    let curve_alg = match (kty, text("crv")) {
        ("RSA", _) => None,
        ("EC", Some("P-256")) => Some(Algorithm::ES256),
        ("EC", Some("P-384")) => Some(Algorithm::ES384),
        ("OKP", Some("Ed25519")) => Some(Algorithm::EdDSA),
        (kty, crv) => {
            return Err(format!(
                "{name}: kty {kty:?} (crv {crv:?}) is not a supported signature key"
            ))
        }
    };
    let alg = match entry.get("alg") {
        None => curve_alg.unwrap_or(Algorithm::RS256),
        Some(Value::String(alg)) => {
            let alg: Algorithm = alg
                .parse()
                .map_err(|_| format!("{name}: unknown alg {alg:?}"))?;
            let agrees = match curve_alg {
                Some(expected) => alg == expected,
                None => matches!(
                    alg,
                    Algorithm::RS256
                        | Algorithm::RS384
                        | Algorithm::RS512
                        | Algorithm::PS256
                        | Algorithm::PS384
                        | Algorithm::PS512
                ),
            };
            if !agrees {
                return Err(format!("{name}: alg {alg:?} does not fit kty {kty:?}"));
            }
            alg
        }
        Some(_) => return Err(format!("{name}: an alg that is not a string")),
    };
    if !allowed.contains(&alg) {
        return Err(format!("{name}: {alg:?} is not an accepted algorithm"));
    }
    let jwk: Jwk = serde_json::from_value(entry.clone()).map_err(|e| format!("{name}: {e}"))?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("{name}: {e}"))?;
    check_public_key(alg, &key).map_err(|e| format!("{name}: {e}"))?;
    Ok(RemoteKey { kid, alg, key })
}

/// `https://`, or `http://` to a loopback host (or anywhere with `allow_http`).
fn check_url(url: &str, allow_http: bool) -> Result<(), String> {
    let shown = without_userinfo(url);
    let uri: Uri = url
        .parse()
        .map_err(|e| format!("{shown:?} is not a URL: {e}"))?;
    let host = uri.host().unwrap_or_default();
    match uri.scheme_str() {
        Some("https") if !host.is_empty() => Ok(()),
        Some("http") if !host.is_empty() => {
            let loopback = host == "localhost"
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
            if loopback || allow_http {
                Ok(())
            } else {
                Err(format!(
                    "{shown:?} is plain http off loopback: keys fetched so could be forged \
                     (use https, or allow_insecure_http)"
                ))
            }
        }
        _ => Err(format!("{shown:?} is not an http(s) URL with a host")),
    }
}

/// Settings of a [`RemoteJwks`], with their defaults.
#[derive(Clone)]
#[must_use = "call `.build()` to get the RemoteJwks"]
pub struct RemoteJwksBuilder {
    issuer: Option<String>,
    discover: bool,
    jwks_uri: Option<String>,
    audience: Option<Vec<String>>,
    algorithms: Vec<Algorithm>,
    refetch_interval: Duration,
    max_age: Duration,
    timeout: Duration,
    max_document_size: usize,
    allow_http: bool,
    tls: Option<Arc<rustls::ClientConfig>>,
}

/// Shows the settings, the addresses without their user information (it may hold a
/// password), and whether the TLS settings are custom.
impl std::fmt::Debug for RemoteJwksBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteJwksBuilder")
            .field("issuer", &self.issuer.as_deref().map(without_userinfo))
            .field("discover", &self.discover)
            .field("jwks_uri", &self.jwks_uri.as_deref().map(without_userinfo))
            .field("audience", &self.audience)
            .field("algorithms", &self.algorithms)
            .field("refetch_interval", &self.refetch_interval)
            .field("max_age", &self.max_age)
            .field("timeout", &self.timeout)
            .field("max_document_size", &self.max_document_size)
            .field("allow_http", &self.allow_http)
            .field(
                "tls_config",
                &if self.tls.is_some() {
                    "custom"
                } else {
                    "default"
                },
            )
            .finish()
    }
}

/// TLS for fetches: rustls on aws-lc-rs (named here, so that a process whose rustls has
/// several providers still works), the webpki root certificates, HTTP/1.1.
fn default_tls() -> Result<Arc<rustls::ClientConfig>, String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

impl RemoteJwksBuilder {
    fn new(issuer: Option<String>, discover: bool, jwks_uri: Option<String>) -> Self {
        Self {
            issuer,
            discover,
            jwks_uri,
            audience: None,
            algorithms: ASYMMETRIC.to_vec(),
            refetch_interval: Duration::from_secs(10),
            max_age: Duration::from_secs(15 * 60),
            timeout: Duration::from_secs(5),
            max_document_size: 256 * 1024,
            allow_http: false,
            tls: None,
        }
    }

    /// The TLS settings of fetches, for a private CA or client certificates. Default: rustls
    /// on aws-lc-rs with the webpki root certificates.
    pub fn tls_config(mut self, config: Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// The `iss` tokens must carry (with [`RemoteJwks::discover`], the issuer given there).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The `aud` tokens must name (OIDC: the client id of this API). Default: not checked.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience
            .get_or_insert_with(Vec::new)
            .push(audience.into());
        self
    }

    /// The algorithms accepted. Default: every asymmetric algorithm (RS*, PS*, ES256, ES384,
    /// EdDSA); HMAC algorithms are refused here.
    pub fn algorithms(mut self, algorithms: impl IntoIterator<Item = Algorithm>) -> Self {
        self.algorithms = algorithms.into_iter().collect();
        self
    }

    /// The least time between two fetches, so that unknown `kid`s or a down issuer cannot
    /// cause a fetch per request. Default 10 seconds.
    pub fn refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch_interval = interval;
        self
    }

    /// How long fetched keys are used before the JWKS is fetched again (they stay in use
    /// while the issuer does not answer). Default 15 minutes.
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// The longest a fetch (discovery and JWKS, connection and body) may take. Default 5
    /// seconds.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest discovery or JWKS document read. Default 256 KiB.
    pub fn max_document_size(mut self, bytes: usize) -> Self {
        self.max_document_size = bytes;
        self
    }

    /// Accepts `http://` addresses off loopback (never do this in production: whoever sits
    /// on the path could serve their own keys). Loopback addresses always work. Default off.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_http = allow;
        self
    }

    /// Checks the settings.
    pub fn build(self) -> Result<RemoteJwks, ConfigError> {
        let invalid =
            |setting: &'static str, reason: String| ConfigError::RemoteIssuer { setting, reason };
        if self.discover {
            let issuer = self.issuer.as_deref().unwrap_or_default();
            check_url(issuer, self.allow_http).map_err(|r| invalid("RemoteJwks::discover", r))?;
        }
        if let Some(uri) = &self.jwks_uri {
            check_url(uri, self.allow_http).map_err(|r| invalid("RemoteJwks::from_jwks_uri", r))?;
        }
        if self.algorithms.is_empty() {
            return Err(invalid(
                "RemoteJwksBuilder::algorithms",
                "no algorithm is accepted".into(),
            ));
        }
        if let Some(alg) = self.algorithms.iter().find(|a| !ASYMMETRIC.contains(a)) {
            return Err(invalid(
                "RemoteJwksBuilder::algorithms",
                format!("{alg:?} is symmetric: a remote issuer's public keys cannot verify it"),
            ));
        }
        if self.timeout.is_zero() || self.max_document_size == 0 {
            return Err(invalid(
                "RemoteJwksBuilder::timeout",
                "the fetch timeout and the document size must be above zero".into(),
            ));
        }
        let tls = match self.tls {
            Some(tls) => tls,
            None => default_tls().map_err(|r| invalid("RemoteJwksBuilder::tls_config", r))?,
        };
        Ok(RemoteJwks {
            inner: Arc::new(Inner {
                issuer: self.issuer,
                jwks_uri: self.jwks_uri,
                audience: self.audience,
                algorithms: self.algorithms,
                refetch_interval: self.refetch_interval,
                max_age: self.max_age,
                timeout: self.timeout,
                max_document_size: self.max_document_size,
                allow_http: self.allow_http,
                tls,
                state: RwLock::new(State::default()),
                fetching: Mutex::new(()),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn urls_must_be_https_or_loopback_http() {
        assert!(check_url("https://issuer.example.com", false).is_ok());
        assert!(check_url("http://127.0.0.1:8080/jwks", false).is_ok());
        assert!(check_url("http://[::1]:8080/jwks", false).is_ok());
        assert!(check_url("http://localhost/jwks", false).is_ok());
        assert!(check_url("http://issuer.example.com", false).is_err());
        assert!(check_url("http://issuer.example.com", true).is_ok());
        assert!(check_url("ftp://issuer.example.com", true).is_err());
        assert!(check_url("not a url", true).is_err());
        let err = RemoteJwks::discover("http://issuer.example.com")
            .build()
            .unwrap_err();
        assert_eq!(err.setting(), Some("RemoteJwks::discover"));
        let err = RemoteJwks::from_jwks_uri("https://x.example/jwks")
            .algorithms([Algorithm::HS256])
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("HS256"), "{err}");
    }

    #[test]
    fn keys_are_pinned_to_one_algorithm_and_bad_keys_skipped() {
        let ed_x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
        let doc = json!({"keys": [
            {"kty": "OKP", "crv": "Ed25519", "x": ed_x, "kid": "ed"},
            {"kty": "OKP", "crv": "Ed25519", "x": ed_x, "kid": "ed-says-rs", "alg": "RS256"},
            {"kty": "OKP", "crv": "Ed25519", "x": ed_x, "kid": "enc", "use": "enc"},
            {"kty": "oct", "k": "c2VjcmV0", "kid": "hmac", "alg": "HS256"},
            {"kty": "RSA", "n": "AQAB", "e": "AQAB", "kid": "tiny-rsa"},
            {"kty": "EC", "crv": "P-521", "x": "AA", "y": "AA", "kid": "p521"},
            "not an object",
        ]});
        let keys = parse_jwks(&doc, &ASYMMETRIC).unwrap();
        let kids: Vec<_> = keys.iter().map(|k| k.kid.as_deref().unwrap()).collect();
        assert_eq!(kids, ["ed"]);
        assert_eq!(keys[0].alg, Algorithm::EdDSA);
        assert!(parse_jwks(&doc, &[Algorithm::ES256]).is_err());
        assert!(parse_jwks(&json!({"keys": []}), &ASYMMETRIC).is_err());
        assert!(parse_jwks(&json!({"nokeys": 1}), &ASYMMETRIC).is_err());
    }

    #[test]
    fn outside_the_actix_runtime_a_fetch_is_an_error_not_a_panic() {
        use futures_util::FutureExt as _;
        let remote = RemoteJwks::from_jwks_uri("http://127.0.0.1:9/jwks")
            .audience("api")
            .build()
            .unwrap();
        let jwt = crate::JwtManager::builder(crate::JwtConfig::default())
            .remote_jwks(remote)
            .build()
            .unwrap();
        let mut header = String::new();
        crate::token::b64_encode_into(br#"{"alg":"ES256","kid":"k1"}"#, &mut header);
        let token = format!("{header}.e30.AAAA");
        let answer = std::future::IntoFuture::into_future(jwt.decode_token(&token)).now_or_never();
        assert!(
            matches!(answer, Some(Err(ref e)) if e.kind() == crate::ErrorKind::KeysUnavailable),
            "{answer:?}"
        );
        assert!(jwt
            .access_token("alice")
            .encode()
            .now_or_never()
            .unwrap()
            .is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Any mix of members, known and made-up, gives keys or an error, never a panic; and
        /// every key returned is pinned to an accepted asymmetric algorithm.
        #[test]
        fn any_jwks_entry_parses_or_is_skipped(
            entries in proptest::collection::vec(
                (
                    proptest::sample::select(vec!["RSA", "EC", "OKP", "oct", "", "rsa"]),
                    proptest::sample::select(vec!["RS256", "PS512", "ES256", "ES384", "EdDSA", "HS256", "none", "RSA-OAEP", ""]),
                    proptest::sample::select(vec!["P-256", "P-384", "P-521", "Ed25519", "X25519", ""]),
                    proptest::sample::select(vec!["sig", "enc", ""]),
                    "[A-Za-z0-9_-]{0,90}",
                    "[A-Za-z0-9_-]{0,8}",
                ),
                0..6,
            )
        ) {
            let keys: Vec<Value> = entries
                .into_iter()
                .map(|(kty, alg, crv, usage, x, kid)| {
                    json!({"kty": kty, "alg": alg, "crv": crv, "use": usage, "x": x, "y": x,
                           "n": x, "e": "AQAB", "k": x, "kid": kid})
                })
                .collect();
            if let Ok(parsed) = parse_jwks(&json!({ "keys": keys }), &ASYMMETRIC) {
                for key in parsed {
                    proptest::prop_assert!(ASYMMETRIC.contains(&key.alg));
                }
            }
        }
    }
}
