"""Text encoding detection and streaming transcoding for delimited files.

DuckDB reads UTF-8 (with or without BOM), UTF-16 LE and latin-1 natively. Everything else
(UTF-16 BE, cp1252, Shift-JIS, mixed line endings…) is transcoded chunk by chunk into the
run's ``work_dir``, so a big file is never held in memory.

The detection rules are deliberately conservative: a file that is *almost* UTF-8 (a truncated
multi-byte sequence, or valid multi-byte characters next to invalid bytes) is refused as
corrupt instead of being silently reinterpreted as latin-1.
"""

from __future__ import annotations

import codecs
import hashlib
from pathlib import Path

import attrs

from autonomos.core.errors import ConnectorError

CHUNK = 1 << 20
SAMPLE = 1 << 16

# DuckDB's read_csv ``encoding`` option understands these (lower-case Python codec names).
DUCKDB_NATIVE = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "utf-16-le-bom": "utf-16", "latin-1": "latin-1"}

_ALIASES = {
    "utf8": "utf-8", "utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf8-sig": "utf-8-sig",
    "latin1": "latin-1", "latin-1": "latin-1", "iso-8859-1": "latin-1", "iso8859-1": "latin-1",
    "l1": "latin-1", "utf16": "utf-16", "utf-16": "utf-16", "utf-16le": "utf-16-le",
    "utf-16-le": "utf-16-le", "utf-16be": "utf-16-be", "utf-16-be": "utf-16-be",
    "cp1252": "cp1252", "windows-1252": "cp1252",
}
_MULTIBYTE_LEGACY = ("cp932", "shift_jis", "euc_jp", "euc_kr", "cp949", "gb2312", "gbk", "gb18030",
                     "big5", "cp950", "euc_jis_2004", "shift_jis_2004", "iso2022_jp")


@attrs.define
class Encoding:
    """A detected (or configured) encoding. ``codec`` is a Python codec name; ``bom`` is the
    number of BOM bytes at the start of the file."""

    codec: str
    bom: int = 0

    @property
    def duckdb(self) -> str | None:
        """The DuckDB ``encoding`` option when DuckDB reads it natively, else None."""
        if self.codec in ("utf-8", "utf-8-sig"):
            return "utf-8"
        if self.codec == "latin-1":
            return "latin-1"
        if self.codec in ("utf-16", "utf-16-le") and self.bom == 2:
            return "utf-16"
        return None


def normalise_codec(name: str) -> str:
    """Map a user-supplied encoding name to a Python codec, or raise ConnectorError."""
    key = name.strip().lower().replace("_", "-")
    codec = _ALIASES.get(key, key)
    try:
        codecs.lookup(codec)
    except LookupError:
        raise ConnectorError(f"unknown encoding '{name}'") from None
    return codec


def _looks_binary(sample: bytes) -> bool:
    if not sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13, 12))
    return controls / len(sample) > 0.1


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text without a BOM has a NUL in (almost) every other byte."""
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


FULL_CHECK_BYTES = 64 << 20  # files up to this size are checked whole
HEAD_BYTES = 32 << 20
TAIL_BYTES = 1 << 20


def _first_utf8_error(path: Path) -> tuple[int, bytes, bool] | None:
    """Stream the file through a UTF-8 decoder. Returns None when it is valid UTF-8, else
    (offset, the offending bytes, whether any valid multi-byte character came before).

    Files over 64 MiB are checked on their first 32 MiB and last 1 MiB only: reading a 2 GB
    export twice (once here, once by DuckDB) would double its load time, and DuckDB validates
    UTF-8 itself while it reads, so a bad line in the unchecked middle is still caught (it is
    rejected with DuckDB's reason instead of the file being decoded as a legacy codec)."""
    size = path.stat().st_size
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    seen_multibyte = False
    limit = size if size <= FULL_CHECK_BYTES else HEAD_BYTES
    with path.open("rb") as fh:
        while offset < limit and (chunk := fh.read(min(CHUNK, limit - offset))):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                seen_multibyte = seen_multibyte or not exc.object[: exc.start].isascii()
                return offset + exc.start, bytes(exc.object[exc.start : exc.end + 2]), seen_multibyte
            seen_multibyte = seen_multibyte or not chunk.isascii()
            offset += len(chunk)
        if size > FULL_CHECK_BYTES:
            fh.seek(size - TAIL_BYTES)
            tail = fh.read()
            start = 0
            while start < min(4, len(tail)) and 0x80 <= tail[start] <= 0xBF:
                start += 1  # begin at a character boundary
            try:
                tail[start:].decode("utf-8")
            except UnicodeDecodeError as exc:
                return size - TAIL_BYTES + start + exc.start, bytes(exc.object[exc.start : exc.end + 2]), seen_multibyte
            return None
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            return offset, bytes(exc.object[exc.start :]), seen_multibyte
    return None


def _legacy_codec(sample: bytes) -> str:
    """Pick a legacy (non-UTF) codec for bytes that are not UTF-8."""
    try:
        import charset_normalizer

        best = charset_normalizer.from_bytes(sample).best()
    except Exception:  # detection is a hint only
        best = None
    if best is not None and best.encoding in _MULTIBYTE_LEGACY and best.coherence >= 0.1:
        return best.encoding
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def detect_encoding(path: Path) -> Encoding:
    """Detect a text file's encoding from its BOM and bytes, or raise ConnectorError."""
    with path.open("rb") as fh:
        sample = fh.read(SAMPLE)
    if sample.startswith(codecs.BOM_UTF8):
        return Encoding("utf-8-sig", 3)
    if sample.startswith(codecs.BOM_UTF32_LE) or sample.startswith(codecs.BOM_UTF32_BE):
        return Encoding("utf-32", 4)
    if sample.startswith(codecs.BOM_UTF16_LE):
        return Encoding("utf-16-le", 2)
    if sample.startswith(codecs.BOM_UTF16_BE):
        return Encoding("utf-16-be", 2)
    bomless = _utf16_without_bom(sample)
    if bomless:
        return Encoding(bomless)
    if _looks_binary(sample):
        raise ConnectorError(f"{path}: looks like a binary file, not delimited text")
    error = _first_utf8_error(path)
    if error is None:
        return Encoding("utf-8")
    offset, bad, seen_multibyte = error
    truncated = len(bad) >= 2 and 0xC2 <= bad[0] <= 0xF4 and 0x80 <= bad[1] <= 0xBF
    if truncated or seen_multibyte or b"\xff\xff" in bad:
        raise ConnectorError(
            f"{path}: invalid UTF-8 at byte {offset} ({bad[:4]!r}); the file looks corrupt. "
            "Set 'encoding' in the source config if it uses another encoding"
        )
    return Encoding(_legacy_codec(sample))


def check_decodes(path: Path, enc: Encoding) -> None:
    """Raise ConnectorError when the file does not decode with a configured encoding."""
    decoder = codecs.getincrementaldecoder(enc.codec)()
    offset = 0
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(CHUNK):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise ConnectorError(
                f"{path}: not valid {enc.codec} near byte {offset + exc.start}: {exc.reason}"
            ) from None


def transcode(path: Path, enc: Encoding, work_dir: Path, universal_newlines: bool = False) -> Path:
    """Write a UTF-8 copy of ``path`` into ``work_dir`` (streaming) and return its path.

    With ``universal_newlines`` CR and CRLF line ends become LF, for files whose line ends are
    mixed (DuckDB's sniffer needs one kind). The copy is reused while the source is unchanged.
    """
    st = path.stat()
    key = hashlib.sha1(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{enc.codec}|{universal_newlines}"
                       .encode()).hexdigest()[:16]
    work_dir.mkdir(parents=True, exist_ok=True)
    out = work_dir / f"{path.stem[:40]}-{key}.utf8.csv"
    if out.exists():
        return out
    tmp = out.with_suffix(".part")
    codec = enc.codec
    if codec == "utf-16-le" and enc.bom:
        codec = "utf-16"  # the utf-16 codec consumes the BOM
    if codec == "utf-16-be" and enc.bom:
        codec = "utf-16"
    try:
        with path.open("r", encoding=codec, errors="strict", newline=None if universal_newlines else "") as src, \
                tmp.open("w", encoding="utf-8", newline="") as dst:
            while text := src.read(CHUNK):
                dst.write(text.lstrip("\ufeff") if dst.tell() == 0 else text)
    except UnicodeDecodeError as exc:
        tmp.unlink(missing_ok=True)
        raise ConnectorError(f"{path}: not valid {enc.codec}: {exc.reason}") from None
    tmp.replace(out)
    return out
