//! The codec: egscope's compact JSON value, the YAML parser that keeps line
//! numbers, and the JSON line scanner. A leaf: it depends on no other
//! egscope module, so the store, the sources, the model, the audit and the
//! simulator may all use it (tests/layering.rs keeps it so).

pub(crate) mod json;
pub(crate) mod lines;
pub mod value;
pub(crate) mod yaml;

/// Parses one YAML document (an embedded config file such as the
/// EnvoyGateway config in its ConfigMap) into a JSON value.
pub fn parse_yaml_value(text: &str) -> Result<value::Value, String> {
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
