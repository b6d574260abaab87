"""`python -m shijing` is the `shijing` command."""

from shijing.cli import app

app(prog_name="shijing")
