"""The one exception type that means "the user gave bad input" (exit code 2)."""


class UserError(Exception):
    """Bad input or usage. Its message is one line, shown as `error: <message>`."""
