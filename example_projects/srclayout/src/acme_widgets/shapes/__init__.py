"""Shapes."""

from acme_widgets.shapes.square import Square

__all__ = ["Square"]
