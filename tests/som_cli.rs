//! The `som` commands through the real binary: JSON contracts, the files they write, the
//! codebook round trip from `train` to `segment`, and one-line errors for bad input.

mod common;

use std::path::Path;

use common::{fails_with, hopsom, json_of, write};

/// A small photo-like picture: smooth colour gradients.
fn write_photo(dir: &Path) -> String {
    let image = image::RgbImage::from_fn(48, 32, |x, y| {
        image::Rgb([(x * 5) as u8, (y * 7) as u8, ((x + y) * 3) as u8])
    });
    let path = dir.join("photo.png");
    image.save(&path).unwrap();
    path.to_str().unwrap().to_string()
}

fn str(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn train_then_segment_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let photo = write_photo(dir.path());
    let out = dir.path().join("train");
    let output = hopsom()
        .args([
            "som",
            "train",
            "--image",
            &photo,
            "--grid",
            "4x3",
            "--topology",
            "hex",
        ])
        .args([
            "--epochs",
            "5",
            "--init",
            "pca",
            "--backend",
            "cpu",
            "--json",
            "--out",
            str(&out),
        ])
        .output()
        .unwrap();
    let json = json_of(&output);
    for key in ["backend", "epochs", "qe", "te", "seconds", "psnr"] {
        assert!(json.get(key).is_some(), "missing {key}: {json}");
    }
    let epochs = json["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 5);
    assert!(epochs
        .iter()
        .all(|e| e["qe"].is_number() && e["te"].is_number()));
    assert_eq!(json["qe"], epochs[4]["qe"]);
    for file in [
        "codebook.npy",
        "codebook.png",
        "umatrix.png",
        "hitmap.png",
        "labels.npy",
        "segmented.png",
        "epochs.csv",
        "epochs.png",
    ] {
        assert!(out.join(file).is_file(), "{file} was not written");
    }
    let codebook = hopsom::io::npy::read_npy(&out.join("codebook.npy")).unwrap();
    assert_eq!(codebook.shape, vec![3, 4, 3]);
    let labels = hopsom::io::npy::read_npy(&out.join("labels.npy")).unwrap();
    assert_eq!(labels.shape, vec![32, 48]);
    assert!(labels.values.iter().all(|&l| l < 12.0));

    // The saved codebook segments the same photo to the same PSNR without training.
    let segment_out = dir.path().join("segment");
    let output = hopsom()
        .args([
            "som",
            "segment",
            "--codebook",
            str(&out.join("codebook.npy")),
            "--image",
            &photo,
        ])
        .args([
            "--topology",
            "hex",
            "--backend",
            "cpu",
            "--json",
            "--out",
            str(&segment_out),
        ])
        .output()
        .unwrap();
    let segmented = json_of(&output);
    assert_eq!(segmented["psnr"], json["psnr"]);
    assert_eq!(segmented["te"], json["te"]);
    let counts: u64 = segmented["pixel_distribution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counts, 48 * 32);
    let relabelled = hopsom::io::npy::read_npy(&segment_out.join("labels.npy")).unwrap();
    assert_eq!(relabelled.values, labels.values);

    // model.npz carries the topology: --model needs no --topology, and segments the same way.
    let model = hopsom::io::models::SomModel::load(&out.join("model.npz")).unwrap();
    assert_eq!(model.codebook.grid.describe(), "4x3 hex");
    let model_out = dir.path().join("segment-model");
    let output = hopsom()
        .args(["som", "segment", "--model", str(&out.join("model.npz"))])
        .args(["--image", &photo, "--backend", "cpu", "--json"])
        .args(["--out", str(&model_out)])
        .output()
        .unwrap();
    assert_eq!(json_of(&output)["te"], json["te"]);
    let from_model = hopsom::io::npy::read_npy(&model_out.join("labels.npy")).unwrap();
    assert_eq!(from_model.values, labels.values);
}

#[test]
fn cluster_writes_one_result_per_epoch_count() {
    let dir = tempfile::tempdir().unwrap();
    let photo = write_photo(dir.path());
    let out = dir.path().join("cluster");
    let output = hopsom()
        .args([
            "som",
            "cluster",
            "--image",
            &photo,
            "--epochs",
            "2,3",
            "--colors",
            "#000000,#ffffff,#ff0000",
        ])
        .args(["--backend", "cpu", "--json", "--out", str(&out)])
        .output()
        .unwrap();
    let json = json_of(&output);
    for key in [
        "backend",
        "epochs",
        "qe",
        "te",
        "seconds",
        "psnr",
        "centers",
        "pixel_distribution",
    ] {
        assert!(json.get(key).is_some(), "missing {key}: {json}");
    }
    assert_eq!(json["epochs"].as_array().unwrap().len(), 5);
    assert_eq!(json["runs"].as_array().unwrap().len(), 2);
    assert_eq!(json["centers"].as_array().unwrap().len(), 3);
    let counts: u64 = json["pixel_distribution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counts, 48 * 32);
    for file in [
        "clustered_2.png",
        "clustered_3.png",
        "labels_2.npy",
        "labels_3.npy",
        "cluster.png",
        "epochs.csv",
    ] {
        assert!(out.join(file).is_file(), "{file} was not written");
    }
}

#[test]
fn train_reads_csv_and_npy_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("x,y\n");
    for k in 0..60 {
        csv.push_str(&format!("{},{}\n", k % 10, k / 10));
    }
    let csv_path = write(dir.path(), "points.csv", csv.as_bytes());
    let npy_path = dir.path().join("points.npy");
    let values: Vec<f32> = (0..60)
        .flat_map(|k| [(k % 10) as f32, (k / 10) as f32])
        .collect();
    hopsom::io::npy::write_npy(&npy_path, &[60, 2], &values).unwrap();
    let mut results = Vec::new();
    for data in [&csv_path, &npy_path] {
        let out = dir.path().join("out");
        let output = hopsom()
            .args([
                "som",
                "train",
                "--data",
                str(data),
                "--grid",
                "3x3",
                "--mode",
                "online",
                "--epochs",
                "4",
            ])
            .args(["--backend", "cpu", "--json", "--out", str(&out)])
            .output()
            .unwrap();
        let json = json_of(&output);
        assert_eq!(json["dim"], 2);
        assert!(json.get("psnr").is_none());
        assert!(out.join("codebook.png").is_file());
        results.push(json["qe"].clone());
    }
    assert_eq!(
        results[0], results[1],
        "CSV and .npy of the same data train alike"
    );
}

#[test]
fn seed_compat_writes_the_seed_figure() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("seed");
    let output = hopsom()
        .args([
            "som",
            "train",
            "--seed-compat",
            "--backend",
            "cpu",
            "--json",
            "--out",
            str(&out),
        ])
        .output()
        .unwrap();
    let json = json_of(&output);
    assert_eq!(json["epochs"].as_array().unwrap().len(), 100);
    assert_eq!(json["grid"]["width"], 50);
    assert!(out.join("seed_colours.png").is_file());
    fails_with(
        &["som", "train", "--seed-compat", "--grid", "3x3"],
        2,
        "cannot be used with",
    );
}

#[test]
fn bad_som_inputs_give_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let photo = write_photo(dir.path());
    let empty = write(dir.path(), "empty.png", b"");
    let corrupt = write(dir.path(), "corrupt.png", b"\x89PNG\r\n\x1a\nnot really");
    let nan = write(dir.path(), "nan.csv", b"1,2\nnan,3\n");
    let no_rows = write(dir.path(), "header.csv", b"x,y\n");
    let overflowing = write(dir.path(), "huge.csv", b"1e30,1e30\n0,0\n-1e30,5\n");
    let garbage = write(dir.path(), "codebook.npy", b"\x93NUMPY garbage");
    let wrong_shape = dir.path().join("flat.npy");
    hopsom::io::npy::write_npy(&wrong_shape, &[6], &[0f32; 6]).unwrap();
    let out = dir.path().join("out");
    let o = str(&out);
    fn train<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        let mut args = vec!["som", "train", "--backend", "cpu", "--out", out];
        args.extend_from_slice(extra);
        args
    }
    fails_with(&train(o, &["--image", str(&empty)]), 1, "unreadable image");
    fails_with(
        &train(o, &["--image", str(&corrupt)]),
        1,
        "unreadable image",
    );
    fails_with(&train(o, &["--image", "missing.png"]), 1, "missing.png");
    fails_with(
        &train(o, &["--image", &photo, "--grid", "0x0"]),
        2,
        "at least 1",
    );
    fails_with(
        &train(o, &["--image", &photo, "--grid", "5000x5000"]),
        1,
        "too large",
    );
    fails_with(&train(o, &["--data", str(&nan)]), 1, "non-finite");
    fails_with(&train(o, &["--data", str(&no_rows)]), 1, "no samples");
    fails_with(&train(o, &["--data", str(&overflowing)]), 1, "overflow f32");
    fails_with(
        &train(o, &["--image", &photo, "--epochs", "0"]),
        2,
        "--epochs",
    );
    fails_with(&train(o, &["--image", &photo, "--sigma=-1"]), 2, "--sigma");
    fails_with(
        &train(o, &["--image", &photo, "--neighbourhood", "mexican-hat"]),
        2,
        "mexican hat",
    );
    fails_with(
        &train(
            o,
            &[
                "--image",
                &photo,
                "--topology",
                "hex",
                "--toroidal",
                "--grid",
                "4x3",
            ],
        ),
        2,
        "even number of rows",
    );
    fails_with(
        &[
            "som", "cluster", "--image", &photo, "--colors", "", "--out", o,
        ],
        2,
        "K = 0",
    );
    fails_with(
        &[
            "som", "cluster", "--image", &photo, "--colors", "#12345", "--out", o,
        ],
        2,
        "not a colour",
    );
    fails_with(
        &[
            "som", "cluster", "--image", &photo, "--epochs", "5,0", "--out", o,
        ],
        2,
        "at least 1",
    );
    fails_with(
        &[
            "som",
            "segment",
            "--codebook",
            str(&garbage),
            "--image",
            &photo,
            "--out",
            o,
        ],
        1,
        ".npy",
    );
    fails_with(
        &[
            "som",
            "segment",
            "--codebook",
            str(&wrong_shape),
            "--image",
            &photo,
            "--out",
            o,
        ],
        1,
        "shape",
    );
    fails_with(
        &[
            "som",
            "segment",
            "--codebook",
            "missing.npy",
            "--image",
            &photo,
            "--out",
            o,
        ],
        1,
        "missing.npy",
    );
    assert!(
        !out.exists() || std::fs::read_dir(&out).unwrap().next().is_none(),
        "a failed run wrote files"
    );
}

#[test]
fn sixteen_bit_and_float_images_segment_in_their_own_type() {
    let dir = tempfile::tempdir().unwrap();
    // A 16-bit RGB PNG and a float32 RGB TIFF: kept in their depth, segmented back in it.
    let rgb16 = image::ImageBuffer::<image::Rgb<u16>, _>::from_fn(20, 12, |x, y| {
        image::Rgb([
            (x * 3000) as u16,
            (y * 5000) as u16,
            ((x * y) % 7 * 9000) as u16,
        ])
    });
    let png = dir.path().join("sixteen.png");
    rgb16.save(&png).unwrap();
    let float = image::Rgb32FImage::from_fn(20, 12, |x, y| {
        image::Rgb([x as f32 / 20.0, y as f32 / 12.0, -0.5])
    });
    let tiff = dir.path().join("float.tiff");
    image::DynamicImage::ImageRgb32F(float).save(&tiff).unwrap();
    for (input, dtype, stored) in [(&png, "<u2", 65535.0), (&tiff, "<f4", 1.0)] {
        let out = dir.path().join(format!("train-{dtype}"));
        let output = hopsom()
            .args(["som", "train", "--backend", "cpu", "--image", str(input)])
            .args([
                "--grid",
                "3x2",
                "--epochs",
                "3",
                "--json",
                "--out",
                str(&out),
            ])
            .output()
            .unwrap();
        let json = json_of(&output);
        assert_eq!(json["dim"], 3, "{dtype}");
        let segmented = hopsom::io::npy::read_npy(&out.join("segmented.npy")).unwrap();
        assert_eq!(segmented.dtype, dtype);
        assert_eq!(segmented.shape, vec![12, 20, 3]);
        assert!(segmented.values.iter().all(|v| v.abs() <= stored));
        // Every pixel carries its winner's weights (rounded to the image's integers).
        let model = hopsom::io::models::SomModel::load(&out.join("model.npz")).unwrap();
        let labels = hopsom::io::npy::read_npy(&out.join("labels.npy")).unwrap();
        for (pixel, &label) in labels.values.iter().enumerate() {
            let weights = model.codebook.node(label as usize);
            for (band, &w) in weights.iter().enumerate() {
                let expected = if dtype == "<u2" {
                    f64::from(w.round().clamp(0.0, 65535.0))
                } else {
                    f64::from(w)
                };
                assert_eq!(segmented.values[pixel * 3 + band], expected);
            }
        }
        assert!(out.join("segmented.png").is_file());
    }
}
