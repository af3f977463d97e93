"""Cursor pagination, the one convention for every list endpoint: ``?limit=&cursor=``.

``limit`` is 1-200 (default 50); lists that people read newest first also take
``?order=desc``. The response carries ``items`` and ``next_cursor`` (absent or
null on the last page); pass it back as ``cursor`` for the next page. Cursors are opaque to
clients and stable under concurrent inserts: the last row's ``created_at`` (microseconds since
1970) and ``id`` (hex), ``<micros>_<hex>``. The schema states that format as a pattern
(:data:`CURSOR_PATTERN`; empty means the first page), and every string matching it is a position
the server accepts, so the schema admits exactly what the server does; anything else answers 400.
Declare the page type per resource so the OpenAPI schema is concrete, and take :data:`Limit` and
:data:`Cursor`::

    class MemberPage(msgspec.Struct):
        items: list[MemberOut]
        next_cursor: str | None = None

    def list_members(self, db_session: TenantSession, limit: int | None = Limit,
                     cursor: str | None = Cursor) -> MemberPage:
        rows, next_cursor = paginate(db_session, select(Membership), Membership, limit, cursor)
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any, TypeVar

from litestar.params import Parameter
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import Session

from autonomos.server.db.base import as_utc
from autonomos.server.errors import Problem

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# 17 digits of microseconds reach the year 5138, inside what datetime holds: any match decodes.
# The empty string is the first page, as no cursor is.
_CURSOR_RE = re.compile(r"[0-9]{1,17}_[0-9a-f]{32}")
CURSOR_PATTERN = f"^({_CURSOR_RE.pattern})?$"
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
_MICROSECOND = dt.timedelta(microseconds=1)
T = TypeVar("T")

Limit = Parameter(query="limit", ge=1, le=MAX_LIMIT, required=False,
                  description=f"page size (1-{MAX_LIMIT}, default {DEFAULT_LIMIT})")
# The pattern is documented, not enforced by Litestar, so that a bad cursor answers 400 (decode_cursor), as always.
Cursor = Parameter(query="cursor", required=False, description="next_cursor of the previous page",
                   schema_extra={"pattern": CURSOR_PATTERN})


def encode_cursor(created_at: dt.datetime, row_id: uuid.UUID) -> str:
    micros = (as_utc(created_at) - _EPOCH) // _MICROSECOND  # type: ignore[operator]
    return f"{micros}_{row_id.hex}"


def decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    if not _CURSOR_RE.fullmatch(cursor):
        raise Problem(400, "cursor: not a cursor this API issued", slug="validation", title="Invalid cursor")
    micros, row_hex = cursor.split("_")
    return _EPOCH + int(micros) * _MICROSECOND, uuid.UUID(hex=row_hex)


def paginate(session: Session, stmt: Select[Any], model: type[T], limit: int | None, cursor: str | None,
             newest_first: bool = False) -> tuple[list[T], str | None]:
    """Rows of ``stmt`` ordered by (created_at, id) after ``cursor``, and the next cursor.
    ``newest_first`` walks the same order backwards (a cursor belongs to the order it came from)."""
    limit = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= limit <= MAX_LIMIT:
        raise Problem(400, f"limit: must be between 1 and {MAX_LIMIT}", slug="validation", title="Invalid limit")
    created_col, id_col = model.created_at, model.id  # type: ignore[attr-defined]
    if cursor:
        created, row_id = decode_cursor(cursor)
        if newest_first:
            stmt = stmt.where(or_(created_col < created, and_(created_col == created, id_col < row_id)))
        else:
            stmt = stmt.where(or_(created_col > created, and_(created_col == created, id_col > row_id)))
    order = (created_col.desc(), id_col.desc()) if newest_first else (created_col, id_col)
    rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor(last.created_at, last.id)  # type: ignore[attr-defined]
