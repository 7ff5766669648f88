"""A flat-layout package."""

__version__ = "0.3.1"


def add(a: int, b: int) -> int:
    return a + b
