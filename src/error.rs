//! Errors a user can cause (bad files, bad flags): they end the program with
//! exit code 2 and a message that says what to do, never a backtrace.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    pub message: String,
}

impl UserError {
    pub fn new(message: impl Into<String>) -> Self {
        UserError {
            message: message.into(),
        }
    }
}

/// The message is neutralised where it is shown: it often quotes a file
/// path, a name or an API server's answer, and goes to a terminal (or a CI
/// log). Its own line breaks stay; any other control or invisible character
/// shows as an escape ([`crate::sanitize`]).
impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::sanitize::escape_keep_layout(&self.message))
    }
}

impl std::error::Error for UserError {}

/// The simulator's errors reach the user as egscope's, neutralised when shown.
impl From<egscope_sim::SimError> for UserError {
    fn from(e: egscope_sim::SimError) -> Self {
        UserError::new(e.message)
    }
}

/// What the server said, in one line a person can act on: the status
/// message with its code (`403: pods is forbidden: User ...`), or the
/// transport error. Never a debug dump.
pub fn one_line(e: &kube::Error) -> String {
    let text = match e {
        kube::Error::Api(s) if s.message.is_empty() => format!("{} {}", s.code, s.reason),
        kube::Error::Api(s) => format!("{}: {}", s.code, s.message),
        kube::Error::HyperError(e) => format!("connection failed: {e}"),
        kube::Error::Service(e) => format!("request failed: {e}"),
        other => other.to_string(),
    };
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 300 {
        let cut: String = flat.chars().take(300).collect();
        format!("{cut}…")
    } else {
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_error_shows_controls_escaped() {
        let e = UserError::new("cannot read \x1b]52;c;Y3VybA==\x07x\u{202e}.yaml:\nline two");
        let shown = e.to_string();
        assert_eq!(
            shown,
            "cannot read \\x1b]52;c;Y3VybA==\\x07x\\u202e.yaml:\nline two"
        );
        // The value itself stays exact (JSON and tests compare it).
        assert!(e.message.contains('\x1b'));
    }
}
