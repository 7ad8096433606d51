"""The one exception type that means "the user gave bad input" (exit code 2)."""


class UserError(Exception):
    """Bad input or usage. Its message is one line, shown as `error: <message>`."""

    def __str__(self) -> str:
        return one_line(super().__str__())


def one_line(text: str) -> str:
    """`text` with newlines and other control characters escaped (`\\n`), so that a value
    quoted from user input (a YAML key, a --set value) cannot break the message in two."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
