//! The UI's plain state: the view trail, the mode, the options and the
//! derived data. Nothing here draws or decides: `update` (in `app`)
//! changes it, the views read it, and neither calls the other.

use std::sync::Arc;

use crate::audit::Profile;
use crate::audit::{Area, AuditOptions, Severity};
use crate::store::{Kind, ObjectRef};

use super::data::Data;
use super::status::SourceStatus;
use super::theme::Theme;
use super::tour::Tour;
use super::vm::detail::DetailState;
use super::vm::table::TableState;

/// A view and its scope (what Enter drilled into).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Overview,
    Tenants,
    Classes {
        controller: Option<String>,
    },
    Gateways {
        class: Option<String>,
    },
    Listeners {
        class: Option<String>,
        gateway: Option<(String, String)>,
    },
    Routes {
        kind: Option<Kind>,
        gateway: Option<(String, String)>,
        listener: Option<String>,
    },
    Policies {
        kind: Option<Kind>,
    },
    Fleets,
    /// A fleet's Gateways with their traffic (Enter on a fleet); Enter on
    /// one opens its routes, worst 5xx first.
    FleetGateways {
        fleet: String,
    },
    Pods {
        fleet: String,
    },
    Findings,
    /// Unreadable kinds and skipped rules (`:coverage`).
    Coverage,
    /// The change feed (`:changes`): what the watchers saw change.
    Changes,
    Detail {
        obj: ObjectRef,
        finding: Option<super::data::FindingId>,
    },
}

/// The header's tabs, keys 1-9.
pub const TABS: [(&str, View); 9] = [
    ("Overview", View::Overview),
    ("Tenants", View::Tenants),
    ("Classes", View::Classes { controller: None }),
    ("Gateways", View::Gateways { class: None }),
    (
        "Listeners",
        View::Listeners {
            class: None,
            gateway: None,
        },
    ),
    (
        "Routes",
        View::Routes {
            kind: None,
            gateway: None,
            listener: None,
        },
    ),
    ("Policies", View::Policies { kind: None }),
    ("Fleets", View::Fleets),
    ("Findings", View::Findings),
];

impl View {
    /// The tab a view belongs to (sub-views light up their parent tab).
    pub fn tab(&self) -> usize {
        match self {
            View::Overview => 0,
            View::Tenants => 1,
            View::Classes { .. } => 2,
            View::Gateways { .. } => 3,
            View::Listeners { .. } => 4,
            View::Routes { .. } => 5,
            View::Policies { .. } => 6,
            View::Fleets | View::FleetGateways { .. } | View::Pods { .. } => 7,
            View::Findings => 8,
            View::Coverage => 0,
            View::Changes | View::Detail { .. } => usize::MAX,
        }
    }

    /// The breadcrumb label.
    pub fn label(&self) -> String {
        let kind = |k: &Option<Kind>| k.map(|k| format!(" {}", k.name())).unwrap_or_default();
        match self {
            View::Overview => "Overview".into(),
            View::Tenants => "Tenants".into(),
            View::Classes { controller: None } => "GatewayClasses".into(),
            View::Classes {
                controller: Some(c),
            } => format!("GatewayClasses ‹{c}›"),
            View::Gateways { class: None } => "Gateways".into(),
            View::Gateways { class: Some(c) } => format!("Gateways ‹class {c}›"),
            View::Listeners {
                gateway: Some((ns, n)),
                ..
            } => format!("Listeners ‹{ns}/{n}›"),
            View::Listeners { class: Some(c), .. } => format!("Listeners ‹class {c}›"),
            View::Listeners { .. } => "Listeners".into(),
            View::Routes {
                kind: k,
                gateway: Some((ns, n)),
                listener,
            } => match listener {
                Some(l) => format!("Routes{} ‹{ns}/{n}:{l}›", kind(k)),
                None => format!("Routes{} ‹{ns}/{n}›", kind(k)),
            },
            View::Routes { kind: k, .. } => format!("Routes{}", kind(k)),
            View::Policies { kind: k } => format!("Policies{}", kind(k)),
            View::Fleets => "Fleets".into(),
            View::FleetGateways { fleet } => format!("Gateways ‹fleet {fleet}›"),
            View::Pods { fleet } => format!("Pods ‹fleet {fleet}›"),
            View::Findings => "Findings".into(),
            View::Coverage => "Coverage: unread kinds, skipped rules".into(),
            View::Changes => "Changes".into(),
            View::Detail { obj, .. } => obj.display_path(),
        }
    }
}

/// One step of the breadcrumb trail, with the table state of its view.
#[derive(Debug, Clone)]
pub struct Crumb {
    pub view: View,
    pub table: TableState,
    pub detail: Option<DetailState>,
    /// What the rows were last built from, for views that can tell
    /// ([`crate::ui::vm::inputs_of`]): a snapshot that leaves them the same
    /// leaves the rows as they are.
    pub built_from: Option<crate::ui::vm::Inputs>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// `:` with what is typed so far and the completions last offered.
    Command {
        input: String,
        completions: Vec<String>,
    },
    /// `/` typing a filter (applied live).
    Filter,
    Help {
        scroll: usize,
    },
    /// `:ctx` without a name: pick one of the kubeconfig's contexts.
    /// Typing narrows the list (`filter`, a case-insensitive substring);
    /// `selected` indexes the narrowed list ([`pick_shown`]).
    Pick {
        items: Vec<String>,
        filter: String,
        selected: usize,
    },
    /// `/` in the Detail pane: a search in the YAML (applied live).
    Search,
}

/// The picker's items that match its filter, in their order.
pub fn pick_shown<'a>(items: &'a [String], filter: &str) -> Vec<&'a String> {
    let f = filter.to_lowercase();
    items
        .iter()
        .filter(|i| i.to_lowercase().contains(&f))
        .collect()
}

/// Findings view settings (keys `o`, `e`, `a`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingsOpts {
    pub by_object: bool,
    /// Show only this severity or worse.
    pub min_severity: Option<Severity>,
    pub area: Option<Area>,
}

pub struct App {
    pub data: Option<Arc<Data>>,
    pub audit_opts: AuditOptions,
    pub status: SourceStatus,
    pub profile: Profile,
    pub theme: Theme,
    pub stack: Vec<Crumb>,
    pub mode: Mode,
    pub namespace: Option<String>,
    pub findings: FindingsOpts,
    pub tour: Option<Tour>,
    pub flash: Option<String>,
    /// A `:ctx NAME` the loop hands to the live source (the only request
    /// that goes out of the UI; it reads another cluster, never writes).
    pub switch_context: Option<String>,
    /// The log pane (`l`), over the view it was opened from.
    pub logs: Option<super::vm::logs::LogPane>,
    /// The Overview's rows from the last snapshot, reused by offender.
    pub overview_rows: std::cell::RefCell<super::vm::overview::RowCache>,
    /// A log read the loop hands to the session (like `switch_context`:
    /// a GET of `pods/log`, never a write).
    pub log_request: Option<super::vm::logs::LogTarget>,
    /// Whether the source can read pod logs (live clusters and the demo).
    pub logs_live: bool,
    pub size: (u16, u16),
    pub now: jiff::Timestamp,
    /// Whether ticks move `now` (false for the demo's fixed clock).
    pub live_clock: bool,
}

impl App {
    pub fn new(status: SourceStatus, profile: Profile, theme: Theme, now: jiff::Timestamp) -> App {
        App {
            data: None,
            audit_opts: AuditOptions {
                profile,
                ..AuditOptions::default()
            },
            status,
            profile,
            theme,
            stack: vec![Crumb {
                view: View::Overview,
                table: TableState::default(),
                detail: None,
                built_from: None,
            }],
            mode: Mode::Normal,
            namespace: None,
            findings: FindingsOpts::default(),
            tour: None,
            flash: None,
            switch_context: None,
            logs: None,
            overview_rows: Default::default(),
            log_request: None,
            logs_live: false,
            size: (120, 40),
            now,
            live_clock: true,
        }
    }

    pub fn top(&self) -> &Crumb {
        self.stack.last().expect("the stack is never empty")
    }

    pub(crate) fn top_mut(&mut self) -> &mut Crumb {
        self.stack.last_mut().expect("the stack is never empty")
    }

    pub fn view(&self) -> &View {
        &self.top().view
    }
}
