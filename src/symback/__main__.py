"""``python -m symback``: the same as the ``symback`` command."""

from symback.cli import main

raise SystemExit(main())
