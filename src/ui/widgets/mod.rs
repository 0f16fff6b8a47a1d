//! Small widgets the views share.

pub mod breadcrumb;
pub mod caption;
pub mod safe;
pub mod sparkline;
pub mod status_line;
pub mod table;
