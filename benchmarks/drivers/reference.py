"""Reference floors for single-threaded Python: the same files, written serially.

    python reference.py zip PROJECT_DIR OUTPUT_DIR RESULT_JSON   # zipfile, ZIP_DEFLATED (level 6)
    python reference.py tar PROJECT_DIR OUTPUT_DIR RESULT_JSON   # tarfile "w:gz" (level 9)
    python reference.py editable PROJECT_DIR OUTPUT_DIR RESULT_JSON  # a 4-member editable wheel

``zip`` writes every file under PROJECT_DIR/src (what a wheel ships, minus dist-info and
RECORD hashing); ``tar`` writes the whole PROJECT_DIR (what an sdist ships, minus
PKG-INFO). ``editable`` writes what the smallest editable wheel holds (METADATA, WHEEL,
RECORD and a one-line ``.pth``) with ``zipfile``: the floor of any Python backend's
``build_editable``. Sorted order, no parallelism. Both first parse PROJECT_DIR/pyproject.toml with
``tomllib`` (3.11+), the one thing every Python backend must do before it writes a byte.
Same result file as hook.py.

Imported as a build backend (module ``reference``, this directory on ``PYTHONPATH``),
``build_editable`` does what ``editable`` does, in the working directory: the floor under
a frontend's hook runner.
"""

import time

T_START = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402


def files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            yield os.path.join(dirpath, name)


def parse_pyproject(project):
    try:
        import tomllib
    except ModuleNotFoundError:  # Python < 3.11: the floor is then without it
        return
    with open(os.path.join(project, "pyproject.toml"), "rb") as f:
        tomllib.load(f)


def write_editable(project, outdir):
    import zipfile

    basename = "reference-1.0-py3-none-any.whl"
    members = {
        "reference.pth": os.path.join(os.path.abspath(project), "src") + "\n",
        "reference-1.0.dist-info/METADATA": "Metadata-Version: 2.4\nName: reference\nVersion: 1.0\n",
        "reference-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: reference\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        "reference-1.0.dist-info/RECORD": "",
    }
    with zipfile.ZipFile(os.path.join(outdir, basename), "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return basename


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """The PEP 660 hook: the ``editable`` floor, as a backend."""
    parse_pyproject(".")
    return write_editable(".", wheel_directory)


def main() -> None:
    kind, project, outdir, result = sys.argv[1:5]
    t0 = time.perf_counter()
    parse_pyproject(project)
    if kind == "zip":
        import zipfile

        t1 = time.perf_counter()
        basename = "reference.zip"
        src = os.path.join(project, "src")
        with zipfile.ZipFile(os.path.join(outdir, basename), "w", zipfile.ZIP_DEFLATED) as zf:
            for path in files(src):
                zf.write(path, os.path.relpath(path, src))
    elif kind == "tar":
        import tarfile

        t1 = time.perf_counter()
        basename = "reference.tar.gz"
        top = os.path.basename(os.path.abspath(project))
        with tarfile.open(os.path.join(outdir, basename), "w:gz") as tf:
            for path in files(project):
                tf.add(path, os.path.join(top, os.path.relpath(path, project)), recursive=False)
    elif kind == "editable":
        t1 = time.perf_counter()
        basename = write_editable(project, outdir)
    else:
        raise SystemExit(f"unknown reference kind {kind!r}")
    t2 = time.perf_counter()
    with open(result, "w") as f:
        json.dump({"import_s": t1 - t0, "hook_s": t2 - t1, "driver_s": t2 - T_START,
                   "basename": basename}, f)


if __name__ == "__main__":
    main()
