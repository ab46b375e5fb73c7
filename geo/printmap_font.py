"""The CJK font printed maps use, shipped with the install (never a system font), and text widths.

WenQuanYi Micro Hei (文泉驿微米黑, SIL OFL) comes from the PyPI package ``paperang-p2-fonts-cjk``.
Its outlines are TrueType, so matplotlib embeds it in PDF as a Type 42 (CID TrueType) subset and
text stays text. DejaVu Sans, which ships inside matplotlib, is the fallback for the rare symbol
WenQuanYi lacks. :func:`text_width_mm` measures text set in it, so that layout can fit it.

Examples
--------
>>> cjk_font_path().name
'wqy-microhei.ttc'
>>> font(size=9).get_family()[0]
'WenQuanYi Micro Hei'
>>> missing_glyphs("片区 Z001 · 1,234 户 → 85%")
''
>>> missing_glyphs("𠮷祥小区")
'𠮷'
"""

from __future__ import annotations

from functools import cache, lru_cache
from importlib.resources import files
from pathlib import Path

from matplotlib import font_manager
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.textpath import TextToPath

__all__ = ["CJK_FAMILY", "FALLBACK_FAMILY", "MM_PER_PT", "cjk_font_path", "font",
           "missing_glyphs", "text_width_mm"]

CJK_FAMILY = "WenQuanYi Micro Hei"
"""Family name of the bundled CJK font."""
FALLBACK_FAMILY = "DejaVu Sans"
"""matplotlib's own font, used only for glyphs the CJK font lacks."""
MM_PER_PT = 25.4 / 72.0
"""Millimetres per typographic point."""

_PACKAGE = "paperang_p2_fonts_cjk"
_FILE = "fonts/wqy-microhei.ttc"
_TEXT_TO_PATH = TextToPath()


@cache
def cjk_font_path() -> Path:
    """Path of the bundled CJK font file, registered with matplotlib's font manager.

    Returns
    -------
    Path
        ``.../paperang_p2_fonts_cjk/fonts/wqy-microhei.ttc``.

    Raises
    ------
    FileNotFoundError
        If the font package is not installed (``pip install paperang-p2-fonts-cjk``).
    """
    path = Path(str(files(_PACKAGE).joinpath(_FILE)))
    if not path.is_file():
        msg = (f"the CJK font {path} is missing; reinstall the font package with "
               "`pip install --force-reinstall paperang-p2-fonts-cjk`")
        raise FileNotFoundError(msg)
    font_manager.fontManager.addfont(str(path))
    return path


def font(*, size: float = 9.0) -> FontProperties:
    """Font properties for printed text: the bundled CJK font, DejaVu Sans as fallback.

    WenQuanYi Micro Hei has a single weight, so emphasis on a page comes from size and shading.

    Parameters
    ----------
    size
        Size in points.

    Returns
    -------
    FontProperties
    """
    cjk_font_path()
    return FontProperties(family=[CJK_FAMILY, FALLBACK_FAMILY], size=size)


@cache
def _cmap() -> frozenset[int]:
    fallback = font_manager.findfont(FontProperties(family=FALLBACK_FAMILY),
                                     fallback_to_default=False)
    return frozenset(FT2Font(str(cjk_font_path())).get_charmap()) | frozenset(
        FT2Font(fallback).get_charmap())


def missing_glyphs(text: str) -> str:
    """Characters of ``text`` that neither the CJK font nor its fallback can print.

    Such characters come out as empty boxes (and matplotlib warns "Glyph ... missing"); rare
    characters of CJK Extension B, used in a few compound names, are the usual case.

    Parameters
    ----------
    text
        Any text that will be printed.

    Returns
    -------
    str
        The missing characters, each once, in order of first appearance ('' when none).
    """
    cmap = _cmap()
    seen: dict[str, None] = {}
    for ch in text:
        if not ch.isspace() and ord(ch) not in cmap:
            seen[ch] = None
    return "".join(seen)


def text_width_mm(text: str, prop: FontProperties) -> float:
    """Width in mm that ``text`` takes when set in ``prop`` (the widest line if several)."""
    widths = [_line_width_pt(line, prop) for line in text.split("\n") if line]
    return max(widths, default=0.0) * MM_PER_PT


@lru_cache(maxsize=8192)
def _line_width_pt(line: str, prop: FontProperties) -> float:
    # FontProperties hashes by its family, size, weight...: equal properties share the cache
    return float(_TEXT_TO_PATH.get_text_width_height_descent(line, prop, ismath=False)[0])
