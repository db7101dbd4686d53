//! Paths are bytes and folders hold one run: the command line takes any OS path (not only
//! UTF-8), shows such paths lossily in messages and `run.json`, and refuses a second run into a
//! folder another run is writing.

mod common;

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

use common::hopsom;

/// `dir`/`name`, the byte 0xff (which is not UTF-8), then `extension`.
fn not_utf8(dir: &std::path::Path, name: &str, extension: &str) -> PathBuf {
    let mut bytes = dir.join(name).into_os_string().into_vec();
    bytes.push(0xff);
    bytes.extend_from_slice(extension.as_bytes());
    PathBuf::from(OsString::from_vec(bytes))
}

fn write_colours(path: &std::path::Path) {
    let values: Vec<f32> = (0..60).map(|v| (v % 17) as f32 / 17.0).collect();
    hopsom::io::npy::write_npy(path, &[20, 3], &values).unwrap();
}

/// `som train` of a 2x2 map for one epoch on `data`, into `out`.
fn train(data: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    hopsom()
        .args([
            "som",
            "train",
            "--backend",
            "cpu",
            "--grid",
            "2x2",
            "--epochs",
            "1",
        ])
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn a_run_takes_paths_that_are_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let data = not_utf8(dir.path(), "colours", ".npy");
    write_colours(&data);
    let out = not_utf8(dir.path(), "out", "");
    let output = train(&data, &out);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(manifest["complete"], true);
    let arguments = manifest["arguments"].as_array().unwrap();
    assert!(arguments
        .iter()
        .any(|a| a.as_str().unwrap().ends_with("out\u{fffd}")));
    assert!(out.join("model.npz").is_file());
    // A missing file of such a name is reported, lossily, by its option's path.
    let output = hopsom()
        .args(["modern", "retrieve", "--backend", "cpu", "--beta", "2"])
        .arg("--stored")
        .arg(not_utf8(dir.path(), "missing", ".npy"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("missing\u{fffd}") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn a_second_run_into_a_folder_in_use_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("colours.npy");
    write_colours(&data);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // Another process's run holds the folder's lock (this test process stands in for it).
    let held = std::fs::File::open(&out).unwrap();
    held.lock().unwrap();
    let run = || train(&data, &out);
    let refused = run();
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("--out") && stderr.contains("another hopsom run"),
        "{stderr}"
    );
    assert!(!out.join("run.json").exists());
    // Released (as the OS does when a process ends), the folder takes the next run.
    drop(held);
    assert!(run().status.success());
    assert!(out.join("run.json").is_file());
}
