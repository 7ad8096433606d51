"""`docs`: the manual pages, shipped with the package (so help can point at them for a pip user)."""

from __future__ import annotations

from typing import Optional

import typer

from . import completion
from .app import app


@app.command("docs")
def docs_command(
    topic: Optional[str] = typer.Argument(None, metavar="TOPIC", autocompletion=completion.topic, help="A manual page, e.g. network or units; the topics when none is given.", show_default=False),
) -> None:
    """The manual: with no TOPIC the list of pages, with one the page itself (Markdown)."""
    from .. import api
    from ..present.tables import print_page
    from ..present.views import Table, Text

    doc = api.docs(topic).to_dict()
    if topic is not None:
        typer.echo(doc["text"], nl=not doc["text"].endswith("\n"))
        return
    rows = [(t["topic"], t["title"]) for t in doc["topics"]]
    print_page([Table(("topic", "title"), rows, fold="title"), Text("Read one with `ammt-calc docs TOPIC`.")])
