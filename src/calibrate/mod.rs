//! Calibration: fitting a scenario's parameters to target moments by simulated
//! method of moments (`attrition calibrate`).
//!
//! [`targets`] reads the targets file (the moments, their values and precisions,
//! and the fields to fit with their bounds); [`fit`] searches the parameters with
//! common random numbers and estimates their standard errors (with the moments'
//! covariance of [`covariance`]; an HR export's correlations from [`bootstrap`]);
//! [`edit`] writes the fitted values into the scenario's own text.

pub mod bootstrap;
pub mod catalogue;
pub mod covariance;
pub mod edit;
pub mod fit;
pub mod hr_export;
pub mod targets;
