"""Benchmark suites. One module per suite; each defines

    NAME: str                      # what --only selects
    TITLE: str                     # section heading in docs/performance.md
    def run(ctx: harness.Context) -> harness.SuiteResult

A suite that is not written yet raises ``harness.NotImplementedSuite``: the runner prints
"<name>: not implemented yet" and the suite does not appear in the results.
Register a new suite by adding its module name to ``SUITES`` (in run order).
"""

from __future__ import annotations

import importlib
from types import ModuleType

SUITES = ["build", "links", "editable", "native", "pipeline", "devloop"]


def load(name: str) -> ModuleType:
    return importlib.import_module(f"suites.{name}")
