"""Cursor pagination, the one convention for every list endpoint: ``?limit=&cursor=``.

``limit`` is 1-200 (default 50); lists that people read newest first also take
``?order=desc``. The response carries ``items`` and ``next_cursor`` (absent or
null on the last page); pass it back as ``cursor`` for the next page. Cursors are opaque
(base64 of the last row's ``created_at`` and ``id``), stable under concurrent inserts, and
refused with 400 when tampered with. Declare the page type per resource so the OpenAPI schema is
concrete::

    class MemberPage(msgspec.Struct):
        items: list[MemberOut]
        next_cursor: str | None = None

    rows, next_cursor = paginate(db_session, select(Membership), Membership, limit, cursor)
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import Session

from autonomos.server.db.base import as_utc
from autonomos.server.errors import Problem

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
T = TypeVar("T")


def encode_cursor(created_at: dt.datetime, row_id: uuid.UUID) -> str:
    raw = json.dumps([as_utc(created_at).isoformat(), str(row_id)]).encode()  # type: ignore[union-attr]
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, row_id = json.loads(raw)
        return dt.datetime.fromisoformat(created), uuid.UUID(row_id)
    except (ValueError, TypeError) as exc:
        raise Problem(400, f"cursor: not a cursor this API issued ({exc.__class__.__name__})", slug="validation",
                      title="Invalid cursor") from None


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
