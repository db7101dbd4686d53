//! hopsom: Hopfield associative memories and Kohonen self-organizing maps on the GPU through wgpu
//! and WGSL compute shaders, with a CPU path that is the reference every GPU result is checked
//! against.
//!
//! Data flows one way: files are read by [`io`], the algorithms in [`hopfield`] and [`som`] run on a
//! [`Backend`] (the CPU twin or the GPU kernels in `shaders/`), and results are written by [`io`].

// The library never prints: the command line decides what reaches stdout and stderr, through
// writers that cannot panic on a closed pipe.
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod backend;
pub mod bench;
pub mod choice;
pub(crate) mod cpu;
pub mod error;
pub mod gpu;
pub mod hopfield;
pub mod io;
pub mod limits;
pub mod modern;
pub mod progress;
pub mod rng;
pub mod som;
pub mod spec;

pub use backend::{Backend, BackendChoice};
pub use error::{Error, Param, Result};
pub use progress::{Progress, Silent};
