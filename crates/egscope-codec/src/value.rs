//! A compact JSON value for the objects the store keeps.
//!
//! `serde_json::Value` with `preserve_order` costs about five times the
//! JSON text it was parsed from (an `IndexMap` per mapping with its hash
//! table, an 80-byte value and a `String` per key). This one keeps what the
//! store needs, in source order, at about the size of the text:
//! - a value is 24 bytes (strings of up to 24 bytes sit inline);
//! - mappings and sequences are boxed slices, sized exactly;
//! - keys are `Arc<str>`, interned per load, so `metadata` or `name` is one
//!   allocation however many objects have it.
//!
//! Why not a crate: the serde-compatible value types we know of (`json`'s,
//! `simd-json`'s owned value, `sonic-rs`') keep a copy of every key in every
//! mapping or hash every mapping, and adopting one would still take the
//! serde_json-like accessors below, which are most of this file. The API
//! mirrors the part of `serde_json::Value`'s that egscope uses, so the model
//! reads these values as it read serde_json's; `Serialize` writes the same
//! JSON or YAML, and numbers are serde_json's own `Number`.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use compact_str::CompactString;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, Serializer};
use serde_json::Number;

/// A mapping key.
pub type Key = Arc<str>;

/// A JSON value.
#[derive(Clone, Default, PartialEq)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(CompactString),
    Array(Box<[Value]>),
    Object(Map),
}

static NULL: Value = Value::Null;

/// `serde_json::json!`, made the store's value (tests and fixtures).
#[macro_export]
macro_rules! json_value {
    ($($json:tt)+) => {
        $crate::value::Value::from(::serde_json::json!($($json)+))
    };
}

/// A mapping, in source order, without duplicate keys (the last value of a
/// repeated key wins, at the key's first position, as serde_json does).
#[derive(Clone, Default)]
pub struct Map(Box<[(Key, Value)]>);

impl Value {
    /// The value under `index`: a key of a mapping or a position in a
    /// sequence.
    pub fn get<I: Index>(&self, index: I) -> Option<&Value> {
        index.index_into(self)
    }

    /// The value at a JSON Pointer (RFC 6901), as serde_json resolves it.
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        if pointer.is_empty() {
            return Some(self);
        }
        if !pointer.starts_with('/') {
            return None;
        }
        pointer
            .split('/')
            .skip(1)
            .map(|x| x.replace("~1", "/").replace("~0", "~"))
            .try_fold(self, |target, token| match target {
                Value::Object(map) => map.get(&token),
                Value::Array(list) => parse_index(&token).and_then(|x| list.get(x)),
                _ => None,
            })
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.as_object_mut()?.get_mut(key)
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_boolean(&self) -> bool {
        matches!(self, Value::Bool(_))
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Value::Number(_))
    }

    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// Parses JSON text, sharing the keys of every value read with `keys`.
    pub fn from_json_str(text: &str, keys: &mut Keys) -> serde_json::Result<Value> {
        let mut reader = Reader {
            keys: std::mem::take(keys),
            ..Reader::default()
        };
        let mut de = serde_json::Deserializer::from_str(text);
        let v = ValueSeed { r: &mut reader }.deserialize(&mut de);
        *keys = reader.keys;
        de.end()?;
        v
    }
}

fn parse_index(s: &str) -> Option<usize> {
    if s.starts_with('+') || (s.starts_with('0') && s.len() != 1) {
        return None;
    }
    s.parse().ok()
}

/// What `Value::get` and `value[...]` take: a key or a position.
pub trait Index {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value>;
}

impl Index for str {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.as_object()?.get(self)
    }
}

impl Index for String {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        self.as_str().index_into(v)
    }
}

impl Index for usize {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        v.as_array()?.get(*self)
    }
}

impl<T: Index + ?Sized> Index for &T {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        (**self).index_into(v)
    }
}

impl<I: Index> std::ops::Index<I> for Value {
    type Output = Value;
    /// `Null` for a missing key or position, as serde_json's.
    fn index(&self, index: I) -> &Value {
        index.index_into(self).unwrap_or(&NULL)
    }
}

impl Map {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.0.iter_mut().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> Iter<'_> {
        self.0.iter().map(entry)
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| &**k)
    }

    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.0.iter().map(|(_, v)| v)
    }

    /// Takes `key` out, keeping the order of the rest.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.0.iter().position(|(k, _)| &**k == key)?;
        let mut entries = std::mem::take(&mut self.0).into_vec();
        let (_, v) = entries.remove(at);
        self.0 = entries.into_boxed_slice();
        Some(v)
    }

    /// Sets `key` (in place when present, else last).
    pub fn insert(&mut self, key: &str, value: Value) -> Option<Value> {
        if let Some(slot) = self.get_mut(key) {
            return Some(std::mem::replace(slot, value));
        }
        let mut entries = std::mem::take(&mut self.0).into_vec();
        entries.push((Key::from(key), value));
        self.0 = entries.into_boxed_slice();
        None
    }
}

type Iter<'a> = std::iter::Map<
    std::slice::Iter<'a, (Key, Value)>,
    fn(&'a (Key, Value)) -> (&'a str, &'a Value),
>;

fn entry((k, v): &(Key, Value)) -> (&str, &Value) {
    (k, v)
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a str, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl IntoIterator for Map {
    type Item = (Key, Value);
    type IntoIter = std::vec::IntoIter<(Key, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_vec().into_iter()
    }
}

/// Equal when both hold the same keys with equal values, in any order (as
/// serde_json's maps compare).
impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

/// Builds a `Map` from entries in source order: a repeated key replaces
/// the value at its first position.
#[derive(Default)]
pub struct MapBuilder {
    entries: Vec<(Key, Value)>,
    /// Positions by key, once the mapping is too long for a linear search.
    index: Option<HashMap<Key, usize>>,
}

/// Mappings longer than this find repeated keys through a hash table.
const LINEAR_KEYS: usize = 16;

impl MapBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key`; a repeated key keeps its position and takes the value.
    pub fn insert(&mut self, key: Key, value: Value) {
        insert(&mut self.entries, 0, &mut self.index, key, value);
    }

    /// Sets `key` unless it is present (YAML merge keys).
    pub fn insert_if_absent(&mut self, key: Key, value: Value) {
        if position(&self.entries, &mut self.index, &key).is_none() {
            push(&mut self.entries, 0, &mut self.index, key, value);
        }
    }

    pub fn finish(self) -> Map {
        Map(self.entries.into_boxed_slice())
    }
}

/// Where `key` is among `entries` (a mapping being read); `index` is built
/// once the mapping is long.
fn position(
    entries: &[(Key, Value)],
    index: &mut Option<HashMap<Key, usize>>,
    key: &Key,
) -> Option<usize> {
    if index.is_none() && entries.len() > LINEAR_KEYS {
        let by_key = (entries.iter().enumerate())
            .map(|(i, (k, _))| (k.clone(), i))
            .collect();
        *index = Some(by_key);
    }
    match index {
        Some(index) => index.get(key).copied(),
        None => (entries.iter()).position(|(k, _)| Arc::ptr_eq(k, key) || k == key),
    }
}

fn push(
    entries: &mut Vec<(Key, Value)>,
    start: usize,
    index: &mut Option<HashMap<Key, usize>>,
    key: Key,
    value: Value,
) {
    if let Some(index) = index {
        index.insert(key.clone(), entries.len() - start);
    }
    entries.push((key, value));
}

/// Adds an entry to the mapping that occupies `entries[start..]`.
fn insert(
    entries: &mut Vec<(Key, Value)>,
    start: usize,
    index: &mut Option<HashMap<Key, usize>>,
    key: Key,
    value: Value,
) {
    match position(&entries[start..], index, &key) {
        Some(i) => entries[start + i].1 = value,
        None => push(entries, start, index, key, value),
    }
}

/// The keys of one load, shared between the values read.
#[derive(Default)]
pub struct Keys(HashSet<Key>);

impl Keys {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many keys are held.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn intern(&mut self, key: &str) -> Key {
        if let Some(k) = self.0.get(key) {
            return k.clone();
        }
        let k = Key::from(key);
        self.0.insert(k.clone());
        k
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => n.serialize(s),
            Value::String(x) => s.serialize_str(x),
            Value::Array(items) => s.collect_seq(items.iter()),
            Value::Object(map) => map.serialize(s),
        }
    }
}

impl Serialize for Map {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// What reading values needs: the keys read so far, and stacks that hold
/// the entries of the mappings and sequences being read, so that each is
/// allocated once, at its size, when it ends.
#[derive(Default)]
struct Reader {
    keys: Keys,
    entries: Vec<(Key, Value)>,
    items: Vec<Value>,
}

/// Reads a value.
struct ValueSeed<'r> {
    r: &'r mut Reader,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(CompactString::from(s)))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(CompactString::from(s)))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        self.deserialize(d)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let r = self.r;
        let start = r.items.len();
        loop {
            match seq.next_element_seed(ValueSeed { r: &mut *r }) {
                Ok(Some(v)) => r.items.push(v),
                Ok(None) => break,
                Err(e) => {
                    r.items.truncate(start);
                    return Err(e);
                }
            }
        }
        Ok(Value::Array(r.items.drain(start..).collect()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let r = self.r;
        let start = r.entries.len();
        let mut index = None;
        let mut next = |r: &mut Reader| -> Result<bool, A::Error> {
            let Some(k) = map.next_key_seed(KeySeed { keys: &mut r.keys })? else {
                return Ok(false);
            };
            let v = map.next_value_seed(ValueSeed { r: &mut *r })?;
            insert(&mut r.entries, start, &mut index, k, v);
            Ok(true)
        };
        loop {
            match next(r) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    r.entries.truncate(start);
                    return Err(e);
                }
            }
        }
        Ok(Value::Object(Map(r.entries.drain(start..).collect())))
    }
}

struct KeySeed<'k> {
    keys: &'k mut Keys,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E>(self, s: &str) -> Result<Key, E> {
        Ok(self.keys.intern(s))
    }
}

impl<'de> serde::Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        ValueSeed {
            r: &mut Reader::default(),
        }
        .deserialize(d)
    }
}

impl fmt::Debug for Value {
    /// As serde_json's: `Object {"a": Number(1)}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("Null"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Number(n) => write!(f, "Number({n})"),
            Value::String(s) => write!(f, "String({s:?})"),
            Value::Array(items) => {
                f.write_str("Array ")?;
                f.debug_list().entries(items.iter()).finish()
            }
            Value::Object(map) => {
                f.write_str("Object ")?;
                fmt::Debug::fmt(map, f)
            }
        }
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl fmt::Display for Value {
    /// JSON text, indented with `{:#}`, as serde_json's.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = if f.alternate() {
            serde_json::to_string_pretty(self)
        } else {
            serde_json::to_string(self)
        };
        f.write_str(&text.map_err(|_| fmt::Error)?)
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Value {
        from_json(v, &mut Keys::new())
    }
}

/// Converts a serde_json value, interning its keys in `keys`.
pub fn from_json(v: serde_json::Value, keys: &mut Keys) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => Value::Number(n),
        serde_json::Value::String(s) => Value::String(CompactString::from(s)),
        serde_json::Value::Array(items) => {
            Value::Array(items.into_iter().map(|x| from_json(x, keys)).collect())
        }
        serde_json::Value::Object(map) => {
            let mut out = MapBuilder::new();
            for (k, v) in map {
                out.insert(keys.intern(&k), from_json(v, keys));
            }
            Value::Object(out.finish())
        }
    }
}

impl From<Value> for serde_json::Value {
    fn from(v: Value) -> serde_json::Value {
        match v {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(b),
            Value::Number(n) => serde_json::Value::Number(n),
            Value::String(s) => serde_json::Value::String(s.into()),
            Value::Array(items) => {
                serde_json::Value::Array(items.into_vec().into_iter().map(Into::into).collect())
            }
            Value::Object(map) => serde_json::Value::Object(
                map.into_iter()
                    .map(|(k, v)| (k.to_string(), v.into()))
                    .collect(),
            ),
        }
    }
}

impl PartialEq<serde_json::Value> for Value {
    fn eq(&self, other: &serde_json::Value) -> bool {
        match (self, other) {
            (Value::Null, serde_json::Value::Null) => true,
            (Value::Bool(a), serde_json::Value::Bool(b)) => a == b,
            (Value::Number(a), serde_json::Value::Number(b)) => a == b,
            (Value::String(a), serde_json::Value::String(b)) => a == b,
            (Value::Array(a), serde_json::Value::Array(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
            }
            (Value::Object(a), serde_json::Value::Object(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v == w))
            }
            _ => false,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s.into())
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

macro_rules! from_integer {
    ($($t:ty)*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Value {
                Value::Number(n.into())
            }
        }
    )*};
}

from_integer!(i8 i16 i32 i64 isize u8 u16 u32 u64 usize);

impl From<f64> for Value {
    fn from(n: f64) -> Value {
        Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

impl From<Map> for Value {
    fn from(m: Map) -> Value {
        Value::Object(m)
    }
}

impl FromIterator<Value> for Value {
    fn from_iter<T: IntoIterator<Item = Value>>(iter: T) -> Value {
        Value::Array(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn small() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<(Key, Value)>(), 40);
    }

    fn parse(text: &str) -> Value {
        Value::from_json_str(text, &mut Keys::new()).unwrap()
    }

    #[test]
    fn round_trips_in_source_order() {
        let text = r#"{"z":1,"a":[true,null,-2,3.5,"x"],"m":{"b":"a string longer than 24 bytes","a":{}}}"#;
        let v = parse(text);
        assert_eq!(v.to_string(), text);
        let j: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(v, j);
        assert_eq!(Value::from(j.clone()), v);
        assert_eq!(serde_json::Value::from(v.clone()), j);
        assert_eq!(format!("{v:#}"), format!("{j:#}"));
        assert_eq!(format!("{v:?}"), format!("{j:?}"));
    }

    #[test]
    fn repeated_keys_keep_the_first_position_and_the_last_value() {
        let text = r#"{"a":1,"b":2,"a":3}"#;
        let j: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(parse(text).to_string(), j.to_string());
        let many: String = (0..40).map(|i| format!("\"k{}\":{i},", i % 20)).collect();
        let text = format!("{{{}\"end\":0}}", many);
        let j: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parse(&text).to_string(), j.to_string());
    }

    #[test]
    fn accessors_match_serde_json() {
        let v = Value::from(json!({"a": {"b": [1, {"c/d": "e"}]}, "n": -1, "f": 0.5, "u": 7}));
        assert_eq!(v["a"]["b"][1]["c/d"].as_str(), Some("e"));
        assert_eq!(v.pointer("/a/b/1/c~1d"), Some(&Value::from("e")));
        assert!(v["missing"]["deeper"].is_null());
        assert_eq!(v["n"].as_i64(), Some(-1));
        assert_eq!(v["n"].as_u64(), None);
        assert_eq!(v["f"].as_f64(), Some(0.5));
        assert_eq!(v["u"].as_u64(), Some(7));
        assert_eq!(
            v.get("a").and_then(|a| a.get("b")).map(|b| b.is_array()),
            Some(true)
        );
        let mut m = v.as_object().unwrap().clone();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "n", "f", "u"]);
        assert!(m.remove("n").is_some());
        m.insert("z", Value::Null);
        assert_eq!(m.keys().collect::<Vec<_>>(), ["a", "f", "u", "z"]);
    }

    #[test]
    fn keys_are_shared() {
        let mut keys = Keys::new();
        let a = Value::from_json_str(r#"{"metadata":{"name":"a"}}"#, &mut keys).unwrap();
        let b = Value::from_json_str(r#"{"metadata":{"name":"b"}}"#, &mut keys).unwrap();
        let (ka, _) = &a.as_object().unwrap().0[0];
        let (kb, _) = &b.as_object().unwrap().0[0];
        assert!(Arc::ptr_eq(ka, kb));
    }
}
