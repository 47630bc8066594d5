"""Charts for reports and releases, as PNG bytes, with Chinese labels drawn in a CJK-capable font.

Matplotlib draws missing glyphs as boxes (tofu). So a font is used only after checking it really has the
glyphs; without one, charts use the caller's ASCII labels (codes, English) and say so once in the log."""

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
    """The path of an installed font that has every glyph of PROBE, or None (with a warning)."""
    from matplotlib import font_manager

    entries = sorted(font_manager.fontManager.ttflist,
                     key=lambda f: CJK_FAMILIES.index(f.name) if f.name in CJK_FAMILIES else len(CJK_FAMILIES))
    return find_cjk_font([entry.fname for entry in entries])


def find_cjk_font(paths: Sequence[str]) -> str | None:
    """The first of `paths` whose font has every glyph of PROBE; None, with a warning, if none has."""
    from matplotlib.ft2font import FT2Font

    for path in paths:
        try:
            font = FT2Font(path)
        except (OSError, RuntimeError, ValueError):
            continue
        if all(font.get_char_index(ord(ch)) for ch in PROBE):
            return path
    log.warning(NO_CJK_WARNING)
    return None


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
    font = FontProperties(fname=path) if path else FontProperties()
    names = [_text(label, path is not None) for label in labels]
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
    if reference is not None and reference_label is not None:
        axes.text(0.99, 0.01, f"--- {_text(reference_label, path is not None)}", transform=axes.transAxes,
                  ha="right", va="bottom", fontproperties=font, fontsize=8, color="#555")
    axes.set_title(_text(title, path is not None) + (f" ({unit})" if unit else ""), fontproperties=font)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
