//! Pure renderers: a summary in, bytes or text out. Nothing here touches files or stdout.

pub mod alerts;
pub mod chart;
pub mod compare;
pub mod csv;
pub mod forecast;
pub mod html;
pub mod inspect;
pub mod json;
pub mod manifest;
pub mod markdown;
pub mod reconcile;
pub mod table;
pub mod xlsx;
