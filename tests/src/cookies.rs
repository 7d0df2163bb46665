//! Cookies over HTTP: a `Set-Cookie` parser, HTTP dates, a minimal cookie jar, a normalised
//! view of a response's `Set-Cookie` headers for comparing two apps, and a raw-bytes sender
//! (for header values that are not UTF-8).
//!
//! [`set_cookie_response`] and [`cookie_tool_batch`] serve `tests/tests/cookie_helpers.rs` (the
//! cookie helpers' per-call overrides against `tests/python/cookie_tool.py`).
//!
//! Added for `tests/tests/cookies.rs`; nothing here changes the behaviour of the rest of the
//! support library.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::TcpStream;
use std::process::Stdio;

use serde_json::{json, Value};

use crate::{
    jwt_parts, looks_like_jwt, now, python, read_response, sanitised_command, workspace_root,
    Response, Server, TempDir, HTTP_TIMEOUT,
};

/// One `Set-Cookie` header, parsed (RFC 6265 §5.2, without the date heuristics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetCookie {
    /// The cookie name.
    pub name: String,
    /// The cookie value (surrounding double quotes kept, as sent).
    pub value: String,
    /// The attributes in the order sent: name as sent, and value if it had one.
    pub attributes: Vec<(String, Option<String>)>,
    /// The whole header value.
    pub raw: String,
}

impl SetCookie {
    /// Parses one `Set-Cookie` header value; `None` without a `name=value` pair.
    pub fn parse(line: &str) -> Option<Self> {
        let mut parts = line.split(';');
        let (name, value) = parts.next()?.split_once('=')?;
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        let attributes = parts
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| match a.split_once('=') {
                Some((k, v)) => (k.trim().to_owned(), Some(v.trim().to_owned())),
                None => (a.to_owned(), None),
            })
            .collect();
        Some(Self {
            name: name.to_owned(),
            value: value.trim().to_owned(),
            attributes,
            raw: line.to_owned(),
        })
    }

    /// The attribute `name` (case-insensitive): `Some(None)` for a flag, `Some(Some(v))` for a
    /// valued attribute, `None` when absent.
    pub fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.attributes
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    /// Whether the attribute `name` is present (case-insensitive).
    pub fn has(&self, name: &str) -> bool {
        self.attribute(name).is_some()
    }

    /// Whether this header deletes the cookie: `Max-Age` ≤ 0, or `Expires` in the past.
    pub fn is_removal(&self) -> bool {
        if let Some(Some(age)) = self.attribute("Max-Age") {
            if let Ok(age) = age.parse::<i64>() {
                return age <= 0;
            }
        }
        matches!(
            self.attribute("Expires").flatten().and_then(parse_http_date),
            Some(t) if t <= now()
        )
    }
}

impl Response {
    /// The `Set-Cookie` headers, parsed, in order (unparsable lines are skipped).
    pub fn set_cookies(&self) -> Vec<SetCookie> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| SetCookie::parse(v))
            .collect()
    }
}

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `(year, month, day)` of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The Unix time of an IMF-fixdate (`Thu, 01 Jan 1970 00:00:00 GMT`); `-` between the date
/// parts (the RFC 850 / Netscape style `01-Jan-1970`) is accepted too.
pub fn parse_http_date(text: &str) -> Option<i64> {
    let text = text.trim();
    let (_, rest) = text.split_once(',')?;
    let rest = rest.replace('-', " ");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let [day, month, year, time, zone] = fields.as_slice() else {
        return None;
    };
    if *zone != "GMT" && *zone != "UTC" {
        return None;
    }
    let day: i64 = day.parse().ok()?;
    let month = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as i64 + 1;
    let mut year: i64 = year.parse().ok()?;
    if year < 100 {
        year += if year < 70 { 2000 } else { 1900 };
    }
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [h, mi, s] = hms.as_slice() else {
        return None;
    };
    if !(1..=31).contains(&day) || *h > 23 || *mi > 59 || *s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + mi * 60 + s)
}

/// The IMF-fixdate of a Unix time: `Thu, 01 Jan 1970 00:00:00 GMT`.
pub fn format_http_date(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {d:02} {} {y:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// How far (in seconds) an `Expires` may be from `now + Max-Age` and still compare equal.
pub const EXPIRES_SLACK: i64 = 5;

/// A comparable, normalised view of the `Set-Cookie` headers of `resp` (in order):
///
/// `[{"name": .., "value": .., "attributes": {..}}]` where
/// - a value that looks like a JWT is `"<jwt>"`; a value equal to the `csrf` claim of a JWT
///   set by the same response is `"<csrf claim of NAME>"`; an empty value stays `""`; any
///   other value is kept as is (so it differs between apps and shows in a diff);
/// - attributes are keyed by their name as sent; flags are `true`; `Expires` becomes
///   `"<now+Max-Age>"` when it is within [`EXPIRES_SLACK`] seconds of now plus the cookie's
///   `Max-Age`, `"<now+N>"` otherwise, is kept verbatim when it is not in the future (e.g.
///   the 1970 date of an unset), and is `"<not an IMF-fixdate: ..>"` when it is not written
///   canonically; a repeated attribute is marked `"<repeated>"`.
pub fn set_cookie_summary(resp: &Response) -> Value {
    let cookies = resp.set_cookies();
    let now = now();
    let csrf_of: Vec<(String, String)> = cookies
        .iter()
        .filter(|c| looks_like_jwt(&c.value))
        .filter_map(|c| {
            let (_, claims) = jwt_parts(&c.value)?;
            Some((c.value.clone(), claims.get("csrf")?.as_str()?.to_owned()))
        })
        .collect();
    let value_of = |c: &SetCookie| -> Value {
        if looks_like_jwt(&c.value) {
            return json!("<jwt>");
        }
        if c.value.is_empty() {
            return json!("");
        }
        for other in &cookies {
            if let Some((_, csrf)) = csrf_of.iter().find(|(jwt, _)| *jwt == other.value) {
                if *csrf == c.value {
                    return json!(format!("<csrf claim of {}>", other.name));
                }
            }
        }
        json!(c.value)
    };
    let list: Vec<Value> = cookies
        .iter()
        .map(|c| {
            let max_age: Option<i64> = c
                .attribute("Max-Age")
                .flatten()
                .and_then(|v| v.parse().ok());
            let mut attrs = serde_json::Map::new();
            for (k, v) in &c.attributes {
                let shown = match (k.to_ascii_lowercase().as_str(), v) {
                    (_, None) => json!(true),
                    ("expires", Some(v)) => json!(expires_view(v, max_age, now)),
                    (_, Some(v)) => json!(v),
                };
                let shown = if attrs.contains_key(k) {
                    json!("<repeated>")
                } else {
                    shown
                };
                attrs.insert(k.clone(), shown);
            }
            json!({ "name": c.name, "value": value_of(c), "attributes": attrs })
        })
        .collect();
    Value::Array(list)
}

fn expires_view(text: &str, max_age: Option<i64>, now: i64) -> String {
    let Some(t) = parse_http_date(text) else {
        return format!("<unparsable: {text}>");
    };
    if format_http_date(t) != text {
        return format!("<not an IMF-fixdate: {text}>");
    }
    if t <= now {
        return text.to_owned();
    }
    let delta = t - now;
    match max_age {
        Some(age) if (delta - age).abs() <= EXPIRES_SLACK => "<now+Max-Age>".to_owned(),
        _ => format!("<now+{delta}>"),
    }
}

/// A minimal cookie jar: name → value, in the order first set. It ignores paths, domains and
/// `Secure` on purpose: the tests decide which cookies each request carries.
#[derive(Debug, Clone, Default)]
pub struct CookieJar {
    cookies: Vec<(String, String)>,
}

impl CookieJar {
    /// An empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies the `Set-Cookie` headers of `resp`: a removal (empty value with an expiry in
    /// the past, or `Max-Age` ≤ 0) deletes, anything else sets.
    pub fn update(&mut self, resp: &Response) {
        for c in resp.set_cookies() {
            if c.is_removal() {
                self.remove(&c.name);
            } else {
                self.set(&c.name, &c.value);
            }
        }
    }

    /// Sets (or replaces) a cookie.
    pub fn set(&mut self, name: &str, value: &str) {
        match self.cookies.iter_mut().find(|(k, _)| k == name) {
            Some(entry) => entry.1 = value.to_owned(),
            None => self.cookies.push((name.to_owned(), value.to_owned())),
        }
    }

    /// Removes a cookie.
    pub fn remove(&mut self, name: &str) {
        self.cookies.retain(|(k, _)| k != name);
    }

    /// A cookie's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.cookies.iter().map(|(k, _)| k.as_str()).collect()
    }

    /// Whether the jar is empty.
    pub fn is_empty(&self) -> bool {
        self.cookies.is_empty()
    }

    /// A `Cookie` header value with every cookie (`a=1; b=2`).
    pub fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// A `Cookie` header value with only the cookies named (those in the jar, in the order
    /// given).
    pub fn header_for(&self, names: &[&str]) -> String {
        names
            .iter()
            .filter_map(|n| self.get(n).map(|v| format!("{n}={v}")))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// All cookies as a map.
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.cookies.iter().cloned().collect()
    }
}

/// Sends `raw` (a complete HTTP/1.1 request: request line, headers, blank line and body, as
/// bytes, so that header values need not be UTF-8) to `base_url` and reads the answer.
///
/// # Panics
/// On a connection or protocol error, or after [`HTTP_TIMEOUT`].
pub fn send_raw(base_url: &str, raw: &[u8]) -> Response {
    let addr = base_url.strip_prefix("http://").unwrap_or(base_url);
    let shown = String::from_utf8_lossy(&raw[..raw.len().min(120)]).into_owned();
    let mut stream =
        TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr} for {shown:?}: {e}"));
    let _ = stream.set_read_timeout(Some(HTTP_TIMEOUT));
    let _ = stream.set_write_timeout(Some(HTTP_TIMEOUT));
    stream
        .write_all(raw)
        .unwrap_or_else(|e| panic!("write to {addr} for {shown:?}: {e}"));
    let head_only = raw.starts_with(b"HEAD ");
    read_response(&mut stream, head_only)
        .unwrap_or_else(|e| panic!("bad answer from {addr} to {shown:?}: {e}"))
}

impl Server {
    /// [`send_raw`] to this server.
    pub fn send_raw(&self, raw: &[u8]) -> Response {
        send_raw(self.base_url(), raw)
    }
}

/// A raw `METHOD path` request with `Host`, `Connection: close`, the given header lines (name
/// and value as bytes) and an optional body (with `Content-Length`).
pub fn raw_request(
    method: &str,
    path: &str,
    headers: &[(&str, &[u8])],
    body: Option<&[u8]>,
) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n")
        .into_bytes();
    for (k, v) in headers {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v);
        out.extend_from_slice(b"\r\n");
    }
    if let Some(b) = body {
        out.extend_from_slice(format!("Content-Length: {}\r\n", b.len()).as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    if let Some(b) = body {
        out.extend_from_slice(b);
    }
    out
}

/// A [`Response`] (status 200, empty body) whose headers are the given `Set-Cookie` values,
/// in order: for [`set_cookie_summary`] of headers that did not come over HTTP (a cookie
/// helper's output).
pub fn set_cookie_response<I, S>(lines: I) -> Response
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    Response {
        status: 200,
        headers: lines
            .into_iter()
            .map(|l| ("Set-Cookie".to_owned(), l.into()))
            .collect(),
        body: Vec::new(),
    }
}

/// Runs `python tests/python/cookie_tool.py --batch` with the settings `env` (inherited
/// settings removed) in a temporary directory, giving it `calls` (one argument list per helper
/// call) on stdin; returns one entry per call: the JSON list of `Set-Cookie` values, or the
/// `{"error": .., "message": ..}` object of a helper that raised.
///
/// # Panics
/// When the tool fails or prints something other than a JSON list of `calls.len()` entries.
pub fn cookie_tool_batch(env: &[(&str, &str)], calls: &[Vec<String>]) -> Vec<Value> {
    let dir = TempDir::new();
    let script = workspace_root()
        .join("tests")
        .join("python")
        .join("cookie_tool.py");
    let mut child = sanitised_command(python(), dir.path(), env)
        .arg(&script)
        .arg("--batch")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run cookie_tool.py: {e}"));
    let input = serde_json::to_vec(calls).unwrap_or_default();
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(&input)
            .unwrap_or_else(|e| panic!("cannot write to cookie_tool.py: {e}"));
    }
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("cookie_tool.py did not finish: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let failed = |why: &str| -> ! {
        panic!(
            "cookie_tool.py --batch {why} ({}).\nsettings: {env:?}\nstdout:\n{stdout}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    };
    if !out.status.success() {
        failed("failed");
    }
    match serde_json::from_str::<Value>(stdout.trim()) {
        Ok(Value::Array(items)) if items.len() == calls.len() => items,
        _ => failed(&format!(
            "did not print a JSON list of {} entries",
            calls.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_round_trip() {
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        let t = parse_http_date("Wed, 24 Nov 2027 10:59:21 GMT").unwrap();
        assert_eq!(format_http_date(t), "Wed, 24 Nov 2027 10:59:21 GMT");
        assert_eq!(parse_http_date("Wed, 24-Nov-2027 10:59:21 GMT"), Some(t));
        assert_eq!(parse_http_date("yesterday"), None);
        for t in [951_782_400, 1_709_164_800, 4_102_444_799] {
            assert_eq!(parse_http_date(&format_http_date(t)), Some(t));
        }
    }

    #[test]
    fn set_cookie_lines_parse() {
        let c = SetCookie::parse(
            "at=v=1; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure; HttpOnly; Path=/",
        )
        .unwrap();
        assert_eq!((c.name.as_str(), c.value.as_str()), ("at", "v=1"));
        assert_eq!(c.attribute("domain"), Some(Some("example.com")));
        assert_eq!(c.attribute("httponly"), Some(None));
        assert!(c.is_removal());
        assert!(!c.has("SameSite"));
    }
}
