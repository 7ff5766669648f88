"""Coverage-guided fuzzing of symback's readers with atheris, on demand.

    pip install atheris
    python fuzz/run.py --seconds 60                 # every target, 60 s each
    python fuzz/run.py --seconds 300 --target links_file

Each target (``fuzz/targets.py``) runs in its own process (libFuzzer's loop never returns)
from a seed corpus in ``fuzz/corpus/<target>/`` (made on first run, kept between runs, not
committed). An input that makes a target crash (an exception other than a one-line
``SymbackError``) is written to ``tests/fuzz_regressions/<target>/crash-<sha1>``: commit it
with the fix, and ``tests/unit/test_fuzz_regressions.py`` replays it in every test run.
The test suite itself never needs atheris.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REGRESSIONS = HERE.parent / "tests" / "fuzz_regressions"


def _child(target: str, seconds: int) -> None:
    import atheris

    sys.path.insert(0, str(HERE))
    with atheris.instrument_imports():
        import symback.config  # noqa: F401
        import symback.linkrules  # noqa: F401
        import symback.wheelfile  # noqa: F401
    import targets

    corpus = HERE / "corpus" / target
    if not corpus.is_dir():
        corpus.mkdir(parents=True)
        for name, data in targets.seeds(target).items():
            (corpus / name).write_bytes(data)
    out = REGRESSIONS / target
    out.mkdir(parents=True, exist_ok=True)
    function = targets.TARGETS[target]
    atheris.Setup([sys.argv[0], f"-max_total_time={seconds}", f"-artifact_prefix={out}/",
                   "-rss_limit_mb=2048", "-timeout=20", str(corpus)], function)
    atheris.Fuzz()


def main() -> int:
    sys.path.insert(0, str(HERE))
    import targets

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="time per target (default 60)")
    parser.add_argument("--target", choices=sorted(targets.TARGETS), action="append",
                        help="fuzz only this target (repeatable; default: all)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.seconds)
        return 0
    try:
        import atheris  # noqa: F401
    except ImportError:
        print("fuzz/run.py: atheris is not installed. Install it with 'pip install atheris' "
              "(the test suite does not need it).", file=sys.stderr)
        return 2
    failed = []
    for target in args.target or sorted(targets.TARGETS):
        print(f"== {target}: {args.seconds} s", flush=True)
        code = subprocess.call([sys.executable, __file__, "--child", target,
                                "--seconds", str(args.seconds)])
        if code != 0:
            failed.append(target)
    if failed:
        print(f"crashes in {', '.join(failed)}: see {REGRESSIONS}/<target>/crash-*; fix them, "
              "keep the files (the suite replays them)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
