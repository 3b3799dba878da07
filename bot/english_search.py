"""English search: the work plan's passages found by the words of their English translation
(`library.primary.translation`, content/translations/<slug>.toml).

An index in memory, built once per content version (Services.english) from the imported
passages, so that a hit is the same lookup.Passage (id, section number, Chinese text, key) that a
Chinese search returns and renders the same. It answers the queries that have an English word
(a word with letters, not Chinese, not a lone letter, not a stop word such as "the"):

- words match by their Snowball (Porter2) stem, whatever the case: `patents`, `Patented` and
  `patent` are one word; every word must occur (`trademark hoarding` is both);
- a quoted phrase (`"Hague Agreement"`, straight or curly quotes) or a hyphenated word
  (`high-quality`) matches its words in a row, stop words included, never across punctuation
  that ends a clause;
- Chinese typed along (`海牙 Hague`) must occur in the Chinese text.

Its hits are added to what the Chinese search finds for the same text, so that nothing found
before is lost: passages that contain the text literally (`RCEP`, `PCT`), or, when none does,
the passages of the topic it names (`Hague` → 海牙协定, which the listing then names); both
are looked for here, in memory, as the store would (the folded text, content.catalog.fold, and
the catalogue's tagging), so looking an English query up costs no SQL. Ranked by matches
(occurrences of the words and phrases, plus literal occurrences), then document order. Every
other query (Chinese, digits, punctuation) is left to the store, exactly as before.

Cost (bench/search.py): ~100 passages of a few sentences; an English query is a few dictionary
look-ups (0.2 ms median for the whole handler), and building the index, once, stems each
distinct word once (about 25 ms; snowballstemmer is imported then, not at start-up)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Protocol

from bot.lookup import Found, Passage, passage_of
from bot.store import Repository
from content.catalog import Catalog, Topic, fold
from content.translation import Translation

# Words too common to narrow a search: an unquoted one is ignored ("protection of IP" looks for
# protection and IP); inside a quoted phrase it must be there like any other word.
STOP_WORDS = frozenset(
    (
        "a", "an", "and", "are", "as", "at", "be", "been", "but", "by", "for", "from", "has",
        "have", "in", "into", "is", "it", "its", "of", "on", "or", "our", "such", "that", "the",
        "their", "this", "those", "these", "to", "was", "were", "which", "will", "with",
    )
)  # fmt: skip
MIN_WORD_LENGTH = 2  # a lone letter (the b of "<b>", the s of "U.S.") is no word to look for

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# A run of letters and digits: either Chinese (group 1) or anything else (group 2, a word of
# another script, English in practice; apostrophes inside kept: "China's").
_PIECE = re.compile(rf"([{_HAN}]+)|((?:[^\W_{_HAN}])+(?:'[^\W_{_HAN}]+)*)")
# Words joined by hyphens or full stops: one compound (high-quality, U.S., 3.5), looked for as a
# phrase.
_COMPOUND = re.compile(r"[^\W_]+(?:'[^\W_]+)*(?:[-‐‑–.][^\W_]+(?:'[^\W_]+)*)+")
# What ends a clause: a phrase never runs across it. A full stop only before a blank or the end,
# so that "3.5" and "U.S." stay whole.
_BREAK = re.compile(r"[,;:!?()\[\]{}<>\"，、。；：！？（）《》〈〉【】「」『』]|\.(?!\w)")
_QUOTES = str.maketrans(dict.fromkeys("“”„‟«»〝〞＂", '"') | dict.fromkeys("’‘‛ʼ`´", "'"))
_POSSESSIVE = re.compile(r"'s$")


class _Stemmer(Protocol):
    def stemWord(self, word: str) -> str: ...  # noqa: N802 (snowballstemmer's name)


@cache
def _stemmer() -> _Stemmer:
    import snowballstemmer  # type: ignore[import-untyped]  # ships no type information

    stemmer: _Stemmer = snowballstemmer.stemmer("english")
    return stemmer


@lru_cache(maxsize=20_000)  # the translation's words, and what readers type (bounded)
def stem(word: str) -> str:
    """The stem of a word already lower-cased: `patents` → `patent`, `China's` → `china`."""
    return _stemmer().stemWord(_POSSESSIVE.sub("", word).replace("'", ""))


def _normalized(text: str) -> str:
    """NFKC (full-width letters and quotes → ASCII), casefolded, one kind of quote each."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_QUOTES)


def _pieces(text: str) -> Iterator[tuple[bool, str]]:
    """(is Chinese, run) of each run of letters and digits in a normalized text, in order."""
    for match in _PIECE.finditer(text):
        chinese, word = match.groups()
        yield (True, chinese) if chinese else (False, word)


def stems(text: str) -> list[str]:
    """The stems of an English text in order; "" stands where a clause ends (or Chinese stands),
    so that no phrase is found across it."""
    stream: list[str] = []
    for clause in _BREAK.split(_normalized(text)):
        for chinese, piece in _pieces(clause):
            stream.append("" if chinese else stem(piece))
        stream.append("")
    return stream


@dataclass(frozen=True)
class EnglishQuery:
    """What a query asks for: every word (stem), every phrase (stems in a row) and every Chinese
    fragment (folded) must be found in a passage."""

    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    chinese: tuple[str, ...] = ()
    topic_name: str = ""  # the text without its quotes, as a topic's name

    @property
    def is_english(self) -> bool:
        """Whether it has a word with letters: digits alone (2022) leave a query to the store."""
        looked_for = (*self.words, *(word for phrase in self.phrases for word in phrase))
        return any(char.isalpha() for word in looked_for for char in word)


def _add(
    words: list[str], phrases: list[tuple[str, ...]], english: Sequence[str], quoted: bool
) -> None:
    """One word or a phrase of stems. Unquoted, a lone stop word or letter is dropped, and so is
    a compound of stop words only (and-or)."""
    if len(english) == 1:
        word = english[0]
        if quoted or (word not in STOP_WORDS and len(word) >= MIN_WORD_LENGTH):
            words.append(stem(word))
    elif len(english) > 1 and (quoted or any(word not in STOP_WORDS for word in english)):
        phrases.append(tuple(stem(word) for word in english))


def parse_query(query: str) -> EnglishQuery:
    """`patents "Hague Agreement" high-quality 海牙` → the words, phrases and Chinese it asks
    for. Quotes pair up; an unclosed one quotes to the end (inline mode sees a query typed)."""
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    chinese: list[str] = []
    parts = _normalized(query).split('"')
    for index, part in enumerate(parts):
        if index % 2:  # between quotes
            pieces = list(_pieces(part))
            _add(words, phrases, [p for is_han, p in pieces if not is_han], quoted=True)
            chinese += [fold(p) for is_han, p in pieces if is_han]
            continue
        compounds = [m.group() for m in _COMPOUND.finditer(part)]
        for compound in compounds:
            pieces = list(_pieces(compound))
            _add(words, phrases, [p for is_han, p in pieces if not is_han], quoted=False)
            chinese += [fold(p) for is_han, p in pieces if is_han]
        for is_han, piece in _pieces(_COMPOUND.sub(" ", part)):
            if is_han:
                chinese.append(fold(piece))
            else:
                _add(words, phrases, [piece], quoted=False)
    topic_name = " ".join(" ".join(parts).split())
    return EnglishQuery(
        tuple(dict.fromkeys(words)),
        tuple(dict.fromkeys(phrases)),
        tuple(dict.fromkeys(chinese)),
        topic_name,
    )


@dataclass(frozen=True)
class _Entry:
    passage: Passage
    folded: str  # the Chinese text folded, as the store matches it (content.catalog.fold)
    stems: tuple[str, ...]  # the English translation's stems in order ("" between clauses)


class EnglishIndex:
    """Passages in document order with their translation's stems: a word's occurrences by
    passage, and each passage's stream of stems for phrases."""

    def __init__(self, passages: Iterable[Passage], translation: Translation) -> None:
        self.translation = translation
        self._entries: list[_Entry] = []
        self._postings: dict[str, dict[int, int]] = {}  # stem → passage index → occurrences
        for index, passage in enumerate(passages):
            english = translation.passage(passage.key) or ""
            stream = tuple(stems(english))
            self._entries.append(_Entry(passage, fold(passage.text), stream))
            for word in stream:
                if word:
                    counts = self._postings.setdefault(word, {})
                    counts[index] = counts.get(index, 0) + 1

    def __len__(self) -> int:
        return len(self._entries)

    @classmethod
    async def build(cls, repo: Repository, translation: Translation) -> EnglishIndex | None:
        """The index over the translated document as imported (its passages' ids): the one the
        translation names, else the newest; None before the first import."""
        document = await repo.document_by_slug(translation.document) or (
            await repo.primary_document()
        )
        if document is None:
            return None
        passages = [
            passage_of(row)
            for section in await repo.sections(document.id)
            for row in await repo.passages(section.id)
        ]
        return cls(passages, translation)

    def _phrase_count(self, index: int, phrase: tuple[str, ...]) -> int:
        stream = self._entries[index].stems
        size = len(phrase)
        return sum(
            1 for start in range(len(stream) - size + 1) if stream[start : start + size] == phrase
        )

    def english_matches(self, query: EnglishQuery) -> dict[int, int]:
        """Passage index → occurrences of what the query asks for, for the passages that have
        all of it."""
        scores: dict[int, int] | None = None

        def narrow(counts: dict[int, int]) -> None:
            nonlocal scores
            if scores is None:
                scores = {i: n for i, n in counts.items() if n}
            else:
                scores = {i: n + counts[i] for i, n in scores.items() if counts.get(i)}

        for word in query.words:
            narrow(self._postings.get(word, {}))
        for phrase in query.phrases:
            candidates = set.intersection(*(set(self._postings.get(w, {})) for w in phrase))
            if scores is not None:
                candidates &= scores.keys()
            narrow({i: self._phrase_count(i, phrase) for i in candidates})
        for fragment in query.chinese:
            pool = scores.keys() if scores is not None else range(len(self._entries))
            narrow({i: self._entries[i].folded.count(fragment) for i in pool})
        return scores or {}

    def find(self, catalog: Catalog, query: str, offset: int, limit: int) -> Found | None:
        """A page of passages for an English query, best first, and the total; None for a query
        with no English word (the store answers it, as it always did)."""
        parsed = parse_query(query)
        if not parsed.is_english:
            return None
        scores = self.english_matches(parsed)
        folded, literally = fold(query), False
        for index, entry in enumerate(self._entries):
            literal = entry.folded.count(folded) if folded else 0
            if literal:  # the text as typed, in the Chinese text: as the store would find it
                scores[index] = scores.get(index, 0) + literal
                literally = True
        topic: Topic | None = None
        if not literally:  # as the Chinese search: a topic's name when the text is not found
            topic = catalog.resolve(query) or catalog.resolve(parsed.topic_name)
        if topic is not None:
            for index, entry in enumerate(self._entries):
                if topic.tags_folded(entry.folded):
                    scores.setdefault(index, 0)
        ranked = sorted(scores, key=lambda index: (-scores[index], index))
        passages = tuple(self._entries[i].passage for i in ranked[offset : offset + limit])
        return Found(topic, passages, len(ranked))
