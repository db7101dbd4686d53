//! Files in and out: patterns, images and arrays in; pictures, plots, arrays and JSON out.

pub mod codebooks;
pub mod input;
pub mod map_picture;
pub mod models;
pub mod npy;
pub mod npz;
pub mod output;
pub mod patterns;
pub mod photos;
pub mod picture;
pub mod plot;
pub mod segmented;
pub mod tables;
pub mod vectors;
