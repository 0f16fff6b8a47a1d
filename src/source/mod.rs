//! Sources turn a cluster or files into a store.

mod json;
mod lines;
pub mod snapshot;
mod yaml;

/// Parses one YAML document (an embedded config file such as the
/// EnvoyGateway config in its ConfigMap) into a JSON value.
pub fn parse_yaml_value(text: &str) -> Result<serde_json::Value, String> {
    let mut first = None;
    yaml::parse(text, &mut |doc| {
        if first.is_none() {
            first = Some(doc.value);
        }
    })
    .map_err(|e| format!("{}:{}: {}", e.line, e.column, e.message))?;
    Ok(first.unwrap_or(serde_json::Value::Null))
}
