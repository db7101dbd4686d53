//! Arbitrary bytes into every loader: each returns a value or an error, never panics. Memory
//! stays bounded by construction (text is read in chunks up to a limit, `.npy` data only up to
//! what its checked header declares, images only after their dimensions are checked), and the
//! inputs here include headers that declare absurd sizes.

use std::path::Path;

use hopsom::io::{npy, patterns, photos, tables, vectors};
use proptest::prelude::*;

/// The most this test process may have resident at its peak: the inputs are at most a few
/// hundred bytes, so a loader that believed a header's 2⁶⁰-element shape, or read an input
/// without a bound, would pass it at once.
const PEAK_RESIDENT_BYTES: u64 = 512 << 20;

/// The process's peak resident set (Linux: `VmHWM`), when it can be read.
fn peak_resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn assert_memory_bounded() {
    if let Some(peak) = peak_resident_bytes() {
        assert!(
            peak < PEAK_RESIDENT_BYTES,
            "the loaders' peak resident set reached {peak} bytes"
        );
    }
}

fn with_file(name: &str, bytes: &[u8], load: impl FnOnce(&Path)) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    load(&path);
}

/// A `.npy` header around arbitrary dtype, shape and data: the interesting corrupt files.
fn npy_like() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec![
            "|i1", "<f4", "<f8", "|b1", "<u2", "<c8", "|O", "garbage",
        ]),
        prop::collection::vec(prop::num::u64::ANY, 0..4),
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(descr, shape, fortran, data)| {
            // Small sizes, and absurd ones a third of the time.
            let shape: Vec<String> = shape
                .iter()
                .map(|&d| if d % 3 == 0 { d } else { d % 1000 }.to_string())
                .collect();
            let header = format!(
                "{{'descr': '{descr}', 'fortran_order': {}, 'shape': ({},), }}\n",
                if fortran { "True" } else { "False" },
                shape.join(", ")
            );
            let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
            bytes.extend((header.len() as u16).to_le_bytes());
            bytes.extend(header.as_bytes());
            bytes.extend(data);
            bytes
        })
}

fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        // Mostly text: digits, signs, separators and grid characters.
        prop::collection::vec(prop::sample::select(b"01-+.,# \n\t;xe".to_vec()), 0..512),
        // Starts like a real format, then anything.
        prop::collection::vec(any::<u8>(), 0..256).prop_map(|tail| [
            b"\x89PNG\r\n\x1a\n".to_vec(),
            tail
        ]
        .concat()),
        prop::collection::vec(any::<u8>(), 0..256).prop_map(|tail| [
            vec![0xff, 0xd8, 0xff, 0xe0],
            tail
        ]
        .concat()),
        prop::collection::vec(any::<u8>(), 0..256)
            .prop_map(|tail| [b"GIF89a".to_vec(), tail].concat()),
        prop::collection::vec(any::<u8>(), 0..256).prop_map(|tail| [b"BM".to_vec(), tail].concat()),
        npy_like(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn pattern_loaders_never_panic(bytes in any_bytes()) {
        for name in ["p.txt", "p.npy", "p.png", "p.jpg", "p.gif", "p.bmp", "p"] {
            with_file(name, &bytes, |path| {
                let _ = patterns::read_pattern_file(path, None);
            });
        }
        assert_memory_bounded();
    }

    #[test]
    fn data_loaders_never_panic(bytes in any_bytes()) {
        for name in ["d.csv", "d.npy"] {
            with_file(name, &bytes, |path| {
                let _ = tables::read_samples(path);
                let _ = vectors::read_neuron_values(path);
                let _ = vectors::read_mask(path);
            });
        }
        with_file("a.npy", &bytes, |path| {
            let _ = npy::read_npy(path);
        });
        with_file("photo.png", &bytes, |path| {
            let _ = photos::read_rgb_image(path);
        });
        assert_memory_bounded();
    }
}
