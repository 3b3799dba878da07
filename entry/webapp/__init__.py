"""The reading view (a Telegram Mini App): its HTTP side (server.py: the page and its API on our
aiohttp server) and the chat's menu button (menu.py). The page itself is static/: plain HTML,
CSS and JavaScript, no build step."""
