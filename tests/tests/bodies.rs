//! Request bodies the crate buffers to find a token (the JSON location), over real HTTP: an
//! `actix_web::HttpServer` on 127.0.0.1:0 (one worker) and a raw `TcpStream` client that
//! sends exactly the bytes, at the pace and with the ending each test needs.
//!
//! Two routes, each counting its handler's runs: `/mw` behind `jwt_required()` (the middleware
//! buffers the body) and `/ex` without middleware, whose `JwtIdentity` extractor buffers it
//! (the handler also takes the body, replayed to it). For both:
//!
//! - a whole body reaches the handler whole, also when it arrives in pieces within the
//!   deadline;
//! - a body that breaks off (the client closes after part of its `Content-Length`) is refused
//!   with 400 `Request body could not be read`, or the connection is closed; the handler never
//!   runs, even when the part sent is a complete JSON object holding a valid token;
//! - a body slower than the read deadline (300 ms here; the client dribbles for 2 s) is
//!   answered 408 `Request body timed out` before it ends, and the handler never runs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use actix_jwt_ext::{jwt_required, JwtConfig, JwtIdentity, JwtManager, TokenLocation};
use actix_web::dev::ServerHandle;
use actix_web::{web, App, HttpResponse, HttpServer};
use serde_json::{json, Value};

/// The read deadline of the test apps.
const DEADLINE: Duration = Duration::from_millis(300);
/// How long the client waits for an answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);
const ROUTES: [&str; 2] = ["/mw", "/ex"];

#[derive(Default)]
struct Runs {
    mw: AtomicUsize,
    ex: AtomicUsize,
}

impl Runs {
    fn of(&self, path: &str) -> usize {
        match path {
            "/mw" => self.mw.load(Ordering::SeqCst),
            "/ex" => self.ex.load(Ordering::SeqCst),
            other => panic!("no route {other}"),
        }
    }
}

async fn behind_middleware(runs: web::Data<Runs>, body: web::Bytes) -> HttpResponse {
    runs.mw.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().json(json!({"len": body.len()}))
}

async fn extractor_only(
    runs: web::Data<Runs>,
    identity: JwtIdentity,
    body: web::Bytes,
) -> HttpResponse {
    runs.ex.fetch_add(1, Ordering::SeqCst);
    HttpResponse::Ok().json(json!({"who": identity.0, "len": body.len()}))
}

/// A test app served by a real `HttpServer` in its own thread; stopped on drop.
struct Served {
    addr: SocketAddr,
    handle: ServerHandle,
    thread: Option<thread::JoinHandle<()>>,
    runs: Arc<Runs>,
    token: String,
}

impl Served {
    fn start() -> Self {
        let config = JwtConfig::builder()
            .secret_key("bodies-test-secret-long-enough")
            .token_location([TokenLocation::Json])
            .error_message_key("message")
            .build()
            .unwrap();
        let jwt = JwtManager::builder(config)
            .body_read_timeout(DEADLINE)
            .build()
            .unwrap();
        let token = actix_web::rt::System::new()
            .block_on(jwt.access_token("alice").encode())
            .unwrap();
        let runs = Arc::new(Runs::default());
        let data = web::Data::from(Arc::clone(&runs));
        let (tx, rx) = mpsc::channel();
        let thread = thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .configure(jwt.init_app())
                        .app_data(data.clone())
                        .service(
                            web::resource("/mw")
                                .wrap(jwt_required())
                                .route(web::post().to(behind_middleware)),
                        )
                        .route("/ex", web::post().to(extractor_only))
                })
                .workers(1)
                .disable_signals()
                .shutdown_timeout(1)
                .bind(("127.0.0.1", 0))
                .unwrap();
                let addr = server.addrs()[0];
                let server = server.run();
                tx.send((addr, server.handle())).unwrap();
                server.await.unwrap();
            });
        });
        let (addr, handle) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        Served {
            addr,
            handle,
            thread: Some(thread),
            runs,
            token,
        }
    }

    fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).unwrap();
        stream.set_read_timeout(Some(ANSWER_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(ANSWER_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        stream
    }

    /// `{"access_token": "<token>"}`.
    fn json_body(&self) -> Vec<u8> {
        serde_json::to_vec(&json!({"access_token": self.token})).unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        actix_web::rt::System::new().block_on(handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The request head of a JSON `POST` declaring `length` body bytes.
fn head(path: &str, length: usize) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\n\r\n"
    )
    .into_bytes()
}

/// Reads one response: `Some((status, body))`, or `None` when the server closed the
/// connection without answering. Panics when nothing comes within [`ANSWER_TIMEOUT`].
fn read_response(stream: &mut TcpStream) -> Option<(u16, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let length = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                let status = head
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| panic!("no status in {head:?}"));
                let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + length]).into_owned();
                return Some((status, body));
            }
        }
        match stream.read(&mut chunk) {
            Ok(0) if buf.is_empty() => return None,
            Ok(0) => panic!(
                "connection closed mid-response: {:?}",
                String::from_utf8_lossy(&buf)
            ),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset && buf.is_empty() => {
                return None
            }
            Err(e) => panic!(
                "no answer ({e}) within {ANSWER_TIMEOUT:?}; got {:?}",
                String::from_utf8_lossy(&buf)
            ),
        }
    }
}

fn message(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}"))
}

/// Sends a whole JSON body holding the token, in `pieces` writes `gap` apart.
fn send_whole(srv: &Served, path: &str, pieces: usize, gap: Duration) -> (u16, Value) {
    let body = srv.json_body();
    let mut stream = srv.connect();
    stream.write_all(&head(path, body.len())).unwrap();
    let size = body.len().div_ceil(pieces);
    for piece in body.chunks(size) {
        stream.write_all(piece).unwrap();
        thread::sleep(gap);
    }
    let (status, text) = read_response(&mut stream).expect("an answer");
    (status, message(&text))
}

#[test]
fn whole_bodies_reach_the_handler_whole() {
    let srv = Served::start();
    let len = srv.json_body().len();
    for path in ROUTES {
        let (status, body) = send_whole(&srv, path, 1, Duration::ZERO);
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body["len"], len, "{path}: the handler sees the whole body");
        // In pieces, all within the deadline.
        let (status, body) = send_whole(&srv, path, 3, Duration::from_millis(50));
        assert_eq!(status, 200, "{path} in pieces: {body}");
        assert_eq!(body["len"], len, "{path}");
        assert_eq!(srv.runs.of(path), 2, "{path}");
    }
    let (_, body) = send_whole(&srv, "/ex", 1, Duration::ZERO);
    assert_eq!(body["who"], "alice");
}

/// Sends `sent` of a body declared `declared` bytes long, then ends the request half of the
/// connection (the answer can still be read).
fn break_off(srv: &Served, path: &str, sent: &[u8], declared: usize) -> Option<(u16, String)> {
    let mut stream = srv.connect();
    let mut request = head(path, declared);
    request.extend_from_slice(sent);
    stream.write_all(&request).unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    read_response(&mut stream)
}

fn assert_incomplete(what: &str, answer: Option<(u16, String)>) {
    if let Some((status, body)) = answer {
        assert_eq!(status, 400, "{what}: {body}");
        assert_eq!(
            message(&body),
            json!({"message": "Request body could not be read"}),
            "{what}"
        );
    }
}

#[test]
fn a_body_that_breaks_off_never_reaches_the_handler() {
    let srv = Served::start();
    let whole = srv.json_body();
    for path in ROUTES {
        // Content-Length 1000, closed after 10 bytes.
        let answer = break_off(&srv, path, &whole[..10], 1000);
        assert_incomplete(&format!("{path}, 10 of 1000 bytes"), answer);

        // The part that arrived is a whole JSON object with a valid token: read as the end of
        // the body, it would let the handler run with a truncated body.
        let answer = break_off(&srv, path, &whole, whole.len() + 100);
        assert!(
            answer.is_some(),
            "{path}: the client can still read after closing its half: an answer is expected"
        );
        assert_incomplete(&format!("{path}, a valid JSON prefix"), answer);

        // The client closes the whole connection (nobody reads the answer).
        let mut stream = srv.connect();
        let mut request = head(path, whole.len() + 100);
        request.extend_from_slice(&whole);
        stream.write_all(&request).unwrap();
        drop(stream);
    }
    // The server goes on serving; by the time it answers these, it has seen the closed
    // connections end.
    thread::sleep(Duration::from_millis(200));
    for path in ROUTES {
        let (status, body) = send_whole(&srv, path, 1, Duration::ZERO);
        assert_eq!(status, 200, "{path} afterwards: {body}");
        assert_eq!(
            srv.runs.of(path),
            1,
            "{path}: only the whole body ran the handler"
        );
    }
}

#[test]
fn a_body_slower_than_the_deadline_is_answered_408() {
    let srv = Served::start();
    let whole = srv.json_body();
    const PADDING: usize = 20;
    for path in ROUTES {
        // The JSON at once, then 20 spaces (still JSON) one every 100 ms: 2 s in all.
        let mut stream = srv.connect();
        let mut request = head(path, whole.len() + PADDING);
        request.extend_from_slice(&whole);
        stream.write_all(&request).unwrap();
        let started = Instant::now();
        let mut writer = stream.try_clone().unwrap();
        let dribble = thread::spawn(move || {
            let mut written = 0;
            for _ in 0..PADDING {
                thread::sleep(Duration::from_millis(100));
                if writer.write_all(b" ").is_err() {
                    break;
                }
                written += 1;
            }
            written
        });
        let answer = read_response(&mut stream);
        let answered_after = started.elapsed();
        let (status, body) = answer.expect("an answer to the slow body");
        assert_eq!(status, 408, "{path}: {body}");
        assert_eq!(
            message(&body),
            json!({"message": "Request body timed out"}),
            "{path}"
        );
        assert!(
            answered_after >= DEADLINE && answered_after < Duration::from_millis(1500),
            "{path}: answered after {answered_after:?}, deadline {DEADLINE:?}, body done after 2 s"
        );
        drop(stream);
        let written = dribble.join().unwrap();
        assert!(written <= PADDING, "{written}");
        assert_eq!(srv.runs.of(path), 0, "{path}: the handler ran");
    }
    // A normal request afterwards.
    for path in ROUTES {
        let (status, body) = send_whole(&srv, path, 1, Duration::ZERO);
        assert_eq!(status, 200, "{path} afterwards: {body}");
        assert_eq!(srv.runs.of(path), 1, "{path}");
    }
}
