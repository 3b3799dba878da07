# The bot in a slim image: non-root, the SQLite database (if used) on a volume at /data.
# Build: docker build -t policy-briefing-bot .   Run: see compose.yaml and README (Deployment).
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MPLCONFIGDIR=/app/.matplotlib \
    DATABASE_URL=sqlite+aiosqlite:////data/briefing.sqlite3

# fonts-noto-cjk: the /stats chart's Chinese labels ("Noto Sans CJK SC"); without it they fall
# back to English.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY bot ./bot
COPY handlers ./handlers
COPY entry ./entry
COPY content ./content
COPY run_bot.py ./
RUN pip install -c constraints.txt . \
    && python -m compileall -q bot entry handlers content run_bot.py \
    && python -c "import matplotlib.font_manager" \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin bot \
    && mkdir -p /data && chown bot:bot /data && chown -R bot:bot /app/.matplotlib

USER bot
VOLUME ["/data"]
# Webhook mode listens here (WEBHOOK_PORT); polling mode serves only /healthz, on HEALTH_PORT.
ENV HEALTH_PORT=8081
EXPOSE 8080
# /healthz: the webhook port in webhook mode (WEBHOOK_URL set in the environment), HEALTH_PORT
# otherwise; healthy on 200 (the database answers), unhealthy on 503, no answer or none in 5 s.
# The start period covers migrations and waiting for Telegram at start (no /healthz until then).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request as u\ne = os.environ.get\nport = e('WEBHOOK_PORT', '8080') if e('WEBHOOK_URL') else e('HEALTH_PORT')\ntry:\n    ok = bool(port) and u.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4).status == 200\nexcept Exception:\n    ok = False\nsys.exit(0 if ok else 1)"]
CMD ["python", "run_bot.py"]
