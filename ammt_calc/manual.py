"""The manual pages (docs/*.md): shipped in the wheel as ammt_calc/docs, read from a checkout's docs/.

`ammt-calc docs TOPIC` prints them, so help texts can name a topic a pip user has too.
"""

from __future__ import annotations

from pathlib import Path

from .errors import UserError, suggest


def docs_dir() -> Path:
    """The pages shipped in the wheel, or the repository's top-level docs/ (as the catalog is found)."""
    here = Path(__file__).resolve().parent  # the package folder
    installed = here / "docs"
    return installed if installed.is_dir() else here.parent / "docs"


def topics() -> list[str]:
    """Every page's topic (its file name without .md), sorted."""
    folder = docs_dir()
    return sorted(p.stem for p in folder.glob("*.md")) if folder.is_dir() else []


def page(topic: str) -> str:
    """The text of one page; a UserError naming the topics (and the closest) for any other."""
    from .files import read_bounded

    name = topic.strip().lower().removesuffix(".md").removeprefix("docs/")
    known = topics()
    if name not in known:
        raise UserError(f"no manual page '{topic}'{suggest(name, known)}; topics: {', '.join(known)}")
    data = read_bounded(docs_dir() / f"{name}.md", 1 << 20, "manual page")
    return data.decode("utf-8")


def first_line(topic: str) -> str:
    """A page's title (its first heading, without the #), for the list of topics."""
    text = page(topic)
    heading = next((line for line in text.splitlines() if line.startswith("#")), topic)
    return heading.lstrip("#").strip()
