"""The hello plugin, registered under the ``acme.plugins`` entry-point group."""

__version__ = "2.0.0"


def plugin() -> str:
    return f"hello from acme.plugins.hello {__version__}"


def main() -> int:
    print(plugin())
    return 0
