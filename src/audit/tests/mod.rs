//! Rule tests: small clusters built from JSON, audited, and compared with
//! the contract in `rules.md`.

#[allow(dead_code)]
mod fixtures;

mod eg1;
mod eg2;
mod eg3;
mod eg4;
