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
