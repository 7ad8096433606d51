"""Commands that explore a use case: `sweep` and `solve` (registered on the main app)."""

from .cli import app  # noqa: F401  (commands are added with @app.command)
