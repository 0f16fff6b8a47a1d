//! Overview rows: the worst offenders first (selectable: Enter opens one).

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::events::Events;
use crate::ui::data::{Data, Offender};
use crate::ui::vm::table::{self, Row, RowKey};

pub const COLUMNS: [&str; 4] = ["WORST OFFENDERS", "WORST", "FINDINGS", "RULES"];

pub fn rows(data: &Data) -> (Vec<&'static str>, Vec<Row>) {
    (
        COLUMNS.to_vec(),
        data.offenders().iter().map(|o| row(o)).collect(),
    )
}

fn row(o: &Offender) -> Row {
    let (obj, mark) = (&o.object, o.mark);
    let worst_key = mark.worst.map_or(0.0, |s| table::severity_key(s, false));
    Row::new(
        vec![
            obj.display_path(),
            mark.worst
                .map(|s| s.to_string())
                .unwrap_or_else(|| "suppressed".into()),
            mark.count.to_string(),
            o.rules
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
}

/// The Overview's rows kept from one snapshot to the next, by offender:
/// `Data` shares an `Offender` whose findings did not move, so on `large`
/// a pod that changes one fleet's findings builds a handful of rows, not
/// 30,000. WARN and AGE read the Events and the clock: a change to either
/// (the clock to the minute) builds them all again.
#[derive(Default)]
pub struct RowCache {
    events: Option<Arc<Events>>,
    minute: i64,
    /// By the offender's address; the offender is held, so the address
    /// cannot be reused while it is a key.
    rows: HashMap<usize, (Arc<Offender>, Arc<Row>)>,
}

/// [`rows`] with the time columns, through `cache`.
pub fn cached_rows(
    data: &Data,
    now: jiff::Timestamp,
    cache: &mut RowCache,
) -> (Vec<&'static str>, Vec<Arc<Row>>) {
    let minute = now.as_second().div_euclid(60);
    let same_inputs = cache
        .events
        .as_ref()
        .is_some_and(|e| Arc::ptr_eq(e, &data.events))
        && cache.minute == minute;
    if !same_inputs {
        cache.rows.clear();
        cache.events = Some(data.events.clone());
        cache.minute = minute;
    }
    let offenders = data.offenders();
    let key = |o: &Arc<Offender>| Arc::as_ptr(o) as usize;
    let mut fresh: Vec<Row> = offenders
        .iter()
        .filter(|o| !cache.rows.contains_key(&key(o)))
        .map(|o| row(o))
        .collect();
    let mut columns = COLUMNS.to_vec();
    super::add_time_columns(data, &mut columns, &mut fresh, now);
    let mut fresh = fresh.into_iter();
    let mut kept: HashMap<usize, (Arc<Offender>, Arc<Row>)> =
        HashMap::with_capacity(offenders.len());
    let rows = offenders
        .iter()
        .map(|o| {
            let k = key(o);
            let (o, r) = match cache.rows.remove(&k) {
                Some(hit) => hit,
                None => (
                    o.clone(),
                    Arc::new(fresh.next().expect("a fresh row per new offender")),
                ),
            };
            let r2 = r.clone();
            kept.insert(k, (o, r));
            r2
        })
        .collect();
    cache.rows = kept;
    (columns, rows)
}
