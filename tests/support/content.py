"""What the shipped content says, read straight from content/, for tests to hold answers to."""

from __future__ import annotations

from content.library import Library


def on_topic(library: Library, slug: str) -> list[tuple[int, str]]:
    """(section number, text) of every passage the catalogue tags with the topic."""
    topic = library.catalog.by_slug(slug)
    assert topic is not None
    return [
        (section.number, passage.text)
        for section in library.primary.document.sections
        for passage in section.passages
        if topic.tags(passage.text)
    ]
