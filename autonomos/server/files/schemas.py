"""Bodies of ``/api/v1/files``."""

from __future__ import annotations

import datetime as dt

import msgspec


class FileOut(msgspec.Struct):
    """A file in the organization's files folder. ``path`` is what a ``files`` source's
    ``config.path`` takes to read it."""

    name: str
    size: int
    modified_at: dt.datetime
    path: str


class FileList(msgspec.Struct):
    items: list[FileOut]
