"""/documents and /compare as replies: the list of plans (a button each, opening its contents)
and a comparison on a topic, grouped new / dropped / carried over. English chats read the labels
in English and each passage as its translation exists (the original collapsed beneath)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import render
from bot.callbacks import Action, Callback
from bot.compare import Carried, Passage
from bot.context import BotContext
from bot.i18n import Html, escape
from bot.replies.answering import echo
from bot.replies.reading import Reply
from bot.usecases import library
from bot.usecases.library import CompareAnswer, Compared, OnlyOnePlan, UnknownPlans

BUTTON_TITLE = 20  # characters of a title on a /documents button


def documents_reply(context: BotContext, entries: tuple[library.DocumentEntry, ...]) -> Reply:
    translate, language = context.services.translate, context.chat.language
    if not entries:
        return translate(language, "documents.none"), None
    lines = [translate(language, "documents.header", count=len(entries))]
    rows = []
    for number, entry in enumerate(entries, start=1):
        document = entry.document
        title = document.title_en if language == render.ENGLISH and document.title_en else None
        lines.append(
            translate(
                language,
                "documents.entry",
                number=number,
                title=title or document.title,
                published=document.published.isoformat(),
                sections=entry.sections,
                passages=entry.passages,
            )
        )
        shown = title or document.title
        label = translate.plain(
            language,
            "documents.button",
            year=document.published.year,
            title=shown if len(shown) <= BUTTON_TITLE else shown[: BUTTON_TITLE - 1] + "…",
        )
        rows.append([InlineKeyboardButton(label, callback_data=_open(entry.key))])
    return Html("\n\n".join(lines)), InlineKeyboardMarkup(rows)


def _open(key: str) -> str:
    return Callback(Action.OPEN_DOCUMENT, key).encode()


def compare_reply(context: BotContext, answer: CompareAnswer | None, query: str) -> Reply:
    """What /compare answers, in the chat's language."""
    translate, language = context.services.translate, context.chat.language
    if answer is None:
        return translate(language, "section.no_content"), None
    if isinstance(answer, OnlyOnePlan):
        return translate(language, "compare.only_one", title=answer.document.title), None
    if isinstance(answer, UnknownPlans):
        example = " ".join(answer.names[:2][::-1])
        if len(set(answer.asked)) == len(answer.asked):  # a name no plan has
            text = translate(
                language,
                "compare.unknown_plan",
                asked=echo(" ".join(answer.asked)),
                names=", ".join(answer.names),
                example=example,
            )
        else:
            text = translate(language, "compare.same_plan", example=example)
        return text, None
    if isinstance(answer, library.UnknownTopic):
        text = translate(language, "compare.unknown_topic", query=echo(answer.query or query))
        near = ", ".join(topic.name(language) for topic in answer.near)
        if near:
            text = Html(f"{text}\n{translate(language, 'topic.suggest', names=near)}")
        return text, None
    return _compared(context, answer), None


def _compared(context: BotContext, answer: Compared) -> Html:
    translate, language = context.services.translate, context.chat.language
    english = language == render.ENGLISH
    older, newer, comparison = answer.older, answer.newer, answer.comparison
    years = {"older_year": older.published.year, "newer_year": newer.published.year}
    topic = answer.topic.name(language) if answer.topic is not None else answer.keyword
    header = translate(
        language,
        "compare.header",
        topic=topic,
        newer=newer.title_en if english and newer.title_en else newer.title,
        older=older.title_en if english and older.title_en else older.title,
        new=len(comparison.new),
        dropped=len(comparison.dropped),
        carried=len(comparison.carried),
        **years,
    )
    items: list[render.Quoted] = []

    def quoted(heading: str, slug: str, passage: Passage, note: str = "",
               older_text: str | None = None) -> render.Quoted:  # fmt: skip
        reference = render.section_reference(translate, language, passage.section_number)
        lead = f"{heading}\n" if heading else ""
        lead += f"{escape(reference)}{note} · "
        translation = context.services.translation_of(slug) if english else None
        text = render.english_of(translation, passage.key) if english else None
        if text is not None:
            return render.Quoted(lead, text, passage.text)
        return render.Quoted(lead, passage.text, older_text)

    groups: list[tuple[str, str, tuple[Passage, ...]]] = [
        (translate(language, "compare.new", **years), newer.slug, comparison.new),
        (translate(language, "compare.dropped", **years), older.slug, comparison.dropped),
    ]
    for heading, slug, passages in groups:
        for position, passage in enumerate(passages):
            items.append(quoted(heading if position == 0 else "", slug, passage))
    carried_heading = translate(language, "compare.carried")
    for position, pair in enumerate(comparison.carried):
        items.append(
            quoted(
                carried_heading if position == 0 else "",
                newer.slug,
                pair.newer,
                " " + _carried_note(context, pair, older.published.year),
                None if pair.identical or english else pair.older.text,
            )
        )
    method = translate(language, "compare.method", threshold=answer.threshold)
    return render.fitted(header, items, tail=[method])


def _carried_note(context: BotContext, pair: Carried, older_year: int) -> str:
    translate, language = context.services.translate, context.chat.language
    if pair.identical:
        return translate(language, "compare.identical")
    percent = round(pair.similarity * 100)
    return translate(language, "compare.reworded", percent=percent, older_year=older_year)
