"""`ammt-calc split`: candidate split points of a model, what each asks of the UL (registered on the main app)."""

from .cli import app  # noqa: F401  (commands are added with @app.command)
