//! All integration tests build into one binary; each module covers one area.

mod util;

mod bad_input;
mod inputs;
mod property;
mod report;
mod tokens;
