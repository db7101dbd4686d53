//! Files in and out: patterns, images and arrays in; pictures, plots, arrays and JSON out.

pub mod npy;
pub mod output;
pub mod patterns;
pub mod picture;
pub mod plot;
pub mod vectors;
