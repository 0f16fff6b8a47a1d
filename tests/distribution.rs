//! What packagers ship next to the binary: completions, the man page, and a
//! `--version` that names the build.

use assert_cmd::Command;
use predicates::prelude::*;

fn egscope() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_egscope"));
    c.timeout(std::time::Duration::from_secs(30));
    c
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = egscope().args(["completions", shell]).assert().success();
        let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
        assert!(text.contains("egscope"), "{shell}: {text}");
        // Generated from the one CLI definition: subcommands are there.
        assert!(
            text.contains("audit") && text.contains("snapshot"),
            "{shell}"
        );
    }
    egscope()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("possible values"));
}

#[test]
fn man_page_is_roff_with_a_title() {
    let out = egscope().arg("man").assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // clap_mangen puts two groff string definitions (for apostrophes) before
    // the title; the title is the first macro of the page proper.
    let first_macro = text
        .lines()
        .find(|l| !l.starts_with(".ie") && !l.starts_with(".el"))
        .unwrap();
    assert!(first_macro.starts_with(".TH egscope 1"), "{first_macro}");
    assert!(text.starts_with('.'), "roff requests only");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH SUBCOMMANDS", "audit"] {
        assert!(text.contains(section), "{section}");
    }
}

#[test]
fn version_names_the_crate_version_and_the_git_revision() {
    let out = egscope().arg("--version").assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.starts_with(&format!("egscope {} (git ", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    // Subcommands show the same version.
    egscope()
        .args(["audit", "--version"])
        .assert()
        .success()
        .stdout(predicate::str::contains(env!("CARGO_PKG_VERSION")));
}
