"""Shared fixtures: the command-line binary the results are compared with."""

import os
import pathlib
import shutil

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def hopsom_cli():
    """The `hopsom` binary: $HOPSOM_BIN, else the one `cargo test` built, else on PATH."""
    for candidate in (
        os.environ.get("HOPSOM_BIN"),
        ROOT / "target" / "debug" / "hopsom",
        ROOT / "target" / "release" / "hopsom",
        shutil.which("hopsom"),
    ):
        if candidate and pathlib.Path(candidate).is_file():
            return str(candidate)
    pytest.fail("no hopsom binary: run `cargo build` first or set HOPSOM_BIN")
