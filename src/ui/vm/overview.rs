//! Overview rows: the worst offenders first (selectable: Enter opens one).

use std::collections::BTreeMap;

use crate::ui::data::{Data, Mark, key_of};
use crate::ui::vm::table::{self, Row, RowKey};

pub const COLUMNS: [&str; 4] = ["WORST OFFENDERS", "WORST", "FINDINGS", "RULES"];

pub fn rows(data: &Data) -> (Vec<&'static str>, Vec<Row>) {
    let mut by: BTreeMap<_, (crate::store::ObjectRef, Mark, Vec<crate::audit::RuleId>)> =
        BTreeMap::new();
    for f in data.findings() {
        let e = by
            .entry(key_of(&f.object))
            .or_insert_with(|| (f.object.without_version(), Mark::default(), Vec::new()));
        e.1.add(f);
        if !e.2.contains(&f.rule) {
            e.2.push(f.rule);
        }
    }
    let mut items: Vec<_> = by.into_values().collect();
    let rank = |m: &Mark| m.worst.map_or(0, |s| s.rank());
    items.sort_by(|a, b| {
        rank(&b.1)
            .cmp(&rank(&a.1))
            .then(b.1.count.cmp(&a.1.count))
            .then(a.0.cmp(&b.0))
    });
    let rows = items
        .into_iter()
        .map(|(obj, mark, rules)| {
            let worst_key = mark.worst.map_or(0.0, |s| table::severity_key(s, false));
            Row::new(
                vec![
                    obj.display_path(),
                    mark.worst
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "suppressed".into()),
                    mark.count.to_string(),
                    rules
                        .iter()
                        .map(|r| r.as_str())
                        .collect::<Vec<_>>()
                        .join(","),
                ],
                RowKey::Object(obj.clone()),
                obj.namespace.clone(),
                mark,
            )
            .sort_by(1, worst_key)
        })
        .collect();
    (COLUMNS.to_vec(), rows)
}
