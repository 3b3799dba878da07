"""The Telegram side of the policy-briefing bot: settings, store, rendering, application wiring."""
