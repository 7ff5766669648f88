import sys

from flatpkg import __version__, add


def main() -> int:
    print(f"flatpkg {__version__}: 1 + 2 = {add(1, 2)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
