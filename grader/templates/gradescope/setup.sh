#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image
# (made by `python -m grader export gradescope`). It installs the Python
# packages the grader was exported with, pinned in requirements.txt; nothing
# comes from apt. The base image's python3 must be new enough for the pins
# (the kit was exported with Python @PYTHON@).
set -euo pipefail
cd "$(dirname "$0")"
python3 --version
extra=()
if python3 -m pip install --help | grep -q -- "--break-system-packages"; then
  extra=(--break-system-packages)  # Ubuntu 24.04's python3 is "externally managed"; this image is ours alone
fi
python3 -m pip install --no-cache-dir "${extra[@]}" -r requirements.txt
