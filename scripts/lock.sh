#!/usr/bin/env bash
# Re-resolve the pinned dependency sets from pyproject.toml in a clean venv.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q --upgrade pip
"$tmp/venv/bin/pip" install -q .
{ echo "# Exact pins for the app (runtime). Regenerate: scripts/lock.sh"; "$tmp/venv/bin/pip" freeze --exclude hotseat; } > requirements.lock
"$tmp/venv/bin/pip" install -q ".[test]"
# --all keeps setuptools (the wheel test builds without build isolation); pip itself is not pinned.
{ echo "# Exact pins for the test suite (a superset of requirements.lock). Regenerate: scripts/lock.sh"; "$tmp/venv/bin/pip" freeze --all --exclude hotseat --exclude pip; } > requirements-test.lock
rm -rf "$tmp"
