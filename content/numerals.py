"""Chinese numerals as the work plans use them for section numbers (一 … 十九)."""

_DIGITS = "〇一二三四五六七八九"


def to_chinese_numeral(number: int) -> str:
    """Write 0–99 the way section headings do: 四, 十, 十二, 二十一."""
    if not 0 <= number <= 99:
        raise ValueError(f"section numbers run from 0 to 99, not {number}")
    if number < 10:
        return _DIGITS[number]
    tens, units = divmod(number, 10)
    prefix = "" if tens == 1 else _DIGITS[tens]
    return prefix + "十" + (_DIGITS[units] if units else "")


def parse_chinese_numeral(text: str) -> int | None:
    """The inverse of `to_chinese_numeral`; None for anything that is not such a numeral."""
    text = text.replace("零", "〇")
    if not text or any(ch not in _DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return _DIGITS.index(text) if len(text) == 1 else None
    head, _, tail = text.partition("十")
    if "十" in tail or len(head) > 1 or len(tail) > 1 or head == "〇" or tail == "〇":
        return None
    tens = _DIGITS.index(head) if head else 1
    units = _DIGITS.index(tail) if tail else 0
    return tens * 10 + units
