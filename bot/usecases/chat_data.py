"""What the bot keeps about a chat, apart from its Telegram side: forgetting all of it (after /stop
and its confirmation), and the briefings it received (/history, and opening one of them again).

Forgetting removes the subscriptions, the schedule and settings, the reading state, the delivery
ledger and the chat row itself, and the chat leaves the process's memory: its next command or
button starts it afresh, as a chat never seen before. Saved search texts are nobody's (page
buttons of every chat share them) and stay. Who may forget a group's data (its admins) is checked
by the caller."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.briefing import Pick
from bot.services import Services
from bot.store.repository import SentBriefing

HISTORY_LENGTH = 10


async def forget_chat(services: Services, chat_id: int) -> bool:
    """Delete everything kept about the chat; whether there was anything to delete."""
    async with services.store.transaction() as repo:
        known = await repo.delete_chat(chat_id)
    services.chats.forget(chat_id)
    return known


@dataclass(frozen=True)
class PastBriefing:
    """A briefing the chat received: its ledger id (what its /history button carries), the local
    date it was for, and what it quoted. `title` is the quoted document's title; `current` says
    whether the bot still carries that document (its passages can then be shown again)."""

    delivery_id: int
    day: date
    picks: tuple[Pick, ...]
    title: str
    current: bool

    @property
    def section_numbers(self) -> tuple[int, ...]:
        """The sections it quoted, each once, in the order quoted."""
        return tuple(dict.fromkeys(pick.section_number for pick in self.picks))


def _past(services: Services, sent: SentBriefing) -> PastBriefing:
    titles, index = services.index.titles, services.index
    # Any plan the bot still carries (content/'s or imported): its passages are in the index.
    current = sent.payload.document in titles
    title = titles[sent.payload.document if current else index.newest][0]
    picks = sent.payload.located_picks()
    return PastBriefing(sent.delivery_id, sent.local_date, picks, title, current)


async def last_briefings(
    services: Services, chat_id: int, limit: int = HISTORY_LENGTH
) -> tuple[PastBriefing, ...]:
    """The chat's last `limit` briefings that were sent, newest first."""
    async with services.store.transaction() as repo:
        sent = await repo.sent_briefings(chat_id, limit)
    return tuple(_past(services, briefing) for briefing in sent)


async def past_briefing(services: Services, chat_id: int, delivery_id: int) -> PastBriefing | None:
    """One of the chat's sent briefings by its ledger id; None for an id that is not one (another
    chat's, not sent, forged, or deleted since)."""
    async with services.store.transaction() as repo:
        sent = await repo.sent_briefings(chat_id, 1, delivery_id=delivery_id)
    return _past(services, sent[0]) if sent else None
