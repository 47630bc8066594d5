"""Charts for reports and releases, as PNG bytes, with Chinese labels drawn in a CJK-capable font.

Matplotlib draws missing glyphs as boxes (tofu). So a font is used only after checking it really draws the
glyphs; without one, charts use the caller's ASCII labels (codes, English) and say so once in the log. A
"last resort" font (matplotlib ships LastResortHE) claims every character but draws each as the box of its
Unicode block: it is told apart by giving one glyph to many different characters. Every PNG records its font
and its text, so that what is published can be checked again (`draws_its_text`)."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

log = logging.getLogger(__name__)

# Families seen on Debian (fonts-wqy-microhei, fonts-noto-cjk), macOS and Windows, in order of preference.
CJK_FAMILIES = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
                "WenQuanYi Zen Hei", "PingFang SC", "Microsoft YaHei", "SimHei")
PROBE = "防止返贫监测贵州省新疆维吾尔自治区"
NO_CJK_WARNING = ("no font with Chinese glyphs found: charts use codes and English labels instead "
                  "(install one, e.g. `apt-get install fonts-wqy-microhei`)")


@dataclass(frozen=True)
class Label:
    zh: str  # what people read
    ascii: str  # what a chart shows when no CJK font is installed (a code, an English name)


@cache
def cjk_font() -> str | None:
    """The path of an installed font that draws every glyph of PROBE, or None (with a warning). Matplotlib's
    font list is a cache: when it predates the CJK font's installation it lacks the font, so the system's
    font files are searched too before giving up."""
    from matplotlib import font_manager

    entries = sorted(font_manager.fontManager.ttflist,
                     key=lambda f: CJK_FAMILIES.index(f.name) if f.name in CJK_FAMILIES else len(CJK_FAMILIES))
    found = _first_drawing([entry.fname for entry in entries])
    if found is None:
        found = _first_drawing(sorted(font_manager.findSystemFonts()))
    if found is None:
        log.warning(NO_CJK_WARNING)
    return found


def find_cjk_font(paths: Sequence[str]) -> str | None:
    """The first of `paths` whose font draws every glyph of PROBE; None, with a warning, if none does."""
    found = _first_drawing(paths)
    if found is None:
        log.warning(NO_CJK_WARNING)
    return found


def _first_drawing(paths: Sequence[str]) -> str | None:
    return next((path for path in paths if draws(path, PROBE)), None)


def draws(path: str | None, text: str) -> bool:
    """Whether the font at `path` draws every character of `text` as its own glyph: none missing, and no two
    different non-ASCII characters sharing one glyph (what a last-resort font does). ASCII text is drawn by
    matplotlib's default font, so `path` None draws ASCII only."""
    wide = sorted({ch for ch in text if ord(ch) > 127 and not ch.isspace()})
    if not wide:
        return True
    if path is None:
        return False
    from matplotlib.ft2font import FT2Font

    try:
        font = FT2Font(path)
    except (OSError, RuntimeError, ValueError):
        return False
    glyphs = [font.get_char_index(ord(ch)) for ch in wide]
    return all(glyphs) and (len(wide) < 2 or len(set(glyphs)) == len(wide))


FONT_KEY, TEXT_KEY = "Font", "Text"  # PNG text chunks: the font a chart was drawn with, and its text


def chart_text(png: bytes) -> tuple[str, bool]:
    """A chart's text and whether its font draws all of it. A PNG this module did not make says neither, and
    counts as not drawn: what cannot be checked is not published."""
    from PIL import Image

    info = Image.open(io.BytesIO(png)).info
    if TEXT_KEY not in info:
        return "", False
    return info[TEXT_KEY], draws(info.get(FONT_KEY) or None, info[TEXT_KEY])


def _text(label: Label | str, cjk: bool) -> str:
    if isinstance(label, Label):
        return label.zh if cjk else label.ascii
    return label


AUTO = "auto"


def bar_chart(labels: Sequence[Label], values: Sequence[float], title: Label, *, reference: float | None = None,
              reference_label: Label | None = None, horizontal: bool = True, unit: str = "",
              highlight: Sequence[bool] | None = None, font_path: str | None = AUTO) -> bytes:
    """A bar chart as PNG; `reference` draws a line (a target, a threshold); `highlight` colours bars;
    `font_path` a CJK font (default: the one found; None: ASCII labels)."""
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    path = cjk_font() if font_path == AUTO else font_path
    zh = [*labels, title, *([reference_label] if reference_label else [])]
    if path is not None and not draws(path, "".join(_text(t, True) for t in zh) + unit):
        log.warning("font %s cannot draw every character of chart %r: codes and English labels instead", path,
                    _text(title, True))
        path = None
    cjk = path is not None
    font = FontProperties(fname=path) if cjk else FontProperties()
    names = [_text(label, cjk) for label in labels]
    height = max(3.0, 0.28 * len(names) + 1.2) if horizontal else 4.5
    figure = Figure(figsize=(8, height), dpi=110)
    axes = figure.subplots()
    colours = ["#c0392b" if h else "#2e86c1" for h in (highlight or [False] * len(names))]
    positions = range(len(names))
    if horizontal:
        axes.barh(positions, values, color=colours)
        axes.set_yticks(list(positions), names, fontproperties=font, fontsize=8)
        axes.invert_yaxis()
        if reference is not None:
            axes.axvline(reference, color="#555", linestyle="--", linewidth=1)
    else:
        axes.bar(positions, values, color=colours)
        axes.set_xticks(list(positions), names, fontproperties=font, fontsize=8, rotation=30, ha="right")
        if reference is not None:
            axes.axhline(reference, color="#555", linestyle="--", linewidth=1)
    note = f"--- {_text(reference_label, cjk)}" if reference is not None and reference_label is not None else ""
    if note:
        axes.text(0.99, 0.01, note, transform=axes.transAxes, ha="right", va="bottom", fontproperties=font,
                  fontsize=8, color="#555")
    shown_unit = unit if cjk or unit.isascii() else ""  # 万人 in the default font would be boxes
    heading = _text(title, cjk) + (f" ({shown_unit})" if shown_unit else "")
    axes.set_title(heading, fontproperties=font)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    text = "".join([heading, *names, note])
    if not draws(path, text):  # an ASCII label given with Chinese in it: refuse rather than draw boxes
        raise ValueError(f"chart {heading!r}: its text cannot be drawn without a Chinese font (it would show boxes)")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={FONT_KEY: path or "", TEXT_KEY: text})
    return buffer.getvalue()
