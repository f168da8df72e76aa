"""What text the database can store, checked once for every way text comes in."""


def encodes_as_utf8(text: str) -> bool:
    """False for text with a lone UTF-16 surrogate such as "\\ud800": JSON can carry one, but it
    has no UTF-8 encoding, so PostgreSQL cannot store it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def storable(text: str) -> bool:
    """Whether a text column can hold it: valid UTF-8 and no NUL character (PostgreSQL refuses NUL)."""
    return "\x00" not in text and encodes_as_utf8(text)
