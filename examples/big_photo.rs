//! Writes a large test photo by tiling kodim23 (mirrored, so the tiles join smoothly), for
//! trying segmentation at sizes far beyond one GPU binding:
//!
//!     cargo run --release --example big_photo -- 10000 10000 /tmp/big.png
//!     hopsom som segment --codebook hopsom-out/som/codebook.npy --image /tmp/big.png

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [width, height, path] = &args[..] else {
        eprintln!("usage: big_photo WIDTH HEIGHT OUT.png");
        std::process::exit(2);
    };
    let (width, height): (u32, u32) = match (width.parse(), height.parse()) {
        (Ok(w), Ok(h)) if w > 0 && h > 0 => (w, h),
        _ => {
            eprintln!("big_photo: WIDTH and HEIGHT must be positive integers");
            std::process::exit(2);
        }
    };
    let big = hopsom::bench::photo_of_size(width, height);
    let path = PathBuf::from(path);
    if let Err(err) = big.save(&path) {
        eprintln!("big_photo: {}: {err}", path.display());
        std::process::exit(1);
    }
    println!("wrote {} ({width}x{height})", path.display());
}
