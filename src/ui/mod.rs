//! The interactive terminal UI (design §5): The Elm Architecture. One
//! [`app::App`] state, one [`action::Action`] enum, [`app::update`] mutates
//! the state, and the views are pure functions of it. Colours come only
//! from semantic theme roles ([`theme::Theme`]).
//!
//! Module map:
//! - `action`: the Action enum and the Effect `update` returns;
//! - `app`: App state, views and breadcrumb trail, `update`;
//! - `keys`: the key table (help is generated from it);
//! - `commands`: `:` commands, aliases and Tab completion;
//! - `data`: model + audit + marks, rebuilt only on store/metrics updates;
//! - `theme`: semantic roles from `themes/*.toml`;
//! - `status`: SourceStatus for the status line (feed freshness);
//! - `tour`: `egscope demo --tour`;
//! - `yaml`: JSON → YAML printer with per-line field paths;
//! - `views/`: one file per view; `widgets/`: table, sparkline, status line,
//!   breadcrumb, caption box;
//! - `terminal`: enter/restore (panic hook included); `run`: the event loop;
//! - `logging`: tracing to a file in the state dir, never the terminal.

pub mod action;
pub mod app;
pub mod commands;
pub mod data;
pub mod feed;
pub mod keys;
pub mod logging;
pub mod run;
pub mod status;
pub mod terminal;
pub mod theme;
pub mod tour;
pub mod views;
pub mod widgets;
pub mod yaml;

/// Where the user's theme override lives: `<config dir>/egscope/theme.toml`.
pub fn user_theme_path() -> Option<std::path::PathBuf> {
    use etcetera::BaseStrategy;
    let s = etcetera::choose_base_strategy().ok()?;
    Some(s.config_dir().join("egscope").join("theme.toml"))
}
