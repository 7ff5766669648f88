"""The colour table, shipped as package data and read with importlib.resources."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=None)
def _table() -> dict[str, str]:
    text = resources.files("acme_widgets").joinpath("data", "colors.json").read_text("utf-8")
    return json.loads(text)


def color_names() -> list[str]:
    """The known colour names, sorted."""
    return sorted(_table())


def lookup(name: str) -> str:
    """The hex code of colour ``name``."""
    return _table()[name]
