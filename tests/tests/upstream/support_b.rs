//! Helpers of the ports of `test_cookies.py`, `test_view_decorators.py`,
//! `test_multiple_token_locations.py` and `test_options_method.py`: a small stand-in for
//! Flask's `app.test_client()` (it keeps the cookies a response sets and sends them back, as
//! Werkzeug's test client does), the `_get_cookie_from_response` helper of upstream
//! `test_cookies.py`, and `make_headers` of upstream `tests/utils.py`.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_test::TestServer;
use actix_web::http::Method;
use serde_json::Value;

/// One answer of the app: what the upstream tests look at.
#[derive(Debug)]
pub(crate) struct Answer {
    /// `response.status_code`.
    pub(crate) status: u16,
    /// `response.headers.getlist("Set-Cookie")`, in order.
    pub(crate) set_cookies: Vec<String>,
    /// `response.data`.
    pub(crate) body: Vec<u8>,
}

impl Answer {
    /// `response.get_json()`; panics (failing the test) when the body is not JSON.
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {}: body is not JSON ({e}): {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts `response.status_code == status` and `response.get_json() == json`.
    #[track_caller]
    pub(crate) fn expect(&self, status: u16, json: Value) {
        let body = String::from_utf8_lossy(&self.body);
        assert_eq!(self.status, status, "status; body {body:?}");
        assert_eq!(self.json(), json, "body {body:?}");
    }
}

/// The request body: none, `json=...`, or `data={...}` (a URL-encoded form).
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// No body.
    None,
    /// `json=value`.
    Json(Value),
    /// `data={name: value}`.
    Form(Vec<(String, String)>),
}

#[derive(Debug, Clone)]
struct StoredCookie {
    name: String,
    value: String,
    domain: Option<String>,
    path: String,
}

/// Flask's `app.test_client()` over real HTTP: a cookie jar in front of a [`TestServer`].
pub(crate) struct Client<'a> {
    srv: &'a TestServer,
    jar: Vec<StoredCookie>,
}

impl<'a> Client<'a> {
    /// A client with an empty jar.
    pub(crate) fn new(srv: &'a TestServer) -> Self {
        Self {
            srv,
            jar: Vec::new(),
        }
    }

    /// `test_client.get(path)`.
    pub(crate) async fn get(&mut self, path: &str) -> Answer {
        self.send(Method::GET, path, &[], Body::None).await
    }

    /// `test_client.get(path, headers=headers)`.
    pub(crate) async fn get_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.send(Method::GET, path, headers, Body::None).await
    }

    /// `test_client.post(path)`.
    pub(crate) async fn post(&mut self, path: &str) -> Answer {
        self.send(Method::POST, path, &[], Body::None).await
    }

    /// `test_client.post(path, headers=headers)`.
    pub(crate) async fn post_with(&mut self, path: &str, headers: &[(&str, &str)]) -> Answer {
        self.send(Method::POST, path, headers, Body::None).await
    }

    /// Sends a request with the jar's cookies for this path, then stores the cookies the
    /// answer sets and drops those it expires.
    pub(crate) async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Body,
    ) -> Answer {
        let mut req = self.srv.request(method, self.srv.url(path));
        for (name, value) in headers {
            req = req.append_header((*name, *value));
        }
        let request_path = path.split('?').next().unwrap_or(path);
        let cookies: Vec<String> = self
            .jar
            .iter()
            .filter(|c| c.domain.is_none() && request_path.starts_with(&c.path))
            .map(|c| format!("{}={}", c.name, c.value))
            .collect();
        if !cookies.is_empty() {
            req = req.insert_header(("Cookie", cookies.join("; ")));
        }
        let sent = match body {
            Body::None => req.send().await,
            Body::Json(value) => {
                req.insert_header(("Content-Type", "application/json"))
                    .send_body(serde_json::to_vec(&value).expect("JSON body"))
                    .await
            }
            Body::Form(fields) => {
                let encoded: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
                    .collect();
                req.insert_header(("Content-Type", "application/x-www-form-urlencoded"))
                    .send_body(encoded.join("&"))
                    .await
            }
        };
        let mut resp = sent.unwrap_or_else(|e| panic!("{path}: request failed: {e}"));
        let set_cookies: Vec<String> = resp
            .headers()
            .get_all("set-cookie")
            .map(|v| v.to_str().expect("ASCII Set-Cookie").to_owned())
            .collect();
        let body = resp
            .body()
            .await
            .unwrap_or_else(|e| panic!("{path}: body unreadable: {e}"))
            .to_vec();
        for line in &set_cookies {
            self.store(line);
        }
        Answer {
            status: resp.status().as_u16(),
            set_cookies,
            body,
        }
    }

    /// Werkzeug's `_update_cookies_from_response`: replace the cookie of the same name, domain
    /// and path, or delete it when it has expired (`Max-Age=0` or an `Expires` in the past).
    fn store(&mut self, line: &str) {
        let mut parts = line.split(';');
        let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
            return;
        };
        let mut cookie = StoredCookie {
            name: name.trim().to_owned(),
            value: value.trim().to_owned(),
            domain: None,
            path: "/".to_owned(),
        };
        let mut expired = false;
        for attr in parts {
            let (k, v) = attr.split_once('=').unwrap_or((attr, ""));
            match k.trim().to_ascii_lowercase().as_str() {
                "domain" => cookie.domain = Some(v.trim().to_owned()),
                "path" => cookie.path = v.trim().to_owned(),
                "max-age" => expired |= v.trim().parse::<i64>().is_ok_and(|s| s <= 0),
                "expires" => expired |= parse_http_date(v.trim()).is_some_and(|t| t < now()),
                _ => {}
            }
        }
        self.jar.retain(|c| {
            !(c.name == cookie.name && c.domain == cookie.domain && c.path == cookie.path)
        });
        if !expired {
            self.jar.push(cookie);
        }
    }
}

/// Percent-encoding for form fields (everything but unreserved characters).
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Seconds since the epoch of an IMF-fixdate (`Thu, 01 Jan 1970 00:00:00 GMT`).
fn parse_http_date(text: &str) -> Option<i64> {
    let mut words = text.split_whitespace().skip(1);
    let day: i64 = words.next()?.parse().ok()?;
    let month_name = words.next()?;
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == month_name)? as i64
        + 1;
    let year: i64 = words.next()?.parse().ok()?;
    let mut hms = words.next()?.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

/// One attribute of a parsed `Set-Cookie` header: a value, or `True` for a bare flag.
pub(crate) type CookieAttrs = BTreeMap<String, Option<String>>;

/// Upstream `test_cookies.py::_get_cookie_from_response`, line for line: the first
/// `Set-Cookie` header whose first segment *contains* `cookie_name`, split on `;` and `=`,
/// keys stripped and lower-cased, values as found (`None` standing for Python's `True`).
pub(crate) fn get_cookie_from_response(
    response: &Answer,
    cookie_name: &str,
) -> Option<CookieAttrs> {
    for header in &response.set_cookies {
        let attributes: Vec<&str> = header.split(';').collect();
        if attributes[0].contains(cookie_name) {
            let mut cookie = CookieAttrs::new();
            for attr in attributes {
                let split: Vec<&str> = attr.split('=').collect();
                cookie.insert(
                    split[0].trim().to_lowercase(),
                    split.get(1).map(|v| (*v).to_owned()),
                );
            }
            return Some(cookie);
        }
    }
    None
}

/// `cookie[key]` of a [`get_cookie_from_response`] result, which must hold a value.
#[track_caller]
pub(crate) fn attr<'c>(cookie: &'c CookieAttrs, key: &str) -> &'c str {
    match cookie.get(key) {
        Some(Some(value)) => value,
        Some(None) => panic!("{key} is a bare flag in {cookie:?}"),
        None => panic!("no {key} in {cookie:?}"),
    }
}

/// `cookie[key] is True`: the attribute is a bare flag.
pub(crate) fn is_flag(cookie: &CookieAttrs, key: &str) -> bool {
    matches!(cookie.get(key), Some(None))
}

/// Upstream `tests/utils.py::make_headers`: the `Authorization` header value.
pub(crate) fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse() {
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            parse_http_date("Wed, 24 Nov 2027 10:59:21 GMT"),
            Some(1_827_053_961)
        );
    }
}
