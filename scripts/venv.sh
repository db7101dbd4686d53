# Sourced by the scripts that need Python tools: `ensure_venv DIR MODULES PACKAGES...` makes a
# virtual environment in DIR when there is none, and installs PACKAGES from PyPI into it unless
# MODULES (a comma-separated list, as `import` takes them) already import there.
ensure_venv() {
    local venv="$1" modules="$2"
    shift 2
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv"
    fi
    if ! "$venv/bin/python" -c "import $modules" 2>/dev/null; then
        "$venv/bin/pip" install --quiet "$@"
    fi
}
