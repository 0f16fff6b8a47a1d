//! Sources turn a cluster or files into a store.

pub mod coverage;
pub mod discovery;
mod json;
mod lines;
pub mod live;
pub mod snapshot;
mod yaml;

/// Parses one YAML document (an embedded config file such as the
/// EnvoyGateway config in its ConfigMap) into a JSON value.
pub fn parse_yaml_value(text: &str) -> Result<crate::value::Value, String> {
    let mut first = None;
    yaml::parse(text, &mut |doc| {
        if first.is_none() {
            first = Some(doc.value);
        }
    })
    .map_err(|e| format!("{}:{}: {}", e.line, e.column, e.message))?;
    Ok(first.unwrap_or_default())
}

/// Parses every document of a multi-document YAML text into JSON values
/// (embedded scenarios, RBAC files).
pub fn parse_yaml_documents(text: &str) -> Result<Vec<serde_json::Value>, String> {
    let mut docs = Vec::new();
    yaml::parse(text, &mut |doc| docs.push(doc.value.into()))
        .map_err(|e| format!("{}:{}: {}", e.line, e.column, e.message))?;
    Ok(docs)
}
