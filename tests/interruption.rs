//! Ends that are not errors in the input: a closed or full standard output, and a signal in the
//! middle of a run.

use std::process::Stdio;

/// A table long enough to outgrow a pipe's buffer.
const LONG_TABLE: [&str; 11] = [
    "hopfield",
    "sweep",
    "--backend",
    "cpu",
    "--patterns",
    "builtin",
    "--noise",
    "0:100:0.01",
    "--trials",
    "1",
    "--quiet",
];

#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let mut child = hopsom_process(&LONG_TABLE);
    // The reader goes away at once, as `| head -1` does after its line.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(141), "{stderr}");
    assert!(
        stderr.is_empty(),
        "a closed pipe is not an error to report: {stderr}"
    );
}

/// Runs hopsom with `args` and its stdout on `/dev/full` (every write fails: no space left),
/// expecting exit 1 and one line on stderr. Skipped where there is no `/dev/full`.
fn fails_on_a_full_stdout(args: &[&str]) {
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_hopsom"))
        .args(args)
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(
        stderr.contains("standard output: No space left"),
        "{args:?}: {stderr}"
    );
}

#[test]
fn a_full_stdout_is_one_line_error() {
    fails_on_a_full_stdout(&[LONG_TABLE.as_slice(), &["--json"]].concat());
    fails_on_a_full_stdout(&LONG_TABLE);
}

#[test]
fn help_on_a_full_stdout_is_one_line_error() {
    fails_on_a_full_stdout(&["som", "train", "--help"]);
    fails_on_a_full_stdout(&["--version"]);
}

fn hopsom_process(args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_hopsom"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// SIGINT and SIGTERM in the middle of a run that writes many files: the process ends with
/// 128 + the signal, leaves no `.hopsom-*` file, and leaves no `run.json`, so the folder reads
/// as incomplete.
#[cfg(unix)]
#[test]
fn a_signal_leaves_no_temporary_file_and_no_manifest() {
    for (signal, number) in [("INT", 2), ("TERM", 15)] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("demo");
        let out_arg = out.display().to_string();
        let child = hopsom_process(&[
            "demo",
            "--backend",
            "cpu",
            "--quiet",
            "--cluster-epochs",
            "1,2,3,4,5,6,7,8,9,10",
            "--out",
            &out_arg,
        ]);
        // Wait until it is writing: its first files have appeared.
        let started = std::time::Instant::now();
        while !(out.join("som_seed").exists()) && started.elapsed().as_secs() < 60 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let sent = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(128 + number),
            "SIG{signal}: {stderr}"
        );
        let mut left = Vec::new();
        let mut pending = vec![dir.path().to_path_buf()];
        while let Some(folder) = pending.pop() {
            for entry in std::fs::read_dir(&folder).unwrap().flatten() {
                if entry.path().is_dir() {
                    pending.push(entry.path());
                } else {
                    left.push(entry.file_name().to_string_lossy().into_owned());
                }
            }
        }
        assert!(
            !left.iter().any(|name| name.starts_with(".hopsom-")),
            "SIG{signal} left temporary files: {left:?}"
        );
        assert!(
            !out.join("run.json").exists(),
            "an interrupted run has no manifest"
        );
    }
}

/// The mechanism itself, at the moment that matters: a file half-written when the handler
/// runs is removed, and the handler holds the lock so it cannot be renamed into place.
#[test]
fn temporaries_being_written_are_removed_by_the_handler() {
    use std::sync::mpsc;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("big.bin");
    let (writing, is_writing) = mpsc::channel();
    let (finish, may_finish) = mpsc::channel::<()>();
    let writer = {
        let target = target.clone();
        std::thread::spawn(move || {
            hopsom::io::output::write_atomically(&target, |file| {
                use std::io::Write;
                file.write_all(&[7; 1 << 16])?;
                file.flush()?;
                writing.send(()).unwrap();
                may_finish.recv().unwrap();
                Ok(())
            })
        })
    };
    is_writing.recv().unwrap();
    let names = || -> Vec<String> {
        std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert!(
        names().iter().any(|n| n.starts_with(".hopsom-")),
        "{:?}",
        names()
    );
    let held = hopsom::io::output::remove_temporaries_and_hold();
    assert!(names().is_empty(), "{:?}", names());
    finish.send(()).unwrap();
    drop(held);
    // Released, the writer finds its temporary gone: an error, and still no file.
    assert!(writer.join().unwrap().is_err());
    assert!(!target.exists());
    assert!(names().is_empty(), "{:?}", names());
}
