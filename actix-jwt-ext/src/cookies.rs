//! Token cookies: `set_access_cookies`, `set_refresh_cookies`, `unset_*_cookies`, with the
//! attributes flask-jwt-extended gives them.
//!
//! | cookie | default name | HttpOnly | path setting |
//! |---|---|---|---|
//! | access JWT | `access_token_cookie` | yes | `JWT_ACCESS_COOKIE_PATH` |
//! | access CSRF | `csrf_access_token` | no (page scripts read it) | `JWT_ACCESS_CSRF_COOKIE_PATH` |
//! | refresh JWT | `refresh_token_cookie` | yes | `JWT_REFRESH_COOKIE_PATH` |
//! | refresh CSRF | `csrf_refresh_token` | no | `JWT_REFRESH_CSRF_COOKIE_PATH` |
//!
//! All four take `Secure` from `JWT_COOKIE_SECURE`, `SameSite` from `JWT_COOKIE_SAMESITE`
//! (omitted when unset), `Domain` from the `domain` option or `JWT_COOKIE_DOMAIN` (a leading
//! dot is dropped), and are session cookies unless `JWT_SESSION_COOKIE` is off (then
//! `Max-Age=31540000` and `Expires`) or a `max_age` is given (`0` counts as not given). The CSRF
//! cookies are written only while `JWT_COOKIE_CSRF_PROTECT` and `JWT_CSRF_IN_COOKIES` are on.
//! Unsetting sends an empty value with `Expires=Thu, 01 Jan 1970 00:00:00 GMT`, no `Max-Age`,
//! and the same path, domain, `Secure` and `SameSite`.
//!
//! ```
//! # actix_web::rt::System::new().block_on(async {
//! use actix_web::HttpResponse;
//! use actix_jwt_ext::{JwtConfig, JwtCookiesExt, JwtManager};
//!
//! let jwt = JwtManager::new(JwtConfig::builder().secret_key("s3cr3t").build()?)?;
//! let access = jwt.access_token("alice").encode().await?;
//! let refresh = jwt.refresh_token("alice").encode().await?;
//! let cookies = jwt.set_access_cookies(&access).await?.and(jwt.set_refresh_cookies(&refresh).await?);
//! let resp = HttpResponse::Ok().jwt_cookies(cookies).finish();
//! let set: Vec<String> = resp.cookies().map(|c| c.to_string()).collect();
//! assert_eq!(set.len(), 4);
//! assert!(set[0].starts_with("access_token_cookie=ey") && set[0].ends_with("; HttpOnly; Path=/"));
//! assert!(set[1].starts_with("csrf_access_token=") && set[1].ends_with("; Path=/"));
//!
//! let resp = HttpResponse::Ok().jwt_cookies(jwt.unset_jwt_cookies()).finish();
//! let first = resp.cookies().next().unwrap().to_string();
//! assert_eq!(first, "access_token_cookie=; HttpOnly; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::time::Duration;

use actix_web::cookie::time::OffsetDateTime;
use actix_web::cookie::Cookie;
use actix_web::{HttpResponse, HttpResponseBuilder};

use crate::config::JwtConfig;
use crate::error::JwtError;
use crate::manager::JwtManager;

/// `Max-Age` of non-session cookies (`JWT_SESSION_COOKIE=False`): about a year, as
/// flask-jwt-extended hard-codes it.
pub const NON_SESSION_MAX_AGE: Duration = Duration::from_secs(31_540_000);

/// Cookies to add to a response. They act only once added: with
/// [`JwtCookiesExt::jwt_cookies`] on a response builder, or [`JwtCookies::add_to`].
#[derive(Clone, Debug, Default)]
#[must_use = "cookies only take effect when added to a response"]
pub struct JwtCookies(Vec<Cookie<'static>>);

impl JwtCookies {
    /// These cookies followed by `other`'s.
    pub fn and(mut self, other: JwtCookies) -> Self {
        self.0.extend(other.0);
        self
    }

    /// `max_age=` of `set_access_cookies` / `set_refresh_cookies`: `Max-Age` and `Expires`
    /// for the cookies that set a token, overriding `JWT_SESSION_COOKIE`. A zero duration
    /// counts as not given, as in flask-jwt-extended; cookies that unset a token keep their
    /// `Expires` in 1970 and get no `Max-Age`.
    ///
    /// ```
    /// # actix_web::rt::System::new().block_on(async {
    /// use std::time::Duration;
    /// use actix_jwt_ext::{JwtConfig, JwtManager};
    ///
    /// let jwt = JwtManager::new(JwtConfig::builder().secret_key("s3cr3t").build()?)?;
    /// let token = jwt.access_token("alice").encode().await?;
    /// let cookies = jwt
    ///     .set_access_cookies(&token)
    ///     .await?
    ///     .max_age(Duration::from_secs(60))
    ///     .domain("example.com");
    /// let first = cookies.iter().next().unwrap().to_string();
    /// assert!(first.contains("; Domain=example.com; Max-Age=60; Expires="));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub fn max_age(mut self, max_age: Duration) -> Self {
        if max_age.is_zero() {
            return self;
        }
        for cookie in self.0.iter_mut().filter(|c| !is_removal(c)) {
            set_lifetime(cookie, max_age);
        }
        self
    }

    /// `domain=` of the cookie helpers: the `Domain` attribute of every cookie, overriding
    /// `JWT_COOKIE_DOMAIN` (written as `JWT_COOKIE_DOMAIN` is: no port, no leading dot,
    /// IDNA-encoded). An empty domain counts as not given.
    pub fn domain(mut self, domain: &str) -> Self {
        if domain.is_empty() {
            return self;
        }
        let domain = cookie_domain(domain);
        for cookie in &mut self.0 {
            cookie.set_domain(domain.clone());
        }
        self
    }

    /// The cookies, in the order they will be set.
    pub fn iter(&self) -> impl Iterator<Item = &Cookie<'static>> {
        self.0.iter()
    }

    /// The cookies.
    pub fn into_vec(self) -> Vec<Cookie<'static>> {
        self.0
    }

    /// Adds the cookies to a finished response.
    pub fn add_to(self, response: &mut HttpResponse) -> Result<(), actix_web::http::Error> {
        for cookie in self.0 {
            response.add_cookie(&cookie)?;
        }
        Ok(())
    }
}

/// Adds [`JwtCookies`] to an [`HttpResponseBuilder`].
pub trait JwtCookiesExt {
    /// Appends a `Set-Cookie` header per cookie.
    fn jwt_cookies(&mut self, cookies: JwtCookies) -> &mut Self;
}

impl JwtCookiesExt for HttpResponseBuilder {
    fn jwt_cookies(&mut self, cookies: JwtCookies) -> &mut Self {
        for cookie in cookies.0 {
            self.cookie(cookie);
        }
        self
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Access,
    Refresh,
}

struct Names<'a> {
    jwt: &'a str,
    jwt_path: &'a str,
    csrf: &'a str,
    csrf_path: &'a str,
}

impl Kind {
    fn names(self, c: &JwtConfig) -> Names<'_> {
        match self {
            Kind::Access => Names {
                jwt: &c.access_cookie_name,
                jwt_path: &c.access_cookie_path,
                csrf: &c.access_csrf_cookie_name,
                csrf_path: &c.access_csrf_cookie_path,
            },
            Kind::Refresh => Names {
                jwt: &c.refresh_cookie_name,
                jwt_path: &c.refresh_cookie_path,
                csrf: &c.refresh_csrf_cookie_name,
                csrf_path: &c.refresh_csrf_cookie_path,
            },
        }
    }
}

fn base(
    config: &JwtConfig,
    name: &str,
    value: String,
    path: &str,
    http_only: bool,
) -> Cookie<'static> {
    let mut cookie = Cookie::build(name.to_owned(), value)
        .path(path.to_owned())
        .http_only(http_only)
        .secure(config.cookie_secure);
    if let Some(same_site) = config.cookie_samesite {
        cookie = cookie.same_site(same_site);
    }
    if let Some(domain) = config.cookie_domain.as_deref() {
        cookie = cookie.domain(cookie_domain(domain));
    }
    cookie.finish()
}

/// The `Domain` attribute as Werkzeug writes it: no port, no leading dots, non-ASCII labels
/// IDNA-encoded (`Bücher.example` → `xn--bcher-kva.example`).
fn cookie_domain(domain: &str) -> String {
    let host = domain
        .split(':')
        .next()
        .unwrap_or_default()
        .trim_start_matches('.');
    host.split('.')
        .map(|label| {
            if label.is_ascii() {
                label.to_owned()
            } else {
                idna::domain_to_ascii(label).unwrap_or_else(|_| label.to_owned())
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// `Max-Age` and the matching `Expires`.
fn set_lifetime(cookie: &mut Cookie<'static>, max_age: Duration) {
    let secs = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX / 2);
    let age = actix_web::cookie::time::Duration::seconds(secs);
    cookie.set_max_age(age);
    cookie.set_expires(OffsetDateTime::now_utc().saturating_add(age));
}

/// A cookie that unsets a token (`Expires` in 1970).
fn is_removal(cookie: &Cookie<'_>) -> bool {
    cookie.expires_datetime() == Some(OffsetDateTime::UNIX_EPOCH)
}

impl JwtManager {
    async fn set_cookies(&self, kind: Kind, token: &str) -> Result<JwtCookies, JwtError> {
        let c = self.config();
        let names = kind.names(c);
        let max_age = (!c.session_cookie).then_some(NON_SESSION_MAX_AGE);
        let mut cookies = vec![base(c, names.jwt, token.to_owned(), names.jwt_path, true)];
        if c.cookie_csrf_protect && c.csrf_in_cookies {
            let csrf = self.get_csrf_token(token).await?;
            cookies.push(base(c, names.csrf, csrf, names.csrf_path, false));
        }
        if let Some(age) = max_age {
            cookies
                .iter_mut()
                .for_each(|cookie| set_lifetime(cookie, age));
        }
        Ok(JwtCookies(cookies))
    }

    fn unset_cookies(&self, kind: Kind) -> JwtCookies {
        let c = self.config();
        let names = kind.names(c);
        let mut cookies = vec![base(c, names.jwt, String::new(), names.jwt_path, true)];
        if c.cookie_csrf_protect && c.csrf_in_cookies {
            cookies.push(base(c, names.csrf, String::new(), names.csrf_path, false));
        }
        for cookie in &mut cookies {
            cookie.set_expires(OffsetDateTime::UNIX_EPOCH);
        }
        JwtCookies(cookies)
    }

    /// `set_access_cookies(response, token)`: the access JWT cookie and its CSRF cookie.
    /// Verifies the token fully (its `csrf` claim is read), as flask-jwt-extended does.
    /// `max_age=` and `domain=` are [`JwtCookies::max_age`] and [`JwtCookies::domain`].
    pub async fn set_access_cookies(&self, token: &str) -> Result<JwtCookies, JwtError> {
        self.set_cookies(Kind::Access, token).await
    }

    /// `set_refresh_cookies(response, token)`: the refresh JWT cookie and its CSRF cookie.
    pub async fn set_refresh_cookies(&self, token: &str) -> Result<JwtCookies, JwtError> {
        self.set_cookies(Kind::Refresh, token).await
    }

    /// `unset_access_cookies(response)`. `domain=` is [`JwtCookies::domain`].
    pub fn unset_access_cookies(&self) -> JwtCookies {
        self.unset_cookies(Kind::Access)
    }

    /// `unset_refresh_cookies(response)`.
    pub fn unset_refresh_cookies(&self) -> JwtCookies {
        self.unset_cookies(Kind::Refresh)
    }

    /// `unset_jwt_cookies(response)`: the access and refresh cookies.
    pub fn unset_jwt_cookies(&self) -> JwtCookies {
        self.unset_access_cookies()
            .and(self.unset_refresh_cookies())
    }
}

#[cfg(test)]
mod tests {
    use actix_web::cookie::SameSite;

    use super::*;

    fn block<F: std::future::IntoFuture>(f: F) -> F::Output {
        actix_web::rt::System::new().block_on(f.into_future())
    }

    fn manager(f: impl FnOnce(crate::JwtConfigBuilder) -> crate::JwtConfigBuilder) -> JwtManager {
        JwtManager::new(
            f(JwtConfig::builder().secret_key("s3cr3t"))
                .build()
                .unwrap(),
        )
        .unwrap()
    }

    fn strings(cookies: &JwtCookies) -> Vec<String> {
        cookies.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn custom_attributes_as_section_6_2() {
        let jwt = manager(|b| {
            b.cookie_secure(true)
                .cookie_samesite(Some(SameSite::Strict))
                .cookie_domain(".example.com")
                .session_cookie(false)
                .access_cookie_path("/api/")
                .refresh_cookie_path("/token/refresh")
        });
        let token = block(jwt.access_token("a").encode()).unwrap();
        let set = strings(&block(jwt.set_access_cookies(&token)).unwrap());
        assert!(set[0].contains("; HttpOnly; SameSite=Strict; Secure; Path=/api/; Domain=example.com; Max-Age=31540000; Expires="), "{}", set[0]);
        assert!(
            set[1].contains(
                "; SameSite=Strict; Secure; Path=/; Domain=example.com; Max-Age=31540000; Expires="
            ),
            "{}",
            set[1]
        );
        assert!(!set[1].contains("HttpOnly"));
        let unset = strings(&jwt.unset_jwt_cookies());
        assert_eq!(unset.len(), 4);
        assert_eq!(
            unset[2],
            "refresh_token_cookie=; HttpOnly; SameSite=Strict; Secure; Path=/token/refresh; Domain=example.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        );
    }

    #[test]
    fn overrides_and_csrf_switches() {
        let jwt = manager(|b| b);
        let token = block(jwt.refresh_token("a").encode()).unwrap();
        let set = block(jwt.set_refresh_cookies(&token))
            .unwrap()
            .max_age(Duration::from_secs(3600))
            .domain("override.com");
        let set = strings(&set);
        assert!(
            set[0].contains("Domain=override.com; Max-Age=3600; Expires="),
            "{}",
            set[0]
        );
        let unset = strings(
            &jwt.unset_refresh_cookies()
                .max_age(Duration::from_secs(3600))
                .domain("override.com"),
        );
        assert_eq!(
            unset[0],
            "refresh_token_cookie=; HttpOnly; Path=/; Domain=override.com; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
            "unsetting ignores max_age"
        );
        let set = block(jwt.set_refresh_cookies(&token))
            .unwrap()
            .max_age(Duration::ZERO)
            .domain("");
        let set = strings(&set);
        assert!(
            set[0].ends_with("; HttpOnly; Path=/"),
            "max_age=0 means a session cookie: {}",
            set[0]
        );

        let samesite_none = manager(|b| b.cookie_samesite(Some(SameSite::None)));
        let set = strings(
            &block(
                samesite_none
                    .set_access_cookies(&block(samesite_none.access_token("a").encode()).unwrap()),
            )
            .unwrap(),
        );
        assert!(
            set[0].ends_with("; HttpOnly; SameSite=None; Path=/"),
            "no implicit Secure: {}",
            set[0]
        );

        for off in [
            manager(|b| b.csrf_in_cookies(false)),
            manager(|b| b.cookie_csrf_protect(false)),
        ] {
            let token = block(off.access_token("a").encode()).unwrap();
            assert_eq!(
                block(off.set_access_cookies(&token))
                    .unwrap()
                    .iter()
                    .count(),
                1
            );
            assert_eq!(off.unset_jwt_cookies().iter().count(), 2);
        }
    }

    #[test]
    fn domains_are_written_like_werkzeug() {
        assert_eq!(cookie_domain(".example.com"), "example.com");
        assert_eq!(cookie_domain("override.com:8080"), "override.com");
        assert_eq!(cookie_domain("Bücher.Example"), "xn--bcher-kva.Example");
        assert_eq!(cookie_domain("..Override.COM"), "Override.COM");
    }

    #[test]
    fn setting_cookies_verifies_the_token() {
        let jwt = manager(|b| b);
        assert!(block(jwt.set_access_cookies("not.a.token")).is_err());
    }
}
