//! The interactive terminal UI (design §5): The Elm Architecture. One
//! [`app::App`] state, one [`action::Action`] enum, [`app::update`] mutates
//! the state, and the views are pure functions of it. Colours come only
//! from semantic theme roles ([`theme::Theme`]).
//!
//! Module map:
//! - `action`: the Action enum and the Effect `update` returns;
//! - `state`: the plain state (App, View, Mode, the breadcrumb trail);
//! - `app`: `update`, the only place the state changes;
//! - `layout`: where every rectangle sits (shared by `update` and views);
//! - `vm`: the view-model: columns, rows, row identities, drill-down,
//!   detail content, table state; reads data and state, never the views;
//! - `keys`: the key table (help is generated from it);
//! - `commands`: `:` commands, aliases and Tab completion;
//! - `data`: model + audit + marks, rebuilt only on store/metrics updates;
//! - `theme`: semantic roles from `themes/*.toml`;
//! - `status`: the session's SourceStatus for the status line (feed
//!   freshness), re-exported;
//! - `tour`: `egscope demo --tour`;
//! - `yaml`: JSON → YAML printer with per-line field paths;
//! - `views/`: drawing only, per view; `widgets/`: table, sparkline,
//!   status line, breadcrumb, caption box;
//! - `terminal`: enter/restore (panic hook included); `run`: the event
//!   loop over the session's [`crate::session::Link`] (the live feed itself
//!   is the session's);
//! - `logging`: tracing to a file in the state dir, never the terminal.

pub mod action;
pub mod app;
pub mod commands;
pub mod data;
pub mod keys;
pub mod layout;
pub mod logging;
pub mod run;
pub mod state;
pub mod status;
pub mod terminal;
pub mod theme;
pub mod tour;
pub mod views;
pub mod vm;
pub mod widgets;
pub mod yaml;

/// Where the user's theme override lives: `<config dir>/egscope/theme.toml`.
pub fn user_theme_path() -> Option<std::path::PathBuf> {
    use etcetera::BaseStrategy;
    let s = etcetera::choose_base_strategy().ok()?;
    Some(s.config_dir().join("egscope").join("theme.toml"))
}

/// The UI's one-way stairs (issue 10): `update` (`app`) and the views both
/// depend on the plain state, the layout and the view-model, never on each
/// other, and those three depend on neither. Read from the sources at test
/// time, so a new import that closes a circle fails here.
#[cfg(test)]
mod layering {
    use std::path::{Path, PathBuf};

    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }

    /// The `use` lines and paths of a file, tests left out.
    fn code(p: &Path) -> String {
        let text = std::fs::read_to_string(p).unwrap();
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        text.lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn uses(text: &str, module: &str) -> bool {
        [
            format!("ui::{module}::"),
            format!("ui::{module}}}"),
            format!("super::{module}::"),
            format!("super::{module};"),
            format!("ui::{module};"),
            format!("super::super::{module}"),
            format!("super::{{self, {module}"),
            format!("use super::{module}"),
            format!("{module}::{{"),
        ]
        .iter()
        .any(|p| text.contains(p.as_str()))
    }

    #[test]
    fn update_and_views_do_not_depend_on_each_other() {
        let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui");
        let mut all = Vec::new();
        files(&ui, &mut all);
        let mut bad = Vec::new();
        for p in &all {
            let rel = p.strip_prefix(&ui).unwrap().to_string_lossy().into_owned();
            let text = code(p);
            let lower = rel.starts_with("vm/")
                || ["state.rs", "layout.rs", "tour.rs", "commands.rs", "data.rs"]
                    .contains(&rel.as_str());
            if (lower || rel.starts_with("views/")) && uses(&text, "app") {
                bad.push(format!("{rel} imports ui::app (update)"));
            }
            if (lower || rel == "app.rs") && uses(&text, "views") {
                bad.push(format!("{rel} imports ui::views"));
            }
        }
        assert!(all.len() > 20, "read {} files", all.len());
        assert!(bad.is_empty(), "forbidden edges:\n{}", bad.join("\n"));
    }
}
