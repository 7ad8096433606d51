"""`ammt-calc radio`: NR peak data rate of a carrier (registered on the main app)."""

from .cli import app  # noqa: F401  (commands are added with @app.command)
