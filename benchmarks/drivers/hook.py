"""Call one PEP 517 hook in this (fresh) interpreter, as a frontend's hook runner does.

    python hook.py BACKEND_MODULE HOOK PROJECT_DIR OUTPUT_DIR RESULT_JSON [CONFIG_SETTINGS_JSON]

The working directory becomes PROJECT_DIR (PEP 517: hooks run in the source tree);
config_settings is the JSON object given, else ``{}`` (what ``build`` and ``uv`` pass). Writes
``{"import_s", "hook_s", "basename"}`` to RESULT_JSON; an exception propagates, so the
harness sees a non-zero exit and the error's last line. Standard library only.
"""

import time

T_START = time.perf_counter()

import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402


def main() -> None:
    module, hook, project, outdir, result = sys.argv[1:6]
    # config_settings: the JSON object after RESULT_JSON (hook_argv passes one), else {}.
    settings = json.loads(sys.argv[6]) if len(sys.argv) > 6 else {}
    os.chdir(project)
    t0 = time.perf_counter()
    backend = importlib.import_module(module)
    t1 = time.perf_counter()
    basename = getattr(backend, hook)(outdir, settings)
    t2 = time.perf_counter()
    with open(result, "w") as f:
        json.dump({"import_s": t1 - t0, "hook_s": t2 - t1, "driver_s": t2 - T_START,
                   "basename": basename}, f)


if __name__ == "__main__":
    main()
