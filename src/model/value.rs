//! Reading fields out of JSON values without a typed view: every accessor is
//! total, so an object of another Envoy Gateway version (a field missing, a
//! new enum value) reads as "not set" instead of failing the whole object.

use crate::codec::value::Value;

/// The value at `path`, `None` when any step is missing or the value is null.
pub fn at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut cur = v;
    for key in path {
        cur = cur.get(key)?;
    }
    (!cur.is_null()).then_some(cur)
}

pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(v, path).and_then(Value::as_str)
}

pub fn bool_at(v: &Value, path: &[&str]) -> Option<bool> {
    at(v, path).and_then(Value::as_bool)
}

pub fn i64_at(v: &Value, path: &[&str]) -> Option<i64> {
    at(v, path).and_then(|x| {
        x.as_i64()
            .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
    })
}

pub fn array_at<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    at(v, path).and_then(Value::as_array).unwrap_or(&[])
}

/// Whether the field is present, even empty (`tcpKeepalive: {}` counts).
pub fn is_set(v: &Value, path: &[&str]) -> bool {
    at(v, path).is_some()
}

/// A condition of `type` in a `conditions` array.
pub fn condition<'a>(conditions: &'a [Value], kind: &str) -> Option<Condition<'a>> {
    conditions
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
        .map(|c| Condition {
            status: c.get("status").and_then(Value::as_str).unwrap_or(""),
            reason: c.get("reason").and_then(Value::as_str).unwrap_or(""),
            message: c.get("message").and_then(Value::as_str).unwrap_or(""),
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Condition<'a> {
    pub status: &'a str,
    pub reason: &'a str,
    pub message: &'a str,
}

impl Condition<'_> {
    pub fn is_true(&self) -> bool {
        self.status == "True"
    }
    pub fn is_false(&self) -> bool {
        self.status == "False"
    }
    /// `reason: message` for finding messages.
    pub fn describe(&self) -> String {
        match (self.reason.is_empty(), self.message.is_empty()) {
            (true, true) => format!("status {}", self.status),
            (false, true) => self.reason.to_string(),
            (true, false) => self.message.to_string(),
            (false, false) => format!("{}: {}", self.reason, self.message),
        }
    }
}

/// Matches a Kubernetes LabelSelector (`matchLabels` and `matchExpressions`)
/// against labels. A selector that cannot be read matches nothing.
pub fn selector_matches(selector: &Value, labels: &crate::store::StrMap) -> bool {
    if let Some(ml) = selector.get("matchLabels").and_then(Value::as_object) {
        for (k, v) in ml {
            if labels.get(k) != v.as_str() {
                return false;
            }
        }
    }
    for expr in array_at(selector, &["matchExpressions"]) {
        let key = str_at(expr, &["key"]).unwrap_or("");
        let values: Vec<&str> = array_at(expr, &["values"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let have = labels.get(key);
        let ok = match str_at(expr, &["operator"]).unwrap_or("") {
            "In" => have.is_some_and(|h| values.contains(&h)),
            "NotIn" => have.is_none_or(|h| !values.contains(&h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_value as json;

    #[test]
    fn at_treats_null_as_absent_and_empty_as_set() {
        let v = json!({"spec": {"a": null, "b": {}, "c": {"d": 3}}});
        assert!(at(&v, &["spec", "a"]).is_none());
        assert!(is_set(&v, &["spec", "b"]));
        assert_eq!(i64_at(&v, &["spec", "c", "d"]), Some(3));
        assert!(at(&v, &["spec", "x", "y"]).is_none());
    }

    #[test]
    fn selectors_match_labels_and_expressions() {
        let labels = [("team".to_string(), "a".to_string())]
            .into_iter()
            .collect();
        assert!(selector_matches(
            &json!({"matchLabels": {"team": "a"}}),
            &labels
        ));
        assert!(!selector_matches(
            &json!({"matchLabels": {"team": "b"}}),
            &labels
        ));
        let expr =
            json!({"matchExpressions": [{"key": "team", "operator": "In", "values": ["a", "c"]}]});
        assert!(selector_matches(&expr, &labels));
        let expr = json!({"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]});
        assert!(selector_matches(&expr, &labels));
        let expr = json!({"matchExpressions": [{"key": "team", "operator": "Bogus"}]});
        assert!(!selector_matches(&expr, &labels));
    }
}
