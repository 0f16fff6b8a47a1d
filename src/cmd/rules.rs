//! `egscope rules`.

use super::{EXIT_OK, write_output};
use crate::cli::RulesArgs;
use crate::error::UserError;
use crate::report;

pub fn rules(args: &RulesArgs) -> Result<u8, UserError> {
    write_output(&report::render_rules(args.format), None)?;
    Ok(EXIT_OK)
}
