//! Overview rows: the worst offenders first (selectable: Enter opens one).

use crate::ui::data::Data;
use crate::ui::vm::table::{self, Row, RowKey};

pub const COLUMNS: [&str; 4] = ["WORST OFFENDERS", "WORST", "FINDINGS", "RULES"];

pub fn rows(data: &Data) -> (Vec<&'static str>, Vec<Row>) {
    let items = data.offenders();
    let rows = items
        .iter()
        .map(|o| {
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
        })
        .collect();
    (COLUMNS.to_vec(), rows)
}
