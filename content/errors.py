"""The one error content loading raises."""


class ContentError(ValueError):
    """A content file is missing or malformed; the message names the file."""
