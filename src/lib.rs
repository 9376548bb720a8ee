//! # attrition
//!
//! An agent-based Monte Carlo simulator of why organisations lose their best people.
//! Data flows one way: scenario file ([`scenario`]) → validated [`config::Config`] →
//! trials, each with its own seeded generator ([`model`], [`mechanisms`], [`rng`]) →
//! per-step observations ([`metrics`]) → exact, mergeable accumulators ([`stats`],
//! [`runner`]) → CSV files and a manifest ([`output`]).
//!
//! Results are a function of the scenario and the master seed alone: the same inputs
//! give byte-identical CSV files for any thread count.

pub mod calendar;
pub mod calibrate;
pub mod chart;
pub mod config;
pub mod expect;
pub mod experiment;
pub mod lanes;
pub mod locate;
pub mod mechanisms;
pub mod metrics;
pub mod model;
pub mod numeric;
pub mod org;
pub mod output;
pub mod report;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod sensitivity;
pub mod serve;
pub mod shard;
pub mod stats;
pub mod uncertainty;
pub mod words;
