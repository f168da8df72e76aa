"""What text the database can store, checked once for every way text comes in."""

import json


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


# No request body or websocket frame of ours nests beyond a few levels; a deeper one is an attack
# (thousands of "[" make the parser recurse until RecursionError, a 500 or a dead socket).
MAX_JSON_DEPTH = 32


def json_loads_bounded(text: str | bytes, **kwargs) -> object:
    """json.loads that refuses nesting deeper than MAX_JSON_DEPTH with a ValueError, as it
    refuses malformed JSON, instead of recursing until RecursionError."""
    try:
        data = json.loads(text, **kwargs)
    except RecursionError:
        raise ValueError(f"nested too deeply (more than {MAX_JSON_DEPTH} levels)") from None
    pending = [(data, 1)]
    while pending:  # iterative: a depth check must not recurse either
        value, depth = pending.pop()
        if isinstance(value, (dict, list)):
            if depth > MAX_JSON_DEPTH:
                raise ValueError(f"nested too deeply (more than {MAX_JSON_DEPTH} levels)")
            children = value.values() if isinstance(value, dict) else value
            pending.extend((child, depth + 1) for child in children)
    return data
