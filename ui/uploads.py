"""Uploaded files onto disk safely: size limits, allowed types, zips that stay in their folder.

No Streamlit here, so the rules are tested directly.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> save_upload("小区.geojson", b'{"type": "FeatureCollection", "features": []}', d).name
'小区.geojson'
>>> save_upload("evil.exe", b"MZ", d)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
ui.uploads.UploadError: unsupported file type: .exe (allowed: .csv, .geojson, ...)
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path, PurePosixPath

from geo.errors import PlanningInputError
from geo.io.sources import zip_member_name

__all__ = [
    "ALLOWED_SUFFIXES",
    "MAX_MEMBERS",
    "MAX_UNZIPPED_MB",
    "MAX_UPLOAD_MB",
    "UploadError",
    "safe_extract",
    "save_upload",
]

MAX_UPLOAD_MB = 200
"""Per-file limit; ``.streamlit/config.toml`` sets the same ``server.maxUploadSize``."""
MAX_UNZIPPED_MB = 1024
MAX_MEMBERS = 5000
ALLOWED_SUFFIXES = (".csv", ".geojson", ".gpkg", ".json", ".osm.pbf", ".tsv", ".txt", ".xlsx",
                    ".zip")
# inside a zip a .txt is a readme or metadata, not a table: only a .txt uploaded alone is read
_LAYER_SUFFIXES = (".shp", ".gpkg", ".geojson", ".json", ".csv", ".tsv", ".xlsx")


class UploadError(PlanningInputError):
    """An uploaded file that is too big, of the wrong type, or an unsafe or broken zip."""


def _suffix(name: str) -> str:
    low = name.lower()
    if low.endswith(".osm.pbf"):
        return ".osm.pbf"
    return PurePosixPath(low).suffix


def _safe_name(name: str) -> str:
    """The file's base name only, without any directory part a browser may send."""
    base = PurePosixPath(name.replace("\\", "/")).name
    base = base.lstrip(".") or "upload"
    return base


def save_upload(name: str, data: bytes, dest: Path, *, max_mb: float = MAX_UPLOAD_MB) -> Path:
    """Write one uploaded file into ``dest`` and return the path of the layer to read.

    Parameters
    ----------
    name
        The name the browser sent (directories are dropped).
    data
        The file's bytes.
    dest
        A temporary folder owned by the caller.
    max_mb
        Size limit in MB.

    Returns
    -------
    Path
        The file itself, or for a zip the one ``.shp`` / ``.gpkg`` / ``.geojson`` / ``.csv`` /
        ``.xlsx`` inside it (extracted safely into ``dest``).

    Raises
    ------
    UploadError
        Too large, unsupported type, unsafe or broken zip, or a zip with no layer or several.
    """
    size_mb = len(data) / 1024 / 1024
    if size_mb > max_mb:
        msg = f"file too large: {size_mb:.1f} MB (limit {max_mb:g} MB)"
        raise UploadError(msg)
    ext = _suffix(name)
    if ext not in ALLOWED_SUFFIXES:
        msg = f"unsupported file type: {ext or '(none)'} (allowed: {', '.join(ALLOWED_SUFFIXES)})"
        raise UploadError(msg)
    if not data:
        msg = "the file is empty"
        raise UploadError(msg)
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / _safe_name(name)
    path.write_bytes(data)
    if ext != ".zip":
        return path
    out = dest / (path.stem + "_unzipped")
    files = safe_extract(path, out)
    layers = [f for f in files if _suffix(f.name) in _LAYER_SUFFIXES]
    shp = [f for f in layers if f.suffix.lower() == ".shp"]
    chosen = shp or layers
    if len(chosen) != 1:
        found = ", ".join(sorted(f.name for f in chosen)) or "none"
        msg = (f"the zip must hold exactly one layer (.shp, .gpkg, .geojson, .csv or .xlsx); "
               f"found: {found}")
        raise UploadError(msg)
    return chosen[0]


def safe_extract(zip_path: Path, dest: Path, *, max_mb: float = MAX_UNZIPPED_MB,
                 max_members: int = MAX_MEMBERS) -> list[Path]:
    """Extract a zip into ``dest`` refusing anything that would land outside it.

    Absolute paths, ``..`` components, symbolic links, too many members and too many bytes
    once unpacked (zip bombs) are refused before anything is written.

    Examples
    --------
    >>> import io, tempfile, pathlib
    >>> buf = io.BytesIO()
    >>> with zipfile.ZipFile(buf, "w") as z:
    ...     z.writestr("../../etc/passwd", "x")
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.zip").write_bytes(buf.getvalue())
    >>> safe_extract(d / "a.zip", d / "out")
    Traceback (most recent call last):
    ...
    ui.uploads.UploadError: unsafe path in zip: ../../etc/passwd
    """
    dest = dest.resolve()
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, OSError) as exc:
        msg = f"not a readable zip: {exc}"
        raise UploadError(msg) from exc
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > max_members:
            msg = f"the zip has {len(infos)} files (limit {max_members})"
            raise UploadError(msg)
        total = sum(i.file_size for i in infos)
        if total > max_mb * 1024 * 1024:
            msg = f"the zip unpacks to {total / 1024 / 1024:.0f} MB (limit {max_mb:g} MB)"
            raise UploadError(msg)
        targets: list[tuple[zipfile.ZipInfo, Path]] = []
        for info in infos:
            name = zip_member_name(info).replace("\\", "/")  # GBK names from Windows tools
            parts = PurePosixPath(name).parts
            mode = info.external_attr >> 16
            if (name.startswith("/") or ".." in parts or (parts and ":" in parts[0])
                    or stat.S_ISLNK(mode)):
                msg = f"unsafe path in zip: {info.filename}"
                raise UploadError(msg)
            target = (dest / Path(*parts)).resolve()
            if not target.is_relative_to(dest):
                msg = f"unsafe path in zip: {info.filename}"
                raise UploadError(msg)
            if "__MACOSX" in parts:
                continue
            targets.append((info, target))
        written: list[Path] = []
        budget = int(max_mb * 1024 * 1024)
        for info, target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, target.open("wb") as out:
                while chunk := src.read(1 << 20):
                    budget -= len(chunk)
                    if budget < 0:  # the sizes in the directory lied
                        msg = f"the zip unpacks to more than {max_mb:g} MB"
                        raise UploadError(msg)
                    out.write(chunk)
            written.append(target)
    return written
