//! The simulator's one error: a message for the person who started it (a
//! scenario that does not parse, an address that cannot be bound). egscope
//! turns it into its own `UserError`, which neutralises the text where it is
//! shown; the simulator prints nothing itself.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimError {
    pub message: String,
}

impl SimError {
    pub fn new(message: impl Into<String>) -> Self {
        SimError {
            message: message.into(),
        }
    }
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SimError {}
