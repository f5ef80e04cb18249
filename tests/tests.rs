//! All integration tests build into one binary; each module covers one area.

mod util;

mod alerts;
mod architecture;
mod bad_input;
mod charts;
mod cron;
mod export;
mod finance;
mod focus;
mod fuzz;
mod help;
mod honest;
mod inputs;
mod inspect;
mod outputs;
mod parquet;
mod property;
mod real_world;
mod reconcile;
mod reliability;
mod report;
mod scale;
mod splitting;
mod spreadsheet;
mod sql;
mod strength;
mod table;
mod tokens;
