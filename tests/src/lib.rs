//! Support library of the end-to-end tests.
//!
//! The tests start real processes, the Rust `example-app` and the Flask reference app of
//! `tests/python/` (the real flask-jwt-extended 4.7.4), with the same settings, send both the
//! same requests over HTTP and compare the answers. This crate provides:
//!
//! - [`python`] and [`example_app_bin`]: the two programs, prepared once per test process;
//! - [`Server`]: one running app in its own temporary working directory (so that a `.env`
//!   file can be tested), with a sanitised environment, killed on drop;
//! - [`Request`] / [`Response`] and [`send`]: a minimal blocking HTTP/1.1 client that sends
//!   exactly what it is given (any method, header or body) and returns status, headers and
//!   the raw body bytes;
//! - [`normalise`]: replaces the random parts of a JSON answer (jti, csrf, iat/nbf/exp, token
//!   strings) with placeholders so that answers of both apps compare equal;
//! - [`Transcript`] / [`assert_same_answers`]: a recorded request script and a readable,
//!   request-by-request diff of two of them;
//! - [`jwt_tool`]: runs `tests/python/jwt_tool.py` (token minting and decoding with
//!   flask-jwt-extended) under given settings;
//! - [`token`]: hand-crafted tokens (any header, any claims, any signature).
//!
//! Everything here panics with a descriptive message on failure: these are test helpers.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub mod cookies;

/// How long a server may take to print its listening line.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// Read / write timeout of one HTTP exchange.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(15);

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The text of `tests/fixtures/<name>` (PEM keys).
///
/// # Panics
/// When the file cannot be read.
pub fn fixture(name: &str) -> String {
    let path = workspace_root().join("tests").join("fixtures").join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// The two programs
// ---------------------------------------------------------------------------------------------

/// The Python interpreter of the venv made by `tests/python/setup-venv.sh`.
///
/// The script runs once per process (it is idempotent and fast when the venv is up to date).
///
/// # Panics
/// When the script fails (for example no Python 3.10+ or no package index).
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let result = PYTHON.get_or_init(|| {
        let script = workspace_root()
            .join("tests")
            .join("python")
            .join("setup-venv.sh");
        let out = Command::new("bash")
            .arg(&script)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot run bash {}: {e}", script.display()))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(format!(
                "bash {} failed ({}).\nstdout:\n{stdout}\nstderr:\n{stderr}",
                script.display(),
                out.status
            ));
        }
        let last = stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        let path = PathBuf::from(last);
        if last.is_empty() || !path.exists() {
            return Err(format!(
                "bash {} did not print an existing python path as its last line.\n\
                 stdout:\n{stdout}\nstderr:\n{stderr}",
                script.display()
            ));
        }
        Ok(path)
    });
    match result {
        Ok(p) => p,
        Err(e) => panic!("Python reference environment unavailable: {e}"),
    }
}

/// The directory that holds the binaries of the current build profile (`target/debug` for a
/// plain `cargo test`): the parent of the `deps` directory the test binary runs from, or else
/// `$CARGO_TARGET_DIR/debug` / `<workspace>/target/debug`.
fn profile_dir() -> PathBuf {
    if let Ok(exe) = std::env::current_exe() {
        if let Some(deps) = exe.parent() {
            if deps.file_name().is_some_and(|n| n == "deps") {
                if let Some(dir) = deps.parent() {
                    return dir.to_path_buf();
                }
            }
        }
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug")
}

/// The `cargo build` arguments that select the profile whose output directory is `dir`.
fn profile_args(dir: &Path) -> Vec<String> {
    match dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => Vec::new(),
        Some("release") => vec!["--release".into()],
        Some(other) => vec!["--profile".into(), other.into()],
    }
}

/// The `example-app` binary, built once per process with `$CARGO build -q -p example-app`
/// in the profile of the test run.
///
/// # Panics
/// When the build fails (the compiler output is in the message).
pub fn example_app_bin() -> &'static Path {
    static BIN: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let result = BIN.get_or_init(|| {
        let dir = profile_dir();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
        let mut cmd = Command::new(&cargo);
        cmd.current_dir(workspace_root())
            .args(["build", "-q", "-p", "example-app"])
            .args(profile_args(&dir))
            .stdin(Stdio::null());
        // The test binary runs in target/<profile>; keep the app in the same target dir.
        if let Some(target) = dir.parent() {
            cmd.env("CARGO_TARGET_DIR", target);
        }
        let out = cmd
            .output()
            .map_err(|e| format!("cannot run {}: {e}", cargo.to_string_lossy()))?;
        if !out.status.success() {
            return Err(format!(
                "cargo build -p example-app failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let bin = dir.join(format!("example-app{}", std::env::consts::EXE_SUFFIX));
        if bin.exists() {
            Ok(bin)
        } else {
            Err(format!(
                "cargo build succeeded but {} does not exist",
                bin.display()
            ))
        }
    });
    match result {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Temporary directories
// ---------------------------------------------------------------------------------------------

/// A fresh directory under the system temp dir, removed (with its content) on drop.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates the directory.
    ///
    /// # Panics
    /// When it cannot be created.
    pub fn new() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "e2e-tests-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create temp dir {}: {e}", path.display()));
        Self { path }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `content` to `<dir>/<name>`.
    ///
    /// # Panics
    /// When the file cannot be written.
    pub fn write(&self, name: &str, content: &str) {
        let file = self.path.join(name);
        std::fs::write(&file, content)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

/// Which app a [`Server`] (or [`run_to_exit`]) runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppKind {
    /// The Rust example app (`example-app/`).
    ExampleApp,
    /// The Flask reference app (`tests/python/flask_app.py`).
    Flask,
}

impl AppKind {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            AppKind::ExampleApp => "example-app",
            AppKind::Flask => "flask",
        }
    }
}

/// Whether an inherited variable must not reach a child: the settings of both apps.
fn is_setting(name: &str) -> bool {
    name.starts_with("JWT_")
        || name.starts_with("EXAMPLE_APP_")
        || matches!(
            name,
            "SECRET_KEY" | "HOST" | "PORT" | "REDIS_URL" | "REDIS_PREFIX"
        )
}

/// A command with the inherited settings (`JWT_*`, `SECRET_KEY`, `HOST`, `PORT`, `REDIS_URL`, `REDIS_PREFIX`,
/// `EXAMPLE_APP_*`) removed and `env` set, running in `dir`.
fn sanitised_command(program: &Path, dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(program);
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(is_setting) {
            cmd.env_remove(&name);
        }
    }
    cmd.env("PYTHONDONTWRITEBYTECODE", "1")
        .env("PYTHONUNBUFFERED", "1")
        .current_dir(dir)
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// The command that runs `kind` in `dir` with `env` (plus `PORT=0` unless `env` sets it).
fn app_command(kind: AppKind, dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = match kind {
        AppKind::ExampleApp => sanitised_command(example_app_bin(), dir, env),
        AppKind::Flask => {
            let script = workspace_root()
                .join("tests")
                .join("python")
                .join("flask_app.py");
            let mut cmd = sanitised_command(python(), dir, env);
            cmd.arg(script);
            cmd
        }
    };
    if !env.iter().any(|(k, _)| *k == "PORT") {
        cmd.env("PORT", "0");
    }
    cmd
}

/// The URL of a listening line of either app, if `line` is one.
///
/// The example app prints `example-app listening on http://127.0.0.1:<port>`, the Flask app
/// `LISTENING http://127.0.0.1:<port>`.
pub fn parse_listening_line(line: &str) -> Option<String> {
    let line = line.trim();
    let rest = line
        .strip_prefix("LISTENING ")
        .or_else(|| line.split_once(" listening on ").map(|(_, url)| url))?;
    let url = rest.trim();
    url.starts_with("http://")
        .then(|| url.trim_end_matches('/').to_owned())
}

/// Collects a child's stream into a shared string, in a background thread.
fn drain_into(stream: impl Read + Send + 'static, sink: Arc<Mutex<String>>) {
    thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    if let Ok(mut s) = sink.lock() {
                        // Keep memory bounded for chatty servers.
                        if s.len() < 256 * 1024 {
                            s.push_str(&String::from_utf8_lossy(&line));
                        }
                    }
                }
            }
        }
    });
}

fn shared_text(s: &Arc<Mutex<String>>) -> String {
    s.lock().map(|g| g.clone()).unwrap_or_default()
}

/// A running app: a child process in its own temporary working directory, listening on an
/// ephemeral port of 127.0.0.1. Killed (and its directory removed) on drop.
#[derive(Debug)]
pub struct Server {
    kind: AppKind,
    child: Child,
    base_url: String,
    stderr: Arc<Mutex<String>>,
    _dir: TempDir,
}

impl Server {
    /// Starts the example app with `env` (inherited settings are removed).
    pub fn example_app(env: &[(&str, &str)]) -> Self {
        Self::start(AppKind::ExampleApp, env, None)
    }

    /// Starts the Flask reference app with `env` (inherited settings are removed).
    pub fn flask(env: &[(&str, &str)]) -> Self {
        Self::start(AppKind::Flask, env, None)
    }

    /// Starts the example app with `env` and a `.env` file holding `dotenv`.
    pub fn example_app_with_dotenv(env: &[(&str, &str)], dotenv: &str) -> Self {
        Self::start(AppKind::ExampleApp, env, Some(dotenv))
    }

    /// Starts the Flask reference app with `env` and a `.env` file holding `dotenv`.
    pub fn flask_with_dotenv(env: &[(&str, &str)], dotenv: &str) -> Self {
        Self::start(AppKind::Flask, env, Some(dotenv))
    }

    /// Starts `kind` with `env` and, when `dotenv` is given, a `.env` file with that content
    /// in its working directory.
    ///
    /// # Panics
    /// When the process cannot be spawned, exits, or prints no listening line within
    /// [`STARTUP_TIMEOUT`]; the message includes its stdout and stderr.
    pub fn start(kind: AppKind, env: &[(&str, &str)], dotenv: Option<&str>) -> Self {
        let dir = TempDir::new();
        if let Some(content) = dotenv {
            dir.write(".env", content);
        }
        let mut cmd = app_command(kind, dir.path(), env);
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", kind.name()));
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(err) = child.stderr.take() {
            drain_into(err, Arc::clone(&stderr));
        }
        let (tx, rx) = mpsc::channel::<String>();
        if let Some(out) = child.stdout.take() {
            thread::spawn(move || {
                let reader = BufReader::new(out);
                for line in reader.lines() {
                    let Ok(line) = line else { break };
                    // After the listening line the receiver is gone: keep draining.
                    let _ = tx.send(line);
                }
            });
        }
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let mut stdout_seen = String::new();
        let failure = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = parse_listening_line(&line) {
                        return Self {
                            kind,
                            child,
                            base_url: url,
                            stderr,
                            _dir: dir,
                        };
                    }
                    stdout_seen.push_str(&line);
                    stdout_seen.push('\n');
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    break format!("no listening line within {STARTUP_TIMEOUT:?}");
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                    break format!("stdout closed before the listening line (exit: {status})");
                }
            }
        };
        let _ = child.kill();
        let _ = child.wait();
        // Give the stderr thread a moment to collect the last lines.
        thread::sleep(Duration::from_millis(100));
        panic!(
            "{} did not start: {failure}\nenv: {env:?}\n.env: {dotenv:?}\n--- stdout ---\n\
             {stdout_seen}--- stderr ---\n{}",
            kind.name(),
            shared_text(&stderr)
        );
    }

    /// Which app this is.
    pub fn kind(&self) -> AppKind {
        self.kind
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// What the process wrote to stderr so far.
    pub fn stderr(&self) -> String {
        shared_text(&self.stderr)
    }

    /// Waits (up to 10 s) until the server's stderr contains `needle`, and returns it: its
    /// output is read by another thread, so a line printed at startup may arrive a little
    /// after the listening line.
    pub fn wait_for_stderr(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = self.stderr();
            if text.contains(needle) || Instant::now() >= deadline {
                return text;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends `req` to this server.
    pub fn send(&self, req: &Request) -> Response {
        send(&self.base_url, req)
    }

    /// Sends SIGTERM (with kill(1)) and waits at most `timeout` for the process to exit: its
    /// exit status, or `None` when it is still running then (it is killed on drop).
    ///
    /// # Panics
    /// When kill(1) cannot be run or fails while the process is still running.
    pub fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap_or_else(|e| panic!("kill(1): {e}"));
        if !status.success() {
            // It may have exited meanwhile; otherwise the signal was not sent.
            if let Ok(Some(exit)) = self.child.try_wait() {
                return Some(exit);
            }
            panic!("kill -TERM {}: {status}", self.child.id());
        }
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(exit)) => return Some(exit),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
                _ => return None,
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How a process ended (see [`run_to_exit`]).
#[derive(Debug)]
pub struct Exit {
    /// The exit status; `None` when it had to be killed after the timeout.
    pub status: Option<ExitStatus>,
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr.
    pub stderr: String,
}

impl Exit {
    /// Whether a listening line was printed.
    pub fn listened(&self) -> bool {
        self.stdout
            .lines()
            .any(|l| parse_listening_line(l).is_some())
    }
}

/// Runs `kind` with `env` (and an optional `.env` file) and waits at most `timeout` for it
/// to exit on its own (it is killed after that, and `status` is `None`). For the tests of
/// startup failures.
///
/// # Panics
/// When the process cannot be spawned.
pub fn run_to_exit(
    kind: AppKind,
    env: &[(&str, &str)],
    dotenv: Option<&str>,
    timeout: Duration,
) -> Exit {
    let dir = TempDir::new();
    if let Some(content) = dotenv {
        dir.write(".env", content);
    }
    let mut cmd = app_command(kind, dir.path(), env);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", kind.name()));
    let stdout = Arc::new(Mutex::new(String::new()));
    let stderr = Arc::new(Mutex::new(String::new()));
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        let sink = Arc::clone(&stdout);
        readers.push(thread::spawn(move || drain_all(out, &sink)));
    }
    if let Some(err) = child.stderr.take() {
        let sink = Arc::clone(&stderr);
        readers.push(thread::spawn(move || drain_all(err, &sink)));
    }
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    for r in readers {
        let _ = r.join();
    }
    Exit {
        status,
        stdout: shared_text(&stdout),
        stderr: shared_text(&stderr),
    }
}

fn drain_all(mut stream: impl Read, sink: &Arc<Mutex<String>>) {
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    if let Ok(mut s) = sink.lock() {
        s.push_str(&String::from_utf8_lossy(&buf));
    }
}

// ---------------------------------------------------------------------------------------------
// jwt_tool.py
// ---------------------------------------------------------------------------------------------

/// Runs `python tests/python/jwt_tool.py <args>` with the settings `env` (inherited settings
/// removed) in a temporary directory (holding a `.env` file with `dotenv` if given), and
/// returns its trimmed stdout.
///
/// # Panics
/// When the tool exits with a status other than 0 (or 1 for `header`, whose error object is
/// returned as well); the message includes its stderr.
pub fn jwt_tool(env: &[(&str, &str)], dotenv: Option<&str>, args: &[&str]) -> String {
    let dir = TempDir::new();
    if let Some(content) = dotenv {
        dir.write(".env", content);
    }
    let script = workspace_root()
        .join("tests")
        .join("python")
        .join("jwt_tool.py");
    let out = sanitised_command(python(), dir.path(), env)
        .arg(&script)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run jwt_tool.py: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let code = out.status.code();
    let header_error = args.first() == Some(&"header") && code == Some(1);
    if !out.status.success() && !header_error {
        panic!(
            "jwt_tool.py {args:?} failed ({}).\nstdout:\n{stdout}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    stdout
}

/// `jwt_tool.py decode <token>` parsed: `{"ok":true,"claims":{...}}` or
/// `{"ok":false,"error":"<class>","message":"<text>"}`.
///
/// # Panics
/// When the tool fails or prints something that is not JSON.
pub fn jwt_tool_decode(env: &[(&str, &str)], dotenv: Option<&str>, token: &str) -> Value {
    let out = jwt_tool(env, dotenv, &["decode", token]);
    serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("jwt_tool.py decode printed non-JSON ({e}): {out}"))
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

/// One HTTP request, sent as is by [`send`] (with `Host`, `Connection: close` and, when there
/// is a body, `Content-Length` added).
#[derive(Debug, Clone)]
pub struct Request {
    /// The method (`GET`, `POST`, ...).
    pub method: String,
    /// Path and query string, e.g. `/protected?jwt=...`.
    pub path: String,
    /// Header lines, in order (duplicates allowed).
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
}

impl Request {
    /// A request without headers or body.
    pub fn new(method: &str, path: &str) -> Self {
        Self {
            method: method.into(),
            path: path.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// `GET path`.
    pub fn get(path: &str) -> Self {
        Self::new("GET", path)
    }

    /// `POST path`.
    pub fn post(path: &str) -> Self {
        Self::new("POST", path)
    }

    /// `DELETE path`.
    pub fn delete(path: &str) -> Self {
        Self::new("DELETE", path)
    }

    /// Adds a header line.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds a header line when `header` is `Some`.
    pub fn maybe_header(self, header: Option<(&str, &str)>) -> Self {
        match header {
            Some((n, v)) => self.header(n, v),
            None => self,
        }
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(self, value: &Value) -> Self {
        self.body("application/json", value.to_string().as_bytes())
    }

    /// A body with the given content type.
    pub fn body(mut self, content_type: &str, body: &[u8]) -> Self {
        self.headers
            .push(("Content-Type".into(), content_type.into()));
        self.body = Some(body.to_vec());
        self
    }

    /// A body without a `Content-Type` header.
    pub fn raw_body(mut self, body: &[u8]) -> Self {
        self.body = Some(body.to_vec());
        self
    }

    /// `METHOD path [headers] [body]`, shortened, for messages.
    pub fn describe(&self) -> String {
        let mut s = format!("{} {}", self.method, shorten_tokens(&self.path));
        for (k, v) in &self.headers {
            let _ = write!(s, " [{k}: {}]", shorten_tokens(v));
        }
        if let Some(b) = &self.body {
            let _ = write!(s, " body={}", shorten_tokens(&String::from_utf8_lossy(b)));
        }
        s
    }
}

/// Shortens JWT-looking words of `text` to `eyJhbGc…<n chars>` for readable messages.
pub fn shorten_tokens(text: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.len() > 40 && looks_like_jwt(word) {
            let _ = write!(out, "{}…<{} chars>", &word[..12], word.len());
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header lines in order, names as sent.
    pub headers: Vec<(String, String)>,
    /// The body bytes (de-chunked).
    pub body: Vec<u8>,
}

impl Response {
    /// The first header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as (lossy) UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The string field `key` of a JSON object body (e.g. `access_token`).
    pub fn str_field(&self, key: &str) -> Option<String> {
        self.json()?.get(key)?.as_str().map(str::to_owned)
    }
}

/// Sends `req` to `base_url` (`http://host:port`) over a new connection and reads the answer.
///
/// # Panics
/// On a connection or protocol error, or after [`HTTP_TIMEOUT`].
pub fn send(base_url: &str, req: &Request) -> Response {
    let addr = base_url.strip_prefix("http://").unwrap_or(base_url);
    let mut stream = TcpStream::connect(addr)
        .unwrap_or_else(|e| panic!("connect {addr} for {}: {e}", req.describe()));
    let _ = stream.set_read_timeout(Some(HTTP_TIMEOUT));
    let _ = stream.set_write_timeout(Some(HTTP_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let mut head = format!(
        "{} {} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n",
        req.method, req.path
    );
    for (k, v) in &req.headers {
        let _ = write!(head, "{k}: {v}\r\n");
    }
    if let Some(body) = &req.body {
        let _ = write!(head, "Content-Length: {}\r\n", body.len());
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    if let Some(body) = &req.body {
        bytes.extend_from_slice(body);
    }
    stream
        .write_all(&bytes)
        .unwrap_or_else(|e| panic!("write to {addr} for {}: {e}", req.describe()));
    read_response(&mut stream, req.method == "HEAD")
        .unwrap_or_else(|e| panic!("bad answer from {addr} to {}: {e}", req.describe()))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads one response; the connection is closed by the server afterwards.
fn read_response(stream: &mut TcpStream, head_only: bool) -> Result<Response, String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut eof = false;
    // Headers.
    let header_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if eof {
            return Err(format!(
                "connection closed inside the headers: {:?}",
                String::from_utf8_lossy(&buf)
            ));
        }
        let n = stream.read(&mut chunk).map_err(|e| format!("read: {e}"))?;
        eof = n == 0;
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut rest = buf[header_end + 4..].to_vec();
    let no_body = head_only || status == 204 || status == 304 || (100..200).contains(&status);
    let chunked = get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    let length: Option<usize> = get("content-length").and_then(|v| v.parse().ok());
    let body = loop {
        if no_body {
            break Vec::new();
        }
        if chunked {
            if let Some(b) = dechunk(&rest)? {
                break b;
            }
        } else if let Some(len) = length {
            if rest.len() >= len {
                rest.truncate(len);
                break rest;
            }
        }
        if eof {
            if chunked || length.is_some() {
                return Err(format!(
                    "connection closed inside the body ({} bytes)",
                    rest.len()
                ));
            }
            break rest;
        }
        let n = stream.read(&mut chunk).map_err(|e| format!("read: {e}"))?;
        eof = n == 0;
        rest.extend_from_slice(&chunk[..n]);
    };
    Ok(Response {
        status,
        headers,
        body,
    })
}

/// Decodes a complete chunked body; `Ok(None)` while incomplete.
fn dechunk(data: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut out = Vec::new();
    let mut pos = 0;
    loop {
        let Some(eol) = find(&data[pos..], b"\r\n") else {
            return Ok(None);
        };
        let size_text = String::from_utf8_lossy(&data[pos..pos + eol]).into_owned();
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16)
            .map_err(|_| format!("bad chunk size {size_text:?}"))?;
        pos += eol + 2;
        if size == 0 {
            return Ok(Some(out));
        }
        if data.len() < pos + size + 2 {
            return Ok(None);
        }
        out.extend_from_slice(&data[pos..pos + size]);
        pos += size + 2;
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens and normalisation
// ---------------------------------------------------------------------------------------------

/// Whether `s` looks like a compact JWS: three base64url segments, the first one decoding to
/// a JSON object.
pub fn looks_like_jwt(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && parts[..2].iter().all(|p| !p.is_empty())
        && parts.iter().all(|p| {
            p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        && b64_json(parts[0]).is_some_and(|v| v.is_object())
}

fn b64_json(segment: &str) -> Option<Value> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment.trim_end_matches('='))
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The unverified `(header, claims)` of a compact JWS, if both decode to JSON.
pub fn jwt_parts(token: &str) -> Option<(Value, Value)> {
    let mut parts = token.split('.');
    let header = b64_json(parts.next()?)?;
    let claims = b64_json(parts.next()?)?;
    Some((header, claims))
}

/// Replaces the parts of a JSON answer that differ between two runs by placeholders:
///
/// - strings that look like a JWT → `"<jwt>"`;
/// - string `jti` and `csrf` members → `"<jti>"` / `"<csrf>"`;
/// - numeric `iat` → `"<iat>"`, and numeric `nbf` / `exp` → `"<iat+N>"` (N = the difference
///   to `iat` in the same object, so lifetimes are still compared) or `"<nbf>"` / `"<exp>"`
///   without a numeric `iat`;
/// - a numeric `fresh` (a freshness deadline) → `"<iat+N>"` likewise (rounded to seconds).
///
/// Everything else is kept as is, recursively.
pub fn normalise(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let iat = map.get("iat").and_then(Value::as_f64);
            let relative = |key: &str, v: f64| match iat {
                Some(iat) => Value::String(format!("<iat{:+}>", (v - iat).round() as i64)),
                None => Value::String(format!("<{key}>")),
            };
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let nv = match (k.as_str(), v) {
                    ("jti" | "csrf", Value::String(_)) => Value::String(format!("<{k}>")),
                    ("iat", Value::Number(_)) => Value::String("<iat>".into()),
                    ("nbf" | "exp" | "fresh", Value::Number(n)) => {
                        relative(k, n.as_f64().unwrap_or_default())
                    }
                    _ => normalise(v),
                };
                out.insert(k.clone(), nv);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(normalise).collect()),
        Value::String(s) if looks_like_jwt(s) => Value::String("<jwt>".into()),
        other => other.clone(),
    }
}

/// The current Unix time in whole seconds.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// Hand-crafted tokens: any header, any claims, any (or no) signature.
pub mod token {
    use actix_jwt_ext::jsonwebtoken::{crypto, Algorithm, EncodingKey};
    use base64::Engine as _;
    use serde_json::Value;

    /// base64url without padding.
    pub fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    /// `b64(header).b64(claims)`, the signing input (JSON compact, keys as in the `Value`).
    pub fn signing_input(header: &Value, claims: &Value) -> String {
        format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        )
    }

    /// Signs `message` with `key` and `alg`; the base64url signature.
    ///
    /// # Panics
    /// When the key does not fit the algorithm.
    pub fn sign(message: &str, key: &EncodingKey, alg: Algorithm) -> String {
        crypto::sign(message.as_bytes(), key, alg)
            .unwrap_or_else(|e| panic!("cannot sign with {alg:?}: {e}"))
    }

    /// An HMAC token: header `{"alg": <alg>, "typ": "JWT"}` plus `extra_header` members.
    pub fn hmac(alg: Algorithm, secret: &[u8], claims: &Value) -> String {
        with_header(
            &serde_json::json!({ "alg": format!("{alg:?}"), "typ": "JWT" }),
            claims,
            alg,
            &EncodingKey::from_secret(secret),
        )
    }

    /// A token with the given header (its `alg` is not checked against `alg`).
    pub fn with_header(
        header: &Value,
        claims: &Value,
        alg: Algorithm,
        key: &EncodingKey,
    ) -> String {
        let input = signing_input(header, claims);
        let sig = sign(&input, key, alg);
        format!("{input}.{sig}")
    }

    /// An RSA token signed with the PEM private key.
    ///
    /// # Panics
    /// When the PEM is not an RSA private key.
    pub fn rsa(alg: Algorithm, private_pem: &str, claims: &Value) -> String {
        let key = EncodingKey::from_rsa_pem(private_pem.as_bytes())
            .unwrap_or_else(|e| panic!("bad RSA private key: {e}"));
        with_header(
            &serde_json::json!({ "alg": format!("{alg:?}"), "typ": "JWT" }),
            claims,
            alg,
            &key,
        )
    }

    /// A token from raw header and payload bytes (any JSON, or not JSON at all), signed with
    /// an HMAC `secret`.
    pub fn raw_hmac(alg: Algorithm, secret: &[u8], header: &[u8], payload: &[u8]) -> String {
        let input = format!("{}.{}", b64(header), b64(payload));
        let sig = sign(&input, &EncodingKey::from_secret(secret), alg);
        format!("{input}.{sig}")
    }

    /// An unsigned token (`alg: none`, empty signature).
    pub fn unsigned(claims: &Value) -> String {
        format!(
            "{}.",
            signing_input(&serde_json::json!({ "alg": "none", "typ": "JWT" }), claims)
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Transcripts
// ---------------------------------------------------------------------------------------------

/// One recorded exchange of a request script, already normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange {
    /// What the step does, e.g. `login test/test`.
    pub label: String,
    /// The request, shortened (not compared: tokens differ between apps).
    pub request: String,
    /// The status code (or 0 for a non-HTTP observation, e.g. decoded token claims).
    pub status: u16,
    /// The media type of the answer (`Content-Type` without parameters), if any.
    pub content_type: Option<String>,
    /// The normalised JSON body, or `{"<not json>": text}`.
    pub body: Value,
    /// Whether the body is written like Flask's `jsonify`: compact JSON with sorted keys and
    /// a final newline.
    pub jsonify_format: bool,
}

impl Exchange {
    fn compared(&self) -> (u16, &Option<String>, &Value, bool) {
        (
            self.status,
            &self.content_type,
            &self.body,
            self.jsonify_format,
        )
    }
}

/// Whether `body` is byte for byte what Flask's `jsonify` writes for its value.
pub fn is_jsonify_format(body: &[u8]) -> bool {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => {
            let mut canonical = v.to_string();
            canonical.push('\n');
            canonical.as_bytes() == body
        }
        Err(_) => false,
    }
}

/// A recorded request script.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    /// The exchanges in order.
    pub entries: Vec<Exchange>,
    /// Script expectations that failed (`label: expected status X, got Y`).
    pub unexpected: Vec<String>,
}

impl Transcript {
    /// Records `resp` for `req` under `label`; an `expect`ed status that differs is noted in
    /// [`Transcript::unexpected`].
    pub fn record(&mut self, label: &str, req: &Request, resp: &Response, expect: Option<u16>) {
        let body = match serde_json::from_slice::<Value>(&resp.body) {
            Ok(v) => normalise(&v),
            Err(_) => serde_json::json!({ "<not json>": resp.text() }),
        };
        let content_type = resp.header("content-type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
        if let Some(want) = expect {
            if want != resp.status {
                self.unexpected.push(format!(
                    "{label}: expected status {want}, got {} {}",
                    resp.status,
                    resp.text().trim_end()
                ));
            }
        }
        self.entries.push(Exchange {
            label: label.into(),
            request: req.describe(),
            status: resp.status,
            content_type,
            body,
            jsonify_format: is_jsonify_format(&resp.body),
        });
    }

    /// Records a non-HTTP observation (e.g. the decoded claims of a token), normalised.
    pub fn observe(&mut self, label: &str, value: &Value) {
        self.entries.push(Exchange {
            label: label.into(),
            request: String::new(),
            status: 0,
            content_type: None,
            body: normalise(value),
            jsonify_format: true,
        });
    }
}

fn show_exchange(e: &Exchange) -> String {
    let mut s = format!("{} {}", e.status, e.body);
    if let Some(ct) = &e.content_type {
        let _ = write!(s, "  (content-type {ct})");
    }
    if !e.jsonify_format && e.status != 0 {
        s.push_str("  (not jsonify-formatted)");
    }
    s
}

/// The differences between two transcripts of the same script, one block per differing step,
/// or `None` when they agree.
pub fn diff_transcripts(
    left_name: &str,
    left: &Transcript,
    right_name: &str,
    right: &Transcript,
) -> Option<String> {
    let mut out = String::new();
    let n = left.entries.len().max(right.entries.len());
    let mut differing = 0;
    for i in 0..n {
        match (left.entries.get(i), right.entries.get(i)) {
            (Some(l), Some(r)) if l.label == r.label && l.compared() == r.compared() => {}
            (l, r) => {
                differing += 1;
                let label = l.or(r).map(|e| e.label.as_str()).unwrap_or("?");
                let req = l.or(r).map(|e| e.request.as_str()).unwrap_or("");
                let _ = writeln!(out, "step {i}: {label}");
                if !req.is_empty() {
                    let _ = writeln!(out, "  request   : {req}");
                }
                let show =
                    |e: Option<&Exchange>| e.map(show_exchange).unwrap_or("<missing>".into());
                let _ = writeln!(out, "  {left_name:<10}: {}", show(l));
                let _ = writeln!(out, "  {right_name:<10}: {}", show(r));
            }
        }
    }
    for (name, t) in [(left_name, left), (right_name, right)] {
        for u in &t.unexpected {
            differing += 1;
            let _ = writeln!(out, "script expectation failed on {name}: {u}");
        }
    }
    (differing > 0).then(|| format!("{differing} difference(s):\n{out}"))
}

/// Panics with a readable diff unless both transcripts agree (and met the script's status
/// expectations).
///
/// With `E2E_SHOW=1` in the environment, both transcripts are printed (run the test with
/// `--nocapture` to see them).
pub fn assert_same_answers(
    what: &str,
    left_name: &str,
    left: &Transcript,
    right_name: &str,
    right: &Transcript,
) {
    if std::env::var_os("E2E_SHOW").is_some() {
        for (name, t) in [(left_name, left), (right_name, right)] {
            println!("=== {what}: {name} ===");
            for e in &t.entries {
                println!(
                    "{}\n    {}\n    -> {}",
                    e.label,
                    e.request,
                    show_exchange(e)
                );
            }
        }
    }
    if let Some(diff) = diff_transcripts(left_name, left, right_name, right) {
        panic!("{what}: {left_name} and {right_name} answer differently.\n{diff}");
    }
}

/// Settings as owned pairs, viewable as the `&[(&str, &str)]` the helpers take.
#[derive(Debug, Clone, Default)]
pub struct Settings(pub BTreeMap<String, String>);

impl Settings {
    /// From pairs.
    pub fn new(pairs: &[(&str, &str)]) -> Self {
        Self(
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
        )
    }

    /// Adds or replaces one setting.
    pub fn set(mut self, k: &str, v: &str) -> Self {
        self.0.insert(k.into(), v.into());
        self
    }

    /// The pairs as borrowed tuples.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// One setting.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).map(String::as_str)
    }
}

// ---------------------------------------------------------------------------------------------
// Settings profiles shared by the test files
// ---------------------------------------------------------------------------------------------

/// The HMAC secret of the profiles (long enough for PyJWT's key-length check).
pub const SECRET: &str = "e2e-test-secret-0123456789abcdef-0123456789abcdef";

/// A settings profile: the same settings are given to both apps (and to `jwt_tool.py`).
#[derive(Debug, Clone)]
pub struct Profile {
    /// A short name for messages.
    pub name: &'static str,
    /// Environment variables.
    pub env: Settings,
    /// The content of a `.env` file in the working directory, if any.
    pub dotenv: Option<String>,
    /// `JWT_HEADER_NAME` in effect.
    pub header_name: String,
    /// `JWT_HEADER_TYPE` in effect.
    pub header_type: String,
    /// `JWT_IDENTITY_CLAIM` in effect.
    pub identity_claim: String,
    /// `JWT_TOKEN_LOCATION` in effect.
    pub locations: Vec<String>,
}

impl Profile {
    fn base(name: &'static str, env: Settings) -> Self {
        let get = |k: &str, d: &str| env.get(k).unwrap_or(d).to_owned();
        let locations = get("JWT_TOKEN_LOCATION", "headers")
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        Self {
            name,
            header_name: get("JWT_HEADER_NAME", "Authorization"),
            header_type: get("JWT_HEADER_TYPE", "Bearer"),
            identity_claim: get("JWT_IDENTITY_CLAIM", "sub"),
            locations,
            env,
            dotenv: None,
        }
    }

    /// (a) `SECRET_KEY` only.
    pub fn defaults() -> Self {
        Self::base("defaults", Settings::new(&[("SECRET_KEY", SECRET)]))
    }

    /// (b) `JWT_ACCESS_TOKEN_EXPIRES=3`.
    pub fn short_expiry() -> Self {
        Self::base(
            "short-expiry",
            Settings::new(&[("SECRET_KEY", SECRET), ("JWT_ACCESS_TOKEN_EXPIRES", "3")]),
        )
    }

    /// (c) error key, several locations, custom header name and type, identity claim,
    /// issuer, audience and leeway.
    pub fn custom() -> Self {
        Self::base(
            "custom",
            Settings::new(&[
                ("SECRET_KEY", SECRET),
                ("JWT_ERROR_MESSAGE_KEY", "error"),
                ("JWT_TOKEN_LOCATION", "headers,query_string,json"),
                ("JWT_HEADER_NAME", "X-Auth"),
                ("JWT_HEADER_TYPE", "JWT"),
                ("JWT_IDENTITY_CLAIM", "identity"),
                ("JWT_ENCODE_ISSUER", "issuer-a"),
                ("JWT_DECODE_ISSUER", "issuer-a"),
                ("JWT_ENCODE_AUDIENCE", "aud-a"),
                ("JWT_DECODE_AUDIENCE", "aud-a"),
                ("JWT_DECODE_LEEWAY", "30"),
            ]),
        )
    }

    /// (d) `JWT_HEADER_TYPE=""`: the header holds the bare token.
    pub fn bare_header() -> Self {
        Self::base(
            "bare-header",
            Settings::new(&[("SECRET_KEY", SECRET), ("JWT_HEADER_TYPE", "")]),
        )
    }

    /// (e) RS256 with the PEM fixtures, and no HMAC secret at all.
    pub fn rs256() -> Self {
        Self::base(
            "rs256",
            Settings::new(&[
                ("JWT_ALGORITHM", "RS256"),
                ("JWT_PRIVATE_KEY", &fixture("rsa_private.pem")),
                ("JWT_PUBLIC_KEY", &fixture("rsa_public.pem")),
            ]),
        )
    }

    /// The secret of profile (f), which has a space and a colon (quoted in `.env`).
    pub const DOTENV_SECRET: &'static str = "dotenv secret: 0123456789abcdef0123456789abcdef";

    /// The `.env` file of profile (f): a comment, double and single quotes, an inline
    /// comment and a blank line.
    pub fn dotenv_file() -> String {
        format!(
            "# settings of the .env profile\n\
             SECRET_KEY=\"{}\"\n\
             JWT_ERROR_MESSAGE_KEY=err\n\
             JWT_HEADER_TYPE='Token'\n\
             JWT_REFRESH_TOKEN_EXPIRES=7200   # two hours\n\
             \n\
             JWT_ACCESS_TOKEN_EXPIRES=600\n",
            Self::DOTENV_SECRET
        )
    }

    /// (f) settings only in a `.env` file.
    pub fn dotenv() -> Self {
        let mut p = Self::base("dotenv", Settings::default());
        p.header_type = "Token".into();
        p.dotenv = Some(Self::dotenv_file());
        p
    }

    /// The secret in effect for HMAC profiles.
    pub fn secret(&self) -> &str {
        if self.dotenv.is_some() {
            Self::DOTENV_SECRET
        } else {
            self.env.get("SECRET_KEY").unwrap_or(SECRET)
        }
    }

    /// Starts `kind` with this profile.
    pub fn start(&self, kind: AppKind) -> Server {
        Server::start(kind, &self.env.pairs(), self.dotenv.as_deref())
    }

    /// Starts both apps concurrently: `(example app, flask)`.
    pub fn start_both(&self) -> (Server, Server) {
        thread::scope(|s| {
            let flask = s.spawn(|| self.start(AppKind::Flask));
            let example = self.start(AppKind::ExampleApp);
            let flask = flask
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (example, flask)
        })
    }

    /// `jwt_tool.py <args>` with this profile's settings.
    pub fn jwt_tool(&self, args: &[&str]) -> String {
        jwt_tool(&self.env.pairs(), self.dotenv.as_deref(), args)
    }

    /// `jwt_tool.py create <args>` with this profile's settings: the token.
    ///
    /// # Panics
    /// When the output does not look like a token.
    pub fn mint(&self, args: &[&str]) -> String {
        let mut all = vec!["create"];
        all.extend_from_slice(args);
        let token = self.jwt_tool(&all);
        assert!(
            looks_like_jwt(&token),
            "jwt_tool.py {all:?} printed {token:?}"
        );
        token
    }

    /// `jwt_tool.py decode <token>` with this profile's settings.
    pub fn flask_decode(&self, token: &str) -> Value {
        jwt_tool_decode(&self.env.pairs(), self.dotenv.as_deref(), token)
    }

    /// The header that carries `token` in this profile.
    pub fn auth(&self, token: &str) -> (String, String) {
        let value = if self.header_type.is_empty() {
            token.to_owned()
        } else {
            format!("{} {token}", self.header_type)
        };
        (self.header_name.clone(), value)
    }

    /// `req` with the auth header for `token`.
    pub fn with_auth(&self, req: Request, token: &str) -> Request {
        let (k, v) = self.auth(token);
        req.header(&k, &v)
    }
}
