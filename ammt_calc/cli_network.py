"""Commands beyond the standard: `split` (split-point optimiser) and `radio` (NR peak rate)."""

from .cli import app  # noqa: F401  (commands are added with @app.command)
