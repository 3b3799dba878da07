"""How handlers answer, whatever the command: quoting a user's words back, editing a message in
place, and keeping an answer in the forum topic it was asked in."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

ECHO_LIMIT = 24


def echo(argument: str) -> str:
    """Quote a user's argument back, short: 500 emoji must not become a 4 KB answer."""
    flat = " ".join(argument.split())
    return flat if len(flat) <= ECHO_LIMIT else flat[: ECHO_LIMIT - 1] + "…"


async def edit_in_place(
    query: CallbackQuery, text: str | None, keyboard: InlineKeyboardMarkup | None
) -> None:
    """Edit the button's message (text and keyboard, or the keyboard alone when text is None).

    A button tapped twice asks for what the message already shows, which Telegram refuses with
    "message is not modified": that is success, not an error."""
    try:
        if text is None:
            await query.edit_message_reply_markup(keyboard)
        else:
            await query.edit_message_text(text, reply_markup=keyboard)
    except BadRequest as exc:
        reason = exc.message.lower()
        if "not modified" in reason:
            return
        # Deleted, or too old to edit: the answer comes as a new message instead.
        gone = "message to edit not found" in reason or "can't be edited" in reason
        if not gone or text is None or not isinstance(query.message, Message):
            raise
        await query.message.chat.send_message(
            text, reply_markup=keyboard, message_thread_id=thread_of(query.message)
        )


def thread_of(message: object) -> int | None:
    """The forum topic a message was in, so that answers go to the same topic."""
    if isinstance(message, Message) and message.is_topic_message:
        return message.message_thread_id
    return None
