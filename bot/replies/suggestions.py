"""Naming the nearest topics when a name or query matches nothing. Which topics are nearest is
the catalogue's answer (the usecases return their names); this is how a reply lists them."""

from __future__ import annotations

from collections.abc import Iterable


def joined(names: Iterable[str]) -> str:
    """Topic names to type back, one after the other. Names may contain 、 or commas
    (人才、队伍和智库建设), so a slash separates them."""
    return " / ".join(names)
