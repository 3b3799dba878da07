"""The application layer: every rule that is not about Telegram, one module per thing a reader
or the owner does (chats, subscriptions, briefing settings, reading, owner tools).

Handlers parse an update, call one of these, render what it returns and reply. These functions
open the store's transaction, apply the rules (limits, keyword rules, default schedules, what
/today plans) and return plain data; they never see a Telegram object, and the transaction is
closed by the time they return, so no Telegram call is ever made while the store is held."""
