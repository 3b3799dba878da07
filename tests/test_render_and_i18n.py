"""Rendering limits (4096 characters, 64-byte callback data), escaping, and the catalogues."""

from __future__ import annotations

import pytest

from bot import callbacks, render
from bot.i18n import LANGUAGES, Html, Translator, language_for
from bot.store.repository import SectionView
from entry.standin import TelegramRefusal, parse_telegram_html


@pytest.fixture(scope="module")
def translate() -> Translator:
    return Translator.load()


def test_catalogues_have_the_same_keys_and_placeholders(translate: Translator) -> None:
    zh, en = (translate.catalogues[language] for language in LANGUAGES)
    assert zh.keys() == en.keys()
    # A language may leave out a detail (第四部分 / Section 4; the English title), nothing else.
    optional = {"numeral", "number", "title_en"}
    for key in zh:
        difference = translate.placeholders("zh", key) ^ translate.placeholders("en", key)
        assert difference <= optional, key


def test_every_catalogue_string_is_valid_telegram_html(translate: Translator) -> None:
    for language in LANGUAGES:
        for key in translate.catalogues[language]:
            names = translate.placeholders(language, key)
            text = translate(language, key, **dict.fromkeys(names, "x<&>"))
            parse_telegram_html(text)


def test_values_are_escaped_unless_marked_html(translate: Translator) -> None:
    text = translate("zh", "section.not_understood", argument="<b>&", last=8)
    assert "&lt;b&gt;&amp;" in text
    assert translate("zh", "section.full_text_header", label=Html("<i>x</i>")).count("<i>") == 1


@pytest.mark.parametrize(
    ("code", "language"),
    [
        (None, "zh"),
        ("zh-hans", "zh"),
        ("zh-TW", "zh"),
        ("en", "en"),
        ("en-GB", "en"),
        ("de", "en"),
        ("ja", "en"),
    ],
)
def test_client_language_picks_a_catalogue(code: str | None, language: str) -> None:
    assert language_for(code) == language


def _section(body: str) -> SectionView:
    return SectionView(
        number=3, heading="标题。", heading_en="", body=body, summary_zh=(), summary_en=()
    )


def test_long_sections_split_at_sentence_boundaries_under_the_limit(translate: Translator) -> None:
    sentences = [f"第{i}句<话>&，" + "长" * 300 + "。" for i in range(40)]
    messages = render.full_text(translate, "zh", _section("".join(sentences)), sentences)
    assert len(messages) > 3
    shown = []
    for message in messages:
        plain = parse_telegram_html(message)
        assert len(plain) <= render.MESSAGE_LIMIT
        shown.append(plain.split("\n", 2)[2])
    assert "".join(shown).replace("\n", "") == "".join(sentences)  # paragraphs: blank lines
    assert "（1/" in messages[0]


def test_a_single_huge_sentence_is_cut_without_breaking_entities(translate: Translator) -> None:
    sentence = "&" * 9000 + "。"
    messages = render.full_text(translate, "en", _section(sentence), [sentence])
    assert len(messages) == 3
    bodies = (parse_telegram_html(m).split("\n", 2)[2].lstrip("\n") for m in messages)
    assert "".join(bodies) == sentence


def test_callback_data_is_bounded_and_parsed_back() -> None:
    assert callbacks.Callback("sec", "4").encode() == "sec:4"
    with pytest.raises(ValueError, match="64 bytes"):
        callbacks.Callback("sec", "x" * 64).encode()
    assert callbacks.parse_callback("sec:4") == callbacks.Callback("sec", "4")
    for forged in (None, "", "nocolon", "x" * 65):
        assert callbacks.parse_callback(forged) is None
    assert callbacks.section_number_argument(callbacks.Callback("sec", "٤")) is None


@pytest.mark.parametrize(
    "bad",
    [
        "<b>x",
        "x</b>",
        "<script>x</script>",
        "a < b",
        "a & b",
        "&nbsp;",
        "<span>x</span>",
        "<a>x</a>",
        "<b><i>x</b></i>",
    ],
)
def test_the_stand_in_refuses_html_telegram_refuses(bad: str) -> None:
    with pytest.raises(TelegramRefusal) as refusal:
        parse_telegram_html(bad)
    assert refusal.value.status == 400


def test_the_stand_in_reads_valid_html_as_telegram_shows_it() -> None:
    assert parse_telegram_html('<b>a</b> &lt;&amp;&gt; <a href="u">l</a> &#20013;') == "a <&> l 中"
