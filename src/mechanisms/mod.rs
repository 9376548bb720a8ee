//! One file per mechanism of the model. Each is a small set of functions over the
//! workforce or one person; the order in which a step calls them lives in
//! [`crate::model`].

pub mod credit;
pub mod engagement;
pub mod exits;
pub mod growth;
pub mod hiring;
pub mod overhead;
pub mod performance;
pub mod promotion;
pub mod quits;
pub mod separations;
