//! The Redis revocation store against a real Redis (issue "Scale-out revocation").
//!
//! Redis: `REDIS_URL` when set; otherwise `redis://127.0.0.1:6379` when it answers `PING`;
//! otherwise a private `redis-server` from `PATH`, started on a free port of 127.0.0.1 for this
//! test process (no persistence). When none of the three can be had, the tests FAIL with a
//! message saying so: they are never skipped. The outage test always uses a private server of
//! its own, which it stops and restarts.
//!
//! Every test writes under its own key prefix (process id, a random part, the test's name) and
//! deletes its keys at the end; whatever a failed run leaves behind expires with its TTL.
//!
//! Covered: the store's operations (`EXISTS`, `SET PX`, `SET NX PX`, one-round-trip
//! `EXISTS k1 k2`); TTLs (remaining lifetime plus leeway, the configured TTL for tokens
//! without `exp`, the rotation markers); entries expiring with their token; two example-app
//! processes sharing one Redis (revoked on A, refused on B); Redis stopped mid-test (503, no
//! panic, recovery without a restart, and an app started while Redis is down); the fail-open
//! opt-in; refresh-token rotation and family revocation with both stores, in the library and
//! through the example app; two concurrent refreshes with the same token (exactly one wins).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex, OnceLock, Weak};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_jwt_ext::{
    jwt_required, DecodedToken, Expires, InMemoryBlocklist, JwtConfig, JwtIdentity, JwtManager,
    RedisBlocklist, TokenBlocklist, FAMILY_CLAIM,
};
use actix_web::{test as atest, web, App, HttpResponse};
use e2e_tests::{run_to_exit, AppKind, Request, Response, Server, TempDir, SECRET};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Redis: which server, keys, a small synchronous client
// ---------------------------------------------------------------------------------------------

const LOCAL_URL: &str = "redis://127.0.0.1:6379";

/// `PING` within half a second.
fn pings(url: &str) -> bool {
    let Ok(client) = redis::Client::open(url) else {
        return false;
    };
    let Ok(mut con) = client.get_connection_with_timeout(Duration::from_millis(500)) else {
        return false;
    };
    let _ = con.set_read_timeout(Some(Duration::from_millis(500)));
    redis::cmd("PING")
        .query::<String>(&mut con)
        .is_ok_and(|pong| pong == "PONG")
}

/// A free port of 127.0.0.1 (bound, read, released).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// A `redis-server` of this test process on 127.0.0.1, killed on drop.
#[derive(Debug)]
struct PrivateRedis {
    port: u16,
    persistent: bool,
    child: Mutex<Option<Child>>,
    dir: TempDir,
}

impl PrivateRedis {
    /// Starts `redis-server --port N --bind 127.0.0.1` without persistence (`--save ''
    /// --appendonly no`), or with an append-only file fsynced at every write when `persistent`.
    fn start(persistent: bool) -> Result<Self, String> {
        let server = Self {
            port: free_port(),
            persistent,
            child: Mutex::new(None),
            dir: TempDir::new(),
        };
        server.run()?;
        Ok(server)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// (Re)starts the process on the same port, in the same directory, and waits for `PING`.
    fn run(&self) -> Result<(), String> {
        let port = self.port.to_string();
        let dir: PathBuf = self.dir.path().to_path_buf();
        let mut cmd = Command::new("redis-server");
        cmd.args(["--port", &port, "--bind", "127.0.0.1", "--save", ""])
            .arg("--dir")
            .arg(&dir)
            .arg("--logfile")
            .arg(dir.join("redis.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if self.persistent {
            cmd.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            cmd.args(["--appendonly", "no"]);
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot run redis-server from PATH: {e}"))?;
        *self.child.lock().unwrap() = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if pings(&self.url()) {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(20));
        }
        let log = std::fs::read_to_string(dir.join("redis.log")).unwrap_or_default();
        self.kill();
        Err(format!(
            "redis-server on port {port} did not answer PING within 10 s; its log:\n{log}"
        ))
    }

    /// Sends `signal` (`STOP`, `CONT`) to the process with kill(1).
    fn signal(&self, signal: &str) {
        let pid = self
            .child
            .lock()
            .unwrap()
            .as_ref()
            .map(Child::id)
            .expect("running");
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .status()
            .expect("kill(1)");
        assert!(status.success(), "kill -{signal} {pid}");
    }

    /// SIGKILL, no shutdown: what a crash or a lost machine looks like to the app.
    fn kill(&self) {
        if let Some(mut child) = self.child.lock().unwrap().take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The Redis of the shared tests, and the private server behind it, if any (kept running while
/// a test holds it).
struct SharedRedis {
    url: String,
    _private: Option<Arc<PrivateRedis>>,
}

/// The Redis the tests use: `REDIS_URL`, else 127.0.0.1:6379, else a private `redis-server`.
///
/// # Panics
/// When none of them can be had.
fn redis() -> SharedRedis {
    enum Choice {
        External(String),
        Private,
    }
    static CHOICE: OnceLock<Choice> = OnceLock::new();
    static PRIVATE: Mutex<Weak<PrivateRedis>> = Mutex::new(Weak::new());
    let choice = CHOICE.get_or_init(|| {
        if let Some(url) = std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()) {
            assert!(
                pings(&url),
                "REDIS_URL is set but that Redis does not answer PING; unset it to let the \
                 tests use 127.0.0.1:6379 or a private redis-server"
            );
            Choice::External(url)
        } else if pings(LOCAL_URL) {
            Choice::External(LOCAL_URL.into())
        } else {
            Choice::Private
        }
    });
    match choice {
        Choice::External(url) => SharedRedis {
            url: url.clone(),
            _private: None,
        },
        Choice::Private => {
            let mut slot = PRIVATE.lock().unwrap();
            let server = match slot.upgrade() {
                Some(server) => server,
                None => {
                    let server = Arc::new(PrivateRedis::start(false).unwrap_or_else(|e| {
                        panic!(
                            "no Redis could be had for the tests: REDIS_URL is unset, nothing \
                             answers PING on 127.0.0.1:6379, and a private redis-server could \
                             not be started ({e}). Install Redis (apt-get install redis-server) \
                             or set REDIS_URL."
                        )
                    }));
                    *slot = Arc::downgrade(&server);
                    server
                }
            };
            SharedRedis {
                url: server.url(),
                _private: Some(server),
            }
        }
    }
}

/// A private `redis-server` for one test (for the outage test, with an append-only file).
fn private_redis(persistent: bool) -> PrivateRedis {
    PrivateRedis::start(persistent).unwrap_or_else(|e| {
        panic!(
            "this test needs redis-server on PATH (apt-get install redis-server), to start and \
             stop a server of its own: {e}"
        )
    })
}

/// The key prefix of one test: unique per process, run and test; its keys are deleted on drop.
struct Keys {
    url: String,
    prefix: String,
}

impl Keys {
    fn new(url: &str, test: &str) -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let prefix = format!(
            "e2e-redis:{}-{nanos:08x}-{}:{test}:",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        Self {
            url: url.into(),
            prefix,
        }
    }

    fn key(&self, id: &str) -> String {
        format!("{}{id}", self.prefix)
    }

    /// The keys under this prefix.
    fn list(&self) -> Vec<String> {
        list_keys(&self.url, &self.prefix)
    }
}

/// The keys under `prefix` (SCAN MATCH).
fn list_keys(url: &str, prefix: &str) -> Vec<String> {
    let mut con = connection(url);
    let mut cursor = 0u64;
    let mut keys = Vec::new();
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query(&mut con)
            .expect("SCAN");
        keys.extend(batch);
        if next == 0 {
            return keys;
        }
        cursor = next;
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        // Best effort: Redis may be down (outage test) or gone; TTLs bound what stays.
        let (url, prefix) = (self.url.clone(), self.prefix.clone());
        let _ = std::panic::catch_unwind(move || {
            if !pings(&url) {
                return;
            }
            let found = list_keys(&url, &prefix);
            if !found.is_empty() {
                let _: Result<u64, _> = redis::cmd("DEL").arg(found).query(&mut connection(&url));
            }
        });
    }
}

fn connection(url: &str) -> redis::Connection {
    redis::Client::open(url)
        .and_then(|c| c.get_connection_with_timeout(Duration::from_secs(2)))
        .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"))
}

/// `PTTL key`: remaining milliseconds, -1 without TTL, -2 when the key does not exist.
fn pttl(url: &str, key: &str) -> i64 {
    redis::cmd("PTTL")
        .arg(key)
        .query(&mut connection(url))
        .expect("PTTL")
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Library helpers
// ---------------------------------------------------------------------------------------------

async fn store(url: &str, keys: &Keys) -> RedisBlocklist {
    RedisBlocklist::builder(url)
        .prefix(keys.prefix.as_str())
        .connect()
        .await
        .unwrap_or_else(|e| panic!("connect to {url}: {e}"))
}

fn config() -> actix_jwt_ext::JwtConfigBuilder {
    JwtConfig::builder()
        .secret_key(SECRET)
        .error_message_key("message")
}

fn manager_with(
    builder: actix_jwt_ext::JwtConfigBuilder,
    store: impl TokenBlocklist,
    rotation: bool,
) -> JwtManager {
    JwtManager::builder(builder.build().unwrap())
        .blocklist(store)
        .refresh_rotation(rotation)
        .build()
        .unwrap()
}

async fn decoded(jwt: &JwtManager, token: &str) -> DecodedToken {
    jwt.decode_token(token).await.unwrap()
}

/// The `exp` claim in milliseconds.
fn exp_ms(token: &DecodedToken) -> i64 {
    (token.expires_at().expect("exp") * 1000.0) as i64
}

/// Asserts that `key` lives until `until_ms` (Unix ms): its PTTL, read at once, is between
/// the time left then and 50 ms less than the time left before the write at `before_ms`.
fn assert_ttl_until(url: &str, key: &str, until_ms: i64, before_ms: i64) {
    let ttl = pttl(url, key);
    let after_ms = now_ms();
    let (low, high) = (until_ms - after_ms - 50, until_ms - before_ms + 1);
    assert!(
        (low..=high).contains(&ttl),
        "PTTL of {key} is {ttl} ms, expected between {low} and {high}"
    );
}

// ---------------------------------------------------------------------------------------------
// The store
// ---------------------------------------------------------------------------------------------

#[actix_web::test]
async fn store_operations_on_a_real_redis() {
    let redis = redis();
    let keys = Keys::new(&redis.url, "ops");
    let store = store(&redis.url, &keys).await;
    assert_eq!(store.prefix(), keys.prefix);
    assert_eq!(store.key("abc"), keys.key("abc"));
    store.ping().await.unwrap();

    let later = Some(SystemTime::now() + Duration::from_secs(60));
    assert!(!store.is_revoked("a").await.unwrap());
    store.revoke("a", later).await.unwrap();
    assert!(store.is_revoked("a").await.unwrap());
    assert!(!store.is_revoked("b").await.unwrap());
    let value: String = redis::cmd("GET")
        .arg(keys.key("a"))
        .query(&mut connection(&redis.url))
        .unwrap();
    assert_eq!(value, "1");

    // revoke_once: SET NX, exactly one `true`.
    assert!(store.revoke_once("r", later).await.unwrap());
    assert!(!store.revoke_once("r", later).await.unwrap());
    assert!(
        !store.revoke_once("a", later).await.unwrap(),
        "revoked by revoke() before"
    );

    // any_revoked: one EXISTS with both keys.
    assert!(store.any_revoked(&["x", "a"]).await.unwrap());
    assert!(store.any_revoked(&["r", "y"]).await.unwrap());
    assert!(!store.any_revoked(&["x", "y"]).await.unwrap());
    assert!(!store.any_revoked(&[]).await.unwrap());

    // An already expired token: nothing is written.
    store
        .revoke("old", Some(SystemTime::now() - Duration::from_secs(1)))
        .await
        .unwrap();
    assert_eq!(pttl(&redis.url, &keys.key("old")), -2);

    // Another store on the same Redis and prefix (another process, in production) sees it all;
    // a store with another prefix sees nothing.
    let twin = self::store(&redis.url, &keys).await;
    assert!(twin.is_revoked("a").await.unwrap());
    let other = Keys::new(&redis.url, "ops-other");
    let stranger = self::store(&redis.url, &other).await;
    assert!(!stranger.is_revoked("a").await.unwrap());

    let mut listed = keys.list();
    listed.sort();
    assert_eq!(listed, vec![keys.key("a"), keys.key("r")]);
}

#[actix_web::test]
async fn ttl_is_the_remaining_lifetime_plus_leeway() {
    let redis = redis();
    let url = redis.url.as_str();
    let keys = Keys::new(url, "ttl");
    let store = store(url, &keys).await;
    let jwt = manager_with(
        config()
            .decode_leeway(Duration::from_secs(30))
            .access_token_expires(Duration::from_secs(120))
            .refresh_token_expires(Duration::from_secs(600)),
        store.clone(),
        true,
    );
    let leeway_ms = 31_000; // JWT_DECODE_LEEWAY + the one second the manager adds

    // An access token: until exp + leeway.
    let access = decoded(&jwt, &jwt.access_token("alice").encode().await.unwrap()).await;
    let before = now_ms();
    jwt.revoke(&access).await.unwrap();
    let key = keys.key(access.jti().unwrap());
    assert_ttl_until(url, &key, exp_ms(&access) + leeway_ms, before);
    assert!(pttl(url, &key) > 120_000, "longer than the lifetime alone");

    // Rotation: `retired:<jti>` lives as long as the refresh token; `family:<id>` as long as
    // any token of the family could (a refresh lifetime from now).
    let pair = jwt.create_token_pair("alice", true).await.unwrap();
    let refresh = decoded(&jwt, &pair.refresh_token).await;
    let before = now_ms();
    let _ = jwt.rotate_refresh_token(&refresh).await.unwrap();
    let retired = keys.key(&format!("retired:{}", refresh.jti().unwrap()));
    assert_ttl_until(url, &retired, exp_ms(&refresh) + leeway_ms, before);
    let before = now_ms();
    assert!(matches!(
        jwt.rotate_refresh_token(&refresh).await,
        Err(ref e) if e.kind() == actix_jwt_ext::ErrorKind::Revoked
    ));
    let family = refresh.claim(FAMILY_CLAIM).and_then(Value::as_str).unwrap();
    let family_key = keys.key(&format!("family:{family}"));
    let ttl = pttl(url, &family_key);
    let high = 600_000 + leeway_ms + (now_ms() - before);
    assert!(
        (600_000..=high).contains(&ttl),
        "PTTL of the family marker is {ttl} ms, expected about {high}"
    );

    // A token without exp: the configured TTL, never a key without TTL.
    let day = Duration::from_secs(24 * 3600);
    let forever_store = RedisBlocklist::builder(url)
        .prefix(keys.prefix.as_str())
        .ttl_without_exp(day)
        .connect()
        .await
        .unwrap();
    let forever = manager_with(
        config().access_token_expires(Expires::Never),
        forever_store,
        false,
    );
    let token = decoded(
        &forever,
        &forever.access_token("bob").encode().await.unwrap(),
    )
    .await;
    assert_eq!(token.expires_at(), None);
    let before = now_ms();
    forever.revoke(&token).await.unwrap();
    assert_ttl_until(
        url,
        &keys.key(token.jti().unwrap()),
        before + day.as_millis() as i64,
        before,
    );

    // The default TTL for tokens without exp is 30 days.
    let before = now_ms();
    store.revoke("no-exp", None).await.unwrap();
    assert_ttl_until(
        url,
        &keys.key("no-exp"),
        before + 30 * 24 * 3600 * 1000,
        before,
    );
    for key in keys.list() {
        assert!(pttl(url, &key) > 0, "{key} has no TTL");
    }
}

#[actix_web::test]
async fn entries_expire_with_the_token() {
    let redis = redis();
    let url = redis.url.as_str();
    let keys = Keys::new(url, "expiry");
    let store = store(url, &keys).await;
    let jwt = manager_with(
        config().access_token_expires(Duration::from_secs(1)),
        store.clone(),
        false,
    );
    let token = decoded(&jwt, &jwt.access_token("alice").encode().await.unwrap()).await;
    jwt.revoke(&token).await.unwrap();
    let jti = token.jti().unwrap();
    let key = keys.key(jti);
    let ttl = pttl(url, &key);
    assert!(
        (1..=2_000).contains(&ttl),
        "PTTL {ttl} ms: exp (1 s) + leeway 0 + 1 s"
    );
    assert!(store.is_revoked(jti).await.unwrap());
    let deadline = Instant::now() + Duration::from_secs(5);
    while pttl(url, &key) != -2 {
        assert!(Instant::now() < deadline, "{key} still exists 5 s later");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !store.is_revoked(jti).await.unwrap(),
        "the entry went with the token"
    );
    assert!(keys.list().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Failure policy in the library (middleware answers)
// ---------------------------------------------------------------------------------------------

async fn protected(identity: JwtIdentity) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "logged_in_as": identity.0 }))
}

#[actix_web::test]
async fn fail_closed_by_default_and_fail_open_on_request() {
    // Port 1 of 127.0.0.1: nothing listens there, every connection is refused.
    let down = "redis://127.0.0.1:1";
    let closed = RedisBlocklist::builder(down)
        .timeout(Duration::from_millis(100))
        .connect_lazy()
        .unwrap();
    let open = RedisBlocklist::builder(down)
        .timeout(Duration::from_millis(100))
        .fail_open(true)
        .connect_lazy()
        .unwrap();
    assert!(open.fails_open() && !closed.fails_open());
    for (store, want) in [(closed, 503), (open, 200)] {
        let jwt = manager_with(config(), store.clone(), false);
        let app = atest::init_service(
            App::new()
                .configure(jwt.init_app())
                .app_data(web::Data::new(jwt.clone()))
                .service(
                    web::resource("/protected")
                        .wrap(jwt_required())
                        .to(protected),
                ),
        )
        .await;
        let token = jwt.access_token("alice").encode().await.unwrap();
        let started = Instant::now();
        let req = atest::TestRequest::get()
            .uri("/protected")
            .insert_header(("Authorization", format!("Bearer {token}")))
            .to_request();
        let resp = atest::call_service(&app, req).await;
        assert_eq!(resp.status().as_u16(), want);
        let body: Value = atest::read_body_json(resp).await;
        if want == 503 {
            assert_eq!(body, json!({ "message": "Service unavailable" }));
        } else {
            assert_eq!(body, json!({ "logged_in_as": "alice" }));
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "bounded by the timeout: {:?}",
            started.elapsed()
        );
        // Writes never fail open: a revocation is not silently dropped.
        let access = decoded(&jwt, &token).await;
        assert!(matches!(
            jwt.revoke(&access).await,
            Err(ref e) if e.kind() == actix_jwt_ext::ErrorKind::StoreUnavailable
        ));
        let pair = jwt.create_token_pair("alice", true).await.unwrap();
        let refresh = decoded(&jwt, &pair.refresh_token).await;
        assert!(matches!(
            jwt.rotate_refresh_token(&refresh).await,
            Err(ref e) if e.kind() == actix_jwt_ext::ErrorKind::StoreUnavailable
        ));
    }
}

#[actix_web::test]
async fn a_redis_that_hangs_is_bounded_by_the_timeout() {
    // SIGSTOP: the server keeps its sockets but answers nothing, like a stuck or unreachable
    // peer whose connection is not closed.
    let redis = private_redis(false);
    let keys = Keys::new(&redis.url(), "hang");
    let store = RedisBlocklist::builder(redis.url())
        .prefix(keys.prefix.as_str())
        .timeout(Duration::from_millis(100))
        .connect()
        .await
        .unwrap();
    let created = Instant::now();
    store.revoke("a", None).await.unwrap();
    redis.signal("STOP");
    // Long enough for the store to replace its connection (three timeouts in a row, at most
    // once a second): the new one must work once the server answers again.
    while created.elapsed() < Duration::from_millis(1500) {
        let started = Instant::now();
        let err = store.is_revoked("a").await.unwrap_err();
        assert!(err.to_string().contains("timed out"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
    }
    redis.signal("CONT");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match store.is_revoked("a").await {
            Ok(revoked) => {
                assert!(revoked);
                break;
            }
            Err(e) => assert!(Instant::now() < deadline, "not recovered 10 s later: {e}"),
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Rotation in the library, both stores
// ---------------------------------------------------------------------------------------------

async fn rotation_and_family_revocation(store: impl TokenBlocklist + Clone, name: &str) {
    let jwt = manager_with(config(), store.clone(), true);
    let login = jwt.create_token_pair("alice", true).await.unwrap();
    let access1 = decoded(&jwt, &login.access_token).await;
    let refresh1 = decoded(&jwt, &login.refresh_token).await;
    let family = refresh1.claim(FAMILY_CLAIM).cloned();
    assert!(family.is_some(), "{name}: a login starts a family");
    assert_eq!(access1.claim(FAMILY_CLAIM).cloned(), family);

    let second = jwt.rotate_refresh_token(&refresh1).await.unwrap();
    let access2 = decoded(&jwt, &second.access_token).await;
    let refresh2 = decoded(&jwt, &second.refresh_token).await;
    assert_eq!(refresh2.claim(FAMILY_CLAIM).cloned(), family, "{name}");
    for t in [&access1, &access2, &refresh2] {
        assert!(!jwt.is_revoked(t).await.unwrap(), "{name}: still valid");
    }
    let third = jwt.rotate_refresh_token(&refresh2).await.unwrap();
    let refresh3 = decoded(&jwt, &third.refresh_token).await;

    // refresh1 again: reuse. The family goes down, whichever generation.
    assert!(
        matches!(
            jwt.rotate_refresh_token(&refresh1).await,
            Err(ref e) if e.kind() == actix_jwt_ext::ErrorKind::Revoked
        ),
        "{name}: reuse is refused"
    );
    for t in [&access1, &access2, &refresh2, &refresh3] {
        assert!(jwt.is_revoked(t).await.unwrap(), "{name}: family revoked");
    }
    // rotate_refresh_token expects a token the guard has checked (revocation included); even
    // called directly on a token of the revoked family, what it returns is born revoked.
    if let Ok(pair) = jwt.rotate_refresh_token(&refresh3).await {
        let born = decoded(&jwt, &pair.access_token).await;
        assert!(jwt.is_revoked(&born).await.unwrap(), "{name}: same family");
    }

    // Another login is another family, untouched.
    let other = jwt.create_token_pair("alice", true).await.unwrap();
    let other_refresh = decoded(&jwt, &other.refresh_token).await;
    assert!(!jwt.is_revoked(&other_refresh).await.unwrap(), "{name}");
    let _ = jwt.rotate_refresh_token(&other_refresh).await.unwrap();
}

#[actix_web::test]
async fn rotation_and_family_revocation_with_both_stores() {
    rotation_and_family_revocation(InMemoryBlocklist::new(), "in-memory").await;
    let redis = redis();
    let keys = Keys::new(&redis.url, "rotation-lib");
    rotation_and_family_revocation(store(&redis.url, &keys).await, "redis").await;
    assert!(
        keys.list().iter().any(|k| k.contains(":family:")),
        "the family marker is in Redis"
    );
}

// ---------------------------------------------------------------------------------------------
// The example app
// ---------------------------------------------------------------------------------------------

fn app(redis_url: &str, prefix: &str, rotation: bool) -> Server {
    Server::example_app(&[
        ("SECRET_KEY", SECRET),
        ("REDIS_URL", redis_url),
        ("REDIS_PREFIX", prefix),
        ("JWT_ACCESS_TOKEN_EXPIRES", "600"),
        ("JWT_REFRESH_TOKEN_EXPIRES", "600"),
        (
            "JWT_REFRESH_ROTATION",
            if rotation { "true" } else { "false" },
        ),
    ])
}

fn login(server: &Server) -> (String, String) {
    let resp = server
        .send(&Request::post("/login").json(&json!({ "username": "test", "password": "test" })));
    assert_eq!(resp.status, 200, "login: {}", resp.text());
    (
        resp.str_field("access_token").unwrap(),
        resp.str_field("refresh_token").unwrap(),
    )
}

fn bearer(req: Request, token: &str) -> Request {
    req.header("Authorization", &format!("Bearer {token}"))
}

fn get_protected(server: &Server, token: &str) -> Response {
    server.send(&bearer(Request::get("/protected"), token))
}

fn refresh(server: &Server, token: &str) -> Response {
    server.send(&bearer(Request::post("/refresh"), token))
}

fn logout(server: &Server, token: &str) -> Response {
    server.send(&bearer(Request::delete("/logout"), token))
}

fn assert_answer(resp: &Response, status: u16, body: Value, what: &str) {
    assert_eq!(
        (resp.status, resp.json()),
        (status, Some(body)),
        "{what}: {}",
        resp.text()
    );
}

fn assert_revoked(resp: &Response, what: &str) {
    assert_answer(
        resp,
        401,
        json!({ "message": "Token has been revoked" }),
        what,
    );
}

fn assert_unavailable(resp: &Response, what: &str) {
    assert_answer(resp, 503, json!({ "message": "Service unavailable" }), what);
}

fn assert_ok(resp: &Response, what: &str) {
    assert_answer(resp, 200, json!({ "logged_in_as": "test" }), what);
}

#[test]
fn revoked_on_one_instance_is_refused_by_the_other() {
    let redis = redis();
    let keys = Keys::new(&redis.url, "two-apps");
    let (a, b) = thread::scope(|s| {
        let b = s.spawn(|| app(&redis.url, &keys.prefix, false));
        (app(&redis.url, &keys.prefix, false), b.join().unwrap())
    });
    let (access, refresh_token) = login(&a);
    assert_ok(&get_protected(&b, &access), "B accepts A's token");

    assert_answer(
        &logout(&a, &access),
        200,
        json!({ "message": "Access token revoked" }),
        "logout on A",
    );
    assert_revoked(
        &get_protected(&b, &access),
        "B, right after the logout on A",
    );
    assert_revoked(&get_protected(&a, &access), "A");

    // The other way round, with the refresh token.
    assert_eq!(refresh(&a, &refresh_token).status, 200);
    assert_answer(
        &logout(&b, &refresh_token),
        200,
        json!({ "message": "Refresh token revoked" }),
        "logout of the refresh token on B",
    );
    assert_revoked(&refresh(&a, &refresh_token), "A refuses B's revocation");

    // The key is in Redis, with a TTL that ends with the token (600 s + 1 s).
    let listed = keys.list();
    assert_eq!(listed.len(), 2, "{listed:?}");
    for key in listed {
        let ttl = pttl(&redis.url, &key);
        assert!((590_000..=601_000).contains(&ttl), "{key}: PTTL {ttl}");
    }
    for s in [&a, &b] {
        assert!(!s.stderr().contains("panicked"), "{}", s.stderr());
    }
}

#[test]
fn redis_outage_gives_503_and_the_app_recovers_by_itself() {
    // A server of this test only: it is stopped and started again. With an append-only file
    // fsynced at every write, so a revocation survives the restart, as with a production Redis
    // that persists. (A server started with `--save '' --appendonly no`, like the shared
    // private one, would come back empty: revocations made before the outage would be lost.)
    let redis = private_redis(true);
    let url = redis.url();
    let keys = Keys::new(&url, "outage");
    redis.kill();

    // Started while Redis is down: the app comes up (with a warning naming REDIS_URL).
    let server = app(&url, &keys.prefix, false);
    let stderr = server.wait_for_stderr("REDIS_URL");
    assert!(
        stderr.contains("REDIS_URL"),
        "a warning names REDIS_URL: {stderr}"
    );
    let (access, _) = login(&server); // signing needs no store
    let (revoked, _) = login(&server);
    assert_unavailable(&get_protected(&server, &access), "Redis not up yet");

    redis.run().unwrap();
    wait_until_ok(&server, &access, "Redis started after the app");
    assert_eq!(logout(&server, &revoked).status, 200);
    assert_revoked(
        &get_protected(&server, &revoked),
        "revoked before the outage",
    );

    // Redis dies mid-run: 503 quickly (the 200 ms command timeout), no panic, no token through.
    redis.kill();
    for token in [&access, &revoked] {
        let started = Instant::now();
        let resp = get_protected(&server, token);
        assert_unavailable(&resp, "Redis down");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "answered in {:?}",
            started.elapsed()
        );
    }
    assert_unavailable(&logout(&server, &access), "logout while Redis is down");

    // Back on the same port: recovery without a restart of the app.
    redis.run().unwrap();
    wait_until_ok(&server, &access, "Redis restarted");
    assert_revoked(
        &get_protected(&server, &revoked),
        "the revocation survived the restart (append-only file)",
    );
    assert!(!server.stderr().contains("panicked"), "{}", server.stderr());
    let log = server.stderr();
    assert!(
        !log.contains(&access) && !log.contains(&revoked),
        "no token in the log"
    );
}

/// Polls `GET /protected` until 200 (at most 10 s); every answer before is a 503.
fn wait_until_ok(server: &Server, token: &str, what: &str) {
    let started = Instant::now();
    loop {
        let resp = get_protected(server, token);
        if resp.status == 200 {
            assert_ok(&resp, what);
            return;
        }
        assert_unavailable(&resp, what);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{what}: still 503 after 10 s"
        );
        thread::sleep(Duration::from_millis(100));
    }
}

/// Rotation through the example app: refresh once, reuse the old refresh token, the family is
/// refused. `servers` are one app (in-memory store) or two sharing Redis (rotate on one, reuse
/// on the other).
fn rotation_through_the_app(first: &Server, second: &Server, name: &str) {
    let (access1, refresh1) = login(first);
    let resp = refresh(first, &refresh1);
    assert_eq!(resp.status, 200, "{name}: {}", resp.text());
    let body = resp.json().unwrap();
    let mut fields: Vec<&String> = body.as_object().unwrap().keys().collect();
    fields.sort();
    assert_eq!(fields, ["access_token", "refresh_token"], "{name}");
    let access2 = resp.str_field("access_token").unwrap();
    let refresh2 = resp.str_field("refresh_token").unwrap();
    assert_ok(&get_protected(second, &access2), name);
    assert_ok(&get_protected(second, &access1), name);

    // The old refresh token again: refused, and its whole family with it.
    assert_revoked(&refresh(second, &refresh1), &format!("{name}: reuse"));
    assert_revoked(
        &refresh(first, &refresh2),
        &format!("{name}: new refresh token"),
    );
    assert_revoked(
        &get_protected(first, &access2),
        &format!("{name}: new access token"),
    );
    assert_revoked(
        &get_protected(second, &access1),
        &format!("{name}: login's token"),
    );

    // Another login is not affected.
    let (access3, refresh3) = login(second);
    assert_ok(&get_protected(first, &access3), name);
    assert_eq!(refresh(first, &refresh3).status, 200, "{name}");
}

#[test]
fn rotation_and_reuse_detection_through_the_example_app() {
    let memory = app("", "", true);
    rotation_through_the_app(&memory, &memory, "in-memory store");

    let redis = redis();
    let keys = Keys::new(&redis.url, "rotation-app");
    let (a, b) = thread::scope(|s| {
        let b = s.spawn(|| app(&redis.url, &keys.prefix, true));
        (app(&redis.url, &keys.prefix, true), b.join().unwrap())
    });
    rotation_through_the_app(&a, &b, "redis store, two instances");

    // Without rotation, /refresh keeps today's answer: an access token only.
    let plain = app(&redis.url, &keys.prefix, false);
    let (_, refresh_token) = login(&plain);
    let resp = refresh(&plain, &refresh_token);
    assert_eq!(resp.status, 200);
    let body = resp.json().unwrap();
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    assert!(body["access_token"].is_string());
    assert_eq!(refresh(&plain, &refresh_token).status, 200, "reusable");
}

/// Two `/refresh` with the same token at the same moment, `rounds` times: exactly one 200 per
/// round, the other the revoked-token answer.
fn race(first: &Server, second: &Server, rounds: usize, name: &str) {
    for round in 0..rounds {
        let (_, refresh_token) = login(first);
        let barrier = Barrier::new(2);
        let answers: Vec<Response> = thread::scope(|s| {
            let handles: Vec<_> = [first, second]
                .into_iter()
                .map(|server| {
                    let barrier = &barrier;
                    let token = refresh_token.as_str();
                    s.spawn(move || {
                        barrier.wait();
                        refresh(server, token)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let wins = answers.iter().filter(|r| r.status == 200).count();
        assert_eq!(
            wins,
            1,
            "{name}, round {round}: {:?}",
            answers.iter().map(Response::text).collect::<Vec<_>>()
        );
        let loser = answers.iter().find(|r| r.status != 200).unwrap();
        assert_revoked(loser, &format!("{name}, round {round}"));
    }
}

#[test]
fn concurrent_refreshes_with_one_token_exactly_one_wins() {
    let redis = redis();
    let keys = Keys::new(&redis.url, "race");
    let (memory, a, b) = thread::scope(|s| {
        let memory = s.spawn(|| app("", "", true));
        let b = s.spawn(|| app(&redis.url, &keys.prefix, true));
        (
            memory.join().unwrap(),
            app(&redis.url, &keys.prefix, true),
            b.join().unwrap(),
        )
    });
    race(&memory, &memory, 20, "in-memory store");
    race(&a, &a, 20, "redis store, one instance");
    race(&a, &b, 20, "redis store, two instances");
}

#[test]
fn bad_rotation_flag_and_bad_redis_url_stop_the_app() {
    for (env, setting) in [
        (
            vec![
                ("SECRET_KEY", SECRET),
                ("JWT_REFRESH_ROTATION", "sometimes"),
            ],
            "JWT_REFRESH_ROTATION",
        ),
        (
            vec![("SECRET_KEY", SECRET), ("REDIS_URL", "not-a-redis-url")],
            "REDIS_URL",
        ),
    ] {
        let exit = run_to_exit(AppKind::ExampleApp, &env, None, Duration::from_secs(20));
        assert_eq!(exit.status.and_then(|s| s.code()), Some(2), "{exit:?}");
        assert!(!exit.listened(), "{exit:?}");
        assert!(exit.stderr.contains(setting), "{setting}: {}", exit.stderr);
    }
}
