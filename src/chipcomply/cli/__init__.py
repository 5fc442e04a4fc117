"""Command-line shell (Typer)."""
