//! The bad-input suite: every command given missing, corrupt, truncated, endless, mis-shaped,
//! non-finite, empty, zero, absurd or conflicting input. Each case must exit with the expected
//! code and one line on stderr naming the problem, never panic, and leave nothing behind: no
//! output folder for a refused run, no `.hopsom-*` temporary file anywhere.
//!
//! The classes of bad input and what each gets are listed in README.md ("Bad input and limits").

mod common;

use std::path::{Path, PathBuf};

use common::{hopsom, write};

/// Files every case may refer to as `{name}`.
struct Fixtures {
    dir: tempfile::TempDir,
}

fn npy(header_dict: &str, data: &[u8]) -> Vec<u8> {
    let mut header = header_dict.to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(data);
    bytes
}

fn encoded(format: image::ImageFormat) -> Vec<u8> {
    let picture = image::RgbImage::from_fn(64, 48, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 5) as u8, ((x + y) * 2) as u8])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut bytes, format).unwrap();
    bytes.into_inner()
}

impl Fixtures {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(d, "good.txt", b"1,-1,1,-1\n-1,1,-1,1\n");
        write(d, "three.txt", b"1,-1,1\n");
        write(d, "empty.txt", b"");
        write(d, "ragged.txt", b"1,-1,1\n1,-1\n");
        write(d, "zero.txt", b"1,0,1,-1\n");
        write(d, "nul.txt", b"1,-1,\x001,-1\n");
        write(d, "latin1.txt", b"1,-1,\xff1,-1\n");
        write(d, "stray.grid", b"#.#\n.x.\n#.#\n");
        write(d, "thresholds.txt", b"0.5 0.5\n");
        write(d, "nan_thresholds.txt", b"0 NaN 0 0\n");
        write(d, "clamp.txt", b"1 0\n");
        let header = "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 4), }";
        write(
            d,
            "good.npy",
            &npy(header, &[1, 255, 1, 255, 255, 1, 255, 1]),
        );
        write(d, "huge.npy", &npy("{'descr': '|i1', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904), }", &[1; 8]));
        write(d, "truncated.npy", &npy(header, &[1, 255, 1]));
        std::os::unix::fs::symlink(d.join("nowhere"), d.join("dangling")).unwrap();
        let huge_values: Vec<u8> = [1e30f32; 4].iter().flat_map(|v| v.to_le_bytes()).collect();
        write(
            d,
            "huge_values.npy",
            &npy(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4), }",
                &huge_values,
            ),
        );
        write(
            d,
            "strings.npy",
            &npy(
                "{'descr': '<U2', 'fortran_order': False, 'shape': (1, 2), }",
                &[b'a', 0, 0, 0, b'b', 0, 0, 0, b'c', 0, 0, 0, b'd', 0, 0, 0],
            ),
        );
        write(
            d,
            "objects.npy",
            &npy(
                "{'descr': '|O', 'fortran_order': False, 'shape': (1, 2), }",
                b"\x80\x04\x95 pickled",
            ),
        );
        write(d, "long.npy", &npy(header, &[1; 12]));
        write(d, "magic.npy", b"hello, this is not numpy");
        let mut version = npy(header, &[1; 8]);
        version[6] = 9;
        write(d, "version.npy", &version);
        write(
            d,
            "cube.npy",
            &npy(
                "{'descr': '|i1', 'fortran_order': False, 'shape': (2, 2, 2), }",
                &[1; 8],
            ),
        );
        write(d, "twos.npy", &npy(header, &[1, 2, 1, 1, 1, 1, 1, 1]));
        write(
            d,
            "none.npy",
            &npy(
                "{'descr': '|i1', 'fortran_order': False, 'shape': (0, 4), }",
                &[],
            ),
        );
        let nan = [1.0f32, f32::NAN, 0.5, 0.25];
        let nan_bytes: Vec<u8> = nan.iter().flat_map(|v| v.to_le_bytes()).collect();
        write(
            d,
            "nan.npy",
            &npy(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
                &nan_bytes,
            ),
        );
        let codebook4: Vec<u8> = [0.5f32; 16].iter().flat_map(|v| v.to_le_bytes()).collect();
        write(
            d,
            "codebook4.npy",
            &npy(
                "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 4), }",
                &codebook4,
            ),
        );
        write(
            d,
            "wide.npy",
            &npy(
                "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 100000), }",
                &[7; 200_000],
            ),
        );
        let jpeg = encoded(image::ImageFormat::Jpeg);
        write(d, "photo.jpg", &jpeg);
        write(d, "truncated.jpg", &jpeg[..jpeg.len() - 40]);
        let png = encoded(image::ImageFormat::Png);
        write(d, "photo.png", &png);
        write(d, "truncated.png", &png[..png.len() * 2 / 3]);
        write(d, "corrupt.png", b"\x89PNG\r\n\x1a\nnot really");
        write(d, "header_only.csv", b"r,g,b\n");
        write(d, "mixed_header.csv", b"1,x,3\n4,5,6\n");
        write(d, "ragged.csv", b"1,2,3\n4,5\n");
        write(d, "nan.csv", b"1,2,3\n4,nan,6\n");
        write(d, "a_file", b"x");
        std::fs::create_dir(d.join("a_dir")).unwrap();
        Fixtures { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `{name}` becomes the fixture's path, `{out}` a folder that does not exist yet.
    fn expand(&self, arg: &str, out: &Path) -> String {
        if arg == "{out}" {
            return out.display().to_string();
        }
        let mut expanded = arg.to_string();
        while let (Some(open), Some(close)) = (expanded.find('{'), expanded.find('}')) {
            let name = expanded[open + 1..close].to_string();
            expanded.replace_range(open..=close, &self.path(&name).display().to_string());
        }
        expanded
    }
}

/// One bad invocation: its arguments, environment, exit code and a fragment of the message.
struct Case {
    args: &'static str,
    env: &'static [(&'static str, &'static str)],
    code: i32,
    needle: &'static str,
}

const fn case(args: &'static str, code: i32, needle: &'static str) -> Case {
    Case {
        args,
        env: &[],
        code,
        needle,
    }
}

#[rustfmt::skip]
fn cases() -> Vec<Case> {
    vec![
        // Pattern files: missing, endless, empty, corrupt, mis-shaped, out of range.
        case("hopfield recall --backend cpu --patterns {missing.txt} --noise 10", 1, "missing.txt"),
        case("hopfield recall --backend cpu --patterns /dev/zero --noise 10", 1, "zero byte"),
        case("hopfield recall --backend cpu --patterns /dev/urandom --noise 10", 1, "/dev/urandom"),
        case("hopfield recall --backend cpu --patterns {a_dir} --noise 10", 1, "directory"),
        case("hopfield recall --backend cpu --patterns {empty.txt} --noise 10", 1, "no patterns"),
        case("hopfield recall --backend cpu --patterns {ragged.txt} --noise 10", 1, "line 2"),
        case("hopfield recall --backend cpu --patterns {zero.txt} --noise 10", 1, "\"0\" is not +1 or -1"),
        case("hopfield recall --backend cpu --patterns {nul.txt} --noise 10", 1, "zero byte at offset 5"),
        case("hopfield recall --backend cpu --patterns {latin1.txt} --noise 10", 1, "not UTF-8"),
        case("hopfield recall --backend cpu --patterns {stray.grid} --noise 10", 1, "'x'"),
        case("hopfield recall --backend cpu --patterns {huge.npy} --noise 10", 1, "64 bits"),
        case("hopfield recall --backend cpu --patterns {truncated.npy} --noise 10", 1, "truncated"),
        case("hopfield recall --backend cpu --patterns {long.npy} --noise 10", 1, "trailing bytes"),
        case("hopfield recall --backend cpu --patterns {magic.npy} --noise 10", 1, "not a .npy file"),
        case("hopfield recall --backend cpu --patterns {version.npy} --noise 10", 1, "version 9"),
        case("hopfield recall --backend cpu --patterns {cube.npy} --noise 10", 1, "2-D array"),
        case("hopfield recall --backend cpu --patterns {twos.npy} --noise 10", 1, "is 2, not +1 or -1"),
        case("hopfield recall --backend cpu --patterns {none.npy} --noise 10", 1, "empty"),
        case("hopfield recall --backend cpu --patterns {truncated.jpg} --noise 10", 1, "truncated JPEG"),
        case("hopfield recall --backend cpu --patterns {truncated.png} --noise 10", 1, "unreadable image"),
        case("hopfield recall --backend cpu --patterns {corrupt.png} --noise 10", 1, "unreadable image"),
        case("hopfield recall --backend cpu --patterns builtin {good.txt} --noise 10", 1, "different sizes"),
        case("hopfield recall --backend cpu --patterns {good.txt} --probe {three.txt}", 1, "neurons"),
        // Values out of range, zero and absurd sizes, options that conflict or do nothing.
        case("hopfield recall --backend cpu --patterns builtin --noise 150", 2, "--noise 150"),
        case("hopfield recall --backend cpu --patterns builtin --noise=-5", 2, "--noise -5"),
        case("hopfield recall --backend cpu --patterns builtin --noise NaN", 2, "--noise NaN"),
        case("hopfield recall --backend cpu --patterns builtin --noise 10 --trials 0", 2, "--trials"),
        case("hopfield recall --backend cpu --patterns builtin --noise 10 --trials 1000000000", 1, "--trials 1000000000"),
        case("hopfield recall --backend cpu --patterns builtin --probe {good.txt} --trials 3", 2, "--trials"),
        case("hopfield recall --backend cpu --patterns {photo.png} --noise 10 --size 4294967297x1", 2, "--size"),
        case("hopfield recall --backend cpu --patterns {photo.png} --noise 10 --size 100000x100000", 2, "cells"),
        case("hopfield recall --backend cpu --patterns {photo.png} --noise 10 --size 0x5", 2, "at least 1"),
        case("hopfield recall --backend cpu --patterns {good.txt} --noise 10 --size 4x4", 2, "--size 4x4: resizes images only"),
        case("hopfield recall --backend cpu --patterns builtin --noise 10 --max-sweeps 0", 2, "--max-sweeps"),
        case("hopfield recall --backend cpu --patterns builtin --noise 10 --temperature=-1", 2, "--temperature"),
        case("hopfield recall --backend cpu --patterns builtin --noise 10 --threshold NaN", 2, "--threshold"),
        case("hopfield recall --backend cpu --patterns {good.txt} --noise 10 --thresholds {thresholds.txt}", 1, "2 thresholds for 4 neurons"),
        case("hopfield recall --backend cpu --patterns {good.txt} --noise 10 --thresholds {nan_thresholds.txt}", 1, "not a finite number"),
        case("hopfield recall --backend cpu --patterns {good.txt} --noise 10 --clamp {clamp.txt}", 1, "mask"),
        case("hopfield recall --backend cpu --patterns builtin --noise 10 --keep-diagonal", 2, "--keep-diagonal"),
        case("hopfield recall --backend cpu --patterns builtin --noise 10 --rule storkey --weights factored", 2, "--weights factored"),
        case("hopfield recall --backend cpu --patterns builtin --noise 10 --mode sync --trajectory", 2, "--trajectory"),
        case("hopfield recall --backend cpu --patterns builtin --noise 10 --rule bogus", 2, "invalid value"),
        case("hopfield recall --backend cpu --patterns builtin --noise 10 --out {a_file}", 2, "exists and is not a directory"),
        case("hopfield recall --backend cpu --patterns builtin --noise 10 --out {a_file}/sub", 2, "cannot be created"),
        case("hopfield recall --backend cpu --patterns builtin", 2, "required"),
        // The environment: a misspelt graphics API is named, not blamed on a driver.
        Case { args: "hopfield recall --backend gpu --patterns builtin --noise 10", env: &[("WGPU_BACKEND", "bogus")], code: 2, needle: "WGPU_BACKEND=\"bogus\"" },
        Case { args: "hopfield recall --patterns builtin --noise 10", env: &[("WGPU_BACKEND", "vulkan,nope")], code: 2, needle: "\"nope\"" },
        Case { args: "devices", env: &[("WGPU_BACKEND", "bogus")], code: 2, needle: "WGPU_BACKEND" },
        // Sweeps: lists, ranges and output paths, all checked before any recall.
        case("hopfield sweep --backend cpu --patterns builtin --noise 0:10:0", 2, "--noise"),
        case("hopfield sweep --backend cpu --patterns builtin --noise 5:0:1", 2, "STOP >= START"),
        case("hopfield sweep --backend cpu --patterns builtin --noise 0:100:0.0001", 2, "at most 100 000"),
        case("hopfield sweep --backend cpu --patterns builtin --noise 10,x", 2, "--noise"),
        case("hopfield sweep --backend cpu --patterns builtin --trials 0", 2, "--trials"),
        case("hopfield sweep --backend cpu --patterns builtin --trials 5000000000", 2, "2^32"),
        case("hopfield sweep --backend cpu --patterns builtin --csv /nonexistent/x.csv", 2, "does not exist"),
        case("hopfield sweep --backend cpu --patterns builtin --csv {out.csv} --plot /proc/x.png", 2, "--plot /proc/x.png: cannot write"),
        case("hopfield sweep --backend cpu --patterns builtin --csv {same} --plot {same}", 2, "both name"),
        case("hopfield sweep --backend cpu --patterns builtin --csv {a_dir}", 2, "is a directory"),
        // Capacity: sizes checked before any pattern is drawn.
        case("hopfield capacity --backend cpu --neurons 0 --loads 0.1", 2, "--neurons"),
        case("hopfield capacity --backend cpu --neurons 100 --loads a,b", 2, "--loads"),
        case("hopfield capacity --backend cpu --neurons 100 --loads 0", 2, "--loads 0"),
        case("hopfield capacity --backend cpu --neurons 100 --loads 1e300", 1, "too large"),
        case("hopfield capacity --backend cpu --neurons 100000 --loads 1 --rule storkey", 1, "too large"),
        case("hopfield capacity --backend cpu --neurons 100 --loads 0.1 --max-sweeps 0", 2, "--max-sweeps"),
        case("hopfield capacity --backend cpu --neurons 100 --loads 0.1 --plot /nonexistent/p.png", 2, "--plot"),
        // Maps: data files, parameters and sizes.
        case("som train --backend cpu --data {missing.npy} --out {out}", 1, "missing.npy"),
        case("som train --backend cpu --data {nan.npy} --out {out}", 1, "non-finite"),
        case("som train --backend cpu --data {nan.csv} --out {out}", 1, "non-finite"),
        case("som train --backend cpu --data {mixed_header.csv} --out {out}", 1, "line 1: \"x\" is not a number"),
        case("som train --backend cpu --data {header_only.csv} --out {out}", 1, "no samples"),
        case("som train --backend cpu --data {ragged.csv} --out {out}", 1, "line 2"),
        case("som train --backend cpu --data /dev/zero --out {out}", 1, "zero byte"),
        case("som train --backend cpu --data {cube.npy} --out {out}", 1, "shape"),
        case("som train --backend cpu --data {good.npy} --epochs 0 --out {out}", 2, "--epochs"),
        case("som train --backend cpu --data {good.npy} --epochs 100000000000 --out {out}", 1, "--epochs 100000000000"),
        case("som train --backend cpu --data {good.npy} --mode online --lr 1e30 --out {out}", 2, "--lr 1000000000000000000000000000000"),
        case("som train --backend cpu --data {good.npy} --sigma=-1 --out {out}", 2, "--sigma"),
        case("som train --backend cpu --data {good.npy} --grid 0x5 --out {out}", 2, "at least 1"),
        case("som train --backend cpu --data {good.npy} --grid 4294967297x1 --out {out}", 2, "--grid"),
        case("som train --backend cpu --data {good.npy} --mode batch --neighbourhood mexican-hat --out {out}", 2, "mexican hat"),
        case("som train --backend cpu --image {truncated.jpg} --out {out}", 1, "truncated JPEG"),
        case("som train --backend cpu --data {wide.npy} --grid 4096x4096 --out {out}", 1, "100000-dimensional"),
        case("som train --backend cpu --data {good.npy} --mode batch --lr 0.3 --out {out}", 2, "--lr 0.3: does nothing in batch mode"),
        case("som train --backend cpu --data {good.npy} --mode batch --in-order --out {out}", 2, "--in-order: does nothing in batch mode"),
        case("som train --backend cpu --data {good.npy} --mode online --tau 2 --out {out}", 2, "--tau 2: does nothing"),
        case("som train --backend cpu --data {good.npy} --mode online --schedule seed --lr-end 0.1 --out {out}", 2, "--lr-end 0.1: does nothing"),
        case("som train --backend cpu --data {good.npy} --mode online --schedule asymptotic --sigma-end 0.1 --out {out}", 2, "the asymptotic schedule has no end value"),
        case("som train --backend cpu --data {good.npy} --cutoff 1 --out {out}", 2, "--cutoff 1: give a fraction"),
        case("som train --backend cpu --data {good.npy} --cutoff -0.5 --out {out}", 2, "--cutoff -0.5"),
        case("som train --backend cpu --data {good.npy} --cutoff NaN --out {out}", 2, "--cutoff NaN"),
        case("som train --backend cpu --seed-compat --grid 5x5 --out {out}", 2, "cannot be used"),
        case("som cluster --backend cpu --image {photo.png} --epochs 5 --restart --out {out}", 2, "--restart does nothing"),
        case("som train --backend cpu --image {photo.jpg} --out {a_file}", 2, "--out"),
        case("som train --backend cpu --out {out}", 2, "required"),
        case("som cluster --backend cpu --image {photo.png} --epochs 5,5 --out {out}", 2, "appears twice"),
        case("som cluster --backend cpu --image {photo.png} --epochs 0 --out {out}", 2, "at least 1"),
        case("som cluster --backend cpu --image {photo.png} --epochs 1000000000000 --out {out}", 1, "--epochs 1000000000000"),
        case("som cluster --backend cpu --image {photo.png} --colors red --out {out}", 2, "#a52a2a"),
        case("som cluster --backend cpu --image {photo.png} --lr 0 --out {out}", 2, "--lr"),
        case("som cluster --backend cpu --image {photo.png} --lr 1e30 --out {out}", 2, "diverges"),
        case("som train --backend cpu --image {photo.png} --mode online --schedule seed --tau 1e-300 --out {out}", 2, "'1e-300' for '--tau <TAU>'"),
        case("som train --backend cpu --image {photo.png} --sigma 1e39 --out {out}", 2, "beyond float32's range"),
        case("som cluster --backend cpu --image {missing.png} --out {out}", 1, "missing.png"),
        case("som segment --backend cpu --codebook {codebook4.npy} --image {photo.png} --out {out}", 1, "4 dimensions"),
        case("som segment --backend cpu --codebook {magic.npy} --image {photo.png} --out {out}", 1, "not a .npy file"),
        case("som segment --backend cpu --codebook {missing.npy} --image {photo.png} --out {out}", 1, "missing.npy"),
        case("som segment --backend cpu --model {magic.npy} --image {photo.png} --out {out}", 1, "not a .npz archive"),
        case("som train --backend cpu --image {good.npy} --out {out}", 1, "(height, width, bands)"),
        case("som train --backend cpu --data {strings.npy} --out {out}", 1, "<U2 (strings)"),
        // Refused once the work has begun, under --backend auto: the adapter notice stays unsaid.
        case("modern retrieve --backend auto --stored {huge_values.npy} --beta 2 --queries {huge_values.npy}", 1, "float32's range"),
        case("modern retrieve --backend cpu --stored builtin --beta 2 --queries {good.npy} --level 20", 2, "'--queries <FILE>' cannot be used with '--level <LEVEL>'"),
        case("modern retrieve --backend cpu --stored builtin --beta 2 --queries {good.npy} --trials 3", 2, "--trials"),
        case("som train --backend cpu --data {objects.npy} --out {out}", 1, "|O (Python objects)"),
        case("som train --backend cpu --seed-compat --out {dangling}", 2, "symbolic link to"),
        case("som segment --backend cpu --model {missing.npz} --image {photo.png} --out {out}", 1, "missing.npz"),
        case("som segment --backend cpu --model {magic.npy} --topology hex --image {photo.png} --out {out}", 2, "--topology"),
        case("som segment --backend cpu --image {photo.png} --out {out}", 2, "--model"),
        case("demo --backend cpu --cluster-epochs 1000000000000 --out {out}", 1, "--cluster-epochs 1000000000000"),
        case("demo --backend cpu --max-sweeps 0 --out {out}", 2, "--max-sweeps"),
        case("demo --backend cpu --out {a_file}", 2, "exists and is not a directory"),
        case("bench --quick --backend cpu --out {a_file}", 2, "--out"),
        // The command line itself.
        case("hopfield", 2, "subcommand"),
        case("frobnicate", 2, "frobnicate"),
        case("hopfield recall --patterns builtin --noise 10 --no-such-flag", 2, "--no-such-flag"),
    ]
}

/// Every `.hopsom-*` file under `dir`.
fn temporaries(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(temporaries(&path));
        } else if entry.file_name().to_string_lossy().starts_with(".hopsom-") {
            found.push(path);
        }
    }
    found
}

#[test]
fn every_bad_input_gets_one_line_and_leaves_nothing() {
    let fixtures = Fixtures::new();
    let cases = cases();
    assert!(cases.len() >= 60, "the suite holds {} cases", cases.len());
    let mut failures = Vec::new();
    for (number, case) in cases.iter().enumerate() {
        let out = fixtures.path(&format!("out_{number}"));
        let args: Vec<String> = case
            .args
            .split_whitespace()
            .map(|arg| fixtures.expand(arg, &out))
            .collect();
        let mut command = hopsom();
        command.args(&args);
        for (key, value) in case.env {
            command.env(key, value);
        }
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        let mut problems = Vec::new();
        if output.status.code() != Some(case.code) {
            problems.push(format!(
                "exit {:?}, expected {}",
                output.status.code(),
                case.code
            ));
        }
        if lines.len() != 1 || !lines[0].starts_with("hopsom: error: ") {
            problems.push("stderr is not one `hopsom: error:` line".to_string());
        }
        if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
            problems.push("it panicked".to_string());
        }
        if !stderr.to_lowercase().contains(&case.needle.to_lowercase()) {
            problems.push(format!("the message lacks {:?}", case.needle));
        }
        if out.exists() {
            problems.push("a refused run left its --out folder".to_string());
        }
        let left = temporaries(fixtures.dir.path());
        if !left.is_empty() {
            problems.push(format!("temporary files left: {left:?}"));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{:?}: {}\n    stderr: {stderr}",
                case.args,
                problems.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
