"""ACME widgets: shapes and colours."""

from acme_widgets.colors import color_names, lookup
from acme_widgets.shapes import Square

__version__ = "1.4.0"

__all__ = ["Square", "color_names", "lookup", "__version__"]
