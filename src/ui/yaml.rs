//! A small JSON → YAML printer that remembers, for every line, the path of
//! the value it prints, so that a finding's field path (`spec.listeners[2]`,
//! `status.conditions[Accepted]`, `metadata.annotations[a.b/c]`) maps to the
//! lines to highlight.

use crate::codec::value::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlLine {
    pub indent: usize,
    /// `key: ` or `- ` prefix text (after the indent), printed in the key role.
    pub key: String,
    pub value: String,
    pub path: Vec<Seg>,
}

impl YamlLine {
    pub fn text(&self) -> String {
        format!("{}{}{}", " ".repeat(self.indent), self.key, self.value)
    }
}

/// Prints an object as YAML lines; `metadata.managedFields` is dropped.
pub fn print(v: &Value) -> Vec<YamlLine> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    match v {
        Value::Object(map) => print_map(map, 0, &mut path, &mut out, None),
        other => out.push(YamlLine {
            indent: 0,
            key: String::new(),
            value: scalar(other),
            path: Vec::new(),
        }),
    }
    out
}

fn skip(path: &[Seg], key: &str) -> bool {
    key == "managedFields" && matches!(path, [Seg::Key(m)] if m == "metadata")
}

/// Prints the map's entries at `indent`. `first_prefix`, when given, is put
/// before the first key instead of the indent (a list item's `- `).
fn print_map(
    map: &crate::codec::value::Map,
    indent: usize,
    path: &mut Vec<Seg>,
    out: &mut Vec<YamlLine>,
    mut first_prefix: Option<(usize, String)>,
) {
    if map.is_empty() {
        let (ind, pre) = first_prefix.take().unwrap_or((indent, String::new()));
        out.push(YamlLine {
            indent: ind,
            key: pre,
            value: "{}".into(),
            path: path.clone(),
        });
        return;
    }
    for (k, v) in map {
        if skip(path, k) {
            continue;
        }
        path.push(Seg::Key(k.to_string()));
        let (ind, pre) = first_prefix.take().unwrap_or((indent, String::new()));
        let key = format!("{pre}{}: ", key_text(k));
        print_value(v, ind, key, indent, path, out);
        path.pop();
    }
}

/// Prints `key` (already formatted) and the value; nested values indent
/// to `indent + 2`.
fn print_value(
    v: &Value,
    line_indent: usize,
    key: String,
    indent: usize,
    path: &mut Vec<Seg>,
    out: &mut Vec<YamlLine>,
) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.push(YamlLine {
                indent: line_indent,
                key: key.trim_end().to_string(),
                value: String::new(),
                path: path.clone(),
            });
            print_map(m, indent + 2, path, out, None);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push(YamlLine {
                indent: line_indent,
                key: key.trim_end().to_string(),
                value: String::new(),
                path: path.clone(),
            });
            print_seq(items, indent, path, out);
        }
        Value::String(s) if s.contains('\n') => {
            out.push(YamlLine {
                indent: line_indent,
                key,
                value: if s.ends_with('\n') { "|" } else { "|-" }.into(),
                path: path.clone(),
            });
            for l in s.trim_end_matches('\n').split('\n') {
                out.push(YamlLine {
                    indent: indent + 2,
                    key: String::new(),
                    value: l.to_string(),
                    path: path.clone(),
                });
            }
        }
        other => out.push(YamlLine {
            indent: line_indent,
            key,
            value: scalar(other),
            path: path.clone(),
        }),
    }
}

/// Items at `indent` (kubectl style: `- ` at the parent key's indent).
fn print_seq(items: &[Value], indent: usize, path: &mut Vec<Seg>, out: &mut Vec<YamlLine>) {
    for (i, item) in items.iter().enumerate() {
        path.push(Seg::Index(i));
        match item {
            Value::Object(m) if !m.is_empty() => {
                print_map(m, indent + 2, path, out, Some((indent, "- ".into())));
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push(YamlLine {
                    indent,
                    key: "-".into(),
                    value: String::new(),
                    path: path.clone(),
                });
                print_seq(inner, indent + 2, path, out);
            }
            other => print_value(other, indent, "- ".into(), indent, path, out),
        }
        path.pop();
    }
}

fn key_text(k: &str) -> String {
    if needs_quotes(k) {
        serde_json::to_string(k).unwrap_or_default()
    } else {
        k.to_string()
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => {
            if needs_quotes(s) {
                serde_json::to_string(s.as_str()).unwrap_or_default()
            } else {
                s.to_string()
            }
        }
        Value::Array(_) => "[]".into(),
        Value::Object(_) => "{}".into(),
    }
}

/// Whether a plain scalar would read back as something else.
fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || s.trim() != s {
        return true;
    }
    let lower = s.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~" | "y" | "n"
    ) {
        return true;
    }
    if s.parse::<f64>().is_ok() || s.starts_with(|c: char| c.is_ascii_digit()) && s.contains(':') {
        return true;
    }
    let first = s.chars().next().unwrap_or(' ');
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        return true;
    }
    s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.chars().any(char::is_control)
}

/// Parses a finding path: `spec.a.b`, `x[2]`, `x[Accepted]`, `x[a.b/c]`, `x[]`.
pub fn parse_path(path: &str) -> Vec<PathSeg> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                if !cur.is_empty() {
                    out.push(PathSeg::Key(std::mem::take(&mut cur)));
                }
            }
            '[' => {
                if !cur.is_empty() {
                    out.push(PathSeg::Key(std::mem::take(&mut cur)));
                }
                let mut inner = String::new();
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    inner.push(c);
                }
                out.push(PathSeg::Bracket(inner));
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(PathSeg::Key(cur));
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    Key(String),
    Bracket(String),
}

/// Where a finding path lands in an object: the deepest existing node's
/// path, and whether the whole path exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub path: Vec<Seg>,
    pub complete: bool,
    /// The walk stopped at a string (e.g. YAML embedded in a ConfigMap).
    pub in_text: bool,
}

pub fn resolve(root: &Value, path: &str) -> Resolved {
    let mut cur = root;
    let mut out = Vec::new();
    let segs = parse_path(path);
    for (i, seg) in segs.iter().enumerate() {
        let next = match (seg, cur) {
            (PathSeg::Key(k), Value::Object(m)) | (PathSeg::Bracket(k), Value::Object(m)) => {
                m.get(k).map(|v| (Seg::Key(k.clone()), v))
            }
            (PathSeg::Bracket(b), Value::Array(items)) => {
                if b.is_empty() {
                    items.first().map(|v| (Seg::Index(0), v))
                } else if let Ok(n) = b.parse::<usize>() {
                    items.get(n).map(|v| (Seg::Index(n), v))
                } else {
                    // A named element: conditions by `type`, listeners by `name`.
                    items
                        .iter()
                        .position(|it| {
                            ["type", "name"]
                                .iter()
                                .any(|k| it.get(k).and_then(Value::as_str) == Some(b.as_str()))
                        })
                        .map(|n| (Seg::Index(n), &items[n]))
                }
            }
            _ => None,
        };
        match next {
            Some((s, v)) => {
                out.push(s);
                cur = v;
            }
            None => {
                return Resolved {
                    path: out,
                    complete: false,
                    in_text: cur.is_string() && i > 0,
                };
            }
        }
    }
    Resolved {
        path: out,
        complete: true,
        in_text: false,
    }
}

/// Lines whose value lies under `prefix` (the first and last of them).
pub fn span(lines: &[YamlLine], prefix: &[Seg]) -> Option<(usize, usize)> {
    let mut first = None;
    let mut last = 0;
    for (i, l) in lines.iter().enumerate() {
        if l.path.starts_with(prefix) {
            first.get_or_insert(i);
            last = i;
        }
    }
    first.map(|f| (f, last))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_value as json;

    #[test]
    fn prints_kubectl_style_yaml() {
        let v = json!({
            "apiVersion": "v1",
            "metadata": {"name": "x", "managedFields": [{"a": 1}], "labels": {"a.b/c": "true"}},
            "spec": {"listeners": [{"name": "http", "port": 80}, {"name": "https", "port": 443}],
                     "empty": {}, "list": ["a", "1"], "text": "line1\nline2\n"}
        });
        let text: Vec<String> = print(&v).iter().map(YamlLine::text).collect();
        assert_eq!(
            text.join("\n"),
            "apiVersion: v1\nmetadata:\n  name: x\n  labels:\n    a.b/c: \"true\"\nspec:\n  listeners:\n  - name: http\n    port: 80\n  - name: https\n    port: 443\n  empty: {}\n  list:\n  - a\n  - \"1\"\n  text: |\n    line1\n    line2"
        );
    }

    #[test]
    fn resolves_paths_to_lines() {
        let v = json!({
            "metadata": {"annotations": {"audit.egscope.io/ignore-EG1": ""}},
            "spec": {"listeners": [{"name": "a"}, {"name": "b", "port": 1}]},
            "status": {"conditions": [{"type": "Programmed"}, {"type": "Accepted", "status": "False"}]},
            "data": {"cfg.yaml": "gateway:\n  controllerName: x\n"}
        });
        let lines = print(&v);
        let r = resolve(&v, "spec.listeners[1]");
        assert!(r.complete);
        let (a, b) = span(&lines, &r.path).unwrap();
        assert_eq!(lines[a].text().trim(), "- name: b");
        assert_eq!(lines[b].text().trim(), "port: 1");
        let r = resolve(&v, "status.conditions[Accepted]");
        assert_eq!(r.path.last(), Some(&Seg::Index(1)));
        let r = resolve(&v, "metadata.annotations[audit.egscope.io/ignore-EG1]");
        assert!(r.complete);
        let r = resolve(&v, "spec.timeout.http.requestReceivedTimeout");
        assert!(!r.complete);
        assert_eq!(r.path, vec![Seg::Key("spec".into())]);
        let r = resolve(&v, "data[cfg.yaml].gateway.controllerName");
        assert!(!r.complete && r.in_text);
    }
}
