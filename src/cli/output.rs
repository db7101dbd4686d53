//! Pictures written by the Hopfield commands: probe | result stills, trajectory animations,
//! trajectory arrays.

use std::path::Path;

use hopsom::error::Result;
use hopsom::hopfield::recall::trajectory_states;
use hopsom::hopfield::{GridShape, Polarity};
use hopsom::io::npy::write_npy;
use hopsom::io::picture::{
    sample_frames, scale_for, side_by_side, state_image, write_gif, write_png,
};

/// The most frames an animation holds; longer trajectories are sampled evenly.
const MAX_FRAMES: usize = 150;

/// `probe | result` side by side.
pub fn write_probe_picture(
    path: &Path,
    probe: &[i8],
    result: &[i8],
    shape: GridShape,
    polarity: Polarity,
) -> Result<()> {
    let scale = scale_for(shape, 180);
    let panels = [
        state_image(probe, shape, polarity, scale),
        state_image(result, shape, polarity, scale),
    ];
    write_png(path, &side_by_side(&panels, 8))
}

/// An animation of the state after every flip (evenly sampled when long).
pub fn write_trajectory_gif(
    path: &Path,
    initial: &[i8],
    flips: &[u32],
    shape: GridShape,
    polarity: Polarity,
) -> Result<()> {
    let states = trajectory_states(initial, flips);
    let scale = scale_for(shape, 240);
    let frames: Vec<_> = sample_frames(states.len(), MAX_FRAMES)
        .into_iter()
        .map(|index| state_image(&states[index], shape, polarity, scale))
        .collect();
    let delay = (4000 / frames.len().max(1) as u32).clamp(20, 200);
    write_gif(path, &frames, delay)
}

/// The states after every flip as an int8 array, (flips + 1) x neurons.
pub fn write_trajectory_npy(path: &Path, initial: &[i8], flips: &[u32]) -> Result<()> {
    let states = trajectory_states(initial, flips);
    let flat: Vec<i8> = states.concat();
    write_npy(path, &[states.len(), initial.len()], &flat)
}
