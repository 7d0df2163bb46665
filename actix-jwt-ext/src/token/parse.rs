//! The one parse of a token's JSON: the header and the payload are each read once, by
//! serde_json, into an [`Object`] that every check, accessor, extractor and loader reads.
//!
//! A member's value is kept in one of two forms, both produced by that single parse:
//! a string without escapes stays a span of the text (no allocation), and everything else
//! (strings with escapes, numbers, booleans, null, arrays, objects) is the `serde_json::Value`
//! serde_json built for it. Every value goes through serde_json's own `deserialize_any`, so
//! whatever a full `serde_json::Value` parse refuses (a lone surrogate escape, nesting deeper
//! than its limit, a number out of range, invalid UTF-8) is refused here too, before any check:
//! there is no second reader that could disagree with the first. Member names are unescaped
//! the same way. A name that repeats keeps its last value, as Python's `json.loads` does.
//!
//! Objects are built by this module's visitor at every depth, never by `serde_json::Value`'s:
//! with serde_json's `raw_value` feature (which any crate of an application may enable: features are unified), that visitor reads an
//! object whose first name is `$serde_json::private::RawValue` as the JSON text of its value
//! (`{"$serde_json::private::RawValue":"[1]"}` becomes `[1]`, and a value that is not a string
//! is refused), where JSON and Python's `json.loads` see an object with that member. Here such
//! a member is a member like any other, at every depth.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use serde::de::{self, Deserializer as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::kind::{Failure, Part};

/// Where a member's name is: a span of the text (no escapes), or unescaped apart.
#[derive(Clone, Debug, PartialEq)]
enum Name {
    At(Range<usize>),
    Owned(Box<str>),
}

/// A member's value, as the parse left it.
#[derive(Clone, Debug, PartialEq)]
enum Slot {
    /// A string without escapes: its span (between the quotes) in the text.
    Str(Range<usize>),
    /// Any other value, built by serde_json.
    Value(Value),
}

/// One member's value, borrowed from an [`Object`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Member<'a> {
    /// A string.
    Str(&'a str),
    /// Anything but a string.
    Value(&'a Value),
}

impl<'a> Member<'a> {
    /// The string, for string members.
    pub(crate) fn as_str(self) -> Option<&'a str> {
        match self {
            Member::Str(s) => Some(s),
            Member::Value(Value::String(s)) => Some(s),
            Member::Value(_) => None,
        }
    }

    /// `true` for string members.
    pub(crate) fn is_string(self) -> bool {
        self.as_str().is_some()
    }

    /// The value as a `serde_json::Value` (borrowed unless it is a plain string).
    pub(crate) fn to_value(self) -> Cow<'a, Value> {
        match self {
            Member::Str(s) => Cow::Owned(Value::String(s.to_owned())),
            Member::Value(v) => Cow::Borrowed(v),
        }
    }

    /// The number, for JSON numbers.
    pub(crate) fn as_f64(self) -> Option<f64> {
        match self {
            Member::Value(Value::Number(n)) => n.as_f64(),
            _ => None,
        }
    }

    /// Deserialises the member into `T` from the parsed form (no text is parsed again).
    pub(crate) fn deserialize<T: de::DeserializeOwned>(self) -> Result<T, serde_json::Error> {
        match self {
            Member::Str(s) => {
                T::deserialize(de::value::BorrowedStrDeserializer::<serde_json::Error>::new(s))
            }
            Member::Value(v) => T::deserialize(v),
        }
    }
}

/// A JSON object parsed once: its text, and each member's name and value.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct Object {
    text: String,
    members: Vec<(Name, Slot)>,
}

impl Object {
    /// Parses `bytes` (the decoded header or payload) as a JSON object.
    pub(crate) fn parse(bytes: Vec<u8>, part: Part) -> Result<Self, Failure> {
        let text = String::from_utf8(bytes).map_err(|e| {
            Failure::bad_json(
                part,
                &format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
            )
        })?;
        let members = {
            let mut de = serde_json::Deserializer::from_str(&text);
            let parsed = de
                .deserialize_any(Members { base: &text })
                .and_then(|m| de.end().map(|()| m));
            match parsed {
                Ok(Some(members)) => members,
                Ok(None) => return Err(Failure::not_an_object(part)),
                Err(e) => return Err(Failure::bad_json(part, &reason(&e))),
            }
        };
        Ok(Self { text, members })
    }

    /// Member `name` (the last one, when a name repeats).
    pub(crate) fn get(&self, name: &str) -> Option<Member<'_>> {
        self.members.iter().rev().find_map(|(key, slot)| {
            let matches = match key {
                Name::At(r) => &self.text[r.clone()] == name,
                Name::Owned(k) => &**k == name,
            };
            matches.then(|| self.member(slot))
        })
    }

    fn member<'a>(&'a self, slot: &'a Slot) -> Member<'a> {
        match slot {
            Slot::Str(r) => Member::Str(&self.text[r.clone()]),
            Slot::Value(v) => Member::Value(v),
        }
    }

    /// `true` when member `name` exists.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Member `name` when it is a string.
    pub(crate) fn str(&self, name: &str) -> Option<&str> {
        self.get(name)?.as_str()
    }

    /// Member `name` when it is a number.
    pub(crate) fn number(&self, name: &str) -> Option<f64> {
        self.get(name)?.as_f64()
    }

    /// The whole object as a map, built from the parsed members (duplicates: the last wins).
    pub(crate) fn to_map(&self) -> Map<String, Value> {
        let mut map = Map::new();
        for (name, slot) in &self.members {
            let name = match name {
                Name::At(r) => self.text[r.clone()].to_owned(),
                Name::Owned(k) => k.to_string(),
            };
            map.insert(name, self.member(slot).to_value().into_owned());
        }
        map
    }
}

/// A member name, borrowed from the text when it has no escapes.
struct NameRef<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for NameRef<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NameRef<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(NameRef(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(NameRef(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(NameRef(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A member value: a borrowed string, or the `Value` serde_json builds for anything else.
enum SlotRef<'de> {
    Str(&'de str),
    Value(Value),
}

impl<'de> de::Deserialize<'de> for SlotRef<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SlotVisitor)
    }
}

/// Builds what `serde_json::Value`'s own visitor builds, except that a string without escapes
/// stays borrowed, and that no object name is special (see the module docs). Nested arrays and
/// objects are read by this visitor too ([`Nested`]), on the same deserializer, so its
/// recursion limit and checks apply unchanged.
struct SlotVisitor;

/// A value inside an array or an object, built by [`SlotVisitor`] (owned).
struct Nested(Value);

impl<'de> de::Deserialize<'de> for Nested {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Nested(match d.deserialize_any(SlotVisitor)? {
            SlotRef::Str(s) => Value::String(s.to_owned()),
            SlotRef::Value(v) => v,
        }))
    }
}

impl<'de> Visitor<'de> for SlotVisitor {
    type Value = SlotRef<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(SlotRef::Str(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(SlotRef::Value(Value::String(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(SlotRef::Value(Value::String(v)))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(SlotRef::Value(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(SlotRef::Value(Value::Number(v.into())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(SlotRef::Value(Value::Number(v.into())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(SlotRef::Value(
            Number::from_f64(v).map_or(Value::Null, Value::Number),
        ))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(SlotRef::Value(Value::Null))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Nested(item)) = seq.next_element::<Nested>()? {
            items.push(item);
        }
        Ok(SlotRef::Value(Value::Array(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Map::new();
        while let Some((k, Nested(v))) = map.next_entry::<String, Nested>()? {
            out.insert(k, v);
        }
        Ok(SlotRef::Value(Value::Object(out)))
    }
}

/// The top level: an object's members, or `None` for valid JSON that is not an object.
struct Members<'de> {
    base: &'de str,
}

impl<'de> Visitor<'de> for Members<'de> {
    type Value = Option<Vec<(Name, Slot)>>;

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
        while let Some(NameRef(name)) = map.next_key::<NameRef<'de>>()? {
            let slot = match map.next_value::<SlotRef<'de>>()? {
                SlotRef::Str(s) => Slot::Str(span(s)),
                SlotRef::Value(v) => Slot::Value(v),
            };
            let name = match name {
                Cow::Borrowed(k) => Name::At(span(k)),
                Cow::Owned(k) => Name::Owned(k.into_boxed_str()),
            };
            out.push((name, slot));
        }
        Ok(Some(out))
    }

    // Valid JSON that is not an object: parsed through (so that syntax errors after it are
    // still syntax errors), then refused as "must be a json object".
    fn visit_borrowed_str<E: de::Error>(self, _: &'de str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<Nested>()?.is_some() {}
        Ok(None)
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
    use crate::kind::ErrorKind;

    fn obj(text: &str) -> Result<Object, Failure> {
        Object::parse(text.as_bytes().to_vec(), Part::Payload)
    }

    #[test]
    fn members_are_read_from_the_one_parse() {
        let o = obj(r#" {"sub":"alice","n":12.5,"x":{"a":[1]},"e\u0073c":"a\"b","sub":"bob"} "#)
            .unwrap();
        assert_eq!(o.str("sub"), Some("bob"), "the last duplicate wins");
        assert_eq!(o.number("n"), Some(12.5));
        assert_eq!(
            o.get("x").map(|m| m.to_value().into_owned()),
            Some(serde_json::json!({"a": [1]}))
        );
        assert_eq!(o.str("esc"), Some("a\"b"), "escaped names and values");
        assert!(o.get("missing").is_none());
        assert_eq!(o.to_map().len(), 4);
        assert_eq!(o.to_map()["sub"], "bob");
    }

    #[test]
    fn not_objects_and_syntax_errors() {
        let msg = |t: &str| obj(t).unwrap_err().message().to_owned();
        assert_eq!(msg("[1]"), "Invalid payload string: must be a json object");
        assert_eq!(
            msg("\"x\""),
            "Invalid payload string: must be a json object"
        );
        assert!(msg("{bad").starts_with("Invalid payload string: "));
        assert!(msg(r#"{"a":1} x"#).starts_with("Invalid payload string: invalid JSON"));
        assert!(msg("[1] x").starts_with("Invalid payload string: invalid JSON"));
        let utf8 = Object::parse(vec![b'{', 0xff, b'}'], Part::Header).unwrap_err();
        assert_eq!(
            utf8.message(),
            "Invalid header string: invalid UTF-8 at byte 1"
        );
        assert_eq!(utf8.kind, ErrorKind::BadJson);
        assert!(obj("{}").unwrap().get("a").is_none());
    }

    #[test]
    fn what_a_full_parse_refuses_is_refused() {
        for text in [
            r#"{"x":"\ud800"}"#,
            r#"{"x":["\udc00"]}"#,
            r#"{"\ud800":1}"#,
            r#"{"exp":1e400}"#,
            r#"{"x":[1,{"y":-2E999}]}"#,
        ] {
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
            assert_eq!(obj(text).unwrap_err().kind, ErrorKind::BadJson, "{text}");
        }
        assert!(obj(r#"{"x":[1.5e3,"1e999"],"id":"d3c6f69b-621e-4aa4"}"#).is_ok());
        assert!(obj(r#"{"big":12345678901234567890123}"#).is_ok());
        assert_eq!(obj(r#"{"x":"\ud83d\ude00"}"#).unwrap().str("x"), Some("😀"));
    }

    #[test]
    fn nesting_is_refused_where_a_full_parse_refuses_it() {
        for depth in [100, 126, 127, 128, 129, 10_000] {
            let text = format!("{{\"d\":{}{}}}", "[".repeat(depth), "]".repeat(depth));
            assert_eq!(
                obj(&text).is_ok(),
                serde_json::from_str::<Value>(&text).is_ok(),
                "depth {depth}"
            );
        }
    }

    #[test]
    fn the_raw_value_token_is_an_ordinary_name_at_every_depth() {
        const RAW: &str = "$serde_json::private::RawValue";
        let o = obj(&format!(
            r#"{{"{RAW}":1,"x":{{"{RAW}":"1"}},"y":[{{"{RAW}":"[2]"}}],"z":{{"a":{{"\u0024serde_json::private::RawValue":true}}}}}}"#
        ))
        .unwrap();
        assert_eq!(o.number(RAW), Some(1.0));
        let member = |name: &str| o.get(name).map(|m| m.to_value().into_owned());
        assert_eq!(member("x"), Some(serde_json::json!({ RAW: "1" })));
        assert_eq!(member("y"), Some(serde_json::json!([{ RAW: "[2]" }])));
        assert_eq!(member("z"), Some(serde_json::json!({"a": { RAW: true }})));
    }

    #[test]
    fn nested_objects_are_refused_where_a_full_parse_refuses_them() {
        for depth in [100, 126, 127, 128, 129, 10_000] {
            let text = format!("{}1{}", "{\"d\":".repeat(depth), "}".repeat(depth));
            assert_eq!(
                obj(&text).is_ok(),
                serde_json::from_str::<Value>(&text).is_ok(),
                "depth {depth}"
            );
        }
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
