//! Pod logs (`GET pods/NAME/log`, optional: the least-privilege role does
//! not grant it, see assets/rbac.yaml). Every line is neutralised with
//! `sanitize::escape` before anyone prints it: a log carries request data,
//! which may hold terminal escapes.

use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, LogParams};

/// What to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogRequest {
    pub namespace: String,
    pub pod: String,
    /// Required when the pod has several containers (an Envoy proxy pod has
    /// `envoy` and `shutdown-manager`).
    pub container: Option<String>,
    /// The previous, terminated container (`--previous`): the log of the
    /// crash behind a restart.
    pub previous: bool,
    pub tail_lines: Option<i64>,
}

/// Why a log could not be read, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogError {
    /// 403: the optional `pods/log` rule is not bound.
    Forbidden(String),
    /// Anything else the server said (no previous container, pod gone).
    Failed(String),
}

impl std::fmt::Display for LogError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LogError::Forbidden(why) => write!(
                f,
                "logs are forbidden ({why}); bind the optional egscope-log-reader role in assets/rbac.yaml"
            ),
            LogError::Failed(why) => f.write_str(why),
        }
    }
}

/// Reads a container's log once (no follow), neutralised line by line.
pub async fn fetch(client: &Client, req: &LogRequest) -> Result<Vec<String>, LogError> {
    let api: Api<Pod> = Api::namespaced(client.clone(), &req.namespace);
    let lp = LogParams {
        container: req.container.clone(),
        previous: req.previous,
        tail_lines: req.tail_lines,
        ..LogParams::default()
    };
    // One more try when the request got no HTTP answer at all (a pooled
    // connection the server had just closed): client-go retries a GET on a
    // reset or an early EOF the same way (`rest/request.go`, the
    // `IsNextRetry` check: "Connection reset by peer ... usually a
    // transient error", GET only). A log read is a GET and idempotent.
    let mut answer = api.logs(&req.pod, &lp).await;
    if matches!(
        answer,
        Err(kube::Error::Service(_) | kube::Error::HyperError(_))
    ) {
        answer = api.logs(&req.pod, &lp).await;
    }
    match answer {
        Ok(text) => Ok(text
            .lines()
            // Tabs laid out before neutralising, which would print them
            // as `\x09`: the controller's zap lines are tab-separated.
            .map(|l| crate::sanitize::escape(&crate::sanitize::expand_tabs(l)).into_owned())
            .collect()),
        Err(kube::Error::Api(s)) if s.code == 403 => Err(LogError::Forbidden(
            super::live::one_line(&kube::Error::Api(s)),
        )),
        Err(e) => Err(LogError::Failed(super::live::one_line(&e))),
    }
}
