//! The JSON audit report of every translator input in the corpus, pinned.
//!
//! A refactor must leave every report byte for byte the same (issue 10's
//! "audit outputs on the corpus are byte-identical", issue 14's "the JSON
//! stream stays byte-identical"). The corpus may not be copied into the
//! repo, so `tests/golden/corpus_audit.txt` holds, per input, the SHA-256
//! of the report and its findings per rule: a change of semantics shows in
//! review as changed counts, and a pure refactor changes no line.
//!
//! After a deliberate change: `EGSCOPE_BLESS=1 cargo test --test
//! corpus_golden`, then review the diff of the golden file like code.
//!
//! Reads `../shared/corpus` when it exists; skips with a message otherwise.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use egscope::audit;
use egscope::report::{self, Format, ReportMeta};
use egscope::source::snapshot;
use sha2::{Digest, Sha256};

const RELEASES: [&str; 2] = ["v1.7.5", "v1.9.0"];
const GOLDEN: &str = "tests/golden/corpus_audit.txt";

/// The inputs, as paths relative to the crate root: the report names its
/// source file, and the golden file must not depend on where the checkout is.
fn inputs() -> Option<Vec<PathBuf>> {
    let mut out = Vec::new();
    for release in RELEASES {
        let dir = PathBuf::from(format!(
            "../shared/corpus/envoy-gateway-{release}/internal/gatewayapi/testdata"
        ));
        let Ok(entries) = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(&dir))
        else {
            eprintln!(
                "skipping: {} is absent (a fresh clone has no ../shared)",
                dir.display()
            );
            return None;
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".in.yaml"))
            .map(|n| dir.join(n))
            .collect();
        files.sort();
        out.extend(files);
    }
    Some(out)
}

/// One golden line: `path sha256 findings EG112:2,EG113:1` (`-` when the
/// file does not load: that is pinned too).
fn line_of(path: &Path) -> String {
    let shown = path.display().to_string();
    let short = shown.trim_start_matches("../shared/corpus/");
    let Ok(store) = snapshot::load(std::slice::from_ref(&shown), &mut std::io::empty()) else {
        return format!("{short} - not-loaded");
    };
    // The demo's fixed clock: rules judged on "now" (EG505, end of life)
    // must not change the pinned reports as the calendar moves.
    let opts = audit::AuditOptions {
        now: Some(egscope::demo::demo_now()),
        ..audit::AuditOptions::default()
    };
    let result = audit::run(&store, &opts).expect("the audit runs on a loaded snapshot");
    let meta = ReportMeta {
        source: store.source.clone(),
        profile: opts.profile,
        color: false,
    };
    let json = report::render(Format::Json, &result, &meta);
    let digest = Sha256::digest(json.as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    let mut per_rule: BTreeMap<String, usize> = BTreeMap::new();
    for f in &result.findings {
        *per_rule.entry(f.rule.to_string()).or_default() += 1;
    }
    let rules: Vec<String> = per_rule.iter().map(|(r, n)| format!("{r}:{n}")).collect();
    let rules = if rules.is_empty() {
        "-".to_string()
    } else {
        rules.join(",")
    };
    format!("{short} {hex} {} {rules}", result.findings.len())
}

#[test]
fn the_json_report_of_every_corpus_input_is_unchanged() {
    let Some(files) = inputs() else { return };
    let actual: Vec<String> = files.iter().map(|p| line_of(p)).collect();
    let golden_path = Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var_os("EGSCOPE_BLESS").is_some() {
        std::fs::create_dir_all(golden_path.parent().unwrap()).unwrap();
        std::fs::write(&golden_path, actual.join("\n") + "\n").unwrap();
        eprintln!("wrote {} lines to {GOLDEN}", actual.len());
        return;
    }
    let golden = std::fs::read_to_string(&golden_path).unwrap_or_default();
    let expected: BTreeMap<&str, &str> = golden.lines().filter_map(|l| l.split_once(' ')).collect();
    let mut diffs = Vec::new();
    for line in &actual {
        let (file, rest) = line.split_once(' ').unwrap();
        match expected.get(file) {
            Some(want) if *want == rest => {}
            Some(want) => diffs.push(format!("{file}\n    golden: {want}\n    now:    {rest}")),
            None => diffs.push(format!("{file}\n    golden: (none)\n    now:    {rest}")),
        }
    }
    let seen: std::collections::HashSet<&str> =
        actual.iter().filter_map(|l| l.split(' ').next()).collect();
    let gone = expected.keys().filter(|f| !seen.contains(*f)).count();
    assert!(
        diffs.is_empty() && gone == 0,
        "{} of {} corpus reports differ from {GOLDEN} ({gone} golden lines have no input). \
         If the change is deliberate, run `EGSCOPE_BLESS=1 cargo test --test corpus_golden` \
         and review the diff. First differences:\n{}",
        diffs.len(),
        actual.len(),
        diffs
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
