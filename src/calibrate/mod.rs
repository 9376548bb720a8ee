//! Calibration: fitting a scenario's parameters to target moments by simulated
//! method of moments (`attrition calibrate`).
//!
//! [`targets`] reads the targets file (the moments, their values and precisions,
//! and the fields to fit with their bounds); [`fit`] searches the parameters with
//! common random numbers and estimates their standard errors; [`edit`] writes the
//! fitted values into the scenario's own text.

pub mod catalogue;
pub mod edit;
pub mod fit;
pub mod hr_export;
pub mod targets;
