//! YAML to JSON values, with the line of every node near each document's
//! root (serde-based YAML crates do not give those).
//!
//! Built iteratively from `saphyr-parser` events. Scalars follow the YAML 1.2
//! core schema (`yes` stays a string); anchors, aliases and merge keys (`<<`)
//! resolve; nesting and alias expansion are capped so that hostile input
//! fails with a message instead of exhausting the stack or memory.

use std::borrow::Cow;
use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Tag};
use serde_json::Number;

use crate::value::{Key as MapKey, Keys, Map, MapBuilder, Value};

use super::lines::{Kids, LINE_DEPTH, LineNode, MAP_KIDS_DEPTH};

/// Deepest nesting of mappings and sequences accepted.
pub const MAX_DEPTH: usize = 200;
/// Most nodes that aliases may expand to in one file.
pub const MAX_ALIAS_NODES: usize = 1_000_000;

/// One document: its value and the lines of the nodes near its root.
#[derive(Debug)]
pub struct Document {
    pub value: Value,
    pub lines: LineNode,
}

/// Where and why parsing failed (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl ParseError {
    fn at(line: usize, col0: usize, message: impl Into<String>) -> Self {
        ParseError {
            line,
            column: col0 + 1,
            message: message.into(),
        }
    }
}

impl From<ScanError> for ParseError {
    fn from(e: ScanError) -> Self {
        let message = if e.info() == "recursion limit exceeded" {
            format!("nested deeper than {MAX_DEPTH} levels")
        } else {
            e.info().to_string()
        };
        ParseError::at(e.marker().line(), e.marker().col(), message)
    }
}

enum Key {
    Text(MapKey),
    Merge,
}

enum Body {
    Seq(Vec<Value>),
    Map {
        map: MapBuilder,
        key: Option<Key>,
        merges: Vec<Map>,
    },
}

struct Frame {
    body: Body,
    line: usize,
    anchor: usize,
    /// Nodes in this subtree (for the alias expansion budget).
    nodes: usize,
    kids: Kids,
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Value, usize)>,
    alias_nodes: usize,
    /// Mapping keys, shared between the nodes of the text.
    keys: Keys,
    root: Option<Document>,
}

/// What Go's YAML parser (hence kubectl) accepts and saphyr refuses: a
/// multi-line quoted scalar whose continuation lines are not indented more
/// than its key. Envoy Gateway's own test data has such scalars.
const QUOTED_INDENT: &str = "invalid indentation in quoted scalar";
/// Re-parses after such fixes stop after this many bytes in total.
const FIX_BUDGET: usize = 256 << 20;

/// Parses every document of `text`, handing each to `each` as soon as it
/// is complete (documents that are empty hand nothing).
pub fn parse(text: &str, each: &mut dyn FnMut(Document)) -> Result<(), ParseError> {
    let mut fixed: Option<String> = None;
    let mut skip = 0usize;
    let mut work = 0usize;
    loop {
        let src = fixed.as_deref().unwrap_or(text);
        match parse_once(src, skip, each) {
            Ok(()) => return Ok(()),
            Err((e, done)) => {
                work += src.len();
                if e.message != QUOTED_INDENT || work > FIX_BUDGET {
                    return Err(e);
                }
                // A repair that changes nothing would be re-parsed until the
                // budget runs out (the scanner and the repair can disagree
                // on where a line starts, e.g. at a lone `\r`).
                let Some(repaired) =
                    reindent_quoted(src, e.line, e.column).filter(|r| r.as_str() != src)
                else {
                    return Err(e);
                };
                // Documents before the scalar are unchanged: not handed twice.
                skip = done;
                fixed = Some(repaired);
            }
        }
    }
}

/// Indents the continuation lines of the quoted scalar that starts at
/// (`line`, `column`, 1-based) at least as far as its opening quote. Leading
/// blanks of continuation lines are folded away, so the value is unchanged.
fn reindent_quoted(src: &str, line: usize, column: usize) -> Option<String> {
    let line_start = if line <= 1 {
        0
    } else {
        src.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let rest = &src[line_start..];
    let quote_at = line_start + rest.char_indices().nth(column - 1)?.0;
    let quote = src[quote_at..].chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let want = column - 1;
    let mut out = String::with_capacity(src.len() + 64);
    out.push_str(&src[..=quote_at]);
    let mut chars = src[quote_at + 1..].char_indices().peekable();
    let mut end = src.len();
    let mut at_line_start = false;
    let mut indent = 0usize;
    while let Some((i, c)) = chars.next() {
        if at_line_start {
            if c == ' ' {
                indent += 1;
                out.push(c);
                continue;
            }
            if c != '\n' && c != '\r' && indent < want {
                out.extend(std::iter::repeat_n(' ', want - indent));
            }
            at_line_start = false;
        }
        out.push(c);
        match c {
            '\n' => {
                at_line_start = true;
                indent = 0;
            }
            '\\' if quote == '"' => {
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            '\'' if quote == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') => {
                chars.next();
                out.push('\'');
            }
            c if c == quote => {
                end = quote_at + 1 + i + 1;
                break;
            }
            _ => {}
        }
    }
    out.push_str(&src[end..]);
    Some(out)
}

/// One pass over `text`; documents before number `skip` are not handed on.
/// On failure, also says how many documents were complete.
fn parse_once(
    text: &str,
    skip: usize,
    each: &mut dyn FnMut(Document),
) -> Result<(), (ParseError, usize)> {
    let mut done = 0usize;
    parse_events(text, &mut |doc| {
        if done >= skip && !doc.value.is_null() {
            each(doc);
        }
        done += 1;
    })
    .map_err(|e| (e, done))
}

fn parse_events(text: &str, each: &mut dyn FnMut(Document)) -> Result<(), ParseError> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes: 0,
        keys: Keys::new(),
        root: None,
    };
    while let Some(next) = parser.next_event() {
        let (ev, span) = next?;
        let line = span.start.line();
        match ev {
            Event::StreamEnd => break,
            Event::Nothing | Event::StreamStart => {}
            Event::DocumentStart(_) => {
                b.stack.clear();
                b.anchors.clear();
                b.root = None;
            }
            Event::DocumentEnd => {
                if let Some(doc) = b.root.take() {
                    each(doc);
                }
            }
            Event::Alias(id) => {
                let Some((value, nodes)) = b.anchors.get(&id) else {
                    return Err(ParseError::at(line, span.start.col(), "unknown alias"));
                };
                b.alias_nodes += nodes;
                if b.alias_nodes > MAX_ALIAS_NODES {
                    return Err(ParseError::at(
                        line,
                        span.start.col(),
                        format!(
                            "aliases expand to more than {MAX_ALIAS_NODES} nodes \
                             (a \"billion laughs\" file?)"
                        ),
                    ));
                }
                let (value, nodes) = (value.clone(), *nodes);
                b.deliver(value, LineNode::leaf(line), nodes, 0);
            }
            Event::Scalar(text, style, anchor, tag) => {
                if let Some(Frame {
                    body:
                        Body::Map {
                            key: key @ None, ..
                        },
                    ..
                }) = b.stack.last_mut()
                {
                    // A key: kept as written (keys are strings in JSON).
                    let merge = style == ScalarStyle::Plain && tag.is_none() && text == "<<";
                    let text = b.keys.intern(&text);
                    if anchor != 0 {
                        b.anchors.insert(anchor, (Value::String((*text).into()), 1));
                    }
                    *key = Some(if merge { Key::Merge } else { Key::Text(text) });
                    continue;
                }
                let value = resolve(text, style, tag.as_deref());
                b.deliver(value, LineNode::leaf(line), 1, anchor);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let depth = b.stack.len();
                if depth >= MAX_DEPTH {
                    return Err(ParseError::at(
                        line,
                        span.start.col(),
                        format!("nested deeper than {MAX_DEPTH} levels"),
                    ));
                }
                let track = depth < LINE_DEPTH;
                let (body, kids) = if matches!(ev, Event::SequenceStart(..)) {
                    let kids = if track {
                        Kids::Seq(Vec::new())
                    } else {
                        Kids::None
                    };
                    (Body::Seq(Vec::new()), kids)
                } else {
                    let kids = if depth < MAP_KIDS_DEPTH {
                        Kids::Map(Vec::new())
                    } else {
                        Kids::None
                    };
                    let body = Body::Map {
                        map: MapBuilder::new(),
                        key: None,
                        merges: Vec::new(),
                    };
                    (body, kids)
                };
                b.stack.push(Frame {
                    body,
                    line,
                    anchor,
                    nodes: 1,
                    kids,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = b.stack.pop() else {
                    return Err(ParseError::at(
                        line,
                        span.start.col(),
                        "unbalanced YAML events",
                    ));
                };
                let value = match frame.body {
                    Body::Seq(items) => Value::Array(items.into_boxed_slice()),
                    Body::Map {
                        mut map, merges, ..
                    } => {
                        // Explicit keys win over merged ones; earlier merged
                        // mappings win over later ones.
                        for merged in merges {
                            for (k, v) in merged {
                                map.insert_if_absent(k, v);
                            }
                        }
                        Value::Object(map.finish())
                    }
                };
                let lines = LineNode {
                    line: frame.line,
                    kids: frame.kids,
                };
                b.deliver(value, lines, frame.nodes, frame.anchor);
            }
        }
    }
    Ok(())
}

impl Builder {
    /// Hands a finished node to its parent (or makes it the document root).
    fn deliver(&mut self, value: Value, lines: LineNode, nodes: usize, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, (value.clone(), nodes));
        }
        let Some(top) = self.stack.last_mut() else {
            self.root = Some(Document { value, lines });
            return;
        };
        top.nodes += nodes;
        match &mut top.body {
            Body::Seq(items) => {
                items.push(value);
                if let Kids::Seq(kids) = &mut top.kids {
                    kids.push(lines);
                }
            }
            Body::Map { map, key, merges } => match key.take() {
                None => *key = Some(Key::Text(self.keys.intern(&key_text(value)))),
                Some(Key::Merge) => match value {
                    Value::Object(m) => merges.push(m),
                    Value::Array(items) if items.iter().all(Value::is_object) => {
                        merges.extend(items.into_vec().into_iter().filter_map(|v| match v {
                            Value::Object(m) => Some(m),
                            _ => None,
                        }));
                    }
                    other => {
                        map.insert(self.keys.intern("<<"), other);
                    }
                },
                Some(Key::Text(k)) => {
                    if let Kids::Map(kids) = &mut top.kids {
                        kids.push((k.to_string(), lines));
                    }
                    map.insert(k, value);
                }
            },
        }
    }
}

/// The most of a collection used as a mapping key that is kept as its text.
/// Kubernetes objects never have such keys; without a cap, keys nested in
/// keys double their escaping at each level (a 264-byte input ran for
/// minutes under the fuzzer).
const MAX_KEY_TEXT: usize = 256;

/// A mapping key that is not a plain scalar, as (at most [`MAX_KEY_TEXT`]
/// bytes of) its JSON text.
fn key_text(value: Value) -> String {
    /// Stops the serializer once the cap is reached, so a huge key costs no
    /// more than the cap.
    struct Capped(Vec<u8>);
    impl std::io::Write for Capped {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let room = MAX_KEY_TEXT.saturating_sub(self.0.len());
            if room == 0 {
                return Err(std::io::Error::other("key text cap"));
            }
            let n = buf.len().min(room);
            self.0.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    match value {
        Value::String(s) => s.into(),
        other => {
            let mut out = Capped(Vec::new());
            let cut = serde_json::to_writer(&mut out, &other).is_err();
            let mut text = String::from_utf8_lossy(&out.0).into_owned();
            if cut {
                text.push('…');
            }
            text
        }
    }
}

/// The JSON value of a scalar, per the YAML 1.2 core schema.
fn resolve(text: Cow<'_, str>, style: ScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag {
        if tag.is_yaml_core_schema() {
            let resolved = match tag.suffix.as_str() {
                "null" => Some(Value::Null),
                "bool" => parse_bool(&text).map(Value::Bool),
                "int" => parse_int(&text),
                "float" => parse_float(&text).or_else(|| parse_int(&text)),
                _ => None,
            };
            return resolved.unwrap_or_else(|| Value::String(text.into()));
        }
        if tag.handle.is_empty() && tag.suffix == "!" {
            // The non-specific tag `!`: a string.
            return Value::String(text.into());
        }
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.into());
    }
    plain(text)
}

fn plain(text: Cow<'_, str>) -> Value {
    let Some(&first) = text.as_bytes().first() else {
        return Value::Null;
    };
    // Fast path: most scalars are names and cannot be anything but strings.
    if !matches!(
        first,
        b'-' | b'+' | b'.' | b'0'..=b'9' | b'~' | b'n' | b'N' | b't' | b'T' | b'f' | b'F'
    ) {
        return Value::String(text.into());
    }
    match &*text {
        "~" | "null" | "Null" | "NULL" => return Value::Null,
        _ => {}
    }
    if let Some(b) = parse_bool(&text) {
        return Value::Bool(b);
    }
    if let Some(n) = parse_int(&text).or_else(|| parse_float(&text)) {
        return n;
    }
    Value::String(text.into())
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

fn all_digits(s: &str, radix: u32) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_digit(radix))
}

/// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`.
fn parse_int(s: &str) -> Option<Value> {
    let radix_int = |digits: &str, radix: u32| {
        if !all_digits(digits, radix) {
            return None;
        }
        u64::from_str_radix(digits, radix)
            .ok()
            .map(|n| Value::Number(n.into()))
    };
    if let Some(hex) = s.strip_prefix("0x") {
        return radix_int(hex, 16);
    }
    if let Some(oct) = s.strip_prefix("0o") {
        return radix_int(oct, 8);
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !all_digits(digits, 10) {
        return None;
    }
    if let Ok(n) = s.parse::<i64>() {
        return Some(Value::Number(n.into()));
    }
    if let Ok(n) = digits.parse::<u64>()
        && !s.starts_with('-')
    {
        return Some(Value::Number(n.into()));
    }
    // Too large for 64 bits: a float, as JSON decoders read it.
    s.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`; infinities and
/// NaN have no JSON form and stay strings.
fn parse_float(s: &str) -> Option<Value> {
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let int_ok = int.is_empty() || all_digits(int, 10);
    let frac_ok = frac.is_none_or(|f| f.is_empty() || all_digits(f, 10));
    let has_digits = !int.is_empty() || frac.is_some_and(|f| !f.is_empty());
    let exp_ok = exponent.is_none_or(|e| all_digits(e.strip_prefix(['-', '+']).unwrap_or(e), 10));
    if !(int_ok && frac_ok && has_digits && exp_ok) {
        return None;
    }
    s.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn docs(text: &str) -> Vec<Document> {
        let mut out = Vec::new();
        parse(text, &mut |d| out.push(d)).unwrap();
        out
    }

    fn one(text: &str) -> Value {
        let mut d = docs(text);
        assert_eq!(d.len(), 1);
        d.remove(0).value
    }

    #[test]
    fn scalars_follow_core_schema() {
        let v = one(
            "a: 32768\nb: \"32768\"\nc: yes\nd: true\ne: ~\nf:\ng: 1.5\nh: .inf\ni: 0x1F\n\
             j: 0o17\nk: 'true'\nl: |\n  text\nm: !!str 12\nn: !!int \"12\"\no: -7\np: 1e3\n\
             q: 99999999999999999999\nr: .5\ns: 1.2.3\nt: False\nu: NULL\nv: a-b\nw: +12\n",
        );
        assert_eq!(
            v,
            json!({"a": 32768, "b": "32768", "c": "yes", "d": true, "e": null, "f": null,
                   "g": 1.5, "h": ".inf", "i": 31, "j": 15, "k": "true", "l": "text\n",
                   "m": "12", "n": 12, "o": -7, "p": 1000.0, "q": 1e20, "r": 0.5,
                   "s": "1.2.3", "t": false, "u": null, "v": "a-b", "w": 12})
        );
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let v = one(
            "base: &b {x: 1, y: 2}\nlist: &l [1, 2]\nuse: *b\nagain: *l\n\
             merged:\n  <<: *b\n  y: 3\nmulti:\n  <<: [{p: 1}, {p: 2, q: 2}]\n",
        );
        assert_eq!(v["use"], json!({"x": 1, "y": 2}));
        assert_eq!(v["again"], json!([1, 2]));
        assert_eq!(v["merged"], json!({"x": 1, "y": 3}));
        assert_eq!(v["multi"], json!({"p": 1, "q": 2}));
    }

    #[test]
    fn non_string_keys_become_text() {
        let v = one("1: a\ntrue: b\n? [x, y]\n: c\n\"<<\": d\n");
        assert_eq!(
            v,
            json!({"1": "a", "true": "b", "[\"x\",\"y\"]": "c", "<<": "d"})
        );
    }

    #[test]
    fn lines_of_nodes_near_the_root() {
        let d =
            docs("# c\n---\nitems:\n  - apiVersion: v1\n    kind: Pod\n  - {a: 1}\nkind: List\n");
        assert_eq!(d.len(), 1);
        let lines = &d[0].lines;
        assert_eq!(lines.line, 3);
        let items = lines.clone().take_key("items").unwrap();
        let seq = items.into_seq();
        assert_eq!(seq.iter().map(|n| n.line).collect::<Vec<_>>(), vec![4, 6]);
    }

    #[test]
    fn empty_documents_hand_nothing() {
        assert!(docs("").is_empty());
        assert!(docs("# only a comment\n").is_empty());
        assert!(docs("---\n---\n~\n").is_empty());
    }

    #[test]
    fn deep_nesting_fails_cleanly() {
        let deep = "[".repeat(10_000);
        let e = parse(&deep, &mut |_| {}).unwrap_err();
        assert!(e.message.contains("nested deeper than 200"), "{e:?}");
        let mut block = String::new();
        for i in 0..300 {
            block.push_str(&" ".repeat(i));
            block.push_str("a:\n");
        }
        let e = parse(&block, &mut |_| {}).unwrap_err();
        assert!(e.message.contains("nested deeper than 200"), "{e:?}");
        assert_eq!(e.line, 201);
    }

    #[test]
    fn billion_laughs_fails_cleanly() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse(&text, &mut |_| {}).unwrap_err();
        assert!(e.message.contains("billion laughs"), "{e:?}");
    }

    #[test]
    fn under_indented_quoted_scalars_load_as_go_reads_them() {
        let text =
            "a:\n  - k: v\n    s: \"one\n    two \\\" x\n  three\"\n    t: 'it''s\n    ok'\n";
        let v = one(text);
        assert_eq!(v["a"][0]["s"], json!("one two \" x three"));
        assert_eq!(v["a"][0]["t"], json!("it's ok"));
        // The documents before the repaired one are handed once.
        let d = docs(&format!("a: 1\n---\n{text}---\nb: \"x\ny\"\n"));
        assert_eq!(d.len(), 3);
        assert_eq!(d[2].value, json!({"b": "x y"}));
        assert_eq!(d[2].lines.line, 11);
    }

    /// Found by the smoke fuzzer: a quoted scalar the re-indenting repair
    /// cannot fix made `parse` re-parse the same text until the 256 MiB
    /// budget ran out (38 s for 336 bytes).
    #[test]
    fn an_unrepairable_quoted_scalar_fails_at_once() {
        // A lone `\r` is a line break to the YAML scanner but not to the
        // repair, so the two disagreed on which line the error is on.
        let text = "a:\n  k: 'x\ry'\n'z'\n";
        let t = std::time::Instant::now();
        let e = parse(text, &mut |_| {}).unwrap_err();
        assert!(
            t.elapsed() < std::time::Duration::from_secs(1),
            "{:?}",
            t.elapsed()
        );
        assert_eq!(e.message, QUOTED_INDENT, "{e:?}");
    }

    /// Found by `cargo fuzz run eg_config`: complex keys nested in complex
    /// keys escaped their text again at each level (exponential growth).
    #[test]
    fn nested_complex_keys_stay_cheap() {
        let text = "? ".repeat(60) + ": x\n";
        let t = std::time::Instant::now();
        let _ = parse(&text, &mut |_| {});
        let fuzzed = "? ?   ?   :\t   :\t  ?   :\t  :\t  ?   :\t   :\t  ?   ?   :\t  ?   :\t  ?   :\t  :\t  ?   :\t   :\t  ?   ?   :\t  ?   :\t   :\t  ?   :\t   ?   :\t   :\t  ?   :\t :\t   :\t  ?   :\t   ?   :\t   :\t  ?   :\t   \t   ?   :\t   \t   :\t  ?   :\t  ?   :\t   :\t  ?   ?   :\t  ?   :\t   :\t  ?   :\t   ::   ";
        let _ = parse(fuzzed, &mut |_| {});
        assert!(
            t.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            t.elapsed()
        );
        let mut docs = Vec::new();
        parse("? [a, b]\n: 1\n", &mut |d| docs.push(d.value)).unwrap();
        assert_eq!(
            docs[0].get("[\"a\",\"b\"]").and_then(|v| v.as_i64()),
            Some(1)
        );
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse("a: b\nc: [d\n", &mut |_| {}).unwrap_err();
        assert!(e.line >= 2, "{e:?}");
        let e = parse("a: b\n  c: d\n", &mut |_| {}).unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
    }
}
