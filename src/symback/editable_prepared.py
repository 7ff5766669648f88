"""The editable wheel's ``.dist-info`` when the frontend prepared it first (PEP 660).

Imported by ``editable.build_editable`` only when it is given ``metadata_directory`` (pip
calls ``prepare_metadata_for_build_editable`` first; ``symback install -e`` does not):
the wheel must then carry exactly that metadata.
"""

from __future__ import annotations

from pathlib import Path
from typing import List

from .errors import BuildError
from .wheel import WheelEntry


def prepared_entries(ours: List[WheelEntry], dist_info: str, metadata_directory: Path) -> List[WheelEntry]:
    """The prepared ``.dist-info`` files, copied byte for byte, after checking that its
    ``METADATA`` is ``ours`` (what this build writes): else the project changed in between."""
    directory = Path(metadata_directory)
    if not directory.name.endswith(".dist-info"):
        found = sorted(directory.glob("*.dist-info"))
        if len(found) == 1:
            directory = found[0]
    given = directory / "METADATA"
    try:
        given_bytes = given.read_bytes()
    except OSError as error:
        raise BuildError(
            f"{given}: cannot read the metadata prepared for this build ({error.strerror}). "
            "Run the build again."
        ) from None
    (our_metadata,) = [e for e in ours if e.arcname == f"{dist_info}/METADATA"]
    if given_bytes != our_metadata.data:
        raise BuildError(
            f"{given}: the metadata prepared earlier differs from the editable wheel's (pyproject.toml "
            "changed in between, or the symlink support of the build directory did). Run the "
            "install again."
        )
    copied = []
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            rel = path.relative_to(directory).as_posix()
            if rel in ("WHEEL", "RECORD", "LINKS") or rel.startswith("RECORD."):
                continue
            copied.append(WheelEntry(f"{dist_info}/{rel}", data=path.read_bytes()))
    return copied
