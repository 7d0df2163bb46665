//! The `query_string` location: `?JWT_QUERY_STRING_NAME=JWT_QUERY_STRING_VALUE_PREFIX<JWT>`.

use std::borrow::Cow;

use super::Lookup;
use crate::config::JwtConfig;
use crate::error::JwtError;
use crate::kind::Failure;

pub(super) fn lookup<'a>(query: &'a str, config: &'a JwtConfig) -> Result<Lookup<'a>, JwtError> {
    let name = config.query_string_name.as_str();
    let value = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v);
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        // "paramater" is flask-jwt-extended's spelling, kept on purpose.
        return Ok(Lookup::Missing(
            format!("Missing '{name}' query paramater").into(),
        ));
    };
    let prefix = config.query_string_value_prefix.as_str();
    let Some(token) = value.strip_prefix(prefix) else {
        return Err(Failure::bad_query_prefix(name, prefix).into());
    };
    Ok(Lookup::Found {
        token: Cow::Owned(token.to_owned()),
        csrf: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(query: &str, prefix: &str) -> Result<Result<String, String>, String> {
        let config = JwtConfig {
            query_string_value_prefix: prefix.into(),
            ..JwtConfig::default()
        };
        match lookup(query, &config) {
            Ok(Lookup::Found { token, .. }) => Ok(Ok(token.into_owned())),
            Ok(Lookup::Missing(m)) => Ok(Err(m.into_owned())),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn reference_rows_q1_q2() {
        assert_eq!(run("", ""), Ok(Err("Missing 'jwt' query paramater".into())));
        assert_eq!(
            run("jwt=", ""),
            Ok(Err("Missing 'jwt' query paramater".into()))
        );
        assert_eq!(run("a=1&jwt=tok&jwt=other", ""), Ok(Ok("tok".into())));
        assert_eq!(run("jwt=Bearer%20tok", "Bearer "), Ok(Ok("tok".into())));
        assert_eq!(run("jwt=Bearer+tok", "Bearer "), Ok(Ok("tok".into())));
        assert_eq!(
            run("jwt=tok", "Bearer "),
            Err("Invalid value for query parameter 'jwt'. Expected the value to start with 'Bearer '".into())
        );
    }
}
