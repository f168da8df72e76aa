"""One of the acting user's rows, by an id a client sent: every door's "not found" in one place."""

from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Model, QuerySet

from .errors import NotFoundError

M = TypeVar("M", bound=Model)


def row_id(raw: object) -> int | None:
    """An id as a positive int, or None for anything that cannot name a row ("7" yes; 7.5, True no)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        pk = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        pk = int(raw.strip())
    elif isinstance(raw, float) and raw.is_integer():
        pk = int(raw)
    else:
        return None
    # Beyond a 64-bit key nothing can match; PostgreSQL would reject the query outright.
    return pk if 0 < pk < 2**63 else None


def owned_row(rows: QuerySet[M], *, user: AbstractBaseUser, raw_id: object, missing: type[NotFoundError]) -> M:
    """The user's row with this id. Missing, someone else's and not-an-id are all `missing(raw_id)`:
    the caller cannot tell which."""
    pk = row_id(raw_id)
    row = rows.filter(owner_id=user.pk, pk=pk).first() if pk is not None else None
    if row is None:
        raise missing(raw_id)  # type: ignore[call-arg]
    return row
