"""An organization's files folder: name rules, listing, deleting, and streaming an upload into it.

The folder is ``<data dir>/tenants/<uuid>/files/`` — the only place a ``files`` source's
``config.path`` can point to (see :mod:`autonomos.server.resources.configs`), so a file uploaded
here is readable by that organization's sources and by no one else's.

An upload is parsed as it arrives (``multipart``'s push parser, no in-memory copy of the body)
and written to a hidden temp file in the same folder; only a complete upload is moved to its
name, with one rename (``os.link`` when the name must not exist yet, ``os.replace`` to
overwrite), so a reader never sees half a file and a failed upload leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import AsyncIterator

import anyio
from multipart import MultipartSegment, ParserError, ParserLimitReached, PushMultipartParser, parse_options_header

from autonomos.server.errors import FieldError, Problem, not_found
from autonomos.server.files.schemas import FileOut
from autonomos.server.names import text_problem

FIELD = "file"
MAX_NAME_CHARS = 200
MAX_NAME_BYTES = 255  # what common file systems allow for one name
TEMP_PREFIX = ".upload-"
WRITE_CHUNK = 1 << 20  # hand the disk 1 MiB at a time (one thread hop per MiB, not per packet)
# Bytes a multipart body may carry beyond the file itself (boundaries, part headers).
ENVELOPE = 64 * 1024


def bad_name(field: str, message: str) -> Problem:
    """400 naming the field (a name is malformed input, not a failed business rule)."""
    return Problem(400, f"{field}: {message}", slug="validation", title="Validation failed",
                   errors=[FieldError(field, message)])


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a file name in the folder, or None when it can."""
    if not name:
        return "the file name is empty"
    if "\x00" in name:
        return "the file name contains a NUL character"
    if "/" in name or "\\" in name:
        return "the file name must not contain path separators ('/' or '\\\\'); send a plain name"
    if name.startswith("."):
        return "the file name must not start with a dot"
    if problem := text_problem(name, "the file name"):
        return problem
    if name != name.strip():
        return "the file name must not start or end with whitespace"
    if len(name) > MAX_NAME_CHARS or len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        return f"the file name is longer than {MAX_NAME_CHARS} characters ({MAX_NAME_BYTES} bytes)"
    return None


def file_out(path: Path) -> FileOut:
    st = path.stat()
    return FileOut(name=path.name, size=st.st_size, path=path.name,
                   modified_at=dt.datetime.fromtimestamp(st.st_mtime, dt.timezone.utc))


def list_files(folder: Path) -> list[FileOut]:
    """Regular files directly in the folder, by name (hidden files, e.g. uploads in progress, are skipped)."""
    out = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
            continue
        try:
            out.append(file_out(Path(entry.path)))
        except FileNotFoundError:  # deleted while we listed
            continue
    return out


def existing(folder: Path, name: str) -> Path:
    """The file ``name`` in the folder; 404 when it is not a listed file (or not a valid name)."""
    path = folder / name
    if name_problem(name) is not None or not path.is_file() or path.is_symlink():
        raise not_found("file")
    return path


def delete_file(folder: Path, name: str) -> None:
    path = existing(folder, name)
    try:
        path.unlink()
    except FileNotFoundError:
        raise not_found("file") from None


def _too_big(limit_mb: int) -> Problem:
    return Problem(413, f"{FIELD}: the upload is larger than the limit of {limit_mb} MB (AUTONOMOS_MAX_UPLOAD_MB)",
                   errors=[FieldError(FIELD, f"larger than {limit_mb} MB")])


def _conflict(name: str) -> Problem:
    return Problem(409, f"a file named '{name}' already exists; send ?overwrite=true to replace it",
                   slug="conflict", title="Conflict", errors=[FieldError(FIELD, "already exists")])


class _Upload:
    """One upload in progress: its name, temp file and byte count."""

    def __init__(self, folder: Path, name: str, limit_mb: int):
        self.folder, self.name, self.limit_mb = folder, name, limit_mb
        self.limit = limit_mb * 1024 * 1024
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX, suffix=".part")
        self.tmp = Path(tmp)
        self.fh = os.fdopen(fd, "wb")
        self.size = 0
        self.pending = bytearray()
        self.complete = False

    async def write(self, data: bytes | bytearray) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise _too_big(self.limit_mb)
        self.pending += data
        if len(self.pending) >= WRITE_CHUNK:
            await self.flush()

    async def flush(self) -> None:
        if self.pending:
            chunk, self.pending = bytes(self.pending), bytearray()
            await anyio.to_thread.run_sync(self.fh.write, chunk)

    def finish(self, overwrite: bool) -> Path:
        """Durably write, then move into place (blocking: run in a thread)."""
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        target = self.folder / self.name
        if overwrite:
            if target.is_dir() or target.is_symlink():
                raise _conflict(self.name)
            os.replace(self.tmp, target)
        else:
            try:
                os.link(self.tmp, target)  # fails if the name exists, even if it appeared just now
            except FileExistsError:
                raise _conflict(self.name) from None
            self.tmp.unlink()
        return target

    def discard(self) -> None:
        if not self.fh.closed:
            self.fh.close()
        self.tmp.unlink(missing_ok=True)


async def receive_upload(stream: AsyncIterator[bytes], content_type: str, content_length: str | None,
                         folder: Path, limit_mb: int, overwrite: bool) -> FileOut:
    """Parse a ``multipart/form-data`` body with one part ``file`` straight into the folder."""
    media, options = parse_options_header(content_type or "")
    media = media.strip().lower()
    if media != "multipart/form-data":
        raise Problem(415, f"send multipart/form-data with one field '{FIELD}'; got {media or 'no Content-Type'}",
                      errors=[FieldError(FIELD, "expected a multipart/form-data upload")])
    boundary = options.get("boundary")
    if not boundary:
        raise bad_name(FIELD, "the multipart boundary is missing from Content-Type")
    if content_length and content_length.isdigit() and int(content_length) > limit_mb * 1024 * 1024 + ENVELOPE:
        raise _too_big(limit_mb)  # refuse before reading a byte

    upload: _Upload | None = None
    segment: MultipartSegment | None = None
    received = 0
    try:
        parser = PushMultipartParser(boundary.encode("latin-1"), max_segment_count=4)
        async for chunk in _with_end(stream):
            received += len(chunk)
            if received > limit_mb * 1024 * 1024 + ENVELOPE:
                raise _too_big(limit_mb)
            for event in parser.parse(chunk):
                if isinstance(event, MultipartSegment):
                    segment = event
                    upload = await _start(event, upload, folder, limit_mb, overwrite)
                elif event:  # body bytes of the current part
                    if segment is not None and segment.name == FIELD and upload is not None:
                        await upload.write(event)
                elif upload is not None and segment is not None and segment.name == FIELD:
                    await upload.flush()
                    upload.complete = True
        if upload is None or not upload.complete:
            raise bad_name(FIELD, "required: a multipart part named 'file' with a filename")
        assert upload is not None
        target = await anyio.to_thread.run_sync(upload.finish, overwrite)
        return file_out(target)
    except ParserLimitReached:
        raise bad_name(FIELD, f"send exactly one multipart field, '{FIELD}'") from None
    except ParserError as exc:
        raise bad_name(FIELD, f"the multipart body is malformed ({exc})") from None
    finally:
        if upload is not None:
            upload.discard()  # no-op after a successful move (the temp name is gone)


async def _with_end(stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """The body chunks, then ``b""`` (which tells the parser the input ended)."""
    async for chunk in stream:
        if chunk:
            yield chunk
    yield b""


async def _start(segment: MultipartSegment, upload: _Upload | None, folder: Path, limit_mb: int,
                 overwrite: bool) -> _Upload | None:
    """A new part begins: only one part, named ``file``, carrying a valid file name."""
    if segment.name != FIELD:
        raise bad_name(segment.name or "(unnamed part)",
                       f"unknown form field; send one field named '{FIELD}'")
    if upload is not None:
        raise bad_name(FIELD, "send one file per request")
    if segment.filename is None:
        raise bad_name(FIELD, "must be a file (the part has no filename)")
    problem = name_problem(segment.filename)
    if problem:
        raise bad_name(FIELD, problem)
    if not overwrite and os.path.lexists(folder / segment.filename):
        raise _conflict(segment.filename)  # before receiving the body
    return await anyio.to_thread.run_sync(_Upload, folder, segment.filename, limit_mb)
