"""Run a command as a grandchild and report its resources, untainted by the harness.

    python -I -S spawn.py RUSAGE_JSON PROGRAM [ARG...]

Why: ``ru_maxrss`` survives ``execve`` - a child forked (or vforked) from the harness
carries the harness's own resident size into its ``ru_maxrss``. This tiny process (no
site, ~8 MiB) forks, the fork execs PROGRAM, and ``os.wait4`` gives PROGRAM's wall time
(fork to reap), CPU time and peak RSS (the larger of PROGRAM and any descendants it
reaped) with only this process's small footprint as the floor - below any Python
interpreter's own. Exits with PROGRAM's status. Standard library only, no imports
beyond the built-in ``os``, ``sys`` and ``time``.
"""

import os
import sys
import time


def main():
    result, argv = sys.argv[1], sys.argv[2:]
    t0 = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        except BaseException as exc:
            os.write(2, ("spawn: cannot run %s: %s\n" % (argv[0], exc)).encode())
        os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    with open(result, "w") as f:
        f.write('{"wall_s": %r, "utime_s": %r, "stime_s": %r, "maxrss_kib": %d, "exitcode": %d}'
                % (wall, ru.ru_utime, ru.ru_stime, ru.ru_maxrss, code))
    sys.exit(code if code >= 0 else 128 - code)


main()
