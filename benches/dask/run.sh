#!/usr/bin/env bash
# hopsom.dask scaling on this machine (see scaling.py). Makes a virtual environment with Dask
# when missing (HOPSOM_DASK_VENV reuses one), installs the package built in release, runs.
#
#   bash benches/dask/run.sh [--quick] [--json FILE]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${HOPSOM_DASK_VENV:-$here/.venv}"
source "$root/scripts/venv.sh"
ensure_venv "$venv" "maturin, dask.array, distributed" maturin numpy "dask[array]" distributed
VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" \
    "$venv/bin/maturin" develop --release --quiet --manifest-path "$root/python/Cargo.toml"
exec "$venv/bin/python" "$here/scaling.py" "$@"
