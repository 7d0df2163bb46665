//! The demo page of the example app (`GET /`, `example-app/src/demo.html`) in a real headless
//! browser: Debian's Chromium, driven through Debian's chromedriver by Selenium
//! (`tests/browser/driver.py`, a line-based bridge; every check is made here).
//!
//! The test installs what it needs: `tests/browser/setup.sh` installs the `chromium` and
//! `chromium-driver` packages when they are missing (root and Debian's package mirror needed
//! then; a few ms otherwise), and `tests/python/setup-venv.sh` puts Selenium in the test venv.
//!
//! It shows, with the app running with `JWT_TOKEN_LOCATION=cookies`:
//! 1. logging in through the form sets the four cookies, of which scripts see only the two CSRF
//!    ones (the tokens are HttpOnly), and the CSRF cookie matches the token's `csrf` claim;
//! 2. `POST /protected` with the `X-CSRF-TOKEN` header from the page's script succeeds;
//! 3. `POST /refresh` (refresh CSRF cookie) renews the access cookie, which then works;
//! 4. a form POST forged from another site, and a same-origin form POST without the header,
//!    are both refused with 401 `Missing CSRF token`;
//! 5. logging out removes every cookie, after which `/protected` answers `Missing cookie`;
//! 6. with `JWT_COOKIE_SAMESITE=Lax` the browser does not even send the cookie with the
//!    forged request (401 `Missing cookie`), while the page itself still works.
//!
//! The browser session is bounded by [`DEADLINE`] (every wait is bounded by what is left of
//! it, and the Python side kills the browser by itself after it). A screenshot of the end
//! state is saved as `<target>/browser-test/final.png` (`failure.png` when a check fails),
//! with chromedriver's log beside it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;
use e2e_tests::{python, workspace_root, Server, TempDir, SECRET};
use serde_json::{json, Value};

/// The whole browser session (after the installs): start, every step, and shutdown.
const DEADLINE: Duration = Duration::from_secs(120);

/// `tests/browser/setup.sh` (apt-get update and install on a fresh machine).
const INSTALL_TIMEOUT: Duration = Duration::from_secs(600);

/// One wait for something on a page (an answer of the app, a navigation).
const WAIT: Duration = Duration::from_secs(20);

/// One WebDriver command that is not a wait (click, script, navigation).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// Installation
// ---------------------------------------------------------------------------------------------

/// Runs `cmd` to completion within `timeout` (killed after it): status, stdout, stderr.
fn run_bounded(mut cmd: Command, timeout: Duration, what: &str) -> (bool, String, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let collect = |stream: Option<Box<dyn Read + Send>>| {
        thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut s) = stream {
                let _ = s.read_to_end(&mut buf);
            }
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = collect(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = collect(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let stdout = out.join().unwrap_or_default();
    let mut stderr = err.join().unwrap_or_default();
    if status.is_none() {
        stderr.push_str(&format!("\n[{what}: killed after {timeout:?}]"));
    }
    (status.is_some_and(|s| s.success()), stdout, stderr)
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Installs Chromium and chromedriver when missing: their paths.
fn install_browser() -> (PathBuf, PathBuf) {
    let script = workspace_root()
        .join("tests")
        .join("browser")
        .join("setup.sh");
    let mut cmd = Command::new("bash");
    cmd.arg(&script);
    let started = Instant::now();
    let (ok, stdout, stderr) = run_bounded(cmd, INSTALL_TIMEOUT, "tests/browser/setup.sh");
    assert!(
        ok,
        "bash {} failed: the browser test needs Debian's chromium and chromium-driver.\n\
         stdout:\n{stdout}\nstderr (last lines):\n{}",
        script.display(),
        tail(&stderr, 40)
    );
    let path_of = |key: &str| {
        stdout
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix(key))
            .map(PathBuf::from)
            .unwrap_or_else(|| panic!("setup.sh printed no `{key}` line:\n{stdout}"))
    };
    let paths = (path_of("chromium="), path_of("chromedriver="));
    if started.elapsed() > Duration::from_secs(2) {
        eprintln!(
            "browser test: installed {} and {} in {:.1?}",
            paths.0.display(),
            paths.1.display(),
            started.elapsed()
        );
    }
    paths
}

/// `<target>/browser-test`: the screenshots and chromedriver's log (not committed).
fn artifacts_dir() -> PathBuf {
    // The test binary runs from <target>/<profile>/deps/.
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(Path::to_path_buf))
        .filter(|t| t.join("CACHEDIR.TAG").exists() || t.ends_with("target"))
        .or_else(|| std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
        .unwrap_or_else(|| workspace_root().join("target"));
    let dir = target.join("browser-test");
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    // No stale pictures from an earlier run.
    for old in [
        "final.png",
        "logged-out.png",
        "failure.png",
        "chromedriver.log",
    ] {
        let _ = std::fs::remove_file(dir.join(old));
    }
    dir
}

// ---------------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------------

/// A headless Chromium behind `tests/browser/driver.py`, with a fresh profile. On drop the
/// browser is quit (after a `failure.png` screenshot when the test is failing), and killed with
/// its whole process group if it does not exit in time.
struct Browser {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    next_id: u64,
    deadline: Instant,
    artifacts: PathBuf,
    version: String,
    _profile: TempDir,
}

impl Browser {
    fn start(chromium: &Path, chromedriver: &Path, artifacts: &Path, deadline: Instant) -> Self {
        let profile = TempDir::new();
        let script = workspace_root()
            .join("tests")
            .join("browser")
            .join("driver.py");
        // The Python side kills everything a little after our own deadline, in case this
        // process is stuck or gone.
        let python_deadline = deadline.saturating_duration_since(Instant::now()) + WAIT;
        let mut child = Command::new(python())
            .arg(&script)
            .arg("--chromium")
            .arg(chromium)
            .arg("--chromedriver")
            .arg(chromedriver)
            .arg("--user-data-dir")
            .arg(profile.path())
            .arg("--deadline")
            .arg(python_deadline.as_secs().to_string())
            .arg("--command-timeout")
            .arg(WAIT.as_secs().to_string())
            .arg("--driver-log")
            .arg(artifacts.join("chromedriver.log"))
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            // A group of its own: chromedriver and Chromium can be killed with it.
            .process_group(0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", script.display()));
        let stdin = child.stdin.take();
        let (tx, lines) = mpsc::channel();
        if let Some(out) = child.stdout.take() {
            thread::spawn(move || {
                for line in BufReader::new(out).lines() {
                    let Ok(line) = line else { break };
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut err) = child.stderr.take() {
            let sink = Arc::clone(&stderr);
            thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = err.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut s) = sink.lock() {
                        if s.len() < 256 * 1024 {
                            s.push_str(&String::from_utf8_lossy(&buf[..n]));
                        }
                    }
                }
            });
        }
        let mut browser = Self {
            child,
            stdin,
            lines,
            stderr,
            next_id: 0,
            deadline,
            artifacts: artifacts.to_path_buf(),
            version: String::new(),
            _profile: profile,
        };
        let ready = browser
            .next_line(COMMAND_TIMEOUT)
            .unwrap_or_else(|e| browser.fail(&format!("the browser did not start: {e}")));
        if ready["ready"] != json!(true) {
            browser.fail(&format!("the browser did not start: {ready}"));
        }
        browser.version = format!(
            "Chromium {}, chromedriver {}",
            ready["browser"].as_str().unwrap_or("?"),
            ready["driver"].as_str().unwrap_or("?")
        );
        browser
    }

    fn python_stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Panics with `msg` and what the Python side wrote to stderr.
    fn fail(&self, msg: &str) -> ! {
        panic!(
            "{msg}\n--- driver.py stderr (last lines) ---\n{}\n(chromedriver log: {})",
            tail(&self.python_stderr(), 30),
            self.artifacts.join("chromedriver.log").display()
        )
    }

    /// The time left before the deadline, at most `limit`.
    fn budget(&self, limit: Duration) -> Duration {
        limit.min(self.deadline.saturating_duration_since(Instant::now()))
    }

    /// The next protocol line, parsed.
    fn next_line(&self, timeout: Duration) -> Result<Value, String> {
        let timeout = self.budget(timeout);
        match self.lines.recv_timeout(timeout) {
            Ok(line) => serde_json::from_str(&line)
                .map_err(|e| format!("driver.py printed a non-JSON line ({e}): {line}")),
            Err(RecvTimeoutError::Timeout) => Err(format!(
                "no answer from driver.py within {timeout:?} (deadline {DEADLINE:?})"
            )),
            Err(RecvTimeoutError::Disconnected) => Err("driver.py exited".into()),
        }
    }

    /// Sends one request and returns its value, or the error the browser reported.
    fn try_call(&mut self, mut request: Value, timeout: Duration) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        request["id"] = json!(id);
        let stdin = self.stdin.as_mut().ok_or("driver.py's stdin is closed")?;
        writeln!(stdin, "{request}")
            .and_then(|()| stdin.flush())
            .map_err(|e| format!("cannot write to driver.py: {e}"))?;
        loop {
            let answer = self.next_line(timeout)?;
            if let Some(fatal) = answer.get("fatal") {
                return Err(format!("driver.py: {fatal}"));
            }
            if answer["id"] != json!(id) {
                continue; // the late answer of an earlier, timed-out request
            }
            return if answer["ok"] == json!(true) {
                Ok(answer["value"].clone())
            } else {
                Err(answer["error"].as_str().unwrap_or("?").to_owned())
            };
        }
    }

    /// Like [`Browser::try_call`], panicking on an error.
    fn call(&mut self, request: Value) -> Value {
        let what = request.to_string();
        match self.try_call(request, COMMAND_TIMEOUT) {
            Ok(v) => v,
            Err(e) => self.fail(&format!("browser command {what} failed: {e}")),
        }
    }

    fn goto(&mut self, url: &str) {
        self.call(json!({ "cmd": "get", "url": url }));
    }

    fn click(&mut self, css: &str) {
        self.call(json!({ "cmd": "click", "css": css }));
    }

    /// Runs a synchronous script (`return ...`) with `arguments` = `args`.
    fn eval(&mut self, script: &str, args: Value) -> Value {
        self.call(json!({ "cmd": "execute", "script": script, "args": args }))
    }

    /// Every cookie of the current page, HttpOnly ones included.
    fn cookies(&mut self) -> Vec<Value> {
        match self.call(json!({ "cmd": "cookies" })) {
            Value::Array(a) => a,
            other => self.fail(&format!("cookies: not a list: {other}")),
        }
    }

    fn screenshot(&mut self, name: &str) -> PathBuf {
        let path = self.artifacts.join(name);
        self.call(json!({ "cmd": "screenshot", "path": path }));
        path
    }

    /// Polls `script` until it returns something truthy (not false, null, 0 or ""): its value.
    /// Errors (e.g. while a navigation replaces the document) count as "not yet".
    fn wait_until(&mut self, what: &str, script: &str, args: Value) -> Value {
        let limit = self.budget(WAIT);
        let end = Instant::now() + limit;
        let mut last;
        loop {
            let request = json!({ "cmd": "execute", "script": script, "args": args });
            match self.try_call(request, limit) {
                Ok(v)
                    if !matches!(&v, Value::Null | Value::Bool(false))
                        && v != json!(0)
                        && v != json!("") =>
                {
                    return v
                }
                Ok(v) => last = v.to_string(),
                Err(e)
                    if ["driver.py", "no answer", "cannot write"]
                        .iter()
                        .any(|p| e.starts_with(p)) =>
                {
                    self.fail(&format!("waiting for {what}: {e}"))
                }
                Err(e) => last = e,
            }
            if Instant::now() >= end {
                let page = self
                    .try_call(
                        json!({ "cmd": "execute", "args": [],
                                "script": "return location.href + '\\n' + document.body.innerText" }),
                        Duration::from_secs(5),
                    )
                    .unwrap_or_else(|e| json!(e));
                self.fail(&format!(
                    "timed out after {limit:?} waiting for {what}; last result: {last}\n\
                     page: {page}"
                ));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if thread::panicking() {
            let path = self.artifacts.join("failure.png");
            let request = json!({ "cmd": "screenshot", "path": path });
            if self.try_call(request, Duration::from_secs(10)).is_ok() {
                eprintln!(
                    "browser test: screenshot of the failure: {}",
                    path.display()
                );
            }
        }
        let _ = self.try_call(json!({ "cmd": "quit" }), Duration::from_secs(10));
        self.stdin = None; // EOF: driver.py quits the browser in any case.
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            thread::sleep(Duration::from_millis(50));
        }
        // Still running (so its process group is still ours): kill Python, chromedriver and
        // Chromium together.
        let pgid = self.child.id();
        let _ = Command::new("bash")
            .args(["-c", "kill -KILL -- \"-$1\"", "kill-group"])
            .arg(pgid.to_string())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// The attacker's site
// ---------------------------------------------------------------------------------------------

/// A tiny HTTP server on 127.0.0.1, visited as `http://localhost:<port>/`: a different site
/// from the app's `127.0.0.1` (a site is the scheme plus the host; `localhost` and
/// `127.0.0.1` are different hosts), so requests from its page to the app are cross-site. Its
/// page auto-submits a form to the app, which no script can give an `X-CSRF-TOKEN` header.
struct AttackerSite {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    port: u16,
}

impl AttackerSite {
    fn start(form_action: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("cannot bind the attacker's server: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let page = format!(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>free prizes</title></head>\
             <body><h1>Loading your prize...</h1>\n\
             <form id=\"forged\" method=\"POST\" action=\"{form_action}\">\
             <input type=\"hidden\" name=\"amount\" value=\"1000000\"></form>\n\
             <script>document.getElementById(\"forged\").submit();</script>\n\
             </body></html>\n"
        );
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (log, flag) = (Arc::clone(&requests), Arc::clone(&stop));
        thread::spawn(move || {
            for stream in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = stream {
                    serve_attacker_page(stream, &page, &log);
                }
            }
        });
        Self {
            url: format!("http://localhost:{port}/"),
            requests,
            stop,
            port,
        }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for AttackerSite {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop up so that it sees the flag.
        let _ =
            TcpStream::connect_timeout(&([127, 0, 0, 1], self.port).into(), Duration::from_secs(1));
    }
}

fn serve_attacker_page(mut stream: TcpStream, page: &str, log: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let request_line = head.lines().next().unwrap_or("").to_owned();
    if request_line.is_empty() {
        return;
    }
    if let Ok(mut l) = log.lock() {
        l.push(request_line.clone());
    }
    let (status, body) = if request_line.starts_with("GET / ") {
        ("200 OK", page)
    } else {
        ("404 Not Found", "")
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

// ---------------------------------------------------------------------------------------------
// The demo page
// ---------------------------------------------------------------------------------------------

/// What `<pre id="output">` holds after one call of the page's script:
/// `<METHOD> <url> -> <status> <body>`.
#[derive(Debug)]
struct Answer {
    request: String,
    status: u16,
    body: Value,
    text: String,
}

const OUTPUT: &str = "const o = document.getElementById('output');\
     return { text: o.textContent, status: o.dataset.status || null, \
              done: Number(o.dataset.done || '0') };";

/// Clicks `css` on the demo page and waits until the call it starts has written its answer.
fn demo_call(b: &mut Browser, css: &str) -> Answer {
    let before = b.eval(OUTPUT, json!([]))["done"].as_u64().unwrap_or(0);
    b.click(css);
    b.wait_until(
        &format!("the answer of the call started by {css}"),
        "return Number(document.getElementById('output').dataset.done || '0') > arguments[0];",
        json!([before]),
    );
    let out = b.eval(OUTPUT, json!([]));
    let text = out["text"].as_str().unwrap_or_default().to_owned();
    let (request, rest) = text
        .split_once(" -> ")
        .unwrap_or_else(|| panic!("#output is not `<request> -> <status> <body>`: {text:?}"));
    let (status, body) = rest.split_once(' ').unwrap_or((rest, ""));
    let status: u16 = status
        .parse()
        .unwrap_or_else(|_| panic!("#output has no status: {text:?}"));
    assert_eq!(
        out["status"],
        json!(status.to_string()),
        "data-status of #output disagrees with its text {text:?}"
    );
    let body = serde_json::from_str(body.trim_end())
        .unwrap_or_else(|e| panic!("#output's body is not JSON ({e}): {text:?}"));
    Answer {
        request: request.to_owned(),
        status,
        body,
        text,
    }
}

/// Asserts `answer` is `request -> status body`.
fn expect(answer: &Answer, request: &str, status: u16, body: &Value) {
    assert!(
        answer.request == request && answer.status == status && &answer.body == body,
        "expected #output `{request} -> {status} {body}`, got {:?}",
        answer.text
    );
}

/// The names of the cookies a script of the current page can see (`document.cookie`).
fn script_cookies(b: &mut Browser) -> Vec<String> {
    let all = b.eval("return document.cookie;", json!([]));
    all.as_str()
        .unwrap_or_default()
        .split(';')
        .filter_map(|c| c.split_once('=').map(|(k, _)| k.trim().to_owned()))
        .collect()
}

/// The cookie `name` as the browser holds it (WebDriver sees HttpOnly cookies too).
fn browser_cookie(b: &mut Browser, name: &str) -> Option<Value> {
    b.cookies().into_iter().find(|c| c["name"] == json!(name))
}

/// The claims of a JWT (not verified: the app did that).
fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap_or_else(|e| panic!("token payload is not base64url ({e}): {token}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("token payload is not JSON: {e}"))
}

/// After a form POST navigated the browser to `url`: the HTTP status of that navigation and
/// the body the browser shows.
fn navigated_answer(b: &mut Browser, url: &str, what: &str) -> (u16, Value) {
    let got = b.wait_until(
        what,
        "if (location.href !== arguments[0] || document.readyState !== 'complete') return null;\
         const nav = performance.getEntriesByType('navigation')[0];\
         const pre = document.querySelector('pre');\
         return { status: nav ? nav.responseStatus : null,\
                  body: pre ? pre.textContent : document.body.innerText };",
        json!([url]),
    );
    let status = got["status"].as_u64().unwrap_or(0);
    let text = got["body"].as_str().unwrap_or_default();
    let body = serde_json::from_str(text.trim_end())
        .unwrap_or_else(|e| panic!("{what}: the page is not JSON ({e}): {text:?}"));
    (u16::try_from(status).unwrap_or(0), body)
}

/// How many times the app logged an answer `"<request>" <status>` (its access log on stderr).
fn logged(app: &Server, request: &str, status: u16) -> usize {
    app.stderr()
        .matches(&format!("\"{request}\" {status} "))
        .count()
}

/// Waits (bounded) until the app's access log has `"<request>" <status>` more than `before`
/// times: the request really reached the app.
fn wait_logged(app: &Server, request: &str, status: u16, before: usize) {
    let end = Instant::now() + Duration::from_secs(5);
    while logged(app, request, status) <= before {
        assert!(
            Instant::now() < end,
            "the app logged no `\"{request}\" {status}`:\n{}",
            tail(&app.stderr(), 20)
        );
        thread::sleep(Duration::from_millis(20));
    }
}

fn cookie_app(extra: &[(&str, &str)]) -> Server {
    let mut env = vec![("SECRET_KEY", SECRET), ("JWT_TOKEN_LOCATION", "cookies")];
    env.extend_from_slice(extra);
    Server::example_app(&env)
}

/// Opens the demo page of `app` and logs in as test/test with the form.
fn open_and_log_in(b: &mut Browser, app: &Server) {
    b.goto(&format!("{}/", app.base_url()));
    let page = b.eval(
        "return { title: document.title, user: document.getElementById('username').value,\
                  password: document.getElementById('password').value };",
        json!([]),
    );
    assert_eq!(
        page,
        json!({ "title": "actix-jwt-ext demo", "user": "test", "password": "test" }),
        "the demo page's title or prefilled form"
    );
    let login = demo_call(b, "#login-button");
    expect(
        &login,
        "POST /login/cookies",
        200,
        &json!({ "message": "login successful" }),
    );
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

#[test]
fn demo_page_in_headless_chromium() {
    let (chromium, chromedriver) = install_browser();
    let _ = python(); // the venv with Selenium, before the clock starts
    let artifacts = artifacts_dir();
    let app = cookie_app(&[]);
    let base = app.base_url().to_owned();
    let started = Instant::now();
    let mut b = Browser::start(&chromium, &chromedriver, &artifacts, started + DEADLINE);
    eprintln!("browser test: {}", b.version);

    // 1. Log in with the form: four cookies, scripts see only the two CSRF ones.
    open_and_log_in(&mut b, &app);
    let visible = script_cookies(&mut b);
    for name in ["csrf_access_token", "csrf_refresh_token"] {
        assert!(
            visible.iter().any(|c| c == name),
            "document.cookie lacks {name}: {visible:?}"
        );
    }
    for name in ["access_token_cookie", "refresh_token_cookie"] {
        assert!(
            !visible.iter().any(|c| c == name),
            "{name} is HttpOnly, yet document.cookie shows it: {visible:?}"
        );
        let held = browser_cookie(&mut b, name)
            .unwrap_or_else(|| panic!("the browser holds no {name} after login"));
        assert_eq!(held["httpOnly"], json!(true), "{name}: {held}");
    }
    let access = browser_cookie(&mut b, "access_token_cookie").unwrap_or_default();
    let csrf = browser_cookie(&mut b, "csrf_access_token").unwrap_or_default();
    assert_eq!(csrf["httpOnly"], json!(false), "csrf_access_token: {csrf}");
    assert_eq!(
        claims(access["value"].as_str().unwrap_or_default())["csrf"],
        csrf["value"],
        "the readable CSRF cookie is the access token's csrf claim (double submit)"
    );

    // 2. The page's script sends X-CSRF-TOKEN from the readable cookie.
    let protected = demo_call(&mut b, "#protected-button");
    assert_eq!(
        protected.text.trim_end(),
        r#"POST /protected -> 200 {"logged_in_as":"test"}"#
    );

    // 3. Refresh (refresh CSRF cookie): a new access token, also as the cookie, with a new
    //    CSRF value; /protected works with it.
    let refresh = demo_call(&mut b, "#refresh-button");
    assert_eq!(
        (refresh.request.as_str(), refresh.status),
        ("POST /refresh", 200),
        "{}",
        refresh.text
    );
    let new_token = refresh.body["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("refresh answered no access_token: {}", refresh.text))
        .to_owned();
    let renewed = browser_cookie(&mut b, "access_token_cookie").unwrap_or_default();
    assert_eq!(
        renewed["value"],
        json!(new_token),
        "the refresh answer also set the access cookie"
    );
    let new_csrf = browser_cookie(&mut b, "csrf_access_token").unwrap_or_default();
    assert_ne!(
        new_csrf["value"], csrf["value"],
        "a new token, a new CSRF value"
    );
    assert_eq!(claims(&new_token)["csrf"], new_csrf["value"]);
    assert_eq!(claims(&new_token)["fresh"], json!(false));
    let protected = demo_call(&mut b, "#protected-button");
    expect(
        &protected,
        "POST /protected",
        200,
        &json!({ "logged_in_as": "test" }),
    );

    // 4a. Cross-site request forgery: a page on http://localhost:<other port> auto-submits a
    //     form to POST /protected. The cookies have no SameSite attribute (the default
    //     JWT_COOKIE_SAMESITE=None omits it), so Chromium treats them as SameSite=Lax *but*
    //     still sends such cookies on a top-level cross-site POST while they are less than two
    //     minutes old (Chromium's "Lax+POST" allowance; these were set seconds ago). The
    //     browser therefore DOES send access_token_cookie, and only the double-submit check
    //     stops the forgery: the attacker can neither read csrf_access_token nor set a header
    //     with a form, hence `Missing CSRF token` (not `Missing cookie`; see 6. for that).
    let target = format!("{base}/protected");
    let attacker = AttackerSite::start(&target);
    let before = logged(&app, "POST /protected", 401);
    b.goto(&attacker.url);
    let (status, body) = navigated_answer(&mut b, &target, "the forged cross-site form POST");
    assert_eq!(
        (status, body),
        (401, json!({ "message": "Missing CSRF token" })),
        "the forged cross-site POST must be refused for its missing CSRF header"
    );
    wait_logged(&app, "POST /protected", 401, before);
    assert!(
        attacker.requests().iter().any(|r| r.starts_with("GET / ")),
        "the browser never loaded the attacker's page: {:?}",
        attacker.requests()
    );
    drop(attacker);

    // 4b. The same without the header from the app's own origin: a plain form injected into
    //     the demo page. Same-site, so the cookies are sent; still no X-CSRF-TOKEN.
    b.goto(&format!("{base}/"));
    b.eval(
        "const f = document.createElement('form');\
         f.method = 'POST'; f.action = '/protected';\
         document.body.appendChild(f); f.submit(); return true;",
        json!([]),
    );
    let (status, body) = navigated_answer(&mut b, &target, "the same-origin form POST");
    assert_eq!(
        (status, body),
        (401, json!({ "message": "Missing CSRF token" })),
        "a same-origin form POST without X-CSRF-TOKEN must be refused"
    );

    // 5. Log out: every cookie is gone, and /protected answers the missing-cookie error.
    b.goto(&format!("{base}/"));
    let logout = demo_call(&mut b, "#logout-button");
    expect(
        &logout,
        "POST /logout/cookies",
        200,
        &json!({ "message": "logout successful" }),
    );
    assert_eq!(
        script_cookies(&mut b),
        Vec::<String>::new(),
        "document.cookie after logout"
    );
    let left: Vec<Value> = b.cookies();
    assert!(left.is_empty(), "cookies left after logout: {left:?}");
    let protected = demo_call(&mut b, "#protected-button");
    expect(
        &protected,
        "POST /protected",
        401,
        &json!({ "message": "Missing cookie \"access_token_cookie\"" }),
    );
    b.screenshot("logged-out.png");

    // 6. With JWT_COOKIE_SAMESITE=Lax the attribute is explicit, the two-minute allowance of
    //    4a does not apply, and the browser keeps the cookie out of the forged cross-site POST:
    //    `Missing cookie`. The same browser still is logged in on the app's own page.
    let lax_app = cookie_app(&[("JWT_COOKIE_SAMESITE", "Lax")]);
    open_and_log_in(&mut b, &lax_app);
    let lax_target = format!("{}/protected", lax_app.base_url());
    let attacker = AttackerSite::start(&lax_target);
    b.goto(&attacker.url);
    let (status, body) = navigated_answer(&mut b, &lax_target, "the forged POST (SameSite=Lax)");
    assert_eq!(
        (status, body),
        (
            401,
            json!({ "message": "Missing cookie \"access_token_cookie\"" })
        ),
        "with SameSite=Lax the browser must not send the cookie cross-site"
    );
    drop(attacker);
    b.goto(&format!("{}/", lax_app.base_url()));
    let protected = demo_call(&mut b, "#protected-button");
    expect(
        &protected,
        "POST /protected",
        200,
        &json!({ "logged_in_as": "test" }),
    );

    let shot = b.screenshot("final.png");
    drop(b);
    eprintln!(
        "browser test: passed in {:.1?} (screenshots in {})",
        started.elapsed(),
        shot.parent().unwrap_or(&artifacts).display()
    );
}
