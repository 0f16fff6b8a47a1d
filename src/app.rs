//! Wiring for the headless commands: read a source, audit it, write a
//! report, and turn the outcome into an exit code. Kept out of `main` so
//! tests can drive it.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::audit::{self, AuditOptions, AuditResult, Severity};
use crate::cli::{
    AuditArgs, ClusterArgs, DemoArgs, FailOn, ModelArgs, ReportFormat, RulesArgs, SimArgs,
    SimScenario, SnapshotArgs,
};
use crate::error::UserError;
use crate::report::{self, ReportMeta};
use crate::source;
use crate::source::live::ClusterTarget;
use crate::store::Store;

/// Exit codes shared by every subcommand (design §1).
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
/// The audit could not judge every rule (a kind forbidden, unavailable or
/// read only in some namespaces) and no finding reached `--fail-on`: not a
/// clean result. `--allow-incomplete` turns it into 0.
pub const EXIT_INCOMPLETE: u8 = 3;

/// Whether the audit's findings reach `--fail-on`.
pub fn fails(result: &AuditResult, fail_on: FailOn) -> bool {
    let threshold = match fail_on {
        FailOn::Never => return false,
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    result.worst().is_some_and(|w| w.rank() >= threshold.rank())
}

/// Colour only for a terminal, and never with NO_COLOR set (no-color.org).
pub fn want_color(to_terminal: bool) -> bool {
    to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn write_output(text: &str, output: Option<&Path>) -> Result<(), UserError> {
    write_with(output, &mut |out| out.write_all(text.as_bytes()))
}

/// Hands `write` the output file (or standard output), buffered: a large
/// report goes out as it is written instead of as one string in memory.
fn write_with(
    output: Option<&Path>,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), UserError> {
    match output {
        Some(path) => std::fs::File::create(path)
            .and_then(|file| {
                let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
                write(&mut out)?;
                out.flush()
            })
            .map_err(|e| {
                UserError::new(format!(
                    "cannot write the report to {}: {e}. Check that the directory exists and is writable.",
                    path.display()
                ))
            }),
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            // A closed pipe (`| head`) is not an error worth a message.
            match write(&mut out).and_then(|_| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(UserError::new(format!("cannot write the report: {e}")))
                }
                _ => Ok(()),
            }
        }
    }
}

/// With `EGSCOPE_TIMINGS` set, prints how long a phase took and the
/// process's resident memory to stderr (for the performance procedure in
/// the README).
struct Phase(&'static str, std::time::Instant);

impl Phase {
    fn start(name: &'static str) -> Self {
        Phase(name, std::time::Instant::now())
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        if std::env::var_os("EGSCOPE_TIMINGS").is_some() {
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            let mem: Vec<&str> = status
                .lines()
                .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .map(|l| Box::leak(l.into_boxed_str()) as &str)
                .collect();
            eprintln!(
                "egscope: {} took {:?} ({})",
                self.0,
                self.1.elapsed(),
                mem.join(", ")
            );
        }
    }
}

fn audit_store(
    store: &Store,
    format: ReportFormat,
    output: Option<&Path>,
    opts: &AuditOptions,
    fail_on: FailOn,
    allow_incomplete: bool,
) -> Result<u8, UserError> {
    let result = {
        let _p = Phase::start("audit");
        audit::run(store, opts)?
    };
    let to_terminal = output.is_none() && std::io::stdout().is_terminal();
    let meta = ReportMeta {
        source: store.source.clone(),
        profile: opts.profile,
        color: want_color(to_terminal),
    };
    {
        let _p = Phase::start("report");
        write_with(output, &mut |out| {
            report::write(format, &result, &meta, out)
        })?;
    }
    let code = if fails(&result, fail_on) {
        EXIT_FINDINGS
    } else if result.incomplete() && !allow_incomplete {
        if output.is_some() || !std::io::stdout().is_terminal() {
            // The report went elsewhere: say on stderr why the exit is not 0.
            eprintln!("{}", incomplete_note(&result));
        }
        EXIT_INCOMPLETE
    } else {
        EXIT_OK
    };
    // The process ends right after this; freeing every finding one by one
    // would only cost time.
    std::mem::forget(result);
    Ok(code)
}

/// One paragraph on stderr for an incomplete audit whose report went to a
/// file or a pipe.
fn incomplete_note(result: &AuditResult) -> String {
    let gaps: Vec<String> = result
        .coverage
        .iter()
        .map(|g| format!("{} {}", g.kind, g.state))
        .collect();
    let s = result.summary();
    format!(
        "egscope: the audit is incomplete ({} rules not judged, {} judged in part){}. \
         Grant the role in assets/rbac.yaml, or pass --allow-incomplete to accept it (exit 3).",
        s.not_judged,
        s.partial,
        if gaps.is_empty() {
            String::new()
        } else {
            format!(": {}", crate::sanitize::escape(&gaps.join(", ")))
        }
    )
}

pub fn audit(
    args: &AuditArgs,
    cluster: &ClusterArgs,
    stdin: &mut dyn Read,
) -> Result<u8, UserError> {
    let mut opts = AuditOptions {
        profile: args.profile,
        rules: args.rules.clone(),
        // A live cluster is judged at the wall clock; a snapshot at its own
        // newest timestamp (see AuditOptions::now).
        now: args.snapshot.is_empty().then(jiff::Timestamp::now),
        ..AuditOptions::default()
    };
    // Reject a bad --rules before reading a large input.
    audit::select_rules(&opts.rules)?;
    let store = {
        let _p = Phase::start("load");
        if args.snapshot.is_empty() {
            tracing::info!(kubeconfig = ?cluster.kubeconfig, context = ?cluster.context, "audit: reading the cluster");
            let (store, metrics) = live_store_with_metrics(cluster, args.metrics_window)?;
            opts.metrics = metrics.map(std::sync::Arc::new);
            store
        } else {
            source::snapshot::load(&args.snapshot, stdin)?
        }
    };
    let mut store = store;
    if store.source.namespace.is_none() && !cluster.all_namespaces {
        store.source.namespace = cluster.namespace.clone();
    }
    let code = audit_store(
        &store,
        args.format,
        args.output.as_deref(),
        &opts,
        args.fail_on,
        args.allow_incomplete,
    );
    // Dropping tens of thousands of object trees takes a quarter of a large
    // audit's time, and the process exits next: let the OS reclaim them.
    std::mem::forget(store);
    code
}

/// `egscope model`: the derived topology and the predicted policy statuses
/// (`egscope.model/v1`), from a snapshot or the live cluster as `audit`
/// reads them.
pub fn model(
    args: &ModelArgs,
    cluster: &ClusterArgs,
    stdin: &mut dyn Read,
) -> Result<u8, UserError> {
    let store = if args.snapshot.is_empty() {
        tracing::info!(kubeconfig = ?cluster.kubeconfig, context = ?cluster.context, "model: reading the cluster");
        live_store(cluster)?
    } else {
        source::snapshot::load(&args.snapshot, stdin)?
    };
    match args.format {
        crate::cli::ModelFormat::Json => write_with(args.output.as_deref(), &mut |out| {
            report::model_json::write(&store, out)
        })?,
    }
    // Predictions over kinds egscope could not read are not a clean result.
    let unread = report::model_json::unread(&store);
    if unread.is_empty() || args.allow_incomplete {
        return Ok(EXIT_OK);
    }
    eprintln!(
        "egscope: the model is incomplete (its `unread` says so): {}. \
         Grant the role in assets/rbac.yaml, or pass --allow-incomplete (exit 3).",
        crate::sanitize::escape(&unread.join("; "))
    );
    Ok(EXIT_INCOMPLETE)
}

fn runtime() -> Result<tokio::runtime::Runtime, UserError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| UserError::new(format!("cannot start the async runtime: {e}")))
}

pub fn cluster_target(args: &ClusterArgs) -> ClusterTarget {
    ClusterTarget {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        namespace: if args.all_namespaces {
            None
        } else {
            args.namespace.clone()
        },
        connect_timeout: Duration::from_secs(10),
    }
}

/// `--sync-timeout` beyond a day is no use and would overflow a deadline.
const MAX_SYNC_SECS: u64 = 86_400;

/// Lists the cluster once through the watchers and returns the store when
/// every kind has synced (or is forbidden or not installed).
pub fn live_store(args: &ClusterArgs) -> Result<Store, UserError> {
    live_store_with_metrics(args, 0).map(|(store, _)| store)
}

/// Like [`live_store`], and with `window_secs > 0` also scrapes every proxy
/// pod twice that far apart.
pub fn live_store_with_metrics(
    args: &ClusterArgs,
    window_secs: u64,
) -> Result<(Store, Option<crate::metrics::MetricsSnapshot>), UserError> {
    let target = cluster_target(args);
    runtime()?.block_on(async {
        let conn = source::live::connect(&target).await?;
        let live = source::live::Live::start(conn.clone(), target.namespace.clone()).await;
        let late = live
            .wait_synced(Duration::from_secs(args.sync_timeout.min(MAX_SYNC_SECS)))
            .await;
        if !late.is_empty() {
            let names: Vec<&str> = late.iter().map(|k| k.name()).collect();
            tracing::warn!(kinds = ?names, "kinds did not finish their first list");
        }
        let store = live.store();
        if window_secs == 0 {
            return Ok((store, None));
        }
        let targets = crate::metrics::scrape::targets(&crate::model::Model::build(&store));
        let mut scraper = crate::metrics::scrape::Scraper::new(conn.client);
        // A round is bounded in time across all pods, so pods that hang
        // never starve the others of their turn.
        scraper.round_deadline = Some(Duration::from_secs(10));
        let t0 = std::time::Instant::now();
        scraper.scrape_once(&targets, 0.0).await;
        tokio::time::sleep(Duration::from_secs(window_secs)).await;
        let snapshot = scraper
            .scrape_once(&targets, t0.elapsed().as_secs_f64())
            .await
            .clone();
        Ok((live.store(), Some(snapshot)))
    })
}

/// `egscope snapshot`: a read-only backup of every object egscope reads.
pub fn snapshot(args: &SnapshotArgs, cluster: &ClusterArgs) -> Result<u8, UserError> {
    tracing::info!(kubeconfig = ?cluster.kubeconfig, context = ?cluster.context, "snapshot: reading the cluster");
    let store = live_store(cluster)?;
    write_output(
        &source::live::snapshot_yaml(&store, jiff::Timestamp::now())?,
        args.output.as_deref(),
    )?;
    let unread: Vec<String> = store
        .states()
        .filter(|(k, st)| *k != crate::store::Kind::PodMetrics && st.unreadable())
        .map(|(k, st)| st.describe(k))
        .collect();
    if unread.is_empty() || args.allow_incomplete {
        return Ok(EXIT_OK);
    }
    eprintln!(
        "egscope: the snapshot is incomplete (recorded in it): {}. \
         Grant the role in assets/rbac.yaml, or pass --allow-incomplete (exit 3).",
        crate::sanitize::escape(&unread.join("; "))
    );
    Ok(EXIT_INCOMPLETE)
}

pub fn rules(args: &RulesArgs) -> Result<u8, UserError> {
    write_output(&report::render_rules(args.format), None)?;
    Ok(EXIT_OK)
}

/// `egscope demo`: the TUI on the embedded showcase with the demo's fixed
/// clock; with `--format`, or when standard output is not a terminal, the
/// showcase's audit printed headless.
pub fn demo(args: &DemoArgs, ui: &UiArgs) -> Result<u8, UserError> {
    let headless = args.format.is_some()
        || !(std::io::stdout().is_terminal() && std::io::stdin().is_terminal());
    if headless {
        let store = crate::demo::scenario_store(args.scenario)?;
        let opts = AuditOptions {
            profile: args.profile,
            now: Some(crate::demo::demo_now()),
            ..AuditOptions::default()
        };
        return audit_store(
            &store,
            args.format.unwrap_or_default(),
            None,
            &opts,
            FailOn::Never,
            true,
        );
    }
    let (scenario, opts) = sim_config(&SimArgs::for_demo(args.scenario))?;
    let rt = runtime()?;
    let (sim, live) = rt.block_on(async {
        let sim = Arc::new(crate::sim::Sim::start(scenario, opts).await?);
        let live = connect_live(&sim_target(&sim)?, Duration::from_secs(30)).await?;
        Ok::<_, UserError>((sim, live))
    })?;
    let source = format!("demo ({:?}, simulated)", args.scenario).to_lowercase();
    let now = Some(sim.now());
    let ticker = sim.clone();
    let tick = move || ticker.advance(crate::ui::feed::SCRAPE_INTERVAL);
    run_live_tui(
        &rt,
        live,
        source,
        args.profile,
        now,
        args.tour,
        ui,
        tick,
        None,
    )
}

/// A kubeconfig for the in-process simulator, in a temp file the client
/// reads once.
fn sim_target(sim: &crate::sim::SimHandle) -> Result<ClusterTarget, UserError> {
    let dir = std::env::temp_dir().join(format!("egscope-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| UserError::new(format!("cannot create {}: {e}", dir.display())))?;
    let path = dir.join("kubeconfig");
    std::fs::write(&path, sim.kubeconfig_yaml())
        .map_err(|e| UserError::new(format!("cannot write {}: {e}", path.display())))?;
    Ok(ClusterTarget {
        kubeconfig: Some(path),
        connect_timeout: Duration::from_secs(5),
        ..ClusterTarget::default()
    })
}

async fn connect_live(
    target: &ClusterTarget,
    sync: Duration,
) -> Result<Arc<source::live::Live>, UserError> {
    let conn = source::live::connect(target).await?;
    let live = source::live::Live::start(conn, target.namespace.clone()).await;
    // The TUI opens once the first lists are in or after `sync` at most; a
    // kind still syncing then shows as such and fills in when it arrives.
    let _ = live
        .wait_a_while(sync.min(Duration::from_secs(MAX_SYNC_SECS)))
        .await;
    Ok(Arc::new(live))
}

/// `egscope` with no subcommand: the TUI on the current cluster.
pub fn live_tui(
    cluster: &ClusterArgs,
    profile: crate::cli::Profile,
    ui: &UiArgs,
) -> Result<u8, UserError> {
    if !std::io::stdout().is_terminal() {
        return Err(UserError::new(
            "the TUI needs a terminal; for a report use `egscope audit` (or `--help`)",
        ));
    }
    let target = cluster_target(cluster);
    let rt = runtime()?;
    // A real cluster may take long to list everything: open after at most
    // two seconds (k9s draws at once and fills in) and let the kinds arrive.
    let live = rt.block_on(connect_live(
        &target,
        Duration::from_secs(cluster.sync_timeout.min(2)),
    ))?;
    let source = format!("context {}", live.connection().context);
    let switch = Some((target, Duration::from_secs(cluster.sync_timeout)));
    run_live_tui(&rt, live, source, profile, None, false, ui, || {}, switch)
}

/// The TUI over a live source. With `switch` (a real cluster), `:ctx NAME`
/// reconnects to another context of the same kubeconfig and replaces the
/// feed; the demo has no other context.
#[allow(clippy::too_many_arguments)]
fn run_live_tui(
    rt: &tokio::runtime::Runtime,
    live: Arc<source::live::Live>,
    source: String,
    profile: crate::cli::Profile,
    now: Option<jiff::Timestamp>,
    tour: bool,
    ui: &UiArgs,
    tick: impl FnMut() + Send + 'static,
    switch: Option<(ClusterTarget, Duration)>,
) -> Result<u8, UserError> {
    use crate::ui::action::Action;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let switchable = switch.is_some();
    let mut status = crate::ui::feed::live_status_with(
        &source,
        &live,
        crate::ui::status::Freshness::None,
        switchable,
    );
    if let Some((target, _)) = &switch {
        status.contexts = crate::ui::status::kube_contexts(target.kubeconfig.as_deref());
    }
    let store = live.store();
    let opts = AuditOptions {
        profile,
        now,
        ..AuditOptions::default()
    };
    let (ctx_tx, mut ctx_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let (focus_tx, focus_rx) = tokio::sync::watch::channel(Vec::new());
    let supervisor = rt.spawn(async move {
        let mut feed = tokio::spawn(crate::ui::feed::run(
            live,
            source,
            opts.clone(),
            switchable,
            tx.clone(),
            focus_rx.clone(),
            tick,
        ));
        while let Some(name) = ctx_rx.recv().await {
            let Some((base, sync)) = &switch else {
                continue;
            };
            let target = ClusterTarget {
                context: Some(name.clone()),
                ..base.clone()
            };
            match connect_live(&target, *sync).await {
                Ok(next) => {
                    feed.abort();
                    let source = format!("context {}", next.connection().context);
                    let _ = tx.send(Action::Flash(format!("switched to context {name}")));
                    feed = tokio::spawn(crate::ui::feed::run(
                        next,
                        source,
                        opts.clone(),
                        true,
                        tx.clone(),
                        focus_rx.clone(),
                        || {},
                    ));
                }
                Err(e) => {
                    let _ = tx.send(Action::Flash(format!("context {name}: {e}")));
                }
            }
        }
        feed.abort();
    });
    let on_context: Box<dyn FnMut(String) + Send> = Box::new(move |name| {
        let _ = ctx_tx.send(name);
    });
    let hooks = LiveHooks {
        feed: rx,
        on_context,
        focus: focus_tx,
    };
    let result = run_tui_with(store, status, profile, now, tour, ui, Some(hooks));
    supervisor.abort();
    result
}

/// The TUI flags every entry point shares.
#[derive(Debug, Clone)]
pub struct UiArgs {
    pub theme: Option<String>,
    pub log_level: String,
}

/// `egscope --snapshot PATH...`: the TUI on files.
pub fn snapshot_tui(
    paths: &[String],
    profile: crate::cli::Profile,
    ui: &UiArgs,
    stdin: &mut dyn Read,
) -> Result<u8, UserError> {
    if paths.iter().any(|p| p == "-") {
        return Err(UserError::new(
            "the TUI reads keys from the terminal, so it cannot read a snapshot from standard input; \
             pass a file, or use `egscope audit --snapshot -`",
        ));
    }
    let store = source::snapshot::load(paths, stdin)?;
    if !std::io::stdout().is_terminal() {
        return Err(UserError::new(
            "the TUI needs a terminal; for a report use `egscope audit --snapshot ...`",
        ));
    }
    run_tui_with(
        store,
        crate::ui::status::SourceStatus::snapshot(paths),
        profile,
        None,
        false,
        ui,
        None,
    )
}

/// What a live source adds to the TUI: the feed of updates, where `:ctx`
/// goes, and the channel that tells the feed which fleets are on screen.
struct LiveHooks {
    feed: tokio::sync::mpsc::UnboundedReceiver<crate::ui::action::Action>,
    on_context: Box<dyn FnMut(String) + Send>,
    focus: tokio::sync::watch::Sender<Vec<String>>,
}

fn run_tui_with(
    store: Store,
    status: crate::ui::status::SourceStatus,
    profile: crate::cli::Profile,
    now: Option<jiff::Timestamp>,
    tour: bool,
    ui: &UiArgs,
    live: Option<LiveHooks>,
) -> Result<u8, UserError> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let user = crate::ui::user_theme_path();
    let theme = crate::ui::theme::Theme::resolve(ui.theme.as_deref(), user.as_deref(), no_color)
        .map_err(UserError::new)?;
    let _log = crate::ui::logging::init(&ui.log_level);
    tracing::info!(source = %status.source, "starting the TUI");
    let (feed, on_context, focus) = match live {
        Some(h) => (Some(h.feed), Some(h.on_context), Some(h.focus)),
        None => (None, None, None),
    };
    let opts = crate::ui::run::TuiOptions {
        store: std::sync::Arc::new(store),
        status,
        profile,
        theme,
        now,
        tour,
        feed,
        on_context,
        focus,
    };
    crate::ui::run::run(opts).map_err(|e| UserError::new(format!("terminal error: {e}")))
}

/// The simulator's options and scenario from the command line.
pub fn sim_config(
    args: &SimArgs,
) -> Result<(crate::sim::Scenario, crate::sim::SimOptions), UserError> {
    use crate::sim::{LargeParams, Rbac, Scenario, SimOptions};
    let scenario = match args.scenario {
        SimScenario::Showcase => Scenario::Showcase,
        SimScenario::Compliant => Scenario::Compliant,
        SimScenario::Large => Scenario::Large(LargeParams {
            gateways: args.gateways,
            routes: args.routes,
            policies: args.policies,
            pods: args.pods,
            seed: args.seed,
        }),
    };
    if !args.listen.ip().is_loopback() {
        return Err(UserError::new(format!(
            "--listen {} is not a loopback address: the simulator has no authentication, so it only listens on 127.0.0.1 or ::1.",
            args.listen
        )));
    }
    let rbac = match &args.rbac {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                UserError::new(format!("cannot read the RBAC file {}: {e}", path.display()))
            })?;
            Some(Rbac::from_yaml(&text).map_err(|e| {
                UserError::new(format!(
                    "the RBAC file {} has no usable ClusterRole: {e}",
                    path.display()
                ))
            })?)
        }
        None => None,
    };
    let rbac = rbac.map(|r| {
        let r = r.with_user(&args.rbac_user);
        if args.rbac_namespace.is_empty() {
            r
        } else {
            r.in_namespaces(args.rbac_namespace.iter().cloned())
        }
    });
    let opts = SimOptions {
        listen: Some(args.listen),
        seed: if matches!(scenario, Scenario::Large(_)) {
            0
        } else {
            args.seed
        },
        faults: args.fault.clone(),
        rbac,
        request_log: args.request_log.clone(),
        gateway_api: args.gateway_api,
        ..SimOptions::default()
    };
    Ok((scenario, opts))
}

/// `egscope sim`: serve the simulated cluster until Ctrl-C, advancing the
/// traffic model in real time.
pub fn sim(args: &SimArgs) -> Result<u8, UserError> {
    let (scenario, opts) = sim_config(args)?;
    runtime()?.block_on(async {
        let handle = crate::sim::Sim::start(scenario, opts).await?;
        if let Some(path) = &args.kubeconfig_out {
            std::fs::write(path, handle.kubeconfig_yaml()).map_err(|e| {
                UserError::new(format!(
                    "cannot write the kubeconfig {}: {e}",
                    path.display()
                ))
            })?;
        }
        let kubeconfig = args
            .kubeconfig_out
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "FILE".into());
        println!(
            "egscope sim: serving the {:?} scenario (Gateway API {}) at {}",
            args.scenario,
            args.gateway_api.bundle_version(),
            handle.base_url()
        );
        if args.kubeconfig_out.is_none() {
            println!("  write a kubeconfig with --kubeconfig-out FILE, or use --server:");
            println!("  kubectl --server {} get gateways -A", handle.base_url());
        }
        println!("  kubectl --kubeconfig {kubeconfig} get gateways -A");
        println!("  read-only: every method but GET answers 405. Ctrl-C stops.");
        let mut tick = tokio::time::interval(crate::sim::traffic::TICK);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => handle.advance(crate::sim::traffic::TICK),
                _ = tokio::signal::ctrl_c() => break,
            }
        }
        handle.shutdown().await;
        Ok::<u8, UserError>(EXIT_OK)
    })
}

/// `egscope completions SHELL`: the completion script, generated from the
/// one CLI definition in `cli.rs`.
pub fn completions(args: &crate::cli::CompletionsArgs) -> Result<u8, UserError> {
    use clap::CommandFactory;
    let mut buf = Vec::new();
    clap_complete::generate(
        args.shell,
        &mut crate::cli::Cli::command(),
        "egscope",
        &mut buf,
    );
    write_output(&String::from_utf8_lossy(&buf), None)?;
    Ok(EXIT_OK)
}

/// `egscope man`: the man page (roff), from the same CLI definition.
pub fn man() -> Result<u8, UserError> {
    use clap::CommandFactory;
    let mut buf = Vec::new();
    clap_mangen::Man::new(crate::cli::Cli::command())
        .render(&mut buf)
        .map_err(|e| UserError::new(format!("cannot render the man page: {e}")))?;
    write_output(&String::from_utf8_lossy(&buf), None)?;
    Ok(EXIT_OK)
}
