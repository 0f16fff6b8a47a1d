//! The command line, defined once: parsing, `--help`, completions and the
//! man page all come from these types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "egscope",
    version,
    about = "Read-only inspector and production-guide auditor for Envoy Gateway clusters",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Open the TUI on snapshot files or directories instead of a cluster (offline).
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub snapshot: Vec<String>,
    /// Which environment the rules judge (tracing sampling ranges differ).
    #[arg(long, value_enum, default_value_t)]
    pub profile: Profile,
    /// TUI colours: default, light, high-contrast, mono, or a theme TOML file.
    /// `<config dir>/egscope/theme.toml` overrides roles on top; NO_COLOR forces mono.
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// Log level of the log file in the state dir (error, warn, info, debug, trace).
    #[arg(long, global = true, value_name = "LEVEL", default_value = "info")]
    pub log_level: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a cluster snapshot against the production guide (headless, for CI).
    Audit(AuditArgs),
    /// Print the rule catalogue.
    Rules(RulesArgs),
    /// Open the TUI on the embedded demo cluster (the showcase scenario); with
    /// `--format`, or when standard output is not a terminal, print its audit.
    Demo(DemoArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Profile {
    #[default]
    Production,
    Staging,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Production => "production",
            Profile::Staging => "staging",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    #[default]
    Text,
    Json,
    Sarif,
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum FailOn {
    #[default]
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Snapshot files or directories (`*.yaml`, `*.yml`, `*.json`, recursive); `-` reads standard input.
    #[arg(long, num_args = 1.., value_name = "PATH", required = true)]
    pub snapshot: Vec<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity is not suppressed.
    #[arg(long, value_enum, default_value_t)]
    pub fail_on: FailOn,
    /// Only run rules whose ID matches one of these globs (e.g. `EG2*`).
    #[arg(long, num_args = 1.., value_name = "GLOB")]
    pub rules: Vec<String>,
    /// Which environment the rules judge (tracing sampling ranges differ).
    #[arg(long, value_enum, default_value_t)]
    pub profile: Profile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum RulesFormat {
    #[default]
    Text,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    #[arg(long, value_enum, default_value_t)]
    pub format: RulesFormat,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Print the audit in this format instead of opening the TUI.
    #[arg(long, value_enum)]
    pub format: Option<ReportFormat>,
    /// A guided walkthrough of the showcase (Space advances, Esc leaves).
    #[arg(long)]
    pub tour: bool,
    #[arg(long, value_enum, default_value_t)]
    pub profile: Profile,
}
