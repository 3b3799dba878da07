"""/start (the welcome, and deep links such as `section_4`) and /help.

The welcome says what the bot reads, when the chat's daily briefing comes (its own time and zone,
or that it is paused) and how to stop it. In a private chat it carries the group welcome's setup
buttons (bot/replies/welcome.py): pick topics, keep the time or choose another. In groups those
buttons are handlers/membership.py's; in private chats they are answered here, so that the
welcome they sit under stays the private one.

/help lists the chat's menu (the tuples of the `handlers` package, so a command added there is
listed at once) under four headings, marks in groups the commands that need an admin, and
`/help NAME` explains one command with examples (`help.about.<name>` in the catalogues)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

import handlers  # the menu; this module is imported by the package, so read it at call time
from bot.callbacks import Action, parse_callback, pattern
from bot.context import BotContext
from bot.i18n import DEFAULT_LANGUAGE, Html, Translator
from bot.replies.answering import echo, edit_in_place
from bot.replies.briefing_settings import change_answer, days_label
from bot.replies.catalogue import topic_confirmation, topics_reply
from bot.replies.reading import Reply, contents_reply, section_place, section_reply
from bot.replies.webapp_buttons import with_reading_view
from bot.replies.welcome import TOPICS, chosen_time, setup_keyboard
from bot.usecases import briefing_settings, reading
from bot.usecases.briefing_settings import Outcome

SECTION_PAYLOAD = "section_"
TOPIC_PAYLOAD = "topic_"

# /help's headings, in order, and the commands under each but the first, in the order listed;
# any other command follows them in the menu's order, under "reading" when everyone has it
# (handlers.READING), else under "briefing".
HEADINGS = ("reading", "topics", "briefing", "language")
_TOPICS = ("topics", "topic", "subscribe", "unsubscribe", "mysubs")
_BRIEFING: tuple[str, ...] = ("today", "settings", "settime", "timezone", "pause", "resume")
_BRIEFING += ("quiet", "items", "days", "stop", "history")
_HEADING_OF = {
    **dict.fromkeys(_TOPICS, "topics"),
    **dict.fromkeys(_BRIEFING, "briefing"),
    "lang": "language",
}
OPEN_TO_ALL = frozenset({"settings"})  # in the admins' menu, but anyone may look at it


# --- /start --------------------------------------------------------------------------------------


def _welcome_text(context: BotContext, welcome: reading.Welcome) -> Html:
    translate, language = context.services.translate, context.chat.language
    document = welcome.document
    if document is None:
        return translate(language, "section.no_content")
    key = "start.briefing_paused" if welcome.paused else "start.briefing"
    days = days_label(translate, language, welcome.weekdays)
    briefing = translate(language, key, days=days, time=welcome.time, timezone=welcome.timezone)
    if context.chat.private:  # the setup buttons are under it
        briefing = Html(f"{briefing}\n{translate(language, 'start.setup')}")
    return translate(
        language,
        "start.welcome",
        title=document.title,
        title_en=document.title_en,
        published=document.published.isoformat(),
        briefing=briefing,
    )


def _welcome_reply(context: BotContext, welcome: reading.Welcome) -> Reply:
    """The welcome; in a private chat with the setup buttons (once there is content to read)."""
    text = _welcome_text(context, welcome)
    if not context.chat.private or welcome.document is None:
        return text, None
    return text, setup_keyboard(context.services.translate, context.chat.language, welcome.time)


async def _welcome(context: BotContext, payload: str) -> list[Reply]:
    """The welcome; after a deep link we do not know (old, or mistyped), the contents too."""
    chat_id = context.chat.id
    assert chat_id is not None
    replies = [_welcome_reply(context, await reading.welcome(context.services, chat_id))]
    if payload:
        text, keyboard = await contents_reply(context)
        note = context.services.translate(context.chat.language, "start.unknown_payload")
        replies.append((Html(f"{note}\n\n{text}"), keyboard))
    return replies


async def start_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    payload = context.args[0] if context.args else ""
    question = None  # subscribing takes a tap: a topic link alone changes nothing
    if payload.startswith(TOPIC_PAYLOAD):
        question = await topic_confirmation(context, payload[len(TOPIC_PAYLOAD) :])
    replies: list[Reply]
    if payload.startswith(SECTION_PAYLOAD):
        replies = [await section_reply(context, payload[len(SECTION_PAYLOAD) :])]
    elif question is not None:
        replies = [question]
    else:
        replies = await _welcome(context, payload)
    opened = payload[len(SECTION_PAYLOAD) :] if payload.startswith(SECTION_PAYLOAD) else ""
    document, section = await section_place(context, opened) if opened else ("", None)
    for text, keyboard in replies:
        markup = with_reading_view(context, keyboard, section, document)
        await message.reply_text(text, reply_markup=markup)


async def private_setup_button(update: Update, context: BotContext) -> None:
    """The private welcome's buttons: the topic catalogue as a new message, or the briefing's
    time, after which the welcome shows the new time and what changed."""
    query, chat_id = update.callback_query, context.chat.id
    assert query is not None
    services, language = context.services, context.chat.language
    callback = parse_callback(query.data)
    argument = callback.argument if callback else ""
    wanted = chosen_time(argument)
    if chat_id is None or (argument != TOPICS and wanted is None):
        await query.answer(services.translate.plain(language, "callback.expired"))
        return
    if wanted is None:  # the topics
        catalogue, buttons = await topics_reply(context)
        await query.answer()
        await context.bot.send_message(chat_id, catalogue, reply_markup=buttons)
        return
    change = await briefing_settings.set_time(services, chat_id, wanted, None)
    if change.outcome is not Outcome.TIME_SET:  # forged: not a time
        await query.answer(services.translate.plain(language, "callback.expired"))
        return
    welcome, keyboard = _welcome_reply(context, await reading.welcome(services, chat_id))
    answer = change_answer(services.translate, language, change)
    await query.answer()
    await edit_in_place(query, Html(f"{welcome}\n\n{answer}"), keyboard)


class _InPrivateChats(CallbackQueryHandler[BotContext, None]):
    """Buttons of a private chat only: the same buttons in a group are another module's."""

    def check_update(self, update: object) -> bool | object | None:
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None or chat.type != ChatType.PRIVATE:
            return False
        return super().check_update(update)


# --- /help ---------------------------------------------------------------------------------------


def _menu(context: BotContext) -> tuple[tuple[str, ...], frozenset[str]]:
    """The commands of this chat's menu, and those of them only its admins may use."""
    if context.chat.private:
        return handlers.MENU, frozenset()
    return handlers.READING + handlers.SETTINGS, frozenset(handlers.SETTINGS) - OPEN_TO_ALL


def heading_of(name: str) -> str:
    return _HEADING_OF.get(name, "reading" if name in handlers.READING else "briefing")


def _in_help_order(names: tuple[str, ...]) -> list[str]:
    listed = list(_HEADING_OF)
    return sorted(names, key=lambda n: listed.index(n) if n in listed else len(listed))


def _has(translate: Translator, language: str, key: str) -> bool:
    return key in translate.catalogues.get(language, {}) or (
        key in translate.catalogues[DEFAULT_LANGUAGE]
    )


def about(translate: Translator, language: str, name: str, facts: dict[str, object]) -> Html:
    """`help.about.<name>`: its first line is the command's line in /help, the rest its usage
    and examples. A command without one (just added) is its menu description."""
    key = f"help.about.{name}"
    if _has(translate, language, key):
        return translate(language, key, **facts)
    description = translate.plain(language, f"menu.{name}")
    return translate(language, "help.line", name=name, description=description)


def _listing(context: BotContext, facts: dict[str, object]) -> Html:
    translate, language = context.services.translate, context.chat.language
    names, for_admins = _menu(context)
    parts: list[str] = [translate(language, "help.title")]
    if for_admins:
        parts[0] = Html(f"{parts[0]}\n{translate(language, 'help.group_note')}")
    for heading in HEADINGS:
        lines = []
        for name in _in_help_order(names):
            if heading_of(name) != heading:
                continue
            line = about(translate, language, name, facts).split("\n", 1)[0]
            if name in for_admins:
                line += translate(language, "help.admins")
            lines.append(line)
        if lines:
            parts.append("\n".join([translate(language, f"help.heading.{heading}"), *lines]))
    parts.append(
        f"{translate(language, 'help.more')}\n{translate(language, 'help.inline', **facts)}"
    )
    return Html("\n\n".join(parts))


def _asked(argument: str) -> str:
    """`subscribe`, `/subscribe`, `/Subscribe@our_bot` → `subscribe`."""
    return argument.strip().lstrip("/").partition("@")[0].lower()


async def help_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    translate, language = context.services.translate, context.chat.language
    help_facts = await reading.help_facts(context.services)
    facts: dict[str, object] = {
        "last": help_facts.last_section,
        "max_subscriptions": help_facts.max_subscriptions,
        "min_keyword": help_facts.min_keyword_length,
        "max_keyword": help_facts.max_keyword_length,
        "bot": context.bot.username,
    }
    if not context.args:
        await message.reply_text(_listing(context, facts))
        return
    names, for_admins = _menu(context)
    name = _asked(context.args[0])
    if name not in names:
        unknown = translate(language, "help.unknown", name=echo(context.args[0].lstrip("/")))
        await message.reply_text(Html(f"{unknown}\n\n{_listing(context, facts)}"))
        return
    text = about(translate, language, name, facts)
    if name in for_admins:
        text = Html(f"{text}\n{translate(language, 'help.admins_note')}")
    await message.reply_text(text)


def build_handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    return [
        CommandHandler("start", start_command),
        CommandHandler("help", help_command),
        _InPrivateChats(private_setup_button, pattern=pattern(Action.ONBOARDING)),
    ]
