# Shared by scripts/demo and scripts/test: find Python 3.11 and make the virtualenv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON_BIN=${PYTHON:-}
if [ -z "$PYTHON_BIN" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PYTHON_BIN=$candidate
      break
    fi
  done
fi
if [ -z "$PYTHON_BIN" ]; then
  echo "duban needs Python 3.11 (set PYTHON=/path/to/python3.11)." >&2
  exit 2
fi
VENV=${DUBAN_VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON_BIN" -m venv "$VENV"
fi
install_lock() {
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$1"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . 2>/dev/null \
    || "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e .
}
