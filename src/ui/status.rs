//! What the status line says about the data feeds: the session's
//! [`SourceStatus`], re-exported so the views name it where they always
//! did.

pub use crate::session::status::{Feed, Freshness, SourceStatus};
