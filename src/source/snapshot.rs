//! Snapshot files: YAML or JSON, in every layout `kubectl` and Envoy
//! Gateway's own test data use.
//!
//! Layouts inside a document: a single object; a `List` (or any `*List`
//! kind) with `items`; a top-level array of objects; and a "container"
//! mapping whose top-level keys hold objects or lists of objects (Envoy
//! Gateway's translator test data: `gateways: [...]`,
//! `envoyProxyForGatewayClass: {...}`). Every object keeps its file and the
//! line where its mapping starts.

use std::fs;
use std::io::{self, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::codec::value::{Map, Value};

use crate::codec::json;
use crate::codec::lines::LineNode;
use crate::codec::yaml::{self, Document, ParseError};
use crate::error::UserError;
use crate::store::{Location, Object, ObjectOrOther, SourceInfo, SourceKind, Store};

/// File name extensions read from directories.
const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// Loads one in-memory document set (an embedded demo cluster) as if it
/// were the file `name`.
pub fn load_text(name: &str, text: &str) -> Result<Store, UserError> {
    let mut store = Store::new(SourceInfo {
        kind: SourceKind::Snapshot,
        context: None,
        paths: vec![name.to_string()],
        namespace: None,
    });
    load_bytes(text.as_bytes(), name, Format::Unknown, &mut store)?;
    Ok(store)
}

/// Loads files, directories (recursive) and `-` (standard input).
pub fn load(paths: &[String], stdin: &mut dyn Read) -> Result<Store, UserError> {
    let mut store = Store::new(SourceInfo {
        kind: SourceKind::Snapshot,
        context: None,
        paths: paths.to_vec(),
        namespace: None,
    });
    if paths.is_empty() {
        return Err(UserError::new(
            "no snapshot paths given: pass files or directories of YAML or JSON \
             (or - for standard input)",
        ));
    }
    let mut stdin_read = false;
    for given in paths {
        if given == "-" {
            // Standard input can be read once; a second `-` adds nothing.
            if !stdin_read {
                stdin_read = true;
                let mut buf = Vec::new();
                stdin
                    .read_to_end(&mut buf)
                    .map_err(|e| UserError::new(format!("cannot read standard input: {e}")))?;
                load_bytes(&buf, "<stdin>", Format::Unknown, &mut store)?;
            }
            continue;
        }
        let path = Path::new(given);
        let meta = fs::metadata(path).map_err(|e| io_error(given, &e))?;
        if meta.is_dir() {
            let files = files_in(path, given)?;
            if files.is_empty() {
                return Err(UserError::new(format!(
                    "no *.yaml, *.yml or *.json files in directory {given}: point the \
                     snapshot at the directory that holds the manifests or at the files \
                     themselves"
                )));
            }
            for rel in files {
                let full = path.join(&rel);
                let shown = full.to_string_lossy().into_owned();
                load_file(&full, &shown, &mut store)?;
            }
        } else {
            load_file(path, given, &mut store)?;
        }
    }
    if store.is_empty() && store.ignored == 0 {
        return Err(UserError::new(format!(
            "no Kubernetes objects found in {}: no document holds a mapping with \
             apiVersion and kind. Pass manifests or the output of `kubectl get ... -o yaml` \
             (or -o json).",
            paths.join(", ")
        )));
    }
    Ok(store)
}

/// What a file's name says it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Yaml,
    Unknown,
}

fn io_error(shown: &str, e: &io::Error) -> UserError {
    match e.kind() {
        io::ErrorKind::NotFound => UserError::new(format!(
            "no such file or directory: {shown}; check the path passed as a snapshot"
        )),
        io::ErrorKind::PermissionDenied => UserError::new(format!(
            "cannot read {shown}: permission denied; check the file's permissions or run \
             as a user who may read it"
        )),
        _ => UserError::new(format!("cannot read {shown}: {e}")),
    }
}

/// `*.yaml`, `*.yml` and `*.json` files under `dir`, relative to it, sorted.
/// Hidden entries (`.git`, a ConfigMap volume's `..data`) are skipped, and
/// symbolic links to directories are not followed (no loops).
fn files_in(dir: &Path, shown: &str) -> Result<Vec<PathBuf>, UserError> {
    let mut out = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        let here = dir.join(&rel);
        let entries = fs::read_dir(&here).map_err(|e| io_error(&here.to_string_lossy(), &e))?;
        for entry in entries {
            let entry = entry.map_err(|e| io_error(shown, &e))?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            let child = rel.join(&name);
            let file_type = entry.file_type().map_err(|e| io_error(shown, &e))?;
            let is_file = if file_type.is_dir() {
                pending.push(child);
                continue;
            } else if file_type.is_symlink() {
                fs::metadata(entry.path()).is_ok_and(|m| m.is_file())
            } else {
                file_type.is_file()
            };
            if is_file && has_extension(&child) {
                out.push(child);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn has_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

fn load_file(path: &Path, shown: &str, store: &mut Store) -> Result<(), UserError> {
    let bytes = fs::read(path).map_err(|e| io_error(shown, &e))?;
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("json") => Format::Json,
        Some(e) if e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml") => Format::Yaml,
        _ => Format::Unknown,
    };
    load_bytes(&bytes, shown, format, store)
}

/// Parses one file's bytes into `store`.
fn load_bytes(
    bytes: &[u8],
    shown: &str,
    format: Format,
    store: &mut Store,
) -> Result<(), UserError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let not_text = || {
        UserError::new(format!(
            "{shown} is not a text file (YAML or JSON expected); leave it out of the \
             snapshot paths"
        ))
    };
    if bytes.contains(&0) {
        return Err(not_text());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| not_text())?;
    let file: Arc<str> = Arc::from(shown);
    let looks_json = matches!(text.trim_start().as_bytes().first(), Some(b'{' | b'['));

    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut each = |doc: Document| extract(doc, &file, store);
        if looks_json {
            match json::parse(text, &mut each) {
                Ok(()) => Ok(()),
                // YAML flow style (`{a: 1}`) also starts with a brace.
                Err(e) if format != Format::Json => match yaml::parse(text, &mut each) {
                    Ok(()) => Ok(()),
                    Err(y) if format == Format::Yaml => Err(("YAML", y)),
                    Err(_) => Err(("JSON", e)),
                },
                Err(e) => Err(("JSON", e)),
            }
        } else {
            yaml::parse(text, &mut each).map_err(|e| ("YAML", e))
        }
    }));
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err((what, e))) => Err(syntax_error(shown, what, &e)),
        Err(_) => Err(UserError::new(format!(
            "{shown}: the {} parser failed on this file (a bug in egscope; please report it \
             with the file); leave the file out of the snapshot paths meanwhile",
            if looks_json { "JSON" } else { "YAML" }
        ))),
    }
}

fn syntax_error(shown: &str, what: &str, e: &ParseError) -> UserError {
    let ParseError {
        line,
        column,
        message,
    } = e;
    if message.starts_with("nested deeper") || message.contains("billion laughs") {
        UserError::new(format!(
            "{shown}:{line}:{column}: {message}; egscope refuses such {what} input: fix the \
             file or leave it out of the snapshot paths"
        ))
    } else {
        UserError::new(format!(
            "{shown}:{line}:{column}: invalid {what}: {message}; fix the file or leave it out \
             of the snapshot paths"
        ))
    }
}

/// Finds the objects of one document and hands them to the store.
fn extract(doc: Document, file: &Arc<str>, store: &mut Store) {
    let Document { value, lines } = doc;
    let root_line = lines.line;
    match value {
        Value::Object(map) => {
            if is_list(&map) {
                list_items(map, lines, file, store);
            } else if has_kind_or_version(&map)
                || map.contains_key("metadata")
                || map.contains_key("spec")
            {
                // An object, or something in an object's place that
                // lacks what every object has (reported, never dropped).
                candidate(Value::Object(map), root_line, file, store);
            } else {
                container(map, lines, file, store);
            }
        }
        Value::Array(items) => array_of_objects(items, lines, false, file, store),
        _ => {}
    }
}

fn is_list(map: &Map) -> bool {
    map.get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| k.ends_with("List"))
        && map.get("items").is_some_and(Value::is_array)
}

fn has_kind_or_version(map: &Map) -> bool {
    map.contains_key("apiVersion") || map.contains_key("kind")
}

fn looks_like_object(v: &Value) -> bool {
    v.as_object().is_some_and(has_kind_or_version)
}

/// Every element of a List's `items`.
fn list_items(mut map: Map, lines: LineNode, file: &Arc<str>, store: &mut Store) {
    // egscope's own snapshots record what was listed (see `coverage`).
    if let Some(ann) = map
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(Value::as_object)
    {
        super::coverage::apply(
            &|key: &str| ann.get(key).and_then(Value::as_str).map(str::to_string),
            store,
        );
    }
    let line = lines.line;
    let item_lines = lines.take_key("items").unwrap_or(LineNode::leaf(line));
    if let Some(Value::Array(items)) = map.remove("items") {
        array_of_objects(items, item_lines, true, file, store);
    }
}

/// The objects of an array. In a List (`strict`) every element is meant to
/// be an object; elsewhere an array counts only when some element looks
/// like an object, and then only its mappings do.
fn array_of_objects(
    items: Box<[Value]>,
    lines: LineNode,
    strict: bool,
    file: &Arc<str>,
    store: &mut Store,
) {
    if !strict && !items.iter().any(looks_like_object) {
        return;
    }
    let fallback = lines.line;
    let mut item_lines = lines.into_seq().into_iter();
    for item in items.into_vec() {
        let lines = item_lines.next().unwrap_or(LineNode::leaf(fallback));
        match item {
            Value::Object(map) if is_list(&map) => list_items(map, lines, file, store),
            Value::Object(_) => candidate(item, lines.line, file, store),
            _ if strict => candidate(item, lines.line, file, store),
            _ => {}
        }
    }
}

/// A mapping whose values may hold objects or lists of objects, one level
/// deep; values that are neither are ignored.
fn container(map: Map, lines: LineNode, file: &Arc<str>, store: &mut Store) {
    let fallback = lines.line;
    let mut kid_lines = lines.into_map();
    for (key, value) in map {
        let lines = kid_lines.remove(&*key).unwrap_or(LineNode::leaf(fallback));
        match value {
            Value::Object(m) if is_list(&m) => list_items(m, lines, file, store),
            Value::Object(m) if has_kind_or_version(&m) => {
                candidate(Value::Object(m), lines.line, file, store)
            }
            Value::Array(items) => array_of_objects(items, lines, false, file, store),
            _ => {}
        }
    }
}

fn candidate(value: Value, line: usize, file: &Arc<str>, store: &mut Store) {
    let location = Location {
        file: file.clone(),
        line,
    };
    match Object::from_value(value, Some(location)) {
        Ok(ObjectOrOther::Object(o)) => store.insert(*o),
        Ok(ObjectOrOther::Other) => store.ignored += 1,
        Err(u) => store.undecodable.push(*u),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;
    use crate::store::Kind;

    fn write(dir: &Path, rel: &str, text: &str) -> String {
        let path = dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    fn load_paths(paths: &[String]) -> Result<Store, UserError> {
        load(paths, &mut io::empty())
    }

    fn load_text(name: &str, text: &str) -> Result<(Store, String), UserError> {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), name, text);
        load_paths(std::slice::from_ref(&path)).map(|s| (s, path))
    }

    /// (kind, name, line) of every object, in store order.
    fn summary(store: &Store) -> Vec<(String, String, usize)> {
        let mut out: Vec<_> = store
            .all()
            .map(|o| {
                (
                    o.kind.name().to_string(),
                    o.name.clone(),
                    o.location.as_ref().unwrap().line,
                )
            })
            .collect();
        out.sort_by_key(|(_, _, line)| *line);
        out
    }

    fn s(kind: &str, name: &str, line: usize) -> (String, String, usize) {
        (kind.to_string(), name.to_string(), line)
    }

    const GW: &str = "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n";

    #[test]
    fn multi_document_yaml_with_lines() {
        let text = format!(
            "# leading comment\n---\n{GW}metadata:\n  name: a\n  namespace: ns\n---\n\n{GW}\
             metadata: {{name: b}}\n---\n# empty\n---\napiVersion: v1\nkind: Service\n\
             metadata:\n  name: svc\n"
        );
        let (store, path) = load_text("m.yaml", &text).unwrap();
        assert_eq!(
            summary(&store),
            vec![
                s("Gateway", "a", 3),
                s("Gateway", "b", 10),
                s("Service", "svc", 16)
            ]
        );
        let gw = &store.of(Kind::Gateway)[0];
        assert_eq!(gw.namespace.as_deref(), Some("ns"));
        assert_eq!(&*gw.location.as_ref().unwrap().file, path.as_str());
        assert_eq!(store.source.kind, SourceKind::Snapshot);
        assert_eq!(store.source.paths, vec![path]);
    }

    #[test]
    fn list_and_typed_list() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  \
                    metadata:\n    name: p1\n    namespace: x\n-   apiVersion: v1\n    \
                    kind: Service\n    metadata: {name: s1, namespace: x}\n";
        let (store, _) = load_text("l.yaml", text).unwrap();
        assert_eq!(
            summary(&store),
            vec![s("Pod", "p1", 4), s("Service", "s1", 9)]
        );

        let text = "apiVersion: v1\nkind: PodList\nmetadata: {}\nitems:\n  - metadata:\n      \
                    name: p2\n    apiVersion: v1\n    kind: Pod\n";
        let (store, _) = load_text("pl.yaml", text).unwrap();
        assert_eq!(summary(&store), vec![s("Pod", "p2", 5)]);
    }

    #[test]
    fn json_object_list_and_array() {
        let obj = r#"{
  "apiVersion": "v1",
  "kind": "ConfigMap",
  "metadata": {"name": "c", "namespace": "n"}
}"#;
        let (store, _) = load_text("o.json", obj).unwrap();
        assert_eq!(summary(&store), vec![s("ConfigMap", "c", 1)]);

        let list = r#"{
  "apiVersion": "v1",
  "items": [
    {
      "apiVersion": "v1",
      "kind": "Namespace",
      "metadata": {"name": "one"}
    },
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "two"}}
  ],
  "kind": "List"
}"#;
        let (store, _) = load_text("l.json", list).unwrap();
        assert_eq!(
            summary(&store),
            vec![s("Namespace", "one", 4), s("Namespace", "two", 9)]
        );

        let array = "[\n {\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"a\"}},\n\n \
                     {\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"b\"}}\n]\n";
        let (store, _) = load_text("a.json", array).unwrap();
        assert_eq!(
            summary(&store),
            vec![s("Namespace", "a", 2), s("Namespace", "b", 4)]
        );
    }

    #[test]
    fn json_in_a_file_without_extension_and_concatenated_values() {
        let text = "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"a\"}}\n\
                    {\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"b\"}}\n";
        let (store, _) = load_text("watch.out", text).unwrap();
        assert_eq!(
            summary(&store),
            vec![s("Namespace", "a", 1), s("Namespace", "b", 2)]
        );
    }

    #[test]
    fn yaml_flow_mapping_is_not_json() {
        let (store, _) = load_text(
            "f.yaml",
            "{apiVersion: v1, kind: Namespace, metadata: {name: f}}\n",
        )
        .unwrap();
        assert_eq!(summary(&store), vec![s("Namespace", "f", 1)]);
    }

    #[test]
    fn translator_input_layout() {
        let text = "\
envoyProxyForGatewayClass:
  apiVersion: gateway.envoyproxy.io/v1alpha1
  kind: EnvoyProxy
  metadata:
    name: proxy
    namespace: envoy-gateway-system
gateways:
- apiVersion: gateway.networking.k8s.io/v1
  kind: Gateway
  metadata:
    name: gw-1
    namespace: envoy-gateway
- apiVersion: gateway.networking.k8s.io/v1
  kind: Gateway
  metadata:
    name: gw-2
    namespace: envoy-gateway
httpRoutes:
  - apiVersion: gateway.networking.k8s.io/v1
    kind: HTTPRoute
    metadata:
      name: r
      namespace: default
xdsIR:
  envoy-gateway/gw-1:
    http:
    - name: x
infraIR:
  envoy-gateway/gw-1:
    proxy:
      config:
        apiVersion: gateway.envoyproxy.io/v1alpha1
        kind: EnvoyProxy
        metadata: {name: nested}
names: [a, b]
count: 3
";
        let (store, _) = load_text("t.in.yaml", text).unwrap();
        assert_eq!(
            summary(&store),
            vec![
                s("EnvoyProxy", "proxy", 2),
                s("Gateway", "gw-1", 8),
                s("Gateway", "gw-2", 13),
                s("HTTPRoute", "r", 19),
            ]
        );
        assert!(store.undecodable.is_empty());
        assert_eq!(store.ignored, 0);
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let text = "\
apiVersion: v1
kind: List
items:
- &svc
  apiVersion: v1
  kind: Service
  metadata: &meta
    name: one
    namespace: ns
    labels: &labels {app: x}
- apiVersion: v1
  kind: Service
  metadata:
    <<: *meta
    name: two
    labels:
      <<: *labels
      tier: edge
";
        let (store, _) = load_text("anchors.yaml", text).unwrap();
        assert_eq!(
            summary(&store),
            vec![s("Service", "one", 4), s("Service", "two", 11)]
        );
        let two = &store.of(Kind::Service)[1];
        assert_eq!(two.namespace.as_deref(), Some("ns"));
        assert_eq!(two.labels.get("app"), Some("x"));
        assert_eq!(two.labels.get("tier"), Some("edge"));
    }

    #[test]
    fn quoted_and_plain_scalars() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  \
                    a: \"32768\"\n  b: 32768\n  c: yes\n  d: 'on'\n";
        let (store, _) = load_text("s.yaml", text).unwrap();
        let raw = &store.of(Kind::ConfigMap)[0].raw;
        assert_eq!(raw["data"]["a"], Value::String("32768".into()));
        assert_eq!(raw["data"]["b"], Value::from(32768));
        assert_eq!(raw["data"]["c"], Value::String("yes".into()));
        assert_eq!(raw["data"]["d"], Value::String("on".into()));
    }

    #[test]
    fn secrets_are_ignored() {
        let text = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: c2VjcmV0}\n---\n\
                    apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n";
        let (store, _) = load_text("sec.yaml", text).unwrap();
        assert_eq!(store.len(), 1);
        assert_eq!(store.ignored, 1);
        assert!(!store.all().any(|o| o.raw.to_string().contains("c2VjcmV0")));
        // Only Secrets: ignored, not "no objects".
        let (store, _) = load_text(
            "only.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n",
        )
        .unwrap();
        assert_eq!((store.len(), store.ignored), (0, 1));
    }

    #[test]
    fn undecodable_objects_are_kept_with_location() {
        let text = format!(
            "{GW}metadata:\n  namespace: x\n---\n{GW}metadata:\n  name: y\n  labels: [a]\n---\n\
             metadata:\n  name: z\nspec: {{}}\n---\napiVersion: v1\nkind: List\nitems:\n- 42\n"
        );
        let (store, path) = load_text("bad.yaml", &text).unwrap();
        assert_eq!(store.len(), 0);
        let found: Vec<_> = store
            .undecodable
            .iter()
            .map(|u| (u.reason.as_str(), u.location.as_ref().unwrap().line))
            .collect();
        assert_eq!(
            found,
            vec![
                ("metadata.name is missing or not a string", 1),
                ("metadata.labels is not a mapping", 6),
                ("no apiVersion or kind", 12),
                ("no apiVersion or kind", 19),
            ]
        );
        assert_eq!(
            &*store.undecodable[0].location.as_ref().unwrap().file,
            path.as_str()
        );
    }

    #[test]
    fn missing_path() {
        let e = load_paths(&["/nonexistent/egscope/x.yaml".to_string()]).unwrap_err();
        assert!(
            e.message
                .starts_with("no such file or directory: /nonexistent/egscope/x.yaml"),
            "{e}"
        );
    }

    #[test]
    fn empty_directory_and_no_objects() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "readme.txt", "hello");
        let given = dir.path().to_string_lossy().into_owned();
        let e = load_paths(std::slice::from_ref(&given)).unwrap_err();
        assert!(
            e.message
                .contains("no *.yaml, *.yml or *.json files in directory"),
            "{e}"
        );

        let e = load_text("values.yaml", "replicas: 2\nimage: {tag: x}\n").unwrap_err();
        assert!(
            e.message.starts_with("no Kubernetes objects found in "),
            "{e}"
        );
        let e = load_text("empty.yaml", "# nothing\n").unwrap_err();
        assert!(
            e.message.starts_with("no Kubernetes objects found in "),
            "{e}"
        );
        let e = load_text("empty.json", "[]").unwrap_err();
        assert!(
            e.message.starts_with("no Kubernetes objects found in "),
            "{e}"
        );
    }

    #[test]
    fn yaml_syntax_error_has_position() {
        let e = load_text(
            "bad.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [x\n",
        )
        .unwrap_err();
        let re = e.message.split(": invalid YAML").next().unwrap();
        assert!(re.ends_with(".yaml:5:1") || re.contains(".yaml:4:"), "{e}");
        let e = load_text("bad2.yaml", "a: b\n  c: d\n").unwrap_err();
        assert!(e.message.contains("bad2.yaml:2:"), "{e}");
        assert!(e.message.contains("invalid YAML"), "{e}");
    }

    #[test]
    fn json_syntax_error_has_position() {
        let e = load_text("bad.json", "{\n  \"kind\": \"Pod\",\n  \"x\" 1\n}\n").unwrap_err();
        assert!(
            e.message
                .contains("bad.json:3:7: invalid JSON: expected `:`"),
            "{e}"
        );
    }

    #[test]
    fn binary_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bin.yaml");
        fs::write(&path, b"apiVersion: v1\0\x01").unwrap();
        let given = path.to_string_lossy().into_owned();
        let e = load_paths(std::slice::from_ref(&given)).unwrap_err();
        assert_eq!(
            e.message.split(';').next().unwrap(),
            format!("{given} is not a text file (YAML or JSON expected)")
        );
        fs::write(&path, b"kind: \xff\xfe\n").unwrap();
        let e = load_paths(std::slice::from_ref(&given)).unwrap_err();
        assert!(e.message.contains("is not a text file"), "{e}");
    }

    #[test]
    fn deep_nesting_fails_fast() {
        for (name, text) in [
            ("deep.yaml", "[".repeat(10_000)),
            ("deep2.yaml", "{a: ".repeat(10_000)),
            ("deep.json", "[".repeat(10_000)),
            ("deep2.json", "{\"a\": ".repeat(10_000)),
        ] {
            let e = load_text(name, &text).unwrap_err();
            assert!(e.message.contains("nested deeper than"), "{name}: {e}");
            assert!(e.message.contains(&format!("{name}:1:")), "{name}: {e}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let given = write(dir.path(), "locked.yaml", "a: b\n");
        fs::set_permissions(&given, fs::Permissions::from_mode(0o000)).unwrap();
        if fs::read(&given).is_ok() {
            eprintln!("running as root: permissions are not enforced, skipping");
            return;
        }
        let e = load_paths(std::slice::from_ref(&given)).unwrap_err();
        assert!(e.message.contains("permission denied"), "{e}");
    }

    #[test]
    fn stdin_dash() {
        let text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: from-stdin}\n";
        let mut input = Cursor::new(text.as_bytes().to_vec());
        let store = load(&["-".to_string(), "-".to_string()], &mut input).unwrap();
        assert_eq!(store.len(), 1);
        let o = store.all().next().unwrap();
        assert_eq!(o.location.as_ref().unwrap().to_string(), "<stdin>:1");
    }

    #[test]
    fn directories_recurse_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let ns = |n: &str| format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {n}}}\n");
        write(dir.path(), "b.yaml", &ns("b"));
        write(dir.path(), "a/z.yml", &ns("az"));
        write(
            dir.path(),
            "a/c.json",
            r#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ac"}}"#,
        );
        write(dir.path(), "c.txt", &ns("ignored"));
        write(dir.path(), ".hidden/x.yaml", &ns("hidden"));
        let given = dir.path().to_string_lossy().into_owned();
        let store = load_paths(std::slice::from_ref(&given)).unwrap();
        let got: Vec<_> = store
            .of(Kind::Namespace)
            .iter()
            .map(|o| {
                (
                    o.name.clone(),
                    o.location.as_ref().unwrap().file.to_string(),
                )
            })
            .collect();
        let p = |rel: &str| Path::new(&given).join(rel).to_string_lossy().into_owned();
        assert_eq!(
            got,
            vec![
                ("ac".to_string(), p("a/c.json")),
                ("az".to_string(), p("a/z.yml")),
                ("b".to_string(), p("b.yaml")),
            ]
        );
    }

    /// Loading grows linearly with the input: 20,000 routes take about four
    /// times what 5,000 take, in YAML and in JSON. A ratio measured in the
    /// same run, not a wall-clock limit, so a loaded CI machine does not make
    /// it flaky; the load time itself is measured by `benches/perf_table.rs`.
    #[test]
    fn loading_grows_linearly() {
        fn routes(n: usize) -> String {
            let mut text = String::from("apiVersion: v1\nkind: List\nitems:\n");
            for i in 0..n {
                text.push_str(&format!(
                    "- apiVersion: gateway.networking.k8s.io/v1\n  kind: HTTPRoute\n  metadata:\n    \
                     name: r{i}\n    namespace: ns\n  spec:\n    parentRefs: [{{name: gw}}]\n    \
                     rules:\n    - matches: [{{path: {{type: PathPrefix, value: /}}}}]\n"
                ));
            }
            text
        }
        fn timed(n: usize) -> std::time::Duration {
            let text = routes(n);
            let start = std::time::Instant::now();
            let (store, _) = load_text("big.yaml", &text).unwrap();
            assert_eq!(store.len(), n);
            let json = serde_json::to_string(&serde_json::json!({
                "kind": "List", "apiVersion": "v1",
                "items": store.all().map(|o| o.raw.clone()).collect::<Vec<_>>(),
            }))
            .unwrap();
            let (store, _) = load_text("big.json", &json).unwrap();
            assert_eq!(store.len(), n);
            start.elapsed()
        }
        let small = timed(5_000);
        let large = timed(20_000);
        // Linear is 4x; quadratic would be 16x.
        assert!(
            large <= small * 9 + std::time::Duration::from_millis(300),
            "5,000 routes {small:?}, 20,000 routes {large:?}"
        );
    }

    /// Loads every file of Envoy Gateway's own repository data, one by one.
    #[test]
    fn corpus_smoke() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        if !root.is_dir() {
            eprintln!("skipping corpus smoke test: {} is absent", root.display());
            return;
        }
        let files = files_in(&root, "corpus").unwrap();
        let (mut loaded, mut objects, mut empty) = (0, 0, 0);
        let (mut undecodable, mut ignored) = (0, 0);
        let mut failed = Vec::new();
        for rel in &files {
            let full = root.join(rel);
            let shown = full.to_string_lossy().into_owned();
            let rel_text = rel.to_string_lossy();
            let translator_input = rel_text.contains("internal/gatewayapi/testdata/")
                && rel_text.ends_with(".in.yaml");
            match load_paths(std::slice::from_ref(&shown)) {
                Ok(store) => {
                    loaded += 1;
                    objects += store.len();
                    undecodable += store.undecodable.len();
                    for u in &store.undecodable {
                        eprintln!("undecodable: {:?} {}", u.location, u.reason);
                    }
                    ignored += store.ignored;
                    if translator_input {
                        assert!(store.all().next().is_some(), "{rel_text}: no objects");
                    }
                }
                Err(e) if e.message.starts_with("no Kubernetes objects") => {
                    assert!(!translator_input, "{rel_text}: {e}");
                    empty += 1;
                }
                Err(e) => {
                    assert!(!translator_input, "{rel_text}: {e}");
                    let text = fs::read_to_string(&full).unwrap_or_default();
                    assert!(text.contains("{{"), "{rel_text}: unexpected failure: {e}");
                    failed.push(format!("{rel_text}: {e}"));
                }
            }
        }
        eprintln!(
            "corpus: {} files, {loaded} loaded ({objects} objects, {undecodable} undecodable, \
             {ignored} of other kinds), {empty} without objects, {} failed (Helm templates):",
            files.len(),
            failed.len()
        );
        for f in &failed {
            eprintln!("  {f}");
        }
    }
}

#[cfg(test)]
mod perf {
    use std::time::Instant;

    use super::*;

    /// Load time against a plain parse of the same bytes; run with
    /// `cargo test --release --lib snapshot::perf -- --ignored --nocapture`.
    #[test]
    #[ignore = "timing, run in release"]
    fn load_versus_plain_parse() {
        let mut yaml = String::from("apiVersion: v1\nkind: List\nitems:\n");
        let mut i = 0;
        while yaml.len() < 50 << 20 {
            yaml.push_str(&format!(
                "- apiVersion: gateway.networking.k8s.io/v1\n  kind: HTTPRoute\n  metadata:\n    \
                 name: route-{i}\n    namespace: ns-{}\n    labels: {{app: a{i}, tier: edge}}\n  \
                 spec:\n    parentRefs:\n    - name: gw\n      sectionName: http\n    \
                 hostnames: [\"h{i}.example.com\"]\n    rules:\n    - matches:\n      - path:\n          \
                 type: PathPrefix\n          value: /api/{i}\n      backendRefs:\n      - name: svc-{i}\n        \
                 port: 8080\n        weight: 1\n      timeouts: {{request: 10s}}\n",
                i % 50
            ));
            i += 1;
        }
        let dir = tempfile::tempdir().unwrap();
        let ypath = dir.path().join("big.yaml");
        fs::write(&ypath, &yaml).unwrap();

        let t = Instant::now();
        let mut events = 0usize;
        for ev in saphyr_parser::Parser::new_from_str(&yaml) {
            ev.unwrap();
            events += 1;
        }
        let plain_yaml = t.elapsed();
        let t = Instant::now();
        let mut docs = 0;
        yaml::parse(&yaml, &mut |d| {
            docs += 1;
            drop(d)
        })
        .unwrap();
        eprintln!("yaml::parse alone {:?} ({docs} docs)", t.elapsed());
        let t = Instant::now();
        let store = load(&[ypath.to_string_lossy().into_owned()], &mut io::empty()).unwrap();
        let load_yaml = t.elapsed();
        assert_eq!(store.len(), i);
        eprintln!(
            "YAML {} MB, {i} objects: saphyr events only {plain_yaml:?} ({events} events), load {load_yaml:?}",
            yaml.len() >> 20
        );

        let json = serde_json::to_vec_pretty(&serde_json::json!({
            "apiVersion": "v1", "kind": "List",
            "items": store.all().map(|o| o.raw.clone()).collect::<Vec<_>>(),
        }))
        .unwrap();
        drop(store);
        let jpath = dir.path().join("big.json");
        fs::write(&jpath, &json).unwrap();
        let t = Instant::now();
        let v: Value = serde_json::from_slice(&fs::read(&jpath).unwrap()).unwrap();
        let plain_json = t.elapsed();
        drop(v);
        let t = Instant::now();
        let bytes = fs::read(&jpath).unwrap();
        eprintln!("read {:?}", t.elapsed());
        let t = Instant::now();
        assert!(!bytes.contains(&0));
        eprintln!("nul check {:?}", t.elapsed());
        let t = Instant::now();
        let text = std::str::from_utf8(&bytes).unwrap();
        eprintln!("utf8 {:?}", t.elapsed());
        let t = Instant::now();
        let v: Value = serde_json::from_str(text).unwrap();
        eprintln!("from_str {:?}", t.elapsed());
        drop(v);
        let t = Instant::now();
        let roots = json::scan_lines(&bytes);
        eprintln!("scan_lines {:?}", t.elapsed());
        drop(roots);
        let t = Instant::now();
        let store = load(&[jpath.to_string_lossy().into_owned()], &mut io::empty()).unwrap();
        let load_json = t.elapsed();
        assert_eq!(store.len(), i);
        eprintln!(
            "JSON {} MB: serde_json::from_slice {plain_json:?}, load {load_json:?}",
            json.len() >> 20
        );
    }
}

#[cfg(test)]
mod perf_file {
    /// `EGSCOPE_PERF_FILE=big.json cargo test --release --lib perf_file -- --ignored`
    #[test]
    #[ignore = "profiling helper"]
    fn load_one_file() {
        let Ok(path) = std::env::var("EGSCOPE_PERF_FILE") else {
            return;
        };
        if path.ends_with(".json") {
            let t = std::time::Instant::now();
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            eprintln!("plain {:?}", t.elapsed());
            drop(v);
        }
        let t = std::time::Instant::now();
        let store = super::load(&[path], &mut std::io::empty()).unwrap();
        eprintln!("load {:?} {}", t.elapsed(), store.len());
    }
}
