//! One module per subcommand: each wires the pipeline stages together and owns no logic of
//! its own beyond that.

pub mod reconcile;
pub mod report;
