//! A JSON object kept as its text plus an index of its members, so that verification reads the
//! few claims it needs without building a `serde_json::Map` (one allocation per object instead
//! of one per member). The full map is built only when someone asks for it.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{self, Deserializer as _, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// Where a member's name is: in the text (no escapes), or unescaped apart.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Key {
    At(Range<usize>),
    Owned(Box<str>),
}

/// A parsed JSON object: its text and, for each member, the name and the raw value's span.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct JsonObject {
    text: String,
    fields: Vec<(Key, Range<usize>)>,
}

/// Why a text is not a JSON object.
#[derive(Debug)]
pub(crate) enum ObjectError {
    /// Valid JSON, but not an object.
    NotObject,
    /// Not JSON at all (the reason, without the input).
    Syntax(String),
}

struct KeyRef<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for KeyRef<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyRef<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(KeyRef(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyRef(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(KeyRef(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

struct Members<'de> {
    base: &'de str,
}

impl<'de> Visitor<'de> for Members<'de> {
    type Value = Vec<(Key, Range<usize>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let start = self.base.as_ptr() as usize;
        let span = |s: &str| {
            let at = s.as_ptr() as usize - start;
            at..at + s.len()
        };
        let mut out = Vec::with_capacity(12);
        while let Some(KeyRef(key)) = map.next_key::<KeyRef<'de>>()? {
            let value: &'de RawValue = map.next_value()?;
            fits_value(value.get()).map_err(de::Error::custom)?;
            let key = match key {
                Cow::Borrowed(k) => Key::At(span(k)),
                Cow::Owned(k) => Key::Owned(k.into_boxed_str()),
            };
            out.push((key, span(value.get())));
        }
        Ok(out)
    }
}

impl JsonObject {
    /// Parses `bytes` as a JSON object.
    pub(crate) fn parse(bytes: Vec<u8>) -> Result<Self, ObjectError> {
        let text = String::from_utf8(bytes).map_err(|e| {
            ObjectError::Syntax(format!(
                "invalid UTF-8 at byte {}",
                e.utf8_error().valid_up_to()
            ))
        })?;
        let fields = {
            let mut de = serde_json::Deserializer::from_str(&text);
            let parsed = de
                .deserialize_map(Members { base: &text })
                .and_then(|f| de.end().map(|()| f));
            match parsed {
                Ok(fields) => fields,
                Err(e) => {
                    let object = text.trim_start().starts_with('{');
                    return Err(match serde_json::from_str::<de::IgnoredAny>(&text) {
                        Ok(_) if !object => ObjectError::NotObject,
                        _ => ObjectError::Syntax(reason(&e)),
                    });
                }
            }
        };
        Ok(Self { text, fields })
    }

    /// The raw JSON text of member `name` (the last one, when a name repeats, as Python's
    /// `json.loads` keeps the last).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().rev().find_map(|(key, value)| {
            let matches = match key {
                Key::At(r) => &self.text[r.clone()] == name,
                Key::Owned(k) => &**k == name,
            };
            matches.then(|| &self.text[value.clone()])
        })
    }

    /// `true` when member `name` exists.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Member `name` when it is a JSON string.
    pub(crate) fn str(&self, name: &str) -> Option<Cow<'_, str>> {
        json_str(self.get(name)?)
    }

    /// Member `name` as a `Value`.
    pub(crate) fn value(&self, name: &str) -> Option<Value> {
        serde_json::from_str(self.get(name)?).ok()
    }

    /// Member `name` as a number (JSON numbers only).
    pub(crate) fn number(&self, name: &str) -> Option<f64> {
        let raw = self.get(name)?;
        raw.starts_with(|c: char| c == '-' || c.is_ascii_digit())
            .then(|| raw.parse::<f64>().ok())
            .flatten()
    }

    /// The whole object as a map.
    pub(crate) fn to_map(&self) -> Map<String, Value> {
        serde_json::from_str(&self.text).unwrap_or_default()
    }
}

/// Whether a raw JSON value converts to a `serde_json::Value` the way a full parse would: its
/// numbers fit in 64 bits (a number with an exponent or 300 digits may not, so only then is it
/// parsed to find out) and it nests at most [`MAX_DEPTH`] levels (serde_json's own limit,
/// which skipping a raw value does not apply).
fn fits_value(raw: &str) -> Result<(), &'static str> {
    match raw.as_bytes().first() {
        Some(b'"' | b't' | b'f' | b'n') => Ok(()),
        Some(b'-' | b'0'..=b'9') => raw
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(|_| ())
            .ok_or("number out of range"),
        _ => match scan_nested(raw) {
            Nested::Plain => Ok(()),
            Nested::TooDeep => Err("recursion limit exceeded"),
            Nested::MayOverflow => serde_json::from_str::<Value>(raw)
                .map(|_| ())
                .map_err(|_| "number out of range"),
        },
    }
}

/// The nesting serde_json accepts inside a member of an object (it refuses a document whose
/// nesting reaches 128 levels, the object itself being the first).
const MAX_DEPTH: usize = 126;

enum Nested {
    Plain,
    TooDeep,
    MayOverflow,
}

/// Scans an array or object outside its strings: nesting depth, and numbers with an exponent
/// or a very long digit run.
fn scan_nested(raw: &str) -> Nested {
    let (mut in_string, mut escaped, mut digits, mut depth) = (false, false, 0usize, 0usize);
    let mut may_overflow = false;
    for &b in raw.as_bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                digits = 0;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Nested::TooDeep;
                }
                digits = 0;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                digits = 0;
            }
            b'e' | b'E' if digits > 0 => may_overflow = true,
            b'0'..=b'9' => {
                digits += 1;
                may_overflow |= digits >= 300;
            }
            b'.' => {}
            _ => digits = 0,
        }
    }
    if may_overflow {
        Nested::MayOverflow
    } else {
        Nested::Plain
    }
}

/// The string a raw JSON value holds, borrowed when it has no escapes.
pub(crate) fn json_str(raw: &str) -> Option<Cow<'_, str>> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
    } else {
        Some(Cow::Borrowed(inner))
    }
}

/// A short reason for a JSON syntax error, without echoing the input.
pub(crate) fn reason(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Eof => "unexpected end of data",
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "invalid data",
        serde_json::error::Category::Io => "unreadable",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(text: &str) -> Result<JsonObject, ObjectError> {
        JsonObject::parse(text.as_bytes().to_vec())
    }

    #[test]
    fn indexes_members_without_building_a_map() {
        let o = obj(r#" {"sub":"alice","n":12.5,"x":{"a":[1]},"e\u0073c":"a\"b","sub":"bob"} "#)
            .unwrap();
        assert_eq!(o.get("sub"), Some("\"bob\""), "the last duplicate wins");
        assert_eq!(o.str("sub").as_deref(), Some("bob"));
        assert_eq!(o.number("n"), Some(12.5));
        assert_eq!(o.get("x"), Some(r#"{"a":[1]}"#));
        assert_eq!(
            o.str("esc").as_deref(),
            Some("a\"b"),
            "escaped names and values"
        );
        assert!(o.get("missing").is_none());
        assert_eq!(o.to_map().len(), 4);
    }

    #[test]
    fn not_objects_and_syntax_errors() {
        assert!(matches!(obj("[1]"), Err(ObjectError::NotObject)));
        assert!(matches!(obj("\"x\""), Err(ObjectError::NotObject)));
        assert!(matches!(obj("{bad"), Err(ObjectError::Syntax(_))));
        assert!(matches!(obj(r#"{"a":1} x"#), Err(ObjectError::Syntax(_))));
        assert!(matches!(
            JsonObject::parse(vec![b'{', 0xff, b'}']),
            Err(ObjectError::Syntax(_))
        ));
        assert!(obj("{}").unwrap().get("a").is_none());
    }

    #[test]
    fn numbers_beyond_f64_are_refused_like_before() {
        assert!(matches!(
            obj(r#"{"exp":1e400}"#),
            Err(ObjectError::Syntax(_))
        ));
        assert!(matches!(
            obj(r#"{"x":[1,{"y":-2E999}]}"#),
            Err(ObjectError::Syntax(_))
        ));
        assert!(obj(r#"{"x":[1.5e3,"1e999"],"id":"d3c6f69b-621e-4aa4"}"#).is_ok());
        assert!(obj(r#"{"big":12345678901234567890123}"#).is_ok());
    }

    #[test]
    fn deep_nesting_is_refused_like_a_full_parse() {
        let deep = format!("{{\"d\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(matches!(obj(&deep), Err(ObjectError::Syntax(_))));
        let ok = format!("{{\"d\":{}{}}}", "[".repeat(100), "]".repeat(100));
        let o = obj(&ok).unwrap();
        assert_eq!(
            o.to_map().len(),
            1,
            "what the index accepts, the full parse accepts"
        );
        let limit = format!("{{\"d\":{}{}}}", "[".repeat(127), "]".repeat(127));
        assert_eq!(
            obj(&limit).is_ok(),
            serde_json::from_str::<Value>(&limit).is_ok()
        );
        let over = format!("{{\"d\":{}{}}}", "[".repeat(128), "]".repeat(128));
        assert_eq!(
            obj(&over).is_ok(),
            serde_json::from_str::<Value>(&over).is_ok()
        );
    }

    #[test]
    fn numbers_are_json_numbers_only() {
        let o = obj(r#"{"a":"12","b":true,"c":-3,"d":1e3}"#).unwrap();
        assert_eq!(o.number("a"), None);
        assert_eq!(o.number("b"), None);
        assert_eq!(o.number("c"), Some(-3.0));
        assert_eq!(o.number("d"), Some(1000.0));
    }
}
