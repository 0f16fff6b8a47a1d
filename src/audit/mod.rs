//! The audit: the rule catalogue plus one check per rule over the model.
//! Everything here is pure: a store and options in, findings out, in a
//! deterministic order.

pub mod catalog;
pub mod eg0_input;
pub mod eg1_tenancy;
pub mod eg2_performance;
pub mod eg3_observability;
pub mod eg4_operations;
pub mod eg5_live;
pub mod finding;
pub mod inputs;
pub mod versions;

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

pub use catalog::{Area, RULES, RuleId, RuleMeta};
pub use finding::{
    AuditResult, Check, Finding, Gap, Severity, SkipCategory, Skipped, Summary, Suppression,
};

use crate::error::UserError;
use crate::model::Model;
use crate::store::{Kind, KindState, Object, ObjectRef, SourceKind, Store};

/// Which environment the rules judge: they differ in the tracing sampling
/// EG309 accepts. The clap derive sits here so that the CLI depends on the
/// audit, never the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
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

/// Annotation prefix that opts an object out of a rule.
pub const SUPPRESS_PREFIX: &str = "audit.egscope.io/ignore-";

#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub profile: Profile,
    /// Rule ID globs (`EG2*`); empty means every rule.
    pub rules: Vec<String>,
    /// The audit's "now" (restart windows). `None`: the newest timestamp in
    /// the source, so that a snapshot audits the same on any day.
    pub now: Option<jiff::Timestamp>,
    /// EG507: share of 5xx above which a fleet is in trouble.
    pub fivexx_threshold: f64,
    /// Live Envoy metrics, when the source scrapes them (EG507).
    pub metrics: Option<std::sync::Arc<crate::metrics::MetricsSnapshot>>,
    /// Keep every (rule, object) examined, for JUnit's passing test cases.
    /// The TUI, which re-audits on every change, has no use for them.
    pub record_checks: bool,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            profile: Profile::Production,
            rules: Vec::new(),
            now: None,
            fivexx_threshold: 0.05,
            metrics: None,
            record_checks: true,
        }
    }
}

/// Runs every selected rule over the store.
pub fn run(store: &Store, opts: &AuditOptions) -> Result<AuditResult, UserError> {
    let enabled = select_rules(&opts.rules)?;
    let model = Model::build(store);
    Ok(run_on_model(store, &model, opts, enabled))
}

/// Runs the rules over an already built model (the TUI keeps one).
pub fn run_on_model(
    store: &Store,
    model: &Model,
    opts: &AuditOptions,
    enabled: HashSet<RuleId>,
) -> AuditResult {
    let mut ctx = Ctx::new(store, model, opts, enabled);
    ctx.gate_on_inputs();
    run_families(&mut ctx, store.len() >= PARALLEL_FROM);
    ctx.finish()
}

/// Objects from which the rule families run on two threads: below, a
/// thread costs more than it saves (the TUI and the fuzz targets audit
/// small stores often).
const PARALLEL_FROM: usize = 2_000;

/// Runs every family of rules. With `parallel`, the EG2xx rules, which
/// take about as long as all the others on a large cluster, run on a second
/// thread: each family reads and writes only its own rules' entries, and
/// `finish` orders everything by rule, so the result is the same.
fn run_families(ctx: &mut Ctx<'_>, parallel: bool) {
    if !parallel {
        eg0_input::run(ctx);
        eg1_tenancy::run(ctx);
        eg2_performance::run(ctx);
        eg3_observability::run(ctx);
        eg4_operations::run(ctx);
        eg5_live::run(ctx);
        return;
    }
    let mut performance = ctx.fork();
    std::thread::scope(|scope| {
        let handle = scope.spawn(move || {
            eg2_performance::run(&mut performance);
            performance
        });
        eg0_input::run(ctx);
        eg1_tenancy::run(ctx);
        eg3_observability::run(ctx);
        eg4_operations::run(ctx);
        eg5_live::run(ctx);
        match handle.join() {
            Ok(performance) => ctx.absorb(performance, |r| r.as_str().starts_with("EG2")),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    });
}

/// The rule IDs the globs select; an error when a glob is malformed or
/// selects nothing (most likely a typo).
pub fn select_rules(globs: &[String]) -> Result<HashSet<RuleId>, UserError> {
    if globs.is_empty() {
        return Ok(RULES.iter().map(|r| r.id).collect());
    }
    let mut selected = HashSet::new();
    for g in globs {
        for part in g.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let matcher = globset::GlobBuilder::new(part)
                .case_insensitive(true)
                .build()
                .map_err(|e| UserError::new(format!("--rules {part:?} is not a valid glob: {e}")))?
                .compile_matcher();
            let before = selected.len();
            let mut any = false;
            for r in RULES {
                if matcher.is_match(r.id.as_str()) {
                    selected.insert(r.id);
                    any = true;
                }
            }
            if !any && before == selected.len() {
                return Err(UserError::new(format!(
                    "--rules {part:?} matches no rule. Rule IDs look like EG201; \
                     `egscope rules` lists them all."
                )));
            }
        }
    }
    Ok(selected)
}

fn newest_timestamp(store: &Store) -> Option<jiff::Timestamp> {
    fn walk(v: &crate::codec::value::Value, best: &mut Option<jiff::Timestamp>, depth: usize) {
        if depth > 8 {
            return;
        }
        match v {
            crate::codec::value::Value::Object(map) => {
                for (k, v) in map {
                    if let crate::codec::value::Value::String(s) = v
                        && (k.ends_with("Timestamp") || k.ends_with("Time") || k.ends_with("At"))
                        && let Ok(t) = s.parse::<jiff::Timestamp>()
                        && best.is_none_or(|b| t > b)
                    {
                        *best = Some(t);
                    }
                    walk(v, best, depth + 1);
                }
            }
            crate::codec::value::Value::Array(items) => {
                items.iter().for_each(|i| walk(i, best, depth + 1))
            }
            _ => {}
        }
    }
    let mut best = None;
    for kind in [
        Kind::Pod,
        Kind::Deployment,
        Kind::HorizontalPodAutoscaler,
        Kind::Gateway,
    ] {
        for o in store.of(kind) {
            if let Some(ts) = o.creation_timestamp.as_deref().and_then(|t| t.parse().ok())
                && best.is_none_or(|b| ts > b)
            {
                best = Some(ts);
            }
            if let Some(st) = o.status() {
                walk(st, &mut best, 0);
            }
        }
    }
    best
}

/// What rules see while they run.
pub struct Ctx<'a> {
    pub store: &'a Store,
    pub model: &'a Model,
    pub opts: &'a AuditOptions,
    pub now: Option<jiff::Timestamp>,
    enabled: HashSet<RuleId>,
    findings: Vec<Finding>,
    checks: Vec<Check>,
    skipped: Vec<Skipped>,
    /// Rules whose inputs could not be read: whatever they would find is
    /// dropped (an unread HPA would read as a missing one).
    not_judged: HashSet<RuleId>,
    /// The interned object references of the findings so far.
    refs: HashSet<Arc<ObjectRef>>,
}

impl<'a> Ctx<'a> {
    fn new(
        store: &'a Store,
        model: &'a Model,
        opts: &'a AuditOptions,
        enabled: HashSet<RuleId>,
    ) -> Ctx<'a> {
        // A live audit passes the wall clock; an egscope snapshot is judged
        // at the moment it was taken, any other snapshot at its newest
        // timestamp.
        let now = opts
            .now
            .or(store.taken_at)
            .or_else(|| newest_timestamp(store));
        Ctx {
            store,
            model,
            opts,
            now,
            enabled,
            findings: Vec::new(),
            checks: Vec::new(),
            skipped: Vec::new(),
            not_judged: HashSet::new(),
            refs: HashSet::new(),
        }
    }

    pub fn enabled(&self, rule: RuleId) -> bool {
        self.enabled.contains(&rule)
    }

    /// Marks every enabled rule whose inputs could not be read (see
    /// `inputs`) as not judged or partial before any rule runs.
    fn gate_on_inputs(&mut self) {
        for r in RULES {
            if !self.enabled(r.id) {
                continue;
            }
            let inputs = inputs::of(r.id);
            for &kind in inputs.needs {
                let state = self.store.state(kind);
                match state {
                    KindState::Forbidden(_) | KindState::Unavailable(_) => {
                        self.skip_as(r.id, state.describe(kind), SkipCategory::NotJudged);
                        self.not_judged.insert(r.id);
                    }
                    KindState::Partial { .. } => {
                        self.skip_as(r.id, state.describe(kind), SkipCategory::Partial)
                    }
                    _ => {}
                }
            }
            for &kind in inputs.looks_up.iter().flat_map(|k| k.iter()) {
                let state = self.store.state(kind);
                if state.unreadable() {
                    self.skip_as(r.id, state.describe(kind), SkipCategory::Partial);
                }
            }
        }
    }

    /// Records that `rule` did not run because the source has nothing it
    /// judges (not installed, no metrics asked for).
    pub fn skip(&mut self, rule: RuleId, reason: impl Into<String>) {
        self.skip_as(rule, reason, SkipCategory::NotApplicable);
    }

    /// Records that `rule` could not be judged (or only partly): the audit
    /// is then incomplete. The first, most serious reason per rule stays.
    pub fn skip_as(&mut self, rule: RuleId, reason: impl Into<String>, category: SkipCategory) {
        if !self.enabled(rule) {
            return;
        }
        match self.skipped.iter_mut().find(|s| s.rule == rule) {
            Some(s) if s.category < category => {
                s.category = category.max(s.category);
                s.reason = reason.into();
            }
            Some(_) => {}
            None => self.skipped.push(Skipped {
                rule,
                reason: reason.into(),
                category,
            }),
        }
    }

    /// Whether the rule should run: enabled, and every kind it judges
    /// readable in the source. A kind not installed (or, in a snapshot,
    /// absent) makes the rule not applicable; a kind that could not be read
    /// makes it not judged; a kind read only in some namespaces lets it run
    /// and marks it partial.
    pub fn require(&mut self, rule: RuleId, kinds: &[Kind]) -> bool {
        if !self.enabled(rule) {
            return false;
        }
        for &kind in kinds {
            let state = self.store.state(kind);
            let reason = match &state {
                KindState::Present | KindState::Partial { .. } => continue,
                KindState::Absent => match self.store.source.kind {
                    SourceKind::Snapshot => format!("no {} objects in the snapshot", kind.name()),
                    _ => format!("no {} objects in the cluster", kind.name()),
                },
                _ => state.describe(kind),
            };
            let category = if state.unreadable() {
                self.not_judged.insert(rule);
                SkipCategory::NotJudged
            } else {
                SkipCategory::NotApplicable
            };
            self.skip_as(rule, reason, category);
            return false;
        }
        self.require_readable(rule, kinds)
    }

    /// Like [`Ctx::require`] for kinds the rule only looks things up in
    /// (the controllers that decide which Gateways are Envoy Gateway's, the
    /// EnvoyProxy a Gateway names): their absence is no reason to skip, but
    /// when they could not be read the rule is not judged, and when they
    /// were read only in some namespaces it is partial.
    pub fn require_readable(&mut self, rule: RuleId, kinds: &[Kind]) -> bool {
        if !self.enabled(rule) {
            return false;
        }
        for &kind in kinds {
            match self.store.state(kind) {
                KindState::Forbidden(_) | KindState::Unavailable(_) => {
                    let reason = self.store.state(kind).describe(kind);
                    self.skip_as(rule, reason, SkipCategory::NotJudged);
                    self.not_judged.insert(rule);
                    return false;
                }
                st @ KindState::Partial { .. } => {
                    self.skip_as(rule, st.describe(kind), SkipCategory::Partial);
                }
                _ => {}
            }
        }
        true
    }

    /// Records that `rule` examined `obj` (JUnit test cases).
    pub fn check(&mut self, rule: RuleId, obj: &Object, listener: Option<&str>) {
        if !self.opts.record_checks || self.not_judged.contains(&rule) {
            return;
        }
        let object = obj.obj_ref();
        if !self.reported(&object) {
            return;
        }
        self.checks.push(Check {
            rule,
            object,
            listener: listener.map(str::to_string),
        });
    }

    /// Starts a finding of `rule` on `obj` with the catalogue's severity.
    pub fn finding(&self, rule: RuleId, obj: &Object) -> FindingBuilder {
        let suppressed = obj
            .annotations
            .get(&format!("{SUPPRESS_PREFIX}{rule}"))
            .map(|r| r.trim())
            .filter(|r| !r.is_empty())
            .map(|r| Suppression {
                reason: r.to_string(),
            });
        FindingBuilder(Finding {
            rule,
            severity: catalog::meta(rule).severity,
            object: Arc::new(obj.obj_ref()),
            listener: None,
            path: None,
            message: String::new(),
            related: Vec::new(),
            location: obj.location.clone(),
            suppressed,
        })
    }

    /// `-n NAMESPACE` reports findings on that namespace's objects and on
    /// cluster-scoped ones only.
    fn reported(&self, obj: &ObjectRef) -> bool {
        match (&self.store.source.namespace, &obj.namespace) {
            (Some(want), Some(ns)) => want == ns,
            _ => true,
        }
    }

    pub fn push(&mut self, mut f: Finding) {
        if !self.enabled(f.rule) || !self.reported(&f.object) || self.not_judged.contains(&f.rule) {
            return;
        }
        if self.opts.record_checks {
            self.checks.push(Check {
                rule: f.rule,
                object: (*f.object).clone(),
                listener: f.listener.clone(),
            });
        }
        f.object = self.intern(f.object);
        for r in &mut f.related {
            *r = self.intern(r.clone());
        }
        self.findings.push(f);
    }

    /// One shared reference per object across all findings.
    fn intern(&mut self, r: Arc<ObjectRef>) -> Arc<ObjectRef> {
        if let Some(known) = self.refs.get(&r) {
            return known.clone();
        }
        self.refs.insert(r.clone());
        r
    }

    /// A context for another family of rules: the same inputs and gating,
    /// nothing found yet.
    fn fork(&self) -> Ctx<'a> {
        Ctx {
            store: self.store,
            model: self.model,
            opts: self.opts,
            now: self.now,
            enabled: self.enabled.clone(),
            findings: Vec::new(),
            checks: Vec::new(),
            skipped: self.skipped.clone(),
            not_judged: self.not_judged.clone(),
            refs: HashSet::new(),
        }
    }

    /// Takes what a [`Ctx::fork`] found for the rules `family` selects: its
    /// skip entries for them replace the ones gated here before the fork.
    fn absorb(&mut self, other: Ctx<'a>, family: impl Fn(RuleId) -> bool) {
        self.skipped.retain(|s| !family(s.rule));
        self.skipped
            .extend(other.skipped.into_iter().filter(|s| family(s.rule)));
        for mut f in other.findings {
            f.object = self.intern(f.object);
            for r in &mut f.related {
                *r = self.intern(r.clone());
            }
            self.findings.push(f);
        }
        self.checks.extend(other.checks);
        self.not_judged.extend(other.not_judged);
    }

    fn finish(mut self) -> AuditResult {
        self.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.findings.dedup();
        self.checks.sort();
        self.checks.dedup();
        self.skipped.sort_by_key(|s| s.rule);
        let coverage = self
            .store
            .states()
            .filter(|(_, st)| st.unreadable())
            .map(|(kind, st)| Gap {
                kind: kind.qualified(),
                state: st.label(),
                reason: match st {
                    KindState::Forbidden(w) | KindState::Unavailable(w) => w.clone(),
                    KindState::Partial { reason, .. } => reason.clone(),
                    _ => String::new(),
                },
                namespaces: match st {
                    KindState::Partial { namespaces, .. } => namespaces.clone(),
                    _ => Vec::new(),
                },
            })
            .collect();
        AuditResult {
            findings: self.findings,
            skipped: self.skipped,
            checks: self.checks,
            coverage,
            objects: self.store.len() + self.store.undecodable.len(),
        }
    }
}

/// Fills a finding's optional parts before it is pushed.
#[derive(Debug, Clone)]
pub struct FindingBuilder(Finding);

impl FindingBuilder {
    pub fn listener(mut self, name: &str) -> Self {
        self.0.listener = Some(name.to_string());
        self
    }
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.0.path = Some(path.into());
        self
    }
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.0.message = message.into();
        self
    }
    pub fn related(mut self, related: impl IntoIterator<Item = ObjectRef>) -> Self {
        let mut refs: Vec<ObjectRef> = related.into_iter().map(|r| r.without_version()).collect();
        refs.sort();
        refs.dedup();
        self.0.related = refs.into_iter().map(Arc::new).collect();
        self
    }
    pub fn severity(mut self, s: Severity) -> Self {
        self.0.severity = s;
        self
    }
    pub fn emit(self, ctx: &mut Ctx) {
        ctx.push(self.0)
    }
    pub fn build(self) -> Finding {
        self.0
    }
}

/// Sorted, de-duplicated helper for "which namespaces" style messages.
pub fn join_sorted<'x>(items: impl IntoIterator<Item = &'x str>) -> String {
    let set: BTreeSet<&str> = items.into_iter().collect();
    set.into_iter().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests;
