"""Reading native files: what kind of binary a file is, and the names a loader knows it by.

Readers here look at bytes, never at file names, and treat their input as hostile (a file
in a project or a wheel can be anything): a short or malformed header is "not native" or
"no SONAME", never an exception from deep inside a parser.
"""

from __future__ import annotations
