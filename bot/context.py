"""The typed context every handler and job receives (python-telegram-bot's `context_types`):
the shared services, the chat resolved for this update, and the one admin check."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import Application, CallbackContext, ExtBot

from bot.services import ChatView, Services

ADMIN_STATUSES = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR}


class BotData:
    """The Application's bot_data. Empty until post_init attaches the services."""

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are not open: post_init has not run")
        return self._services

    @property
    def is_open(self) -> bool:
        return self._services is not None

    def attach(self, services: Services) -> None:
        self._services = services

    def detach(self) -> Services | None:
        services, self._services = self._services, None
        return services


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotData]):
    """python-telegram-bot builds one context per update and hands it to every handler group, so
    what the resolver (group −1) puts here is what every handler of the update sees."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self._chat: ChatView | None = None
        self._update: Update | None = None
        self._may_change_settings: bool | None = None

    @property
    def services(self) -> Services:
        return self.bot_data.services

    @property
    def chat(self) -> ChatView:
        """The chat of this update, as resolved before any handler ran."""
        if self._chat is None:
            raise RuntimeError("the chat was not resolved: is the resolver registered?")
        return self._chat

    def resolved(self, update: Update, chat: ChatView) -> None:
        self._update, self._chat = update, chat
        self._may_change_settings = None

    async def may_change_settings(self) -> bool:
        """In a private chat, the user; in a group, only its admins (and its anonymous admins,
        whose messages come from the group itself). Asked of Telegram at most once per update,
        and only by the updates that change something: getChatMember counts against the group's
        20-a-minute limit."""
        if self._may_change_settings is None:
            self._may_change_settings = await self._ask_standing()
        return self._may_change_settings

    async def _ask_standing(self) -> bool:
        update = self._update
        if update is None:
            return False
        chat = update.effective_chat
        if chat is None or chat.type == ChatType.PRIVATE:
            return True
        message = update.effective_message
        if update.message is not None and message is not None and message.sender_chat is not None:
            return message.sender_chat.id == chat.id
        user = update.effective_user
        if user is None:
            return False
        member = await self.bot.get_chat_member(chat.id, user.id)
        return member.status in ADMIN_STATUSES
