//! The request log: the newest requests in memory (bounded by `cap`, so a
//! long demo or soak run holds at most `cap` records), each appended to the
//! optional file as it is answered.

use std::collections::VecDeque;

use serde::Serialize;

/// Requests [`SimHandle::requests`](super::SimHandle::requests) keeps by
/// default.
pub const DEFAULT_REQUEST_LOG_CAP: usize = 100_000;

/// One request the simulator answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The client's User-Agent, as an API server's audit log keeps it.
    #[serde(skip_serializing_if = "String::is_empty", rename = "userAgent")]
    pub user_agent: String,
}

/// The newest requests, at most `cap` of them.
#[derive(Debug, Clone)]
pub struct RequestLog {
    records: VecDeque<RequestRecord>,
    cap: usize,
}

impl RequestLog {
    pub fn new(cap: usize) -> RequestLog {
        RequestLog {
            records: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    pub fn push(&mut self, r: RequestRecord) {
        if self.records.len() >= self.cap {
            self.records.pop_front();
        }
        self.records.push_back(r);
    }

    pub fn to_vec(&self) -> Vec<RequestRecord> {
        self.records.iter().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn clear(&mut self) {
        self.records.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_log_keeps_the_newest() {
        let mut log = RequestLog::new(3);
        for i in 0..5u16 {
            log.push(RequestRecord {
                method: "GET".into(),
                path: format!("/{i}"),
                status: 200 + i,
                user_agent: String::new(),
            });
        }
        let paths: Vec<String> = log.to_vec().into_iter().map(|r| r.path).collect();
        assert_eq!(paths, ["/2", "/3", "/4"]);
        assert_eq!(DEFAULT_REQUEST_LOG_CAP, 100_000);
    }
}
