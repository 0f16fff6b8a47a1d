//! The command line, defined once: parsing, `--help`, completions and the
//! man page all come from these types.

use std::path::PathBuf;

use clap::builder::TypedValueParser as _;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::audit::Profile;
use crate::demo::Scenario;
use crate::report::{Format, RulesFormat};

/// `--version`: the crate version and the git revision it was built from
/// (`unknown` outside a git checkout), set by `build.rs`.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (git ",
    env!("EGSCOPE_GIT_REV"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "egscope",
    version = VERSION,
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
    #[arg(
        long,
        global = true,
        value_name = "LEVEL",
        default_value = "info",
        value_parser = clap::builder::PossibleValuesParser::new(LOG_LEVELS)
            .map(|s| s.to_ascii_lowercase()),
        ignore_case = true
    )]
    pub log_level: String,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// The levels `--log-level` accepts (tracing's).
pub const LOG_LEVELS: [&str; 5] = ["error", "warn", "info", "debug", "trace"];

/// The longest `--sync-timeout`: a day.
pub const MAX_WAIT_SECS: u64 = 86_400;

impl Cli {
    /// Applies the flags given before the subcommand (`matches` are the
    /// ones `self` was parsed from). `--profile` and `--snapshot` belong to the top level
    /// (the TUI) and to some subcommands: given before `audit` or `demo`
    /// they take effect there (`egscope --profile staging audit`); given
    /// before a subcommand that has no use for them, or together with a
    /// different value after it, they are a usage error (exit 2), never
    /// silently ignored. So are `--theme` outside the TUI and the cluster
    /// flags on subcommands that read no cluster.
    pub fn resolve(mut self, matches: &clap::ArgMatches) -> Result<Cli, clap::Error> {
        use clap::CommandFactory;
        use clap::parser::ValueSource;
        let given =
            |m: &clap::ArgMatches, id: &str| m.value_source(id) == Some(ValueSource::CommandLine);
        let Some((sub, sub_m)) = matches.subcommand() else {
            return Ok(self);
        };
        let error =
            |msg: String| Cli::command().error(clap::error::ErrorKind::ArgumentConflict, msg);
        let top_profile = given(matches, "profile");
        let top_snapshot = !self.snapshot.is_empty();
        let profile = self.profile;
        match &mut self.command {
            Some(Command::Audit(args)) => {
                if top_profile {
                    if given(sub_m, "profile") && args.profile != profile {
                        return Err(error(format!(
                            "--profile {} before `audit` and --profile {} after it disagree; give it once",
                            profile.as_str(),
                            args.profile.as_str()
                        )));
                    }
                    args.profile = profile;
                }
                if top_snapshot {
                    if !args.snapshot.is_empty() {
                        return Err(error(
                            "--snapshot given before and after `audit`; give the paths once, after `audit`"
                                .into(),
                        ));
                    }
                    args.snapshot = std::mem::take(&mut self.snapshot);
                }
            }
            Some(Command::Demo(args)) => {
                if top_profile {
                    if given(sub_m, "profile") && args.profile != profile {
                        return Err(error(format!(
                            "--profile {} before `demo` and --profile {} after it disagree; give it once",
                            profile.as_str(),
                            args.profile.as_str()
                        )));
                    }
                    args.profile = profile;
                }
                if top_snapshot {
                    return Err(error(
                        "--snapshot does not apply to `egscope demo` (it shows the simulated cluster); \
                         open files with `egscope --snapshot PATH`"
                            .into(),
                    ));
                }
            }
            Some(_) => {
                for (flag, set) in [("--profile", top_profile), ("--snapshot", top_snapshot)] {
                    if set {
                        return Err(error(format!("{flag} does not apply to `egscope {sub}`")));
                    }
                }
            }
            None => {}
        }
        if given(matches, "theme") && !matches!(self.command, Some(Command::Demo(_))) {
            return Err(error(format!(
                "--theme only applies to the TUI (`egscope`, `egscope --snapshot`, `egscope demo`), not to `egscope {sub}`"
            )));
        }
        if !matches!(
            self.command,
            Some(Command::Audit(_) | Command::Snapshot(_) | Command::Model(_) | Command::Trace(_))
        ) {
            for (id, flag) in [
                ("kubeconfig", "--kubeconfig"),
                ("context", "--context"),
                ("namespace", "--namespace"),
                ("all_namespaces", "--all-namespaces"),
                ("sync_timeout", "--sync-timeout"),
            ] {
                if given(matches, id) {
                    return Err(error(format!(
                        "{flag} does not apply to `egscope {sub}`: it reads no cluster"
                    )));
                }
            }
        }
        Ok(self)
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a cluster snapshot against the production guide (headless, for CI).
    Audit(AuditArgs),
    /// Write every object egscope reads (no Secrets, no managedFields) as a
    /// YAML List that `--snapshot` reads back: a read-only backup.
    Snapshot(SnapshotArgs),
    /// Print the rule catalogue.
    Rules(RulesArgs),
    /// Print the derived topology and the policy statuses Envoy Gateway
    /// would write, as JSON (schema `egscope.model/v1`).
    Model(ModelArgs),
    /// Trace one request: which listener accepts it, which route rule
    /// matches (Gateway API precedence as Envoy Gateway orders it), which
    /// policies and backends apply. Exit 0 when a route matches, 1 when none.
    Trace(TraceArgs),
    /// Open the TUI on the embedded demo cluster (the showcase scenario); with
    /// `--format`, or when standard output is not a terminal, print its audit.
    Demo(DemoArgs),
    /// Serve a simulated cluster as a read-only Kubernetes API server on
    /// loopback, for kubectl, egscope itself and tests.
    Sim(SimArgs),
    /// Print a shell completion script (e.g. `egscope completions bash >
    /// ~/.local/share/bash-completion/completions/egscope`).
    Completions(CompletionsArgs),
    /// Print the man page (roff) of egscope and its subcommands.
    Man,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

impl SimArgs {
    /// The simulator as `egscope demo` runs it: in-process, on loopback.
    pub fn for_demo(scenario: Scenario) -> SimArgs {
        #[derive(Parser)]
        struct Wrapper {
            #[command(flatten)]
            sim: SimArgs,
        }
        Wrapper::parse_from(["sim", "--scenario", scenario.as_str()]).sim
    }
}

/// `--gateway-api`: which Gateway API CRDs the simulator serves. The CLI's
/// own type, mapped to the simulator's bundle where the simulator starts
/// (`cmd::sim`), so that the CLI names no simulator type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum GatewayApi {
    /// Gateway API v1.4.1 (Envoy Gateway v1.7.5's CRDs).
    #[value(name = "v1.4")]
    V1_4,
    /// Gateway API v1.6.1 (Envoy Gateway v1.9.0's CRDs), the default.
    #[default]
    #[value(name = "v1.6")]
    V1_6,
}

/// `--fault`: checked by the simulator's own parser at parse time (a bad
/// fault is a usage error, exit 2), kept as text for the simulator.
fn fault_arg(s: &str) -> Result<String, String> {
    crate::sim::faults::parse_fault(s).map(|_| s.to_owned())
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Which cluster to serve.
    #[arg(long, value_enum, default_value_t)]
    pub scenario: Scenario,
    /// Address to listen on (loopback; port 0 picks a free one).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: std::net::SocketAddr,
    /// Write a kubeconfig pointing at the simulator to FILE.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig_out: Option<PathBuf>,
    /// Append every request as a JSON line ({"method","path","status"}) to FILE.
    #[arg(long, value_name = "FILE")]
    pub request_log: Option<PathBuf>,
    /// Which Gateway API CRDs the cluster has: v1.4 (Gateway API v1.4.1, as
    /// Envoy Gateway v1.7 ships) or v1.6 (v1.6.1, Envoy Gateway v1.9, the
    /// default, as the demo clusters run).
    #[arg(long, value_enum, value_name = "BUNDLE", default_value = "v1.6")]
    pub gateway_api: GatewayApi,
    /// Enforce the rules of the ClusterRole in FILE (403 for anything else),
    /// bound cluster-wide unless the file has only RoleBindings.
    #[arg(long, value_name = "FILE")]
    pub rbac: Option<PathBuf>,
    /// Bind the --rbac rules by a RoleBinding in NS only (repeatable):
    /// cluster-wide lists and cluster-scoped kinds are then forbidden.
    #[arg(long, value_name = "NS", requires = "rbac")]
    pub rbac_namespace: Vec<String>,
    /// The user the --rbac rules are bound to, as 403 messages name it.
    #[arg(long, value_name = "NAME", requires = "rbac", default_value = crate::sim::faults::DEFAULT_USER)]
    pub rbac_user: String,
    /// Inject a fault: TARGET=ACTION[,times=N]. ACTION: a status (403, 404,
    /// 500, 503), delay:500ms, drop-events:N, drop-after:2s, cut-events:N,
    /// cut-after:2s, gone-on-resume, continue-expired. TARGET: a plural (pods), group/plural, pods/proxy, *,
    /// discovery, discovery:GROUP, discovery:GROUP/VERSION, discovery:v1, or
    /// apiservice:GROUP (an aggregated API that is down). Repeatable.
    #[arg(long, value_name = "TARGET=ACTION", value_parser = fault_arg)]
    pub fault: Vec<String>,
    /// Seed of the traffic model (and of the large scenario's objects).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Large scenario: number of Gateways.
    #[arg(long, default_value_t = 1_000)]
    pub gateways: usize,
    /// Large scenario: number of HTTPRoutes.
    #[arg(long, default_value_t = 20_000)]
    pub routes: usize,
    /// Large scenario: number of Client/BackendTrafficPolicies.
    #[arg(long, default_value_t = 2_000)]
    pub policies: usize,
    /// Large scenario: number of proxy pods.
    #[arg(long, default_value_t = 5_000)]
    pub pods: usize,
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
    /// Snapshot files or directories (`*.yaml`, `*.yml`, `*.json`,
    /// recursive); `-` reads standard input. Without it, the current cluster.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub snapshot: Vec<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
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
    /// Live clusters: scrape every proxy twice, SECS apart, so that EG507
    /// (5xx share) can be judged. 0 skips EG507; at most 3600.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 0,
        value_parser = clap::value_parser!(u64).range(0..=3600)
    )]
    pub metrics_window: u64,
    /// Exit 0 (or 1 on findings) even when some rules could not be judged
    /// because egscope could not read what they need; without it such an
    /// audit exits 3.
    #[arg(long)]
    pub allow_incomplete: bool,
}

/// Which cluster to read (every command that talks to one).
#[derive(Debug, Clone, Args, Default)]
pub struct ClusterArgs {
    /// Path to the kubeconfig (default: $KUBECONFIG, ~/.kube/config, or the
    /// in-cluster service account).
    #[arg(long, value_name = "PATH", global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use instead of the current one.
    #[arg(long, value_name = "NAME", global = true)]
    pub context: Option<String>,
    /// Report only this namespace's objects (references still resolve
    /// cluster-wide where readable; where a cluster-wide list is refused,
    /// this namespace is read instead).
    #[arg(
        long,
        short = 'n',
        value_name = "NAMESPACE",
        conflicts_with = "all_namespaces",
        global = true
    )]
    pub namespace: Option<String>,
    /// All namespaces (the default).
    #[arg(long, short = 'A', global = true)]
    pub all_namespaces: bool,
    /// Seconds to wait for every kind's first list (at most a day: the wait
    /// is a deadline, and a larger one would overflow the clock).
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 30,
        global = true,
        value_parser = clap::value_parser!(u64).range(0..=MAX_WAIT_SECS)
    )]
    pub sync_timeout: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ModelFormat {
    #[default]
    Json,
}

#[derive(Debug, Args)]
pub struct ModelArgs {
    /// Snapshot files or directories (`*.yaml`, `*.yml`, `*.json`,
    /// recursive); `-` reads standard input. Without it, the current cluster.
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub snapshot: Vec<String>,
    /// Output format (the model is JSON only).
    #[arg(long, value_enum, default_value_t)]
    pub format: ModelFormat,
    /// Write the model to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 0 even when some kinds could not be read (the model's `unread`
    /// lists them either way); without it such a model exits 3.
    #[arg(long)]
    pub allow_incomplete: bool,
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// Write the snapshot to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 0 even when some kinds could not be read (they are recorded in
    /// the snapshot either way); without it such a snapshot exits 3.
    #[arg(long)]
    pub allow_incomplete: bool,
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
    pub format: Option<Format>,
    /// A guided walkthrough of the showcase (Space advances, Esc leaves).
    #[arg(long)]
    pub tour: bool,
    /// Which simulated cluster the TUI shows (reached through the live path).
    #[arg(long, value_enum, default_value_t)]
    pub scenario: Scenario,
    #[arg(long, value_enum, default_value_t)]
    pub profile: Profile,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The request, e.g. https://pay.example.com/v1/charges?x=1 (the host is
    /// the SNI and the Host header; the port defaults to 80 or 443).
    #[arg(value_name = "URL")]
    pub url: String,
    /// The request method.
    #[arg(long, short = 'X', value_name = "METHOD", default_value = "GET")]
    pub method: String,
    /// A request header, `name: value` (repeatable); `Host: h` overrides the
    /// Host header, not the SNI.
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Only the Envoy fleet serving this Gateway (NS/NAME).
    #[arg(long, value_name = "NS/NAME")]
    pub gateway: Option<String>,
    /// Snapshot files or directories; `-` reads standard input. Without it
    /// (and without --demo), the current cluster.
    #[arg(long, num_args = 1.., value_name = "PATH", conflicts_with = "demo")]
    pub snapshot: Vec<String>,
    /// Trace against the embedded demo cluster.
    #[arg(long)]
    pub demo: bool,
    /// Which demo cluster (with --demo).
    #[arg(long, value_enum, requires = "demo", value_name = "NAME")]
    pub scenario: Option<Scenario>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: crate::report::trace::TraceFormat,
    /// Write the trace to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Live clusters and --demo: scrape the proxies twice, SECS apart, for
    /// the live stats of the matched rule's cluster. 0 (the default) skips
    /// them; at most 3600.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 0,
        value_parser = clap::value_parser!(u64).range(0..=3600)
    )]
    pub metrics_window: u64,
    /// Exit 0 or 1 even when some kinds the trace depends on could not be
    /// read; without it such a trace exits 3.
    #[arg(long)]
    pub allow_incomplete: bool,
}
