//! All integration tests build into one binary; each module covers one area.

mod util;

mod alerts;
mod bad_input;
mod inputs;
mod parquet;
mod property;
mod reconcile;
mod report;
mod tokens;
