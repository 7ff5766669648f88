from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Square:
    side: float

    @property
    def area(self) -> float:
        return self.side * self.side
