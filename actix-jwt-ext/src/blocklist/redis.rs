//! [`RedisBlocklist`]: revoked ids in Redis, shared by every instance of a service (feature
//! `redis`). The design (keys, TTLs, failure policy, why redis' `ConnectionManager` rather
//! than a pool such as deadpool-redis) is documented on the type.

use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use actix_web::rt::time::timeout;
use futures_util::future::LocalBoxFuture;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{BlocklistError, TokenBlocklist};

/// Commands in a row that must time out before the connection is replaced.
const TIMEOUTS_BEFORE_RECONNECT: u32 = 3;
/// The shortest time between two replacements of the connection.
const MIN_TIME_BETWEEN_RECONNECTS: Duration = Duration::from_secs(1);

/// A [`TokenBlocklist`] in Redis, shared by every process that uses the same Redis and prefix
/// (feature `redis`). Clone it freely: clones share one connection.
///
/// Behind a load balancer, a token revoked through one instance must be refused by all of
/// them, at once, and the revocation must outlive a restart. This store keeps each revoked id
/// as one Redis key, so every instance pointed at the same Redis sees the same blocklist.
///
/// ```no_run
/// # actix_web::rt::System::new().block_on(async {
/// use std::time::Duration;
/// use actix_jwt_ext::{JwtConfig, JwtManager, RedisBlocklist};
///
/// let store = RedisBlocklist::builder("redis://127.0.0.1:6379/0")
///     .prefix("my-service:revoked:")          // default "actix-jwt-ext:"
///     .timeout(Duration::from_millis(200))    // per command (the default)
///     .connect()                              // or .connect_lazy(): start while Redis is down
///     .await?;
/// let jwt = JwtManager::builder(JwtConfig::from_env()?)
///     .blocklist(store)
///     .refresh_rotation(true)
///     .build()?;
/// # let _ = jwt;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
///
/// ## Keys and lifetimes
///
/// An id (a `jti`, or the rotation markers `family:<id>` and `retired:<jti>`) is stored as the
/// key `<prefix><id>` with the value `1` and a time to live: the time until `keep_until`, which
/// the callers set to the token's `exp` plus `JWT_DECODE_LEEWAY` (plus one second), so an
/// entry lives exactly as long as the token could still be accepted and Redis never grows
/// without bound. A key is never written without a TTL: tokens without `exp` are remembered
/// for [`ttl_without_exp`](RedisBlocklistBuilder::ttl_without_exp) (default 30 days).
///
/// Each operation is one command, one round trip:
///
/// | trait method | command |
/// |---|---|
/// | [`is_revoked`](TokenBlocklist::is_revoked) | `EXISTS <key>` |
/// | [`any_revoked`](TokenBlocklist::any_revoked) (the `jti` and its family) | `EXISTS <key1> <key2>` |
/// | [`revoke`](TokenBlocklist::revoke) | `SET <key> 1 PX <ttl>` |
/// | [`revoke_once`](TokenBlocklist::revoke_once) (rotation) | `SET <key> 1 NX PX <ttl>`, atomic: of two racing calls exactly one sets the key |
///
/// ## Failure policy
///
/// Every command is bounded by [`timeout`](RedisBlocklistBuilder::timeout) (default 200 ms).
/// When Redis cannot be reached, fails or times out, the store answers
/// [`BlocklistError::Unavailable`]; the manager turns that into a 503 answer
/// `{"<JWT_ERROR_MESSAGE_KEY>": "Service unavailable"}` (naming no internals) and logs a line
/// naming the failed command and the kind of error (never a token or a key). That is failing
/// *closed*: no request gets through unchecked.
///
/// [`fail_open(true)`](RedisBlocklistBuilder::fail_open) is the explicit opt-in to the other
/// choice: while Redis is down, [`is_revoked`](TokenBlocklist::is_revoked) and
/// [`any_revoked`](TokenBlocklist::any_revoked) answer "not revoked" (with a `log::warn!`
/// each time), so requests keep flowing but revoked tokens are accepted. Writes (logout,
/// rotation) fail in both modes: a revocation is never silently dropped.
///
/// ## Connection: why `ConnectionManager`, not a pool
///
/// The store uses the `redis` crate's [`ConnectionManager`](redis::aio::ConnectionManager) on
/// Tokio (Actix Web runs on Tokio), rather than a pool such as `deadpool-redis`:
///
/// - it multiplexes every command of every worker over one connection (Redis answers in
///   order; commands are pipelined), which for single-key `EXISTS`/`SET` commands is as fast as
///   a pool and costs one socket per process instead of N;
/// - it reconnects by itself, in the background, with exponential backoff, when the
///   connection drops; a pool would need health checks and recycling settings;
/// - there is nothing to tune (pool size, wait and recycle timeouts): the only knobs are the
///   command timeout and the failure policy above.
///
/// Recovery needs no restart: after Redis comes back, the manager's next reconnection attempt
/// (backoff capped at one second) succeeds and requests are answered again. As a guard against
/// a connection that hangs without being closed (a dead peer behind a firewall), the store
/// also replaces the connection after three commands in a row timed out (at most once a
/// second).
///
/// [`connect`](RedisBlocklistBuilder::connect) waits for a first answer (`PING`) and fails when
/// Redis is unreachable; [`connect_lazy`](RedisBlocklistBuilder::connect_lazy) returns at once
/// and connects on first use, so an app can start while Redis is down (its protected routes
/// answer 503 until Redis is up).
#[derive(Clone)]
pub struct RedisBlocklist {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    manager: RwLock<ConnectionManager>,
    timeouts_in_a_row: AtomicU32,
    replaced_at: Mutex<Instant>,
    options: Options,
}

#[derive(Clone, Debug)]
struct Options {
    prefix: String,
    timeout: Duration,
    ttl_without_exp: Duration,
    fail_open: bool,
    connect_timeout: Duration,
}

impl fmt::Debug for RedisBlocklist {
    /// Shows the options, never the URL (it may hold a password).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.inner.options;
        f.debug_struct("RedisBlocklist")
            .field("prefix", &o.prefix)
            .field("timeout", &o.timeout)
            .field("ttl_without_exp", &o.ttl_without_exp)
            .field("fail_open", &o.fail_open)
            .finish_non_exhaustive()
    }
}

/// Settings of a [`RedisBlocklist`]: [`RedisBlocklist::builder`], the setters, then
/// [`connect`](Self::connect) or [`connect_lazy`](Self::connect_lazy).
#[derive(Clone)]
#[must_use]
pub struct RedisBlocklistBuilder {
    url: String,
    options: Options,
}

impl fmt::Debug for RedisBlocklistBuilder {
    /// Shows the options, never the URL (it may hold a password).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBlocklistBuilder")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl RedisBlocklist {
    /// The default key prefix.
    pub const DEFAULT_PREFIX: &'static str = "actix-jwt-ext:";
    /// The default timeout of one command.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(200);
    /// The default TTL of an entry for a token without `exp` (30 days).
    pub const DEFAULT_TTL_WITHOUT_EXP: Duration = Duration::from_secs(30 * 24 * 3600);
    /// The default time [`connect`](RedisBlocklistBuilder::connect) waits for Redis, and the
    /// limit of one connection attempt.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

    /// A builder for a store at `url` (`redis://[user:password@]host[:port][/db]`,
    /// `rediss://` needs a TLS feature of the `redis` crate, `unix:///path`).
    pub fn builder(url: impl Into<String>) -> RedisBlocklistBuilder {
        RedisBlocklistBuilder {
            url: url.into(),
            options: Options {
                prefix: Self::DEFAULT_PREFIX.to_owned(),
                timeout: Self::DEFAULT_TIMEOUT,
                ttl_without_exp: Self::DEFAULT_TTL_WITHOUT_EXP,
                fail_open: false,
                connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            },
        }
    }

    /// The Redis key that holds `id`: the prefix followed by `id`.
    pub fn key(&self, id: &str) -> String {
        format!("{}{id}", self.inner.options.prefix)
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.inner.options.prefix
    }

    /// Whether reads let requests through while Redis is unreachable.
    pub fn fails_open(&self) -> bool {
        self.inner.options.fail_open
    }

    /// Sends `PING` (within the command timeout): `Ok` when Redis answers. For health checks.
    pub async fn ping(&self) -> Result<(), BlocklistError> {
        self.ping_within(self.inner.options.timeout).await
    }

    async fn ping_within(&self, limit: Duration) -> Result<(), BlocklistError> {
        self.query::<String>("PING", redis::cmd("PING"), limit)
            .await
            .map(|_| ())
            .map_err(BlocklistError::from)
    }

    /// A handle on the current connection (an `Arc` clone).
    fn connection(&self) -> ConnectionManager {
        self.inner
            .manager
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Runs `cmd` within `limit`, counting timeouts in a row.
    async fn query<T: redis::FromRedisValue>(
        &self,
        op: &'static str,
        cmd: redis::Cmd,
        limit: Duration,
    ) -> Result<T, RedisUnavailable> {
        let mut conn = self.connection();
        let result = match timeout(limit, cmd.query_async::<T>(&mut conn)).await {
            Ok(Ok(value)) => {
                self.inner.timeouts_in_a_row.store(0, Ordering::Relaxed);
                return Ok(value);
            }
            Ok(Err(e)) => {
                let timed_out = e.is_timeout();
                (RedisUnavailable::redis(op, e), timed_out)
            }
            Err(_elapsed) => (RedisUnavailable::timed_out(op, limit), true),
        };
        let (failure, timed_out) = result;
        if timed_out {
            self.note_timeout();
        } else {
            self.inner.timeouts_in_a_row.store(0, Ordering::Relaxed);
        }
        Err(failure)
    }

    /// After [`TIMEOUTS_BEFORE_RECONNECT`] timeouts in a row, replaces the connection (at
    /// most once per [`MIN_TIME_BETWEEN_RECONNECTS`]): a connection that hangs without being
    /// closed is never replaced by the manager itself.
    fn note_timeout(&self) {
        let n = self.inner.timeouts_in_a_row.fetch_add(1, Ordering::Relaxed) + 1;
        if n < TIMEOUTS_BEFORE_RECONNECT {
            return;
        }
        {
            let mut replaced_at = self
                .inner
                .replaced_at
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if replaced_at.elapsed() < MIN_TIME_BETWEEN_RECONNECTS {
                return;
            }
            *replaced_at = Instant::now();
        }
        self.inner.timeouts_in_a_row.store(0, Ordering::Relaxed);
        match new_manager(&self.inner.client, &self.inner.options) {
            Ok(fresh) => {
                log::warn!(
                    "actix-jwt-ext: Redis did not answer {n} commands in a row; opening a new connection"
                );
                *self
                    .inner
                    .manager
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = fresh;
            }
            Err(e) => log::warn!("actix-jwt-ext: cannot open a new Redis connection: {e}"),
        }
    }

    /// The TTL in milliseconds of an entry kept until `keep_until`; `None` when that is past.
    fn ttl_ms(&self, keep_until: Option<SystemTime>) -> Option<u64> {
        let ttl = match keep_until {
            None => self.inner.options.ttl_without_exp,
            Some(until) => until.duration_since(SystemTime::now()).ok()?,
        };
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX / 2);
        (ms > 0).then_some(ms)
    }

    /// A read that failed: `Ok(false)` with a warning when failing open, else the error.
    fn read_failed(&self, failure: RedisUnavailable) -> Result<bool, BlocklistError> {
        if self.inner.options.fail_open {
            log::warn!(
                "actix-jwt-ext: {failure}; failing open: the token is accepted without a revocation check"
            );
            Ok(false)
        } else {
            Err(failure.into())
        }
    }
}

impl RedisBlocklistBuilder {
    /// The prefix of every key (default `"actix-jwt-ext:"`). Give each service (or each
    /// environment sharing a Redis) its own.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.options.prefix = prefix.into();
        self
    }

    /// The longest wait for one command, connection included (default 200 ms). After it the
    /// command counts as failed (see the failure policy).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How long an entry for a token without `exp` is kept (default 30 days).
    pub fn ttl_without_exp(mut self, ttl: Duration) -> Self {
        self.options.ttl_without_exp = ttl.max(Duration::from_millis(1));
        self
    }

    /// `true`: while Redis is unreachable, revocation checks answer "not revoked" (requests go
    /// through, revoked tokens included) instead of failing. Default `false` (fail closed).
    pub fn fail_open(mut self, fail_open: bool) -> Self {
        self.options.fail_open = fail_open;
        self
    }

    /// How long [`connect`](Self::connect) waits for Redis, and how long one connection
    /// attempt may take (default 2 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.options.connect_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Connects and waits for Redis to answer `PING` (at most the connect timeout).
    ///
    /// # Errors
    /// [`BlocklistError::Unavailable`] when the URL is invalid, no Tokio runtime is running,
    /// or Redis does not answer in time.
    pub async fn connect(self) -> Result<RedisBlocklist, BlocklistError> {
        let limit = self.options.connect_timeout;
        let store = self.connect_lazy()?;
        store.ping_within(limit).await?;
        Ok(store)
    }

    /// Returns at once; the connection is opened by the first command (and reopened after
    /// failures), so an app can start while Redis is down. Call it inside the Tokio runtime
    /// (for example in `#[actix_web::main]`).
    ///
    /// # Errors
    /// [`BlocklistError::Unavailable`] when the URL is invalid or no Tokio runtime is running.
    pub fn connect_lazy(self) -> Result<RedisBlocklist, BlocklistError> {
        let client = redis::Client::open(self.url.as_str())
            .map_err(|e| RedisUnavailable::new("open", Cause::InvalidUrl(e.kind())))?;
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(RedisUnavailable::new("open", Cause::NoRuntime).into());
        }
        let manager = new_manager(&client, &self.options)?;
        Ok(RedisBlocklist {
            inner: Arc::new(Inner {
                client,
                manager: RwLock::new(manager),
                timeouts_in_a_row: AtomicU32::new(0),
                replaced_at: Mutex::new(Instant::now()),
                options: self.options,
            }),
        })
    }
}

/// A lazy connection manager: backoff from 50 ms, capped at 1 s, so a recovered Redis is used
/// again within about a second.
fn new_manager(
    client: &redis::Client,
    options: &Options,
) -> Result<ConnectionManager, RedisUnavailable> {
    let config = ConnectionManagerConfig::new()
        .set_min_delay(Duration::from_millis(50))
        .set_max_delay(Duration::from_secs(1))
        .set_exponent_base(2.0)
        .set_number_of_retries(6)
        .set_connection_timeout(Some(options.connect_timeout))
        .set_response_timeout(Some(options.timeout));
    ConnectionManager::new_lazy_with_config(client.clone(), config)
        .map_err(|e| RedisUnavailable::redis("open", e))
}

impl TokenBlocklist for RedisBlocklist {
    fn is_revoked<'a>(&'a self, id: &'a str) -> LocalBoxFuture<'a, Result<bool, BlocklistError>> {
        self.any_revoked_owned(vec![self.key(id)])
    }

    fn revoke<'a>(
        &'a self,
        id: &'a str,
        keep_until: Option<SystemTime>,
    ) -> LocalBoxFuture<'a, Result<(), BlocklistError>> {
        Box::pin(async move {
            let Some(ttl) = self.ttl_ms(keep_until) else {
                return Ok(()); // refused as expired anyway: nothing to remember
            };
            let mut cmd = redis::cmd("SET");
            cmd.arg(self.key(id)).arg("1").arg("PX").arg(ttl);
            self.query::<()>("SET", cmd, self.inner.options.timeout)
                .await
                .map_err(BlocklistError::from)
        })
    }

    fn revoke_once<'a>(
        &'a self,
        id: &'a str,
        keep_until: Option<SystemTime>,
    ) -> LocalBoxFuture<'a, Result<bool, BlocklistError>> {
        Box::pin(async move {
            // Even for an already expired token the marker is set (for a millisecond), so
            // that of two racing calls exactly one gets `true`.
            let ttl = self.ttl_ms(keep_until).unwrap_or(1);
            let mut cmd = redis::cmd("SET");
            cmd.arg(self.key(id)).arg("1").arg("NX").arg("PX").arg(ttl);
            let set: Option<String> = self
                .query("SET NX", cmd, self.inner.options.timeout)
                .await?;
            Ok(set.is_some())
        })
    }

    fn any_revoked<'a>(
        &'a self,
        ids: &'a [&'a str],
    ) -> LocalBoxFuture<'a, Result<bool, BlocklistError>> {
        self.any_revoked_owned(ids.iter().map(|id| self.key(id)).collect())
    }
}

impl RedisBlocklist {
    /// `EXISTS <keys...>` in one round trip.
    fn any_revoked_owned(
        &self,
        keys: Vec<String>,
    ) -> LocalBoxFuture<'_, Result<bool, BlocklistError>> {
        Box::pin(async move {
            if keys.is_empty() {
                return Ok(false);
            }
            let mut cmd = redis::cmd("EXISTS");
            cmd.arg(keys);
            match self
                .query::<u64>("EXISTS", cmd, self.inner.options.timeout)
                .await
            {
                Ok(n) => Ok(n > 0),
                Err(failure) => self.read_failed(failure),
            }
        })
    }
}

/// Why Redis could not answer: the command and the kind of failure, never keys or tokens
/// (its `Display` goes into log lines). The `redis` error, when there is one, is the
/// [`source`](std::error::Error::source).
#[derive(Debug)]
struct RedisUnavailable {
    op: &'static str,
    cause: Cause,
}

#[derive(Debug)]
enum Cause {
    TimedOut(Duration),
    Redis(redis::RedisError),
    InvalidUrl(redis::ErrorKind),
    NoRuntime,
}

impl RedisUnavailable {
    fn new(op: &'static str, cause: Cause) -> Self {
        Self { op, cause }
    }

    fn redis(op: &'static str, e: redis::RedisError) -> Self {
        Self::new(op, Cause::Redis(e))
    }

    fn timed_out(op: &'static str, after: Duration) -> Self {
        Self::new(op, Cause::TimedOut(after))
    }
}

impl fmt::Display for RedisUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = self.op;
        match &self.cause {
            Cause::TimedOut(after) => write!(f, "Redis {op} timed out after {after:?}"),
            Cause::Redis(e) => {
                let kind = if e.is_connection_refusal() {
                    "connection refused".to_owned()
                } else if e.is_timeout() {
                    "timed out".to_owned()
                } else if e.is_connection_dropped() {
                    "connection lost".to_owned()
                } else {
                    format!("{:?} error", e.kind())
                };
                write!(f, "Redis {op} failed: {kind}")
            }
            Cause::InvalidUrl(kind) => write!(f, "invalid Redis URL ({kind:?})"),
            Cause::NoRuntime => write!(
                f,
                "a RedisBlocklist must be created inside a Tokio runtime (e.g. #[actix_web::main])"
            ),
        }
    }
}

impl std::error::Error for RedisUnavailable {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            Cause::Redis(e) => Some(e),
            _ => None,
        }
    }
}

impl From<RedisUnavailable> for BlocklistError {
    fn from(e: RedisUnavailable) -> Self {
        BlocklistError::Unavailable(Box::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn invalid_url_and_unreachable_redis_are_unavailable_errors() {
        let err = RedisBlocklist::builder("not a url")
            .connect_lazy()
            .unwrap_err();
        assert!(matches!(err, BlocklistError::Unavailable(_)));
        assert!(err.to_string().contains("invalid Redis URL"), "{err}");

        // Port 1 on localhost: nothing listens there.
        let store = RedisBlocklist::builder("redis://:hunter2@127.0.0.1:1/0")
            .timeout(Duration::from_millis(50))
            .connect_lazy()
            .unwrap();
        assert!(!format!("{store:?}").contains("hunter2"));
        let err = store.is_revoked("some-jti").await.unwrap_err();
        let text = err.to_string();
        assert!(text.contains("Redis EXISTS"), "{text}");
        assert!(
            !text.contains("some-jti") && !text.contains("hunter2"),
            "{text}"
        );
        assert!(store.revoke("x", None).await.is_err());
        assert!(store.revoke_once("x", None).await.is_err());

        let open = RedisBlocklist::builder("redis://127.0.0.1:1/0")
            .timeout(Duration::from_millis(50))
            .fail_open(true)
            .connect_lazy()
            .unwrap();
        assert!(!open.any_revoked(&["a", "b"]).await.unwrap());
        assert!(
            open.revoke("a", None).await.is_err(),
            "writes never fail open"
        );

        let err = RedisBlocklist::builder("redis://127.0.0.1:1/0")
            .connect_timeout(Duration::from_millis(100))
            .connect()
            .await
            .unwrap_err();
        assert!(matches!(err, BlocklistError::Unavailable(_)));
    }

    #[test]
    fn outside_a_runtime_is_an_error_not_a_panic() {
        let err = RedisBlocklist::builder("redis://127.0.0.1:6379")
            .connect_lazy()
            .unwrap_err();
        assert!(err.to_string().contains("Tokio runtime"), "{err}");
    }
}
