//! The ground floor: parsers for the text of one field (decimals, UTC days and instants,
//! `--date-format`) and header normalization. Pure functions on strings; this module imports
//! nothing of tally (`crate::…`), so every other module may use it without a loop
//! (`scripts/modgraph.py` checks).

pub mod date;
pub mod decimal;
pub mod glob;
pub mod header;
