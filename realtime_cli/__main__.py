"""`python -m realtime_cli` runs the `rt` command line."""

from realtime_cli.cli import run

run()
