//! One file per mechanism of the model. Each is a small set of functions over the
//! workforce; the order in which a step calls them lives in [`crate::model`].

pub mod exits;
pub mod hiring;
pub mod promotion;
