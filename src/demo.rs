//! The embedded demo cluster (`assets/demo/`).

use crate::error::UserError;
use crate::store::Store;

pub const SHOWCASE_YAML: &str = "";

/// The showcase cluster as a store, as if read from a snapshot.
pub fn showcase_store() -> Result<Store, UserError> {
    Err(UserError::new("the demo cluster is not embedded yet"))
}
