"""Scripts in a wheel's ``<name>-<version>.data/scripts/``: a Python shebang becomes
``#!python``, which installers rewrite to the environment's interpreter (binary
distribution format). Imported only when a wheel ships such scripts."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, List

if TYPE_CHECKING:
    from .wheel import WheelEntry

# A Python shebang: "#!/usr/bin/env python3", "#!/usr/bin/python3.12 -u", "#!python".
_PYTHON_SHEBANG = rb"#![ \t]*(?:\S*/)?(?:env[ \t]+)?python(?:[0-9.]*)(w?)(?P<args>[ \t][^\r\n]*)?(?P<eol>\r?\n|$)"


def rewrite_shebangs(entries: List["WheelEntry"], prefix: str) -> List["WheelEntry"]:
    """``entries`` with the Python shebangs of those under ``prefix`` rewritten (other
    scripts, ``#!/bin/sh`` or a completion file, ship as they are)."""
    out = []
    for item in entries:
        if item.arcname.startswith(prefix):
            data = item.data
            if data is None and item.source is not None:
                with open(item.source, "rb") as f:
                    head = f.read(2)
                    data = head + f.read() if head == b"#!" else None
            match = re.match(_PYTHON_SHEBANG, data) if data else None
            if data is not None and match:
                args = (match.group("args") or b"").rstrip()
                line = b"#!python" + match.group(1) + args + (match.group("eol") or b"\n")
                item = item._replace(source=None, data=line + data[match.end():], size=None)
        out.append(item)
    return out
