//! The README's rule docs are generated from the catalogue; this keeps them
//! in sync (regenerate with `egscope rules --format markdown`).

#[test]
fn readme_rule_docs_match_the_catalogue() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("<!-- rules:start -->\n").expect("start marker")
        + "<!-- rules:start -->\n".len();
    let end = readme.find("<!-- rules:end -->").expect("end marker");
    let section = &readme[start..end];
    assert_eq!(
        section,
        egscope::report::readme_rules_section(),
        "README rule docs are stale: run `cargo run -- rules --format markdown` and paste between the markers"
    );
}

#[test]
fn readme_names_the_two_commands() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.contains("cargo run --release -- demo"));
    assert!(readme.contains("cargo test"));
}
