#!/usr/bin/env bash
# hopsom against the seed notebooks' numpy code and MiniSom, on the same workloads, on this
# machine. Makes a virtual environment with numpy, MiniSom and Pillow when missing (set
# HOPSOM_PEERS_VENV to reuse one elsewhere), builds hopsom in release, and prints the ratios.
#
#   bash benches/peers/run.sh [--quick] [--backend cpu|gpu|auto] [--json FILE]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${HOPSOM_PEERS_VENV:-$here/.venv}"
source "$root/scripts/venv.sh"
ensure_venv "$venv" "numpy, minisom, PIL" numpy minisom==2.3.6 pillow
(cd "$root" && cargo build --release --quiet)
# The Python package, for the rows that call hopsom from Python.
if ! "$venv/bin/python" -c "import maturin" 2>/dev/null; then
    "$venv/bin/pip" install --quiet maturin
fi
VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH" \
    "$venv/bin/maturin" develop --release --quiet --manifest-path "$root/python/Cargo.toml"
exec "$venv/bin/python" "$here/peers.py" --hopsom "$root/target/release/hopsom" "$@"
