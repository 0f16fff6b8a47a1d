//! Rule tests: small clusters built from JSON, audited, and compared with
//! the contract in `rules.md`.

mod fixtures;

mod attachment;
mod eg0;
mod eg1;
mod eg2;
mod eg3;
mod eg4;
mod eg5;
mod policy_status;
mod suppression;
