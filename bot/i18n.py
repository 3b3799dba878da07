"""The message catalogue: every word the bot writes that is not the document itself.

Catalogues are TOML files under bot/locales/ (one per language, same keys) that a translator can
edit. Strings are HTML authored by us; every value substituted into them is escaped unless it is
marked `Html` (already-rendered markup), so user text can never inject tags.
"""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from string import Formatter
from typing import Any

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "zh"
LANGUAGES = ("zh", "en")


class Html(str):
    """A string that is already valid Telegram HTML and must not be escaped again."""


def escape(text: str) -> str:
    """Escape text for Telegram's HTML parse mode (quotes need no escaping there)."""
    return html.escape(text, quote=False)


def as_plain(text: str) -> str:
    """What Telegram shows of our HTML, for places that take plain text (callback notices)."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def language_for(language_code: str | None) -> str:
    """Chinese for Chinese clients and when Telegram does not say; English for everyone else."""
    if not language_code or language_code.lower().startswith("zh"):
        return "zh"
    return "en"


def _flatten(prefix: str, table: Mapping[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(f"{name}.", value, out)
        else:
            out[name] = str(value)


class Translator:
    """Looks up `key` in a language's catalogue and fills its {placeholders}."""

    def __init__(self, catalogues: Mapping[str, Mapping[str, str]]) -> None:
        self.catalogues = dict(catalogues)

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Translator:
        """Each language's catalogue is `<lang>.toml` plus any `<lang>.<part>.toml` beside it
        (one part per area of the bot, so that translators and developers edit small files); a
        key defined twice is an error, not a silent override."""
        catalogues: dict[str, dict[str, str]] = {}
        for language in LANGUAGES:
            flat: dict[str, str] = {}
            files = [directory / f"{language}.toml", *sorted(directory.glob(f"{language}.*.toml"))]
            for path in files:
                part: dict[str, str] = {}
                with path.open("rb") as handle:
                    _flatten("", tomllib.load(handle), part)
                twice = sorted(set(part) & set(flat))
                if twice:
                    raise ValueError(f"{path.name} defines keys defined before: {twice[:5]}")
                flat.update(part)
            catalogues[language] = flat
        return cls(catalogues)

    def placeholders(self, language: str, key: str) -> set[str]:
        return {name for _, name, _, _ in Formatter().parse(self.raw(language, key)) if name}

    def raw(self, language: str, key: str) -> str:
        catalogue = self.catalogues.get(language) or self.catalogues[DEFAULT_LANGUAGE]
        return catalogue.get(key) or self.catalogues[DEFAULT_LANGUAGE][key]

    def __call__(self, language: str, key: str, /, **values: object) -> Html:
        safe = {
            name: value if isinstance(value, Html) else escape(str(value))
            for name, value in values.items()
        }
        return Html(self.raw(language, key).format_map(safe))

    def plain(self, language: str, key: str, /, **values: object) -> str:
        """For places Telegram shows as plain text (buttons, command menu, callback alerts)."""
        return html.unescape(self(language, key, **values))
