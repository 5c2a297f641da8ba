"""``python -m incentsim``: the command line, as the ``incentsim`` script."""

from incentsim.interfaces.cli import entry

if __name__ == "__main__":  # pragma: no cover
    entry()
