//! What the audit could and could not see: kinds that could not be read
//! (or are not installed) and the rules it skipped or could not judge,
//! for the Overview's coverage box and the Coverage view (`:coverage`).

use crate::audit::{Area, SkipCategory};
use crate::store::{Kind, KindState};
use crate::ui::data::{Data, Mark};
use crate::ui::vm::table::{Row, RowKey};

pub const COLUMNS: [&str; 3] = ["WHAT", "STATE", "WHY"];

/// Every area, in the catalogue's order (the Overview lists all six, with
/// zeros, so an area without findings is seen to be clean).
pub const AREAS: [Area; 6] = [
    Area::Input,
    Area::Tenancy,
    Area::Performance,
    Area::Observability,
    Area::Operations,
    Area::Live,
];

/// Unsuppressed findings per area: (area, [errors, warnings, infos]),
/// counted once per audit part (`Data::area_counts`), not per frame.
pub fn area_counts(data: &Data) -> Vec<(Area, [usize; 3])> {
    AREAS.into_iter().zip(data.area_counts()).collect()
}

/// The kinds not fully read, what could not be read first (it makes what
/// is shown partial), then what is not installed: (kind, state, detail).
pub fn degraded_kinds(data: &Data) -> Vec<(Kind, String, String)> {
    let mut first = Vec::new();
    let mut last = Vec::new();
    for k in Kind::ALL {
        match data.store.state(k) {
            KindState::Forbidden(why) => first.push((k, "forbidden".to_string(), why)),
            KindState::Unavailable(why) => first.push((k, "unavailable".to_string(), why)),
            KindState::Partial { namespaces, .. } => first.push((
                k,
                "partial".to_string(),
                format!("only in {}", namespaces.join(", ")),
            )),
            KindState::NotInstalled => last.push((k, "not installed".to_string(), String::new())),
            _ => {}
        }
    }
    first.extend(last);
    first
}

/// The short form of each degraded kind for the Overview's box.
pub fn degraded_lines(data: &Data) -> Vec<String> {
    degraded_kinds(data)
        .into_iter()
        .map(|(k, state, detail)| match state.as_str() {
            "partial" => format!("{} {detail}", k.name()),
            _ => format!("{} {state}", k.name()),
        })
        .collect()
}

fn category(c: SkipCategory) -> &'static str {
    match c {
        SkipCategory::NotJudged => "not judged",
        SkipCategory::Partial => "partial",
        SkipCategory::NotApplicable => "not applicable",
    }
}

/// The Coverage view: each degraded kind, then each skipped rule, the ones
/// that make the audit incomplete first.
pub fn rows(data: &Data) -> (Vec<&'static str>, Vec<Row>) {
    let mut rows: Vec<Row> = degraded_kinds(data)
        .into_iter()
        .map(|(k, state, why)| {
            Row::new(
                vec![format!("kind {}", k.name()), state, why],
                RowKey::None,
                None,
                Mark::default(),
            )
        })
        .collect();
    let mut skipped: Vec<_> = data.audit.skipped().collect();
    skipped.sort_by_key(|s| (!s.category.incomplete(), s.rule));
    for s in skipped {
        let title = s.rule.meta().title;
        rows.push(Row::new(
            vec![
                format!("rule {} {title}", s.rule),
                category(s.category).to_string(),
                s.reason.clone(),
            ],
            RowKey::None,
            None,
            Mark::default(),
        ));
    }
    (COLUMNS.to_vec(), rows)
}
