//! The Detail pane's state: an object's YAML with the selected finding's
//! field located, its findings and its related objects. Secrets never
//! reach it: they are not in the store.

use crate::audit::RuleId;
use std::sync::Arc;

use crate::store::{Kind, Object, ObjectRef};
use crate::ui::data::{Data, FindingId, Mark, key_of};
use crate::ui::vm::table::{Row, RowKey, TableState};
use crate::ui::yaml::{self, YamlLine};

#[derive(Debug, Clone)]
pub struct DetailState {
    pub title: String,
    pub lines: Vec<YamlLine>,
    /// First and last highlighted line.
    pub highlight: Option<(usize, usize)>,
    /// Said next to the highlight when the field is absent.
    pub note: Option<String>,
    pub finding: Option<FindingId>,
    /// The finding's guide text, rendered under the side list.
    pub finding_text: Option<crate::audit::Finding>,
    pub scroll: usize,
    pub yaml_only: bool,
    pub focus_side: bool,
    pub side: TableState,
    pub mark: Mark,
    /// What `/` searches for in the YAML, and the line of the current
    /// match (`None`: no line matches).
    pub search: String,
    pub search_hit: Option<usize>,
}

impl DetailState {
    /// The first line at or after `from` (wrapping) whose key or value
    /// contains the search text, case-insensitively.
    pub fn find(&self, from: usize) -> Option<usize> {
        if self.search.is_empty() || self.lines.is_empty() {
            return None;
        }
        let needle = self.search.to_lowercase();
        let n = self.lines.len();
        (0..n).map(|k| (from + k) % n).find(|&i| {
            let l = &self.lines[i];
            l.key.to_lowercase().contains(&needle) || l.value.to_lowercase().contains(&needle)
        })
    }

    /// The last line before `from` (wrapping) that matches, as `find`.
    pub fn find_back(&self, from: usize) -> Option<usize> {
        let n = self.lines.len();
        if n == 0 {
            return None;
        }
        // Searching forward from the line after the previous match gives
        // it back; so walk from `from - 1` downwards.
        let needle = self.search.to_lowercase();
        if needle.is_empty() {
            return None;
        }
        (1..=n).map(|k| (from + n - k % n) % n).find(|&i| {
            let l = &self.lines[i];
            l.key.to_lowercase().contains(&needle) || l.value.to_lowercase().contains(&needle)
        })
    }

    /// Moves to the previous match before `from`, as [`Self::search_from`].
    pub fn search_back(&mut self, from: usize, height: usize) {
        self.search_hit = self.find_back(from);
        self.scroll_to_hit(height);
    }

    fn scroll_to_hit(&mut self, height: usize) {
        if let Some(i) = self.search_hit {
            let height = height.max(1);
            if i < self.scroll || i >= self.scroll + height {
                self.scroll = i.saturating_sub(3);
            }
            self.clamp(height);
        }
    }

    /// Moves to the match at or after `from` and scrolls it into a view
    /// of `height` lines.
    pub fn search_from(&mut self, from: usize, height: usize) {
        self.search_hit = self.find(from);
        self.scroll_to_hit(height);
    }

    pub fn clamp(&mut self, height: usize) {
        let max = self.lines.len().saturating_sub(height.max(1));
        self.scroll = self.scroll.min(max);
    }
}

pub fn find_object(data: &Data, r: &ObjectRef) -> Option<Arc<Object>> {
    let kind = Kind::ALL.into_iter().find(|k| k.name() == r.kind)?;
    data.store
        .of(kind)
        .iter()
        .find(|o| o.name == r.name && o.namespace == r.namespace)
        .cloned()
}

/// A route's live traffic per rule and fleet, in the side list: what the
/// Routes view sums, split so that the failing rule stands out.
fn traffic_rows(data: &Data, obj: &ObjectRef) -> Vec<Row> {
    let Some(route) = data.model.routes.iter().find(|r| {
        r.obj.kind.name() == obj.kind && r.obj.name == obj.name && r.obj.namespace == obj.namespace
    }) else {
        return Vec::new();
    };
    if data.metrics.is_none() {
        return Vec::new();
    }
    let fleets = super::routes::fleet_of_gateway(data);
    let traffic = super::routes::route_traffic(data, &fleets, route);
    if traffic.is_empty() {
        return vec![Row::new(
            vec![
                "traffic".into(),
                "no scraped fleet has a cluster named after this route".into(),
            ],
            RowKey::None,
            None,
            Mark::default(),
        )];
    }
    let several = traffic.windows(2).any(|w| w[0].0 != w[1].0);
    let share = |v: Option<f64>| {
        v.map(super::fleets::fmt_share)
            .unwrap_or_else(|| "-".into())
    };
    // The short history of the symptom per rule (the scraper keeps it for
    // the fleets on screen, which a route's Detail is): did the 5xx share
    // or the latency move first. An interval without a response (no share,
    // no p99) draws as the lowest bar, never as a measured zero in a cell.
    let metrics = data.metrics.as_deref();
    let kind = route.obj.kind.name().to_ascii_lowercase();
    let trend = |fleet: &str, rule: i32, f: fn(&crate::metrics::ClusterPoint) -> Option<f64>| {
        let cluster: Arc<str> = format!(
            "{kind}/{}/{}/rule/{rule}",
            route.obj.namespace_or_empty(),
            route.obj.name
        )
        .into();
        match metrics.and_then(|m| m.route_history.get(&(fleet.to_string(), cluster))) {
            Some(h) if !h.is_empty() => {
                let values: Vec<f64> = h.iter().map(|p| f(p).unwrap_or(f64::NAN)).collect();
                crate::ui::widgets::sparkline::sparkline(&values, 16)
            }
            _ => "no history yet".to_string(),
        }
    };
    let mut rows = Vec::new();
    // Several short rows per rule: the side list is a third of the screen.
    for (fleet, rule, p) in &traffic {
        let mut head = if *rule < 0 {
            "route".to_string()
        } else {
            format!("rule {rule}")
        };
        if several {
            head.push_str(&format!(" [{fleet}]"));
        }
        for (what, value) in [
            (
                "rps, 5xx",
                format!(
                    "{}, {} ({:.0} of {:.0})",
                    super::fleets::fmt_rps(p.rps),
                    share(p.share_5xx()),
                    p.responses_5xx,
                    p.responses
                ),
            ),
            (
                "p50, p99",
                format!(
                    "{}, {}",
                    super::fleets::fmt_ms(p.p50_ms),
                    super::fleets::fmt_ms(p.p99_ms)
                ),
            ),
            (
                "active, 4xx",
                format!("{:.0}, {}", p.active, share(p.share_4xx())),
            ),
            ("connect fails", format!("{:.0}", p.connect_fail)),
            (
                "timeouts, overflow",
                format!("{:.0}, {:.0}", p.timeouts, p.pending_overflow),
            ),
            ("5xx trend", trend(fleet, *rule, |p| p.share_5xx())),
            ("p99 trend", trend(fleet, *rule, |p| p.p99_ms)),
        ] {
            rows.push(Row::new(
                vec![format!("{head} {what}"), value],
                RowKey::None,
                None,
                Mark::default(),
            ));
        }
    }
    rows
}

/// A route's backends per rule in the side list: each backendRef with its
/// weight and ready endpoints, or why they are not known (EndpointSlices
/// forbidden, an Envoy Gateway Backend), so the trail from a 5xx burst ends
/// at the backend without a ready endpoint.
fn backend_rows(data: &Data, obj: &ObjectRef) -> Vec<Row> {
    use crate::model::backends::EndpointsState;
    let Some(i) = data.model.routes.iter().position(|r| {
        r.obj.kind.name() == obj.kind && r.obj.name == obj.name && r.obj.namespace == obj.namespace
    }) else {
        return Vec::new();
    };
    let Some(backends) = data.model.backends.get(i) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    for (rule, refs) in backends.rules.iter().enumerate() {
        for b in refs {
            let endpoints = match &b.endpoints {
                EndpointsState::Read(e) if e.slices == 0 => "no EndpointSlice".to_string(),
                EndpointsState::Read(e) => {
                    format!("{} ready, {} not ready", e.ready, e.not_ready)
                }
                EndpointsState::Unknown { reason } => format!("endpoints unknown: {reason}"),
                EndpointsState::NotCounted => "endpoints not counted".to_string(),
            };
            // Endpoints first: the side list is narrow, the count is what matters.
            let mut value = format!("{endpoints}: {} w{}", b.describe(), b.weight);
            // The model's one answer to "why can this backend not be
            // used" (trace and EG510 read the same).
            if let Some(why) = &b.invalid {
                value.push_str(&format!(", {why}"));
            }
            if let Some(p) = &b.tls_policy {
                value.push_str(&format!(", TLS by BackendTLSPolicy {p}"));
            }
            let mut mark = Mark::default();
            if b.ready() == Some(0) && b.weight > 0 {
                // The row stands out like an error finding would.
                if let Some(f) = data.findings_of(obj).find(|f| f.rule == RuleId::EG510) {
                    mark.add(f);
                }
            }
            let key = if b.is_service() {
                RowKey::None
            } else {
                RowKey::Object(ObjectRef::new("", &b.kind, Some(&b.namespace), &b.name))
            };
            rows.push(Row::new(
                vec![format!("rule {rule} backend"), value],
                key,
                None,
                mark,
            ));
        }
    }
    rows
}

/// The object's conditions with how long each has held
/// ("Programmed=False 3m"), its own and, for routes and policies, those of
/// each parent or ancestor status.
fn condition_rows(o: &Object, now: jiff::Timestamp) -> Vec<Row> {
    use crate::codec::value::Value;
    let Some(status) = o.status() else {
        return Vec::new();
    };
    let mut groups: Vec<(String, &[Value])> = Vec::new();
    if let Some(c) = status.get("conditions").and_then(Value::as_array) {
        groups.push((String::new(), c));
    }
    for (list, refkey) in [("parents", "parentRef"), ("ancestors", "ancestorRef")] {
        for p in status.get(list).and_then(Value::as_array).unwrap_or(&[]) {
            let name = p
                .get(refkey)
                .and_then(|r| r.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("?");
            if let Some(c) = p.get("conditions").and_then(Value::as_array) {
                groups.push((format!(" [{name}]"), c));
            }
        }
    }
    let mut rows = Vec::new();
    for (scope, conds) in groups {
        for c in conds {
            let text = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or("");
            let mut cell = format!("{}={}", text("type"), text("status"));
            if !text("reason").is_empty() && text("status") != "True" {
                cell.push_str(&format!(" ({})", text("reason")));
            }
            cell.push(' ');
            cell.push_str(&super::age(Some(text("lastTransitionTime")), now));
            rows.push(Row::new(
                vec![format!("condition{scope}"), cell],
                RowKey::None,
                None,
                Mark::default(),
            ));
        }
    }
    rows
}

/// The effective configuration (`Model::effective`): per listener the
/// object declares (a Gateway or ListenerSet) its ClientTrafficPolicy, per
/// listener a route attaches through its BackendTrafficPolicy,
/// SecurityPolicy and EnvoyExtensionPolicy, and which policy sets each field.
fn effective_rows(data: &Data, obj: &ObjectRef) -> Vec<Row> {
    let m = &data.model;
    let same = |o: &Object| {
        o.kind.name() == obj.kind && o.name == obj.name && o.namespace == obj.namespace
    };
    let name = |p: usize| {
        let o = &m.policies[p].obj;
        format!("{}/{}", o.namespace_or_empty(), o.name)
    };
    let mut rows = Vec::new();
    let mut push = |head: String, set: &crate::model::policy::EffectiveSet| {
        let mut value = set
            .policies
            .iter()
            .map(|&p| name(p))
            .collect::<Vec<_>>()
            .join(" over ");
        if let Some(t) = &set.merge_type {
            value.push_str(&format!(" ({t})"));
        }
        if !set.replaced.is_empty() {
            let r: Vec<String> = set.replaced.iter().map(|&p| name(p)).collect();
            value.push_str(&format!(", replaces {}", r.join(", ")));
        }
        rows.push(Row::new(
            vec![format!("{head} {}", set.kind.name()), value],
            RowKey::None,
            None,
            Mark::default(),
        ));
        for (field, &p) in &set.fields {
            rows.push(Row::new(
                vec![format!("  {field}"), name(p)],
                RowKey::None,
                None,
                Mark::default(),
            ));
        }
    };
    for e in &m.effective.listeners {
        let l = &m.gateways[e.gateway].listeners[e.listener];
        if same(&l.declared_by) {
            push(format!("[{}]", l.name), &e.client);
        }
    }
    if let Some(ri) = m.routes.iter().position(|r| same(&r.obj)) {
        for e in m.effective.of_route(ri) {
            let l = &m.gateways[e.gateway].listeners[e.listener];
            let mut head = format!("[{}/{}]", m.gateways[e.gateway].obj.name, l.name);
            if let Some(rule) = &e.rule {
                head.push_str(&format!(" rule {rule}"));
            }
            for set in &e.sets {
                push(head.clone(), set);
            }
        }
    }
    rows
}

/// The Events regarding the object, oldest first, as `kubectl describe`
/// lists them (type, reason, age, from, message); when Events could not be
/// read, one row that says why.
fn event_rows(data: &Data, o: &Object, now: jiff::Timestamp) -> Vec<Row> {
    use crate::store::KindState;
    let row = |head: String, text: String, warn: bool| {
        let mut mark = Mark::default();
        if warn {
            mark.worst = Some(crate::audit::Severity::Warning);
        }
        Row::new(vec![head, text], RowKey::None, None, mark)
    };
    match data.store.state(Kind::Event) {
        KindState::Forbidden(why) => {
            return vec![row("events".into(), format!("forbidden: {why}"), true)];
        }
        KindState::Unavailable(why) => {
            return vec![row(
                "events".into(),
                format!("could not be read: {why}"),
                true,
            )];
        }
        KindState::NotInstalled => return vec![row("events".into(), "not served".into(), false)],
        _ => {}
    }
    let list = data
        .events
        .of(o.kind.name(), o.namespace_or_empty(), &o.name);
    if list.is_empty() {
        let none = match data.store.source.kind {
            crate::store::SourceKind::Snapshot
                if data.store.state(Kind::Event) == KindState::Absent =>
            {
                "none in the snapshot (not recorded)"
            }
            _ => "<none>",
        };
        return vec![row("events".into(), none.into(), false)];
    }
    list.iter()
        .map(|e| {
            let from = if e.from.is_empty() {
                String::new()
            } else {
                format!(" · {}", e.from)
            };
            row(
                format!("event {} {}", e.kind, e.reason),
                format!("{}{from} · {}", e.age(now), e.note),
                e.is_warning(),
            )
        })
        .collect()
}

pub fn build(
    data: &Data,
    obj: &ObjectRef,
    finding: Option<FindingId>,
    now: jiff::Timestamp,
) -> DetailState {
    let object = find_object(data, obj);
    let lines = match &object {
        Some(o) => yaml::print(&o.raw),
        None => vec![YamlLine {
            indent: 0,
            key: String::new(),
            value: format!("# {} is not in the source", obj.display_path()),
            path: Vec::new(),
        }],
    };
    let f = finding.as_ref().and_then(|id| data.finding(id)).cloned();
    let mut highlight = None;
    let mut note = None;
    let policy_kind = f.as_ref().and_then(|f| super::policy_kind(f.rule));
    let on_owner = f.as_ref().is_some_and(|f| key_of(&f.object) == key_of(obj));
    if let (Some(kind), true, Some(f)) = (policy_kind, on_owner, &f) {
        // No policy applies (else the Detail opens it): the field has no
        // place in this object's YAML; say which policy should carry it.
        let target = match &f.listener {
            Some(l) => format!("this {} (sectionName {l})", f.object.kind),
            None => format!("this {}", f.object.kind),
        };
        note = Some(format!(
            "no {0} applies: set {1} in a {0} targeting {target}",
            kind.name(),
            f.path.as_deref().unwrap_or("the field"),
        ));
    } else if let (Some(o), Some(f)) = (&object, &f) {
        let path = f.path.clone().or_else(|| {
            // A listener finding without a field: the listener itself.
            let l = f.listener.as_ref()?;
            let idx = crate::model::listeners::read_listeners(o, None)
                .iter()
                .position(|x| &x.name == l)?;
            Some(format!("spec.listeners[{idx}]"))
        });
        if let Some(path) = path {
            let r = yaml::resolve(&o.raw, &path);
            highlight = yaml::span(&lines, &r.path);
            if !r.complete {
                // Only the parent exists: mark its key line, not its subtree.
                highlight = highlight.map(|(a, _)| (a, a));
                note = Some(if r.in_text {
                    format!("{path}: inside the embedded text of this field")
                } else {
                    format!("{path} (not set)")
                });
            }
            if highlight.is_none() {
                note = Some(format!("{path} (not set)"));
            }
        }
    }
    let scroll = highlight.map(|(a, _)| a.saturating_sub(3)).unwrap_or(0);
    let mut rows = Vec::new();
    for f in data.findings_of(obj) {
        let mut mark = Mark::default();
        mark.add(f);
        let label = match &f.listener {
            Some(l) => format!("{} [{l}]", f.rule),
            None => f.rule.to_string(),
        };
        rows.push(Row::new(
            vec![label, f.message.clone()],
            RowKey::Finding(FindingId::of(f)),
            None,
            mark,
        ));
    }
    rows.extend(traffic_rows(data, obj));
    rows.extend(backend_rows(data, obj));
    if let Some(o) = &object {
        rows.extend(condition_rows(o, now));
        rows.extend(event_rows(data, o, now));
    }
    for (why, r) in related(data, obj) {
        let mark = data.mark(&r);
        rows.push(Row::new(
            vec![format!("→ {why}"), r.display_path()],
            RowKey::Object(r),
            None,
            mark,
        ));
    }
    // After the related objects, which the side list navigates to.
    rows.extend(effective_rows(data, obj));
    let mut side = TableState::new(vec!["FINDINGS / RELATED", ""], rows);
    if let Some(id) = &finding
        && let Some(pos) = side
            .visible
            .iter()
            .position(|&r| matches!(&side.rows[r].key, RowKey::Finding(x) if x == id))
    {
        side.selected = pos;
    }
    DetailState {
        title: obj.display_path(),
        lines,
        highlight,
        note,
        finding,
        finding_text: f,
        scroll,
        yaml_only: false,
        focus_side: false,
        side,
        mark: data.mark(obj),
        search: String::new(),
        search_hit: None,
    }
}

/// How a policy targeting `obj` is labelled. A ClientTrafficPolicy on a
/// Gateway or ListenerSet names the listeners it is in force on, read from
/// `Model::effective` (the resolution EG201-EG206 judge), so the Detail
/// never lists a policy for the Gateway while a finding says no policy
/// applies to one of its listeners: `catalog-https` targets the `https`
/// listener only, and EG201 on `http` is right.
fn policy_label(m: &crate::model::Model, policy: usize, obj: &ObjectRef) -> String {
    let p = &m.policies[policy];
    if p.obj.kind != Kind::ClientTrafficPolicy
        || !matches!(
            obj.kind.as_str(),
            "Gateway" | "ListenerSet" | "XListenerSet"
        )
    {
        return "policy".into();
    }
    let on: Vec<&str> = m
        .effective
        .listeners
        .iter()
        .filter(|e| e.client.policies.contains(&policy))
        .map(|e| &m.gateways[e.gateway].listeners[e.listener])
        .filter(|l| {
            let d = &l.declared_by;
            d.kind.name() == obj.kind && d.name == obj.name && d.namespace == obj.namespace
        })
        .map(|l| l.name.as_str())
        .collect();
    if on.is_empty() {
        "policy (in force on no listener)".into()
    } else {
        format!("policy [{}]", on.join(","))
    }
}

/// Objects related to `obj`: owner, class, targets, fleet, routes, and what
/// its findings name.
pub fn related(data: &Data, obj: &ObjectRef) -> Vec<(String, ObjectRef)> {
    let m = &data.model;
    let mut out: Vec<(String, ObjectRef)> = Vec::new();
    let same = |o: &Object| key_of(&o.obj_ref()) == key_of(obj);
    let mut add = |why: &str, r: ObjectRef| {
        let r = r.without_version();
        if key_of(&r) != key_of(obj) && !out.iter().any(|(_, x)| x == &r) {
            out.push((why.to_string(), r));
        }
    };
    for (gi, g) in m.gateways.iter().enumerate() {
        let is_gw = same(&g.obj);
        if is_gw {
            if let Some(c) = m.class_of(g) {
                add("class", c.obj.obj_ref());
            }
            if let Some(ep) = &g.envoy_proxy {
                add("envoyproxy", ep.obj_ref());
            }
            if let Some(f) = m.fleet_of(gi) {
                if let Some(w) = f.workload() {
                    add("fleet", w.obj_ref());
                }
                if let Some(h) = &f.hpa {
                    add("hpa", h.obj_ref());
                }
            }
            for r in m
                .routes
                .iter()
                .filter(|r| r.parents.iter().any(|p| p.gateway == Some(gi)))
            {
                add("route", r.obj.obj_ref());
            }
        }
        if m.class_of(g).is_some_and(|c| same(&c.obj)) {
            add("gateway", g.obj.obj_ref());
        }
    }
    for c in m.classes.iter() {
        if same(&c.obj) {
            if let Some(ep) = &c.envoy_proxy {
                add("envoyproxy", ep.obj_ref());
            }
            for &ci in &c.controllers {
                add("controller", m.controllers[ci].deployment.obj_ref());
            }
        }
    }
    for (ci, c) in m.controllers.iter().enumerate() {
        if same(&c.deployment) {
            if let Some(cm) = &c.config_map {
                add("config", cm.obj_ref());
            }
            for cl in m.classes.iter().filter(|cl| cl.controllers.contains(&ci)) {
                add("class", cl.obj.obj_ref());
            }
            // Its pods with their state: a crash-looping controller is
            // one glance away, and Enter opens the pod.
            for p in &c.pods {
                let state = crate::model::tenancy::PodState::of(p);
                add(&format!("pod {}", state.describe()), p.obj_ref());
            }
        }
        if c.pods.iter().any(|p| same(p)) {
            add("controller", c.deployment.obj_ref());
        }
    }
    for r in m.routes.iter() {
        if same(&r.obj) {
            for p in &r.parents {
                if let Some(g) = p.gateway {
                    add("parent", m.gateways[g].obj.obj_ref());
                }
            }
        }
    }
    for (pi, p) in m.policies.iter().enumerate() {
        let targets_obj = p.targets.iter().any(|t| same(t.obj.object(m)));
        if targets_obj {
            add(&policy_label(m, pi, obj), p.obj.obj_ref());
        }
        if same(&p.obj) {
            for t in &p.targets {
                add("target", t.obj.object(m).obj_ref());
            }
        }
    }
    for f in &m.fleets {
        let members: Vec<&Arc<Object>> = [&f.deployment, &f.daemonset, &f.hpa, &f.service]
            .into_iter()
            .flatten()
            .chain(f.pods.iter())
            .collect();
        if members.iter().any(|o| same(o)) {
            add("fleet owner", f.owner.clone());
            for o in [&f.deployment, &f.daemonset, &f.hpa, &f.service]
                .into_iter()
                .flatten()
            {
                add(&o.kind.name().to_ascii_lowercase(), o.obj_ref());
            }
            if let Some(ep) = f.proxy.object() {
                add("envoyproxy", ep.obj_ref());
            }
        }
    }
    for f in data.findings_of(obj) {
        for r in &f.related {
            add("named by finding", (**r).clone());
        }
    }
    out
}
