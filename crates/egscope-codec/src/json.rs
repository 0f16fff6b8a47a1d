//! JSON documents (one value, or several one after another as
//! `kubectl get -w -o json` writes them), parsed with serde_json, plus a
//! linear scan of the text for the lines of the nodes near each root.

use crate::value::Value;

use super::lines::{Kids, LINE_DEPTH, LineNode, MAP_KIDS_DEPTH};
use super::yaml::{Document, ParseError};

/// serde_json's own nesting limit.
pub const MAX_DEPTH: usize = 128;

/// Parses every JSON value in `bytes`, handing each to `each`.
pub fn parse(text: &str, each: &mut dyn FnMut(Document)) -> Result<(), ParseError> {
    let mut values = Vec::new();
    // `from_str` trusts the UTF-8 the caller checked: faster than `from_slice`.
    for next in serde_json::Deserializer::from_str(text).into_iter::<Value>() {
        match next {
            Ok(v) => values.push(v),
            Err(e) => {
                let text = e.to_string();
                let message = if text.starts_with("recursion limit exceeded") {
                    format!("nested deeper than {MAX_DEPTH} levels")
                } else {
                    // serde_json appends " at line L column C": we print them first.
                    match text.rfind(" at line ") {
                        Some(i) => text[..i].to_string(),
                        None => text,
                    }
                };
                return Err(ParseError {
                    line: e.line(),
                    column: e.column(),
                    message,
                });
            }
        }
    }
    let roots = scan_lines(text.as_bytes());
    let mut roots = roots.into_iter();
    for value in values {
        let lines = roots.next().unwrap_or_default();
        if !value.is_null() {
            each(Document { value, lines });
        }
    }
    Ok(())
}

struct Frame {
    line: usize,
    object: bool,
    expecting_key: bool,
    key: Option<String>,
    kids: Kids,
}

/// The lines of the nodes down to `LINE_DEPTH` of every top-level value in
/// valid JSON text (one root per value).
pub fn scan_lines(bytes: &[u8]) -> Vec<LineNode> {
    let mut roots = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    // Depth below the tracked frames (containers deeper than LINE_DEPTH).
    let mut untracked = 0usize;
    let mut line = 1usize;
    let mut i = 0usize;
    let n = bytes.len();

    fn attach(stack: &mut [Frame], roots: &mut Vec<LineNode>, node: LineNode) {
        match stack.last_mut() {
            None => roots.push(node),
            Some(parent) => match &mut parent.kids {
                Kids::Seq(kids) => kids.push(node),
                Kids::Map(kids) => {
                    let key = parent.key.take().unwrap_or_default();
                    kids.push((key, node));
                }
                Kids::None => {}
            },
        }
    }

    while i < n {
        let b = bytes[i];
        match b {
            b'\n' => line += 1,
            b' ' | b'\t' | b'\r' => {}
            b'"' => {
                let start = i + 1;
                let mut escaped = false;
                i += 1;
                while i < n {
                    match bytes[i] {
                        b'\\' => {
                            escaped = true;
                            i += 2;
                        }
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                if untracked == 0 {
                    let is_key = stack.last().is_some_and(|f| f.object && f.expecting_key);
                    let wanted = stack.last().is_some_and(|f| matches!(f.kids, Kids::Map(_)));
                    if is_key && !wanted {
                        // An object's key whose value's line nobody needs.
                    } else if is_key {
                        let raw = &bytes[start..i.min(n)];
                        let key = if escaped {
                            serde_json::from_slice::<String>(&bytes[start - 1..(i + 1).min(n)])
                                .unwrap_or_default()
                        } else {
                            String::from_utf8_lossy(raw).into_owned()
                        };
                        if let Some(top) = stack.last_mut() {
                            top.key = Some(key);
                        }
                    } else {
                        attach(&mut stack, &mut roots, LineNode::leaf(line));
                    }
                }
            }
            b'{' | b'[' => {
                if untracked > 0 {
                    untracked += 1;
                } else if stack.len() < LINE_DEPTH {
                    let object = b == b'{';
                    stack.push(Frame {
                        line,
                        object,
                        expecting_key: object,
                        key: None,
                        kids: if !object {
                            Kids::Seq(Vec::new())
                        } else if stack.len() < MAP_KIDS_DEPTH {
                            Kids::Map(Vec::new())
                        } else {
                            Kids::None
                        },
                    });
                } else {
                    attach(&mut stack, &mut roots, LineNode::leaf(line));
                    untracked = 1;
                }
            }
            b'}' | b']' => {
                if untracked > 0 {
                    untracked -= 1;
                } else if let Some(frame) = stack.pop() {
                    let node = LineNode {
                        line: frame.line,
                        kids: frame.kids,
                    };
                    attach(&mut stack, &mut roots, node);
                }
            }
            b':' => {
                if untracked == 0
                    && let Some(top) = stack.last_mut()
                {
                    top.expecting_key = false;
                }
            }
            b',' => {
                if untracked == 0
                    && let Some(top) = stack.last_mut()
                {
                    top.expecting_key = top.object;
                }
            }
            _ => {
                // A number, true, false or null: one node, skip the rest.
                if untracked == 0 {
                    attach(&mut stack, &mut roots, LineNode::leaf(line));
                }
                while i + 1 < n
                    && !matches!(
                        bytes[i + 1],
                        b',' | b']' | b'}' | b' ' | b'\n' | b'\r' | b'\t' | b'"' | b'{' | b'['
                    )
                {
                    i += 1;
                }
            }
        }
        i += 1;
    }
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_of(node: &LineNode) -> Vec<usize> {
        match &node.kids {
            Kids::Seq(v) => v.iter().map(|n| n.line).collect(),
            Kids::Map(v) => v.iter().map(|(_, n)| n.line).collect(),
            Kids::None => Vec::new(),
        }
    }

    #[test]
    fn scan_finds_object_lines() {
        let text = br#"{
  "kind": "List",
  "items": [
    {"a": "x\"y{[", "b": [1, 2]},
    {
      "c": {"d": {"e": {"f": 1}}}
    }
  ]
}
[1, {"z": 2}]
"#;
        let roots = scan_lines(text);
        assert_eq!(roots.len(), 2);
        assert_eq!(roots[0].line, 1);
        let items = roots[0].clone().take_key("items").unwrap();
        assert_eq!(items.line, 3);
        assert_eq!(lines_of(&items), vec![4, 5]);
        assert_eq!(roots[1].line, 10);
        assert_eq!(lines_of(&roots[1]), vec![10, 10]);
    }

    #[test]
    fn escaped_keys_decode() {
        let roots = scan_lines(br#"{"a\"b": {"c": 1}}"#);
        assert!(roots[0].clone().take_key("a\"b").is_some());
    }

    #[test]
    fn deep_nesting_fails_cleanly() {
        let deep = "[".repeat(10_000);
        let e = parse(&deep, &mut |_| {}).unwrap_err();
        assert!(e.message.contains("nested deeper than 128"), "{e:?}");
        let deep = "{\"a\":".repeat(10_000);
        let e = parse(&deep, &mut |_| {}).unwrap_err();
        assert!(e.message.contains("nested deeper than 128"), "{e:?}");
        assert_eq!(e.line, 1);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = parse("{\n  \"a\": 1,\n  \"b\" 2\n}", &mut |_| {}).unwrap_err();
        assert_eq!((e.line, e.column), (3, 7), "{e:?}");
        assert_eq!(e.message, "expected `:`");
    }
}
