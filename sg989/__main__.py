"""`python -m sg989 ...`: the same as the `sg989` command (sg989 up starts its children so)."""

from sg989.cli import run

run()
