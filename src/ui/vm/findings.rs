//! Findings rows, grouped by rule or by object, filtered by severity and
//! area, worst first.

use crate::audit::Finding;
use crate::ui::data::{Data, FindingId, Mark};
use crate::ui::state::FindingsOpts;
use crate::ui::vm::table::{Row, RowKey};

pub const BY_RULE: [&str; 5] = ["RULE", "SEV", "OBJECT", "LISTENER", "MESSAGE"];
pub const BY_OBJECT: [&str; 5] = ["OBJECT", "SEV", "RULE", "LISTENER", "MESSAGE"];

/// Where SINCE goes (live sources only): before the wide MESSAGE.
const SINCE_COL: usize = 4;

pub fn rows(data: &Data, fo: &FindingsOpts, now: jiff::Timestamp) -> (Vec<&'static str>, Vec<Row>) {
    // "Since" is how long this session has seen a finding: only a live
    // source has one, and it is measured by the session's clock.
    let live_at = data.store.live.as_ref().map(|l| l.observed_at.max(now));
    let fs: Vec<&crate::audit::Finding> = data.findings().collect();
    let mut idx: Vec<usize> = (0..fs.len())
        .filter(|&i| {
            let f = fs[i];
            fo.min_severity.is_none_or(|s| f.severity <= s)
                && fo.area.is_none_or(|a| f.rule.meta().area == a)
        })
        .collect();
    // Worst first: live findings before suppressed ones, then severity,
    // rule, namespace, name, listener (the report order). Grouped by
    // object, the objects come worst first and keep their findings
    // together.
    let live_first = |i: usize| fs[i].suppressed.is_some();
    if fo.by_object {
        let mut worst: std::collections::HashMap<&crate::store::ObjectRef, (bool, _)> =
            std::collections::HashMap::new();
        for &i in &idx {
            let k = (live_first(i), fs[i].severity);
            let e = worst.entry(&fs[i].object).or_insert(k);
            *e = (*e).min(k);
        }
        idx.sort_by(|&a, &b| {
            let (fa, fb) = (&fs[a], &fs[b]);
            (
                worst[&*fa.object],
                &fa.object.namespace,
                &fa.object.name,
                &fa.object.kind,
                live_first(a),
                fa.sort_key(),
            )
                .cmp(&(
                    worst[&*fb.object],
                    &fb.object.namespace,
                    &fb.object.name,
                    &fb.object.kind,
                    live_first(b),
                    fb.sort_key(),
                ))
        });
    } else {
        idx.sort_by(|&a, &b| {
            (live_first(a), fs[a].sort_key()).cmp(&(live_first(b), fs[b].sort_key()))
        });
    }
    let rows = idx
        .into_iter()
        .map(|i| {
            let f = &fs[i];
            let obj = f.object.display_path();
            let sev = match &f.suppressed {
                Some(_) => format!("{} (suppressed)", f.severity),
                None => f.severity.to_string(),
            };
            // Every row carries its group value (so `/EG204` finds all of
            // a rule's findings); the table prints it once per group.
            let mut cells = if fo.by_object {
                vec![obj, sev, f.rule.to_string(), listener(f), f.message.clone()]
            } else {
                vec![f.rule.to_string(), sev, obj, listener(f), f.message.clone()]
            };
            let id = FindingId::of(f);
            let since = live_at.and_then(|now| {
                let t = data.since(&id)?;
                Some(crate::clock::secs_between(t, now))
            });
            if live_at.is_some() {
                let cell = since.map(crate::clock::short).unwrap_or_else(|| "-".into());
                cells.insert(SINCE_COL, cell);
            }
            let mut mark = Mark::default();
            mark.add(f);
            let row = Row::new(cells, RowKey::Finding(id), f.object.namespace.clone(), mark)
                .grouped_by(0)
                .sort_by(
                    1,
                    crate::ui::widgets::table::severity_key(f.severity, f.suppressed.is_some()),
                );
            match since {
                Some(s) => row.sort_by(SINCE_COL, s as f64),
                None => row,
            }
        })
        .collect();
    let mut cols = if fo.by_object { BY_OBJECT } else { BY_RULE }.to_vec();
    if live_at.is_some() {
        cols.insert(SINCE_COL, "SINCE");
    }
    (cols, rows)
}

fn listener(f: &Finding) -> String {
    f.listener.clone().unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::audit::AuditOptions;

    fn data() -> Data {
        let store = crate::demo::showcase_store().unwrap();
        let opts = AuditOptions {
            now: Some(crate::demo::demo_now()),
            ..AuditOptions::default()
        };
        Data::build(Arc::new(store), &opts, None)
    }

    /// `/EG204` keeps every EG204 finding, grouped by rule or by object.
    #[test]
    fn filter_by_rule_keeps_every_finding_of_the_rule() {
        let d = data();
        let want = d
            .findings()
            .filter(|f| f.rule == crate::audit::RuleId::EG204)
            .count();
        assert!(want > 1, "the showcase has {want} EG204 findings");
        for by_object in [false, true] {
            let fo = FindingsOpts {
                by_object,
                ..FindingsOpts::default()
            };
            let (cols, rows) = rows(&d, &fo, crate::demo::demo_now());
            let mut t = crate::ui::widgets::table::TableState::new(cols, rows);
            t.filter = "EG204".into();
            t.refresh(None);
            assert_eq!(t.visible.len(), want, "by_object {by_object}");
            // Sorting by the first column never starts with a blank row.
            t.filter.clear();
            t.sort_next(None);
            let first = t.selected_row().unwrap();
            assert!(!first.cells[0].is_empty());
        }
    }

    /// Worst first: errors, then warnings, then info; suppressed last.
    #[test]
    fn findings_are_listed_worst_first() {
        let d = data();
        let (_, rows) = rows(&d, &FindingsOpts::default(), crate::demo::demo_now());
        let ranks: Vec<(bool, crate::audit::Severity)> = rows
            .iter()
            .map(|r| match &r.key {
                RowKey::Finding(i) => {
                    let f = d.finding(i).unwrap();
                    (f.suppressed.is_some(), f.severity)
                }
                _ => unreachable!(),
            })
            .collect();
        let mut sorted = ranks.clone();
        sorted.sort();
        assert_eq!(ranks, sorted);
        assert_eq!(ranks[0], (false, crate::audit::Severity::Error));
    }
}
