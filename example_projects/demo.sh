#!/usr/bin/env bash
# symback end to end, on a fresh machine:
#   1. build symback's own wheel from this checkout (symback builds itself: backend-path),
#   2. build example_projects/srclayout with `python -m build` in an isolated environment
#      whose pip finds symback in that wheelhouse (symback is not on an index),
#   3. install the built wheel with pip into a fresh venv, run its console script and
#      import the package.
# Needs python3 (>= 3.9) on PATH and an index (or mirror) for `build`, `packaging` and
# `pathspec`. Everything happens in a temporary directory that is removed at the end.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
PROJECT="$HERE/srclayout"
PY="${PYTHON:-python3}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/symback-demo.XXXXXX")"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

step() { printf '\n==> %s\n' "$*"; }

export PIP_DISABLE_PIP_VERSION_CHECK=1

step "tools venv with build ($WORK/tools)"
"$PY" -m venv "$WORK/tools"
TOOLS="$WORK/tools/bin/python"
"$TOOLS" -m pip install --quiet build
"$TOOLS" -m build --version

step "build symback's own wheel from $REPO"
"$TOOLS" -m build --wheel --outdir "$WORK/wheelhouse" "$REPO"
ls -l "$WORK/wheelhouse"

step "build example_projects/srclayout (isolated; pip finds symback in the wheelhouse)"
# Keep any find-links the machine already has; ours comes first.
PIP_FIND_LINKS="$WORK/wheelhouse${PIP_FIND_LINKS:+ $PIP_FIND_LINKS}" \
    "$TOOLS" -m build --outdir "$WORK/dist" "$PROJECT"
ls -l "$WORK/dist"

WHEEL="$(ls "$WORK"/dist/acme_widgets-*.whl)"
SDIST="$(ls "$WORK"/dist/acme_widgets-*.tar.gz)"

step "wheel contents: $(basename "$WHEEL")"
"$TOOLS" - "$WHEEL" <<'PYEOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as zf:
    for info in zf.infolist():
        mode = (info.external_attr >> 16) & 0o777
        print(f"  {oct(mode) if mode else '-':>6} {info.file_size:>7}  {info.filename}")
PYEOF

step "sdist contents: $(basename "$SDIST")"
"$TOOLS" - "$SDIST" <<'PYEOF'
import sys, tarfile
with tarfile.open(sys.argv[1]) as tf:
    for member in tf.getmembers():
        print(f"  {oct(member.mode):>6} {member.size:>7}  {member.name}")
PYEOF

step "install the wheel with pip into a fresh venv"
"$PY" -m venv "$WORK/app"
APP="$WORK/app/bin"
"$APP/python" -m pip install --quiet --no-index "$WHEEL"
"$APP/python" -m pip show --files acme-widgets

step "run the console script: acme-widgets"
"$APP/acme-widgets"
"$APP/acme-widgets" colors

step "import the package"
"$APP/python" -c '
import importlib.metadata as md
import acme_widgets
print("acme_widgets", acme_widgets.__version__, "from", acme_widgets.__file__)
print("colors:", ", ".join(acme_widgets.color_names()))
print("metadata version:", md.version("acme-widgets"))
print("license:", md.metadata("acme-widgets")["License-Expression"])
assert md.version("acme-widgets") == acme_widgets.__version__
'

step "OK: symback built, packaged and installed example_projects/srclayout"
