//! One-way stairs (issue 10): every `crate::…` path in `src/` runs from a
//! higher layer to a lower one, never sideways or up, so the top-level
//! modules form no cycle. Reads the sources as text; no build knowledge
//! needed, so a new forbidden `use` fails here before anyone reviews it.
//!
//! The workspace crates under `crates/` sit below all of `src/`: the codec
//! (a leaf) and the simulator (over the codec only). egscope re-exports them
//! as `codec`, `units` and `sim`, so their `crate::` paths here rank as the
//! layers below say; the last tests check the crates' own dependencies.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may use modules of lower layers only.
const LAYERS: &[&[&str]] = &[
    // Leaves: the codec (crate egscope-codec) and the neutraliser depend on
    // nothing of egscope.
    &["codec", "sanitize"],
    // Small shared vocabularies over the codec: quantities and durations,
    // user-facing errors (neutralised), Envoy Gateway's names and labels.
    // The clock every age and lag is measured by (tests step it).
    &["units", "error", "vocab", "clock"],
    &["store"],
    // Peers over the store: none may use another. `sim` is the crate
    // egscope-sim, which cannot use anything of egscope but the codec.
    &["source", "metrics", "model", "sim"],
    &["audit"],
    // What feeds the faces: a source, the scraper and the derived data.
    &["session", "demo"],
    // The faces.
    &["report", "ui"],
    &["cli"],
    // Wiring and harnesses.
    &["cmd", "app", "fuzzing"],
];

/// Edges that break the stairs today, each removed by a later stage of
/// issue 10. The test fails on any edge not listed here, and on a listed
/// edge that no longer occurs (so the list only shrinks).
const ALLOWED_FOR_NOW: &[(&str, &str, &str)] = &[
    // A unit test of the trace (issue 13, merged late) loads its fixture
    // through the snapshot loader; it should build its store the way
    // audit/tests/fixtures.rs does.
    ("model", "source", "model/trace.rs"),
];

/// Names at the crate root that are not modules: `#[macro_export]` macros,
/// mapped to the module that defines them.
const ROOT_ITEMS: &[(&str, &str)] = &[("json_value", "codec")];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The text without comments and string literals, which may name paths
/// (`[`crate::sanitize`]` in a doc comment) that are no dependency.
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if b[i] == b'"' && (i == 0 || b[i - 1] != b'\'') {
            // A raw string's hashes do not matter here: its body is skipped
            // up to the first quote, and paths in strings are not imports.
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else {
            let ch = text[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The first segment of every path that starts at the crate root:
/// `crate::a::b`, `$crate::a`, and each item of `crate::{a, b::{c}}`.
fn root_segments(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest_trim = rest.trim_start();
        if let Some(group) = rest_trim.strip_prefix('{') {
            let mut depth = 0usize;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_alphanumeric() || c == '_') => {
                        found.insert(ident_at(&group[i..]).to_string());
                        item_start = false;
                    }
                    c if !c.is_whitespace() => item_start = false,
                    _ => {}
                }
            }
        } else {
            let id = ident_at(rest_trim);
            if !id.is_empty() {
                found.insert(id.to_string());
            }
        }
    }
    found
}

/// The top-level module a file belongs to (`src/ui/views/mod.rs` → `ui`).
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    Some(first.strip_suffix(".rs").unwrap_or(&first).to_string())
}

/// Every edge between top-level modules, with the files that make it.
fn edges(src: &Path) -> BTreeMap<(String, String), BTreeSet<String>> {
    let roots: BTreeMap<&str, &str> = ROOT_ITEMS.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut edges: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let from = top_module(src, &file).unwrap();
        // The crate roots and the binary are wiring over everything.
        if matches!(from.as_str(), "lib" | "main") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for seg in root_segments(&code_only(&text)) {
            let to = roots
                .get(seg.as_str())
                .map_or(seg.clone(), |m| m.to_string());
            if to != from && to != "self" {
                let rel = file
                    .strip_prefix(src)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                edges.entry((from.clone(), to)).or_default().insert(rel);
            }
        }
    }
    edges
}

#[test]
fn the_scanner_reads_every_path_form() {
    let code = code_only(
        "use crate::{ audit::{self, Profile}, store::Kind,\n  report };\n\
         // use crate::nope;\n/// [`crate::doc`]\nlet s = \"crate::string\";\n\
         fn f() { crate::codec::parse_yaml_value(x); $crate::units::x; my_crate::not(); }",
    );
    let got: Vec<String> = root_segments(&code).into_iter().collect();
    assert_eq!(got, ["audit", "codec", "report", "store", "units"]);
}

#[test]
fn imports_run_down_the_layers_only() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = edges(&src);
    // The scanner sees the real tree: the store reads the codec.
    assert!(
        edges.contains_key(&("store".into(), "codec".into())),
        "the scanner found no store → codec edge: {edges:?}"
    );
    let mut problems = Vec::new();
    let mut used_allowances = BTreeSet::new();
    for ((from, to), files) in &edges {
        let (Some(rf), Some(rt)) = (rank(from), rank(to)) else {
            problems.push(format!(
                "{from} → {to}: place every top-level module in LAYERS ({files:?})"
            ));
            continue;
        };
        if rt < rf {
            continue;
        }
        for file in files {
            match ALLOWED_FOR_NOW
                .iter()
                .position(|&(f, t, p)| f == from && t == to && p == file)
            {
                Some(i) => {
                    used_allowances.insert(i);
                }
                None => problems.push(format!(
                    "{from} → {to} in src/{file}: {from} may only use modules of lower layers"
                )),
            }
        }
    }
    for (i, (from, to, file)) in ALLOWED_FOR_NOW.iter().enumerate() {
        if !used_allowances.contains(&i) {
            problems.push(format!(
                "{from} → {to} in src/{file} is gone: remove it from ALLOWED_FOR_NOW"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn top_level_modules_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, to) in edges(&src).into_keys() {
        graph.entry(from).or_default().insert(to);
    }
    // Depth-first search with the path on a stack: a grey node met again is
    // a cycle, and the stack names it.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if !done.insert(node.to_string()) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, done, stack) {
                return Some(c);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, &graph, &mut done, &mut Vec::new()) {
            panic!("top-level modules form a cycle: {}", cycle.join(" → "));
        }
    }
}

/// Paths the TUI must not name although they lie below it: it gets its
/// data from the session (issue 10 stage 4), so it can be tested without
/// a cluster and never reaches the network itself.
const UI_FORBIDDEN_CRATE_MODULES: &[&str] = &["source"];
const UI_FORBIDDEN_CRATES: &[&str] = &["kube", "k8s_openapi"];

/// Whether `code` names the external crate `name` as a path root
/// (`kube::Client`, `use k8s_openapi::...`), not as part of a longer name.
fn names_crate(code: &str, name: &str) -> bool {
    let pat = format!("{name}::");
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(&pat).any(|(at, _)| {
        let before = &code[..at];
        match before.strip_suffix("::") {
            // `::kube::x` names the crate; `crate::kube::x` a module.
            Some(rest) => !rest.chars().next_back().is_some_and(ident),
            None => !before.chars().next_back().is_some_and(ident),
        }
    })
}

#[test]
fn the_crate_scanner_tells_a_crate_from_a_longer_name() {
    assert!(names_crate("use kube::Client;", "kube"));
    assert!(names_crate("fn f() { ::kube::x() }", "kube"));
    assert!(!names_crate("use crate::kube::x;", "kube"));
    assert!(!names_crate("let my_kube::x = 1;", "kube"));
    assert!(!names_crate(
        &code_only("// kube::Client\n\"kube::x\""),
        "kube"
    ));
}

#[test]
fn the_tui_knows_no_kube_types_and_no_source() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src.join("ui"), &mut files);
    assert!(
        files.len() > 10,
        "the scanner found the ui files: {files:?}"
    );
    let mut problems = Vec::new();
    for file in &files {
        let code = code_only(&std::fs::read_to_string(file).unwrap());
        let rel = file.strip_prefix(&src).unwrap().display().to_string();
        for m in root_segments(&code) {
            if UI_FORBIDDEN_CRATE_MODULES.contains(&m.as_str()) {
                problems.push(format!("src/{rel} uses crate::{m}: go through the session"));
            }
        }
        for c in UI_FORBIDDEN_CRATES {
            if names_crate(&code, c) {
                problems.push(format!(
                    "src/{rel} names {c}: the session owns every kube type"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The workspace crates and the egscope crates each may depend on. A new
/// crate under `crates/` fails here until it is placed.
const CRATES: &[(&str, &[&str])] = &[("egscope-codec", &[]), ("egscope-sim", &["egscope-codec"])];

fn manifest(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.parse()
        .unwrap_or_else(|e| panic!("{} is not TOML: {e}", path.display()))
}

/// The names of the egscope crates a manifest depends on, in any dependency
/// table (normal, dev, build).
fn egscope_deps(m: &toml::Table) -> BTreeSet<String> {
    ["dependencies", "dev-dependencies", "build-dependencies"]
        .iter()
        .filter_map(|t| m.get(*t).and_then(toml::Value::as_table))
        .flat_map(|t| t.keys())
        .filter(|k| k.starts_with("egscope"))
        .cloned()
        .collect()
}

#[test]
fn workspace_crates_depend_down_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = Vec::new();
    for e in std::fs::read_dir(root.join("crates")).unwrap() {
        let path = e.unwrap().path();
        if path.join("Cargo.toml").is_file() {
            dirs.push(path);
        }
    }
    dirs.sort();
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for dir in &dirs {
        let m = manifest(&dir.join("Cargo.toml"));
        let name = m["package"]["name"].as_str().unwrap().to_string();
        let Some((_, allowed)) = CRATES.iter().find(|(n, _)| *n == name) else {
            problems.push(format!("crate {name}: place it in CRATES"));
            continue;
        };
        seen.insert(name.clone());
        for dep in egscope_deps(&m) {
            if !allowed.contains(&dep.as_str()) {
                problems.push(format!("crate {name} depends on {dep}: not allowed"));
            }
        }
        // A path written out (`egscope::…`) would need the dependency the
        // manifest check forbids; a re-export of a higher crate would not.
        let mut files = Vec::new();
        rust_files(&dir.join("src"), &mut files);
        for file in files {
            let code = code_only(&std::fs::read_to_string(&file).unwrap());
            for other in CRATES.iter().map(|(n, _)| *n).chain(["egscope"]) {
                let ident = format!("{}::", other.replace('-', "_"));
                let named = code.match_indices(&ident).any(|(at, _)| {
                    !code[..at]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if named && other != name && !allowed.contains(&other) {
                    problems.push(format!("{} names {other}", file.display()));
                }
            }
        }
    }
    for (name, _) in CRATES {
        if !seen.contains(*name) {
            problems.push(format!("CRATES lists {name}, which crates/ lacks"));
        }
    }
    // Every crate is a default member, so `cargo test` at the root runs its
    // tests with no extra step.
    let ws = manifest(&root.join("Cargo.toml"));
    for key in ["members", "default-members"] {
        let listed: BTreeSet<&str> = ws["workspace"][key]
            .as_array()
            .unwrap_or_else(|| panic!("workspace.{key} is missing"))
            .iter()
            .filter_map(toml::Value::as_str)
            .collect();
        for dir in &dirs {
            let rel = dir
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if !listed.contains(rel.as_str()) {
                problems.push(format!("workspace.{key} lacks {rel}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
