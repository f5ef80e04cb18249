//! Pure renderers: a summary in, bytes or text out. Nothing here touches files or stdout.

pub mod alerts;
pub mod csv;
pub mod json;
pub mod manifest;
pub mod reconcile;
pub mod table;
