"""The ``acme-widgets`` console script."""

from __future__ import annotations

import sys

import acme_widgets
from acme_widgets import Square, color_names


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "colors":
        for name in color_names():
            print(f"{name} {acme_widgets.lookup(name)}")
        return 0
    area = Square(2).area
    print(f"acme-widgets {acme_widgets.__version__}: {len(color_names())} colors, square area {area:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
