"""``python -m symback`` and the ``symback`` command (``symback.__main__:run``)."""

import signal


def run() -> int:
    """Run the command with SIGINT/SIGTERM held back while its modules load.

    CPython turns a SIGINT that lands inside an import's internals into "Exception
    ignored ... KeyboardInterrupt" and goes on; ``cli.main()`` unblocks both signals as
    it starts, so a pending one is handled there (one line). The console script calls
    this too, so ``symback`` and ``python -m symback`` behave the same.
    """
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    from symback.cli import main

    return main()


if __name__ == "__main__":
    raise SystemExit(run())
