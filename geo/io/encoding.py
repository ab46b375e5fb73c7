"""Text encodings of the files planners bring: UTF-8 or GBK, told apart from the raw bytes.

Bureau shapefiles written by older ArcGIS installs carry GBK text and often no ``.cpg``; CSVs
saved from Excel on a Chinese Windows are GBK, others UTF-8 with or without a BOM. Short Chinese
strings are too short for statistical detectors, but GBK text is almost never valid UTF-8, so
"strict UTF-8, else GBK" decides; charset-normalizer is the fallback for anything else.

Examples
--------
>>> detect_encoding("幸福小区".encode("gbk"))
'GBK'
>>> detect_encoding("幸福小区".encode("utf-8"))
'UTF-8'
>>> detect_encoding(b"plain ascii") is None
True
"""

from __future__ import annotations

import codecs
import struct
from pathlib import Path

__all__ = ["dbf_text_bytes", "decode_cut", "decode_text", "detect_encoding", "python_codec",
           "read_cpg"]

_GBK = "GBK"
_UTF8 = "UTF-8"
#: Names of GBK (and GB2312, its subset); read as GB18030, which contains both
_GBK_NAMES = {"GBK", "GB2312", "CP936", "936", "GB18030"}


def python_codec(name: str) -> str:
    """The Python codec for an encoding named as a ``.cpg``, GDAL or a planner names it.

    Raises
    ------
    LookupError
        When Python knows no such encoding.

    Examples
    --------
    >>> [python_codec(n) for n in ("936", "ANSI 936", "utf8", "65001", "1252", "88591")]
    ['gb18030', 'gb18030', 'utf-8', 'utf-8', 'cp1252', 'iso8859-1']
    """
    key = name.strip().upper().removeprefix("ANSI").strip()
    if key in _GBK_NAMES:
        return "gb18030"
    if key == "65001":
        return "utf-8"
    if key.startswith("8859"):  # ISO 8859 as ESRI writes it: 88591, 8859_1
        key = "iso8859-" + key[4:].lstrip("_-")
    elif key.isdigit():  # Windows code pages: 1252, 950 …
        key = f"cp{key}"
    return codecs.lookup(key).name


def decode_cut(data: bytes, codec: str) -> str:
    """Decode, dropping a multi-byte character cut off at the end (a DBF field's byte width).

    Examples
    --------
    >>> decode_cut("建成年代".encode("utf-8")[:10], "utf-8")
    '建成年'
    """
    return codecs.getincrementaldecoder(codec)().decode(data, final=False)


def _utf8_ok(chunk: bytes) -> bool:
    """Valid UTF-8, allowing one multi-byte character cut off at the end (DBF field widths)."""
    try:
        decode_cut(chunk, "utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _gbk_ok(chunk: bytes) -> bool:
    try:
        chunk.decode("gb18030")
    except UnicodeDecodeError:
        # a GBK character cut in half at the end of a fixed-width field
        try:
            chunk[:-1].decode("gb18030")
        except UnicodeDecodeError:
            return False
    return True


def detect_encoding(data: bytes | list[bytes]) -> str | None:
    """``"UTF-8"`` or ``"GBK"`` for raw text bytes, another codec name, or None for ASCII.

    Parameters
    ----------
    data
        Raw bytes, or a list of separate chunks (fixed-width DBF fields, where a multi-byte
        character may be cut at the end of each chunk).

    Returns
    -------
    str or None
        The encoding name as GDAL and Python both understand it; None when the bytes are pure
        ASCII (any encoding reads them).
    """
    chunks = [data] if isinstance(data, bytes) else list(data)
    chunks = [c for c in chunks if any(b > 0x7F for b in c)]
    if not chunks:
        return None
    if all(_utf8_ok(c) for c in chunks):
        return _UTF8
    if all(_gbk_ok(c) for c in chunks):
        return _GBK
    from charset_normalizer import from_bytes

    best = from_bytes(b"\n".join(chunks)).best()
    return best.encoding if best is not None else _GBK


def decode_text(data: bytes, *, encoding: str | None = None) -> tuple[str, str]:
    r"""Decode a text file; returns ``(text, encoding used)``.

    A UTF-8 byte-order mark wins, then the declared ``encoding``, then :func:`detect_encoding`.

    Examples
    --------
    >>> decode_text("\ufeff名称".encode("utf-8"))
    ('名称', 'UTF-8 (BOM)')
    >>> decode_text("名称".encode("gbk"))
    ('名称', 'GBK')
    """
    if data.startswith(codecs.BOM_UTF8) and encoding is None:
        return data[len(codecs.BOM_UTF8):].decode("utf-8"), "UTF-8 (BOM)"
    enc = encoding or detect_encoding(data) or _UTF8
    text = data.decode(python_codec(enc))
    return (text[1:] if text.startswith("\ufeff") else text), enc


def read_cpg(shp: Path) -> str | None:
    """The encoding named in the shapefile's ``.cpg`` sidecar, or None when there is none."""
    for suffix in (".cpg", ".CPG"):
        cpg = shp.with_suffix(suffix)
        if cpg.exists():
            text = cpg.read_bytes().decode("ascii", errors="ignore").strip()
            return text or None
    return None


def dbf_text_bytes(dbf: Path, *, max_records: int = 5000) -> list[bytes]:
    """The raw bytes of field names and character fields of a dBASE file, one chunk each.

    Only the first ``max_records`` records are looked at; that is plenty to tell encodings
    apart and keeps a large file cheap.
    """
    with dbf.open("rb") as fh:
        head = fh.read(32)
        if len(head) < 32:
            return []
        n_records, header_len, record_len = struct.unpack("<IHH", head[4:12])
        descriptors = fh.read(max(header_len - 32, 0))
        fields: list[tuple[bytes, bytes, int]] = []
        for k in range(0, len(descriptors) - 31, 32):
            d = descriptors[k:k + 32]
            if d[0] == 0x0D:
                break
            fields.append((d[:11].split(b"\0", 1)[0], d[11:12], d[16]))
        chunks = [name for name, _, _ in fields]
        n = min(n_records, max_records)
        fh.seek(header_len)
        data = fh.read(n * record_len) if record_len else b""
    for r in range(len(data) // record_len if record_len else 0):
        rec = data[r * record_len:(r + 1) * record_len]
        offset = 1  # deletion flag
        for _, ftype, width in fields:
            if ftype == b"C":
                chunks.append(rec[offset:offset + width].rstrip(b" \0"))
            offset += width
    return chunks
