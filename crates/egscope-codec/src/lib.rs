//! The codec: egscope's compact JSON value, the YAML parser that keeps line
//! numbers, the JSON line scanner, and Kubernetes quantities and durations.
//! A leaf crate: it depends on no other egscope crate, so egscope (store,
//! sources, model, audit) and the simulator (`egscope-sim`) may both use it
//! (tests/layering.rs keeps it so). egscope re-exports it as `codec` and
//! `units`.

// `json`, `lines` and `yaml` are public for egscope's snapshot loader, which
// reads documents with their line numbers; they are no stable interface.
#[doc(hidden)]
pub mod json;
#[doc(hidden)]
pub mod lines;
pub mod units;
pub mod value;
#[doc(hidden)]
pub mod yaml;

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
