#!/usr/bin/env bash
# symback end to end, on a fresh machine:
#   1. build symback's own wheel from this checkout (symback builds itself: backend-path),
#   2. build example_projects/srclayout with `python -m build` in an isolated environment
#      whose pip finds symback in that wheelhouse (symback is not on an index),
#   3. install the built wheel with pip into a fresh venv, run its console script and
#      import the package,
#   4. install a copy of it in editable mode (pip install -e): a symlink tree, live edits,
#   5. build example_projects/versioned-libs, a compiled project (make builds a C library
#      with its SONAME and linker-name symlinks and an extension module linking it), install
#      its sdist with pip (compiling again) and its LINKS wheel with `symback install`.
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

step "editable install: pip install -e (of a copy, so the checkout stays clean)"
cp -R "$PROJECT" "$WORK/editable"
rm -rf "$WORK/editable/build" "$WORK/editable/dist"
"$PY" -m venv "$WORK/dev"
DEV="$WORK/dev/bin"
PIP_FIND_LINKS="$WORK/wheelhouse${PIP_FIND_LINKS:+ $PIP_FIND_LINKS}" \
    "$DEV/python" -m pip install --quiet -e "$WORK/editable"
echo "  the .pth file: $(cat "$WORK"/dev/lib/python*/site-packages/__editable__.acme_widgets.pth)"
echo "  the link tree:"
ls -l "$WORK"/editable/build/__editable__.*/ | sed 's/^/    /'
printf 'def hello():\n    return "added after the install, and live"\n' > "$WORK/editable/src/acme_widgets/later.py"
"$DEV/python" -c 'from acme_widgets.later import hello; print("  acme_widgets.later:", hello())'

step "a compiled project: example_projects/versioned-libs (make builds a C library and an extension module)"
if command -v "${CC:-cc}" >/dev/null && command -v make >/dev/null; then
    cp -R "$HERE/versioned-libs" "$WORK/vlibs"
    rm -rf "$WORK/vlibs/build" "$WORK/vlibs/dist"
    # [tool.symback.build] command = ["make", "install"]: the build prints "+ make install"
    # and make's own lines; the sdist carries the sources, the wheel the compiled files.
    PIP_FIND_LINKS="$WORK/wheelhouse${PIP_FIND_LINKS:+ $PIP_FIND_LINKS}" \
        "$TOOLS" -m build --outdir "$WORK/vdist" "$WORK/vlibs"
    "$TOOLS" -m pip install --quiet --find-links "$WORK/wheelhouse" "symback[install]"
    "$TOOLS" -m symback inspect "$WORK"/vdist/versioned_libs-*.whl
    echo "  pip install of the sdist (compiles again; -C symlinks=compat: copies plus LINKS, for pip):"
    "$PY" -m venv "$WORK/vpip"
    PIP_FIND_LINKS="$WORK/wheelhouse${PIP_FIND_LINKS:+ $PIP_FIND_LINKS}" \
        "$WORK/vpip/bin/python" -m pip install --quiet -C symlinks=compat "$WORK"/vdist/versioned_libs-*.tar.gz
    "$WORK/vpip/bin/python" -c 'import versioned_libs as v; print("  ", v.hello("pip"), "libgreet", v.library_version())'
    echo "  symback install of the LINKS wheel (the aliases are links again):"
    "$PY" -m venv "$WORK/libs"
    "$TOOLS" -m symback install --python "$WORK/libs/bin/python" "$WORK"/vdist/versioned_libs-*.whl
    ls -l "$WORK"/libs/lib/python*/site-packages/versioned_libs/lib | sed 's/^/  /'
    "$WORK/libs/bin/python" -c 'import versioned_libs as v; print("  ", v.hello("symback"), "answer() =", v.answer(), "libgreet", v.version())'
    readelf -d "$WORK"/libs/lib/python*/site-packages/versioned_libs/_greet.*.so | grep -E "NEEDED.*greet|RUNPATH|RPATH" | sed 's/^/  /' || true
else
    echo "  skipped: needs a C compiler (${CC:-cc}) and make"
fi

step "OK: symback built, packaged and installed example_projects/srclayout (release and editable) and versioned-libs (compiled, LINKS)"
