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
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY entry ./entry
COPY content ./content
COPY run_bot.py ./
RUN pip install . \
    && python -m compileall -q bot entry handlers content run_bot.py \
    && python -c "import matplotlib.font_manager" \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin bot \
    && mkdir -p /data && chown bot:bot /data && chown -R bot:bot /app/.matplotlib

USER bot
VOLUME ["/data"]
# Webhook mode listens here (WEBHOOK_PORT); polling mode needs no port.
EXPOSE 8080
CMD ["python", "run_bot.py"]
