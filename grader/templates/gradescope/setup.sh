#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image
# (made by `python -m grader export gradescope`). It makes a virtual environment
# beside the autograder ($AUTOGRADER_ROOT/venv) with the image's python3 and
# installs requirements.txt into it: every package pinned for Python @PYTHON@,
# the Python of Gradescope's newest base image (Ubuntu 22.04). Set
# AUTOGRADER_ROOT to try it anywhere but /autograder.
set -euo pipefail
cd "$(dirname "$0")"
root="${AUTOGRADER_ROOT:-/autograder}"
wanted="@PYTHON@"
have="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [ "$have" != "$wanted" ]; then
  echo "setup.sh: this autograder's packages are pinned for Python $wanted, but python3 here is $have." >&2
  echo "  Choose the base image with Python $wanted, or export again: python -m grader export gradescope OUT.zip --python $have" >&2
  exit 1
fi
if ! python3 -m venv "$root/venv" 2>/dev/null; then
  # Ubuntu's python3 has no venv module until python3-venv is installed.
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "python$wanted-venv"
  fi
  rm -rf "$root/venv"
  python3 -m venv "$root/venv"
fi
"$root/venv/bin/python" -m pip install --quiet --no-cache-dir --upgrade pip
"$root/venv/bin/python" -m pip install --no-cache-dir -r requirements.txt
chmod -R a+rX "$root/venv"  # the learner's code runs as another user and needs the interpreter
TF_CPP_MIN_LOG_LEVEL=3 "$root/venv/bin/python" -c 'import tensorflow, keras; print("tensorflow", tensorflow.__version__, "keras", keras.__version__)'
# bubblewrap: used where the container allows namespaces; Gradescope's usually does not, and the
# grader then confines the learner's code by a distinct uid and file modes (docs/SECURITY.md).
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && ! command -v bwrap >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q bubblewrap || echo "setup.sh: bubblewrap not installed; the grader uses the permissions mode"
fi
