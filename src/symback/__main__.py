"""``python -m symback``: the same as the ``symback`` command."""

import signal

# SIGINT/SIGTERM wait while the command's modules are imported: CPython turns a SIGINT that
# lands inside an import's internals into "Exception ignored ... KeyboardInterrupt" and goes
# on. cli.main() unblocks them once it runs, so a pending one is handled there (one line).
if hasattr(signal, "pthread_sigmask"):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})

from symback.cli import main  # noqa: E402

raise SystemExit(main())
