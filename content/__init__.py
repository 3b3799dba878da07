"""Everything about the documents and nothing about Telegram: files in, plain Python objects out."""
