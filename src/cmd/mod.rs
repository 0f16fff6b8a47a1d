//! One module per subcommand (the house redesign moves the others here).

pub mod trace;
