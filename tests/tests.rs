//! All integration tests build into one binary; each module covers one area.

mod util;

mod alerts;
mod bad_input;
mod fuzz;
mod inputs;
mod property;
mod reconcile;
mod report;
mod spreadsheet;
mod tokens;
