//! The demo users of the contract: `test`/`test` and `admin`/`admin`.

use serde::Serialize;

/// A user as `/me` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct User {
    /// The login name (the token's identity).
    pub(crate) username: String,
    /// The roles, also put in every token as the `roles` claim.
    pub(crate) roles: Vec<String>,
}

const USERS: &[(&str, &str, &[&str])] = &[
    ("test", "test", &["user"]),
    ("admin", "admin", &["admin", "user"]),
];

/// The user called `username`.
pub(crate) fn find(username: &str) -> Option<User> {
    USERS
        .iter()
        .find(|(name, _, _)| *name == username)
        .map(|(name, _, roles)| User {
            username: (*name).to_owned(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
        })
}

/// The user whose password matches (constant-time comparison is not needed for a demo).
pub(crate) fn authenticate(username: &str, password: &str) -> Option<User> {
    USERS
        .iter()
        .any(|(name, pass, _)| *name == username && *pass == password)
        .then(|| find(username))
        .flatten()
}

/// The scopes each user may ask for at login (`"scope"` in the body of `POST /login` and
/// `POST /login/cookies`).
const SCOPES: &[(&str, &[&str])] = &[
    ("test", &["reports:read"]),
    ("admin", &["reports:read", "reports:write"]),
];

/// Why a requested scope is refused (400 `Invalid scope`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InvalidScope;

/// The `scope` claim granted to `username` for `requested` (the login body's `"scope"`): the
/// requested scopes, duplicates removed keeping the first, space-separated.
///
/// `requested` must follow RFC 6749, section 3.3 (`scope-token *( SP scope-token )`: no
/// empty string, no leading, trailing or double space), and the user must hold every scope
/// (which also rules out unknown scopes and characters outside the grammar).
pub(crate) fn grant_scope(username: &str, requested: &str) -> Result<String, InvalidScope> {
    let held = SCOPES
        .iter()
        .find(|(name, _)| *name == username)
        .map(|(_, scopes)| *scopes)
        .unwrap_or_default();
    let mut granted: Vec<&str> = Vec::new();
    // `split(' ')` yields an empty token for "", a leading/trailing space and "a  b".
    for token in requested.split(' ') {
        if !held.contains(&token) {
            return Err(InvalidScope);
        }
        if !granted.contains(&token) {
            granted.push(token);
        }
    }
    Ok(granted.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_follow_the_grammar_and_the_table() {
        assert_eq!(
            grant_scope("test", "reports:read"),
            Ok("reports:read".into())
        );
        assert_eq!(
            grant_scope("admin", "reports:write reports:read reports:write"),
            Ok("reports:write reports:read".into())
        );
        for bad in [
            "",
            " ",
            "reports:read ",
            " reports:read",
            "reports:read  reports:read",
            "reports:read\treports:read",
            "reports:write",
            "unknown",
        ] {
            assert_eq!(grant_scope("test", bad), Err(InvalidScope), "{bad:?}");
        }
        assert_eq!(grant_scope("nobody", "reports:read"), Err(InvalidScope));
    }
}
