//! Pod logs for the TUI's log pane: what the face asks for and what the
//! session answers. The face names a container ([`LogTarget`]); the session
//! holds the cluster client of the current context and reads `pods/log`
//! through [`crate::source::logs`] (GET only, a bounded tail).

use std::time::Duration;

use crate::source::logs::{LogError, LogRequest, fetch};

/// A read that takes longer is reported as failed, so a hung API server
/// never leaves the pane waiting.
const LOG_TIMEOUT: Duration = Duration::from_secs(10);

/// The container whose log the pane shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTarget {
    pub namespace: String,
    pub pod: String,
    /// `None` only for a pod whose containers are unknown: the server then
    /// picks the only one, or says which to choose.
    pub container: Option<String>,
    /// The previous, terminated container (`kubectl logs --previous`).
    pub previous: bool,
    pub tail_lines: u32,
}

impl LogTarget {
    pub fn title(&self) -> String {
        format!(
            "{}/{}{}{}",
            self.namespace,
            self.pod,
            self.container
                .as_deref()
                .map(|c| format!(" [{c}]"))
                .unwrap_or_default(),
            if self.previous { " (previous)" } else { "" }
        )
    }
}

/// Why a read failed, as the session worded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogFailure {
    /// `pods/log` is not granted: the optional role is not bound.
    Forbidden(String),
    Failed(String),
}

/// One read's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogReply {
    pub target: LogTarget,
    pub result: Result<Vec<String>, LogFailure>,
}

/// Reads one tail of the target's log.
pub async fn read(client: &kube::Client, target: LogTarget) -> LogReply {
    let req = LogRequest {
        namespace: target.namespace.clone(),
        pod: target.pod.clone(),
        container: target.container.clone(),
        previous: target.previous,
        tail_lines: Some(i64::from(target.tail_lines)),
    };
    let result = match tokio::time::timeout(LOG_TIMEOUT, fetch(client, &req)).await {
        Ok(Ok(lines)) => Ok(lines),
        Ok(Err(e @ LogError::Forbidden(_))) => Err(LogFailure::Forbidden(e.to_string())),
        Ok(Err(e)) => Err(LogFailure::Failed(e.to_string())),
        Err(_) => Err(LogFailure::Failed(format!(
            "no answer within {}s",
            LOG_TIMEOUT.as_secs()
        ))),
    };
    LogReply { target, result }
}
