"""Usernames that cannot pass for someone else's.

A name may use letters of one script (or of scripts written together: Latin with Han, Hiragana,
Katakana, Hangul or Bopomofo, Unicode's "highly restrictive" profile, UTS #39), so a Cyrillic "а"
cannot hide inside "аlice". A name written entirely in look-alike letters of another script
("аlісе", all Cyrillic) is refused when it reads as a name that already exists.
"""

from __future__ import annotations

import unicodedata

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

# Scripts that are written together; any other mix is refused.
_SCRIPT_SETS = (
    frozenset({"LATIN", "CJK", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "CJK", "BOPOMOFO"}),
    frozenset({"LATIN", "CJK", "HANGUL"}),
)

# Cyrillic and Greek letters that look like Latin ones, after casefold (so capitals count too:
# Cyrillic "В" folds to "в", read as "b").
_LOOKS_LATIN = str.maketrans(
    {
        **dict(zip("аеорсухіјѕԁһӏԛԝвкмнт", "aeopcyxijsdhlqwbkmht")),  # Cyrillic
        **dict(zip("αεινκοπρτυχ", "aeivkonptux")),  # Greek
    }
)


def _script(char: str) -> str:
    # The first word of a letter's Unicode name is its script: LATIN, CYRILLIC, GREEK, CJK, ...
    return unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]


def mixes_scripts(name: str) -> bool:
    scripts = {_script(char) for char in unicodedata.normalize("NFKC", name) if char.isalpha()}
    return len(scripts) > 1 and not any(scripts <= allowed for allowed in _SCRIPT_SETS)


def looks_like(name: str) -> str:
    """The Latin name a name of look-alike letters would be read as."""
    return unicodedata.normalize("NFKC", name).casefold().translate(_LOOKS_LATIN)


def validate_username(name: str) -> None:
    """Raises ValidationError for a name that mixes scripts or reads as an existing user's."""
    if mixes_scripts(name):
        raise ValidationError(
            "Use letters of one alphabet: this name mixes alphabets, so it could pass for another.",
            code="mixed_scripts",
        )
    reads_as = looks_like(name)
    if reads_as != unicodedata.normalize("NFKC", name).casefold():
        if get_user_model().objects.filter(username__iexact=reads_as).exists():
            raise ValidationError("That username is taken.", code="confusable")
