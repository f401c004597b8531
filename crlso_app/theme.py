"""One colour language and one text size for every chart of the app, so a class reads every
page the same way from the back row of a lecture room.

Colours, each meaning one thing on every page:
- RANK_SCALE: how good a cell is (its rank, or its accuracy's place among the cells). One
  sequential scale, dark purple = worst to yellow = best (viridis: it stays ordered in grey and
  for colour-blind eyes, and it is neither of the sides' colours). Rank colour bars read
  "1 = best" to "N = worst".
- SIDE_COLOURS and method_colour: the two sides of a pair, LS orange and CR-LS blue, and each
  method's curve (LSO and CR-LSO as their sides). Their one owner is each method's record in
  crlso_core/catalog/methods.py (a side's colour is its method's); this module re-exports them.
- TRUE_COLOUR / PREDICTED_COLOUR: a benchmark's answer against a predictor's guess.
- PLANE_SCALE: a predictor's surface (light = lower, dark = higher), grey so that cells drawn
  over it in RANK_SCALE stand out.
- SIGNED_SCALE: a signed quantity around 0 (cosine similarity), red -1 … white 0 … blue +1.

Text: `apply_theme(fig)` sets every Plotly text (ticks, legends, annotations, titles, colour
bars, hover labels, text on the marks) to MIN_FONT px or more, in TEXT, a near-black that
reads on a washed-out projector (Plotly's default is 12 px #444, its hover 13 px)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from crlso_core.catalog.methods import SIDE_COLOURS, colour_of, method_colour

MIN_FONT = 14  # px: the least any chart text may be
BASE_FONT = 16  # px: ticks, legends, annotations
TITLE_FONT = 19  # px: a chart's title
TEXT = "#1a1a1a"  # every chart text: contrast 17:1 on white
HOVER_BACKGROUND = "#ffffff"

RANK_SCALE = "Viridis"  # Plotly's name; low = worst, high = best (reversed for ranks, where 1 is best)
RANK_CMAP = "viridis"  # the same scale in matplotlib
SIGNED_SCALE = "RdBu"  # -1 red, 0 white, +1 blue
PLANE_LOW, PLANE_HIGH = "#f4f4f4", "#8f8f8f"  # light enough that the darkest cells over it stand out
PLANE_SCALE = [[0.0, PLANE_LOW], [1.0, PLANE_HIGH]]
TRUE_COLOUR, PREDICTED_COLOUR = "#00796b", "#ad1457"  # teal: the benchmark's answer; magenta: the predictor's
NEUTRAL = "#5b6470"  # a histogram of cells, with no side or method

__all__ = ["SIDE_COLOURS", "colour_of", "method_colour", "apply_theme", "font_problems", "is_dark", "MIN_FONT", "TEXT"]


def is_dark(colour: Any, min_contrast: float = 12.0) -> bool:
    """Whether text in `colour` ("#rrggbb", "#rgb" or "rgb(a)(…)") has at least `min_contrast`
    : 1 contrast against white (WCAG's formula; #333 has 12.6, Plotly's #444 9.7)."""
    rgb = _rgb(colour)
    if rgb is None:
        return False

    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    luminance = 0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
    return 1.05 / (luminance + 0.05) >= min_contrast


def _rgb(colour: Any):
    text = str(colour).strip().lower()
    if text.startswith("#") and len(text) in (4, 7):
        digits = text[1:] if len(text) == 7 else "".join(c * 2 for c in text[1:])
        try:
            return tuple(int(digits[i:i + 2], 16) for i in (0, 2, 4))
        except ValueError:
            return None
    if text.startswith("rgb"):
        try:
            return tuple(float(v) for v in text[text.index("(") + 1:text.index(")")].split(",")[:3])
        except ValueError:
            return None
    return {"black": (0, 0, 0), "white": (255, 255, 255)}.get(text)


# Keys under which Plotly keeps a font: layout.font, *.tickfont, *.title.font, textfont, …
def _is_font_key(key: str) -> bool:
    return key == "font" or key.endswith("font")


# Trace text Plotly colours for contrast with the mark beneath (a bar's inside label): left uncoloured.
_AUTO_CONTRAST = {"insidetextfont", "textfont"}


def _font_patch(node: Any, in_trace_of: str = "") -> Any:
    """The part of a figure's JSON that sets fonts, raised to MIN_FONT and darkened; None where
    there is no font. Walks dicts and lists of dicts only (data arrays are skipped whole)."""
    if isinstance(node, dict):
        patch = {}
        for key, value in node.items():
            if _is_font_key(key) and isinstance(value, dict):
                size = value.get("size")
                font = {"size": max(float(size), MIN_FONT) if isinstance(size, (int, float)) else BASE_FONT}
                if not (in_trace_of == "bar" and key in _AUTO_CONTRAST):
                    font["color"] = TEXT
                patch[key] = font
            elif isinstance(value, (dict, list)):
                sub = _font_patch(value, in_trace_of)
                if sub:
                    patch[key] = sub
        return patch or None
    if isinstance(node, list) and node and all(isinstance(v, dict) for v in node):
        subs = [_font_patch(v, in_trace_of) or {} for v in node]
        return subs if any(subs) else None
    return None


def _merged(a: dict, b: dict) -> dict:
    """`a` with `b` merged in, deeply; of two font sizes the larger is kept."""
    out = dict(a)
    for key, value in b.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        elif key == "size" and isinstance(out.get(key), (int, float)) and isinstance(value, (int, float)):
            out[key] = max(out[key], value)
        else:
            out[key] = value
    return out


def _text(size: int) -> dict:
    return {"size": size, "color": TEXT}


def apply_theme(fig: go.Figure) -> go.Figure:
    """Every text of `fig` at MIN_FONT px or more, in TEXT: the base font, titles, axes (2-D and
    3-D scenes), legends, colour bars, annotations (subplot titles, lines' labels), hover labels
    and text drawn on marks. Sizes already set larger are kept. Returns `fig`, changed in place.
    One update of the layout and at most one of each trace: each of Plotly's updates costs
    tens of milliseconds whatever the figure's size, and pages rebuild figures as they run."""
    layout = fig.layout.to_plotly_json()
    axis = {"tickfont": _text(BASE_FONT), "title": {"font": _text(BASE_FONT)}}
    scene_axis = {"tickfont": _text(MIN_FONT), "title": {"font": _text(BASE_FONT)}}
    patch = {
        "font": _text(BASE_FONT), "title": {"font": _text(TITLE_FONT)}, "legend": {"font": _text(BASE_FONT)},
        "hoverlabel": {"font": _text(BASE_FONT), "bgcolor": HOVER_BACKGROUND, "bordercolor": TEXT},
        **{k: axis for k in {"xaxis", "yaxis", *(k for k in layout if k.startswith(("xaxis", "yaxis")))}},
        **{k: {f"{a}axis": scene_axis for a in "xyz"} for k in layout if k.startswith("scene")},
    }
    fig.update_layout(_merged(_font_patch(layout) or {}, patch))
    # a colour bar's fonts only where the figure has one: setting them on a trace without one (a histogram's
    # marker, a line's) makes Plotly reserve room for a bar and widen the right margin
    bar = {"tickfont": _text(MIN_FONT), "title": {"font": _text(MIN_FONT)}}
    for trace in fig.data:
        plain = {k: v for k, v in trace.to_plotly_json().items() if isinstance(v, dict) or _is_font_key(k)}
        update = _font_patch(plain, trace.type) or {}
        if trace.type in ("scatter", "scattergl", "scatter3d") and "text" in (trace.mode or ""):
            update = _merged(update, {"textfont": _text(MIN_FONT)})
        if "colorbar" in (plain.get("marker") or {}):
            update = _merged(update, {"marker": {"colorbar": bar}})
        elif "colorbar" in plain or (trace.type in ("heatmap", "surface", "contour") and trace.showscale is not False):
            update = _merged(update, {"colorbar": bar})
        if update:
            trace.update(update)
    return fig


def font_problems(fig: go.Figure) -> list[str]:
    """Every font of `fig`'s JSON smaller than MIN_FONT or not dark, as "path: size/colour"; an
    empty list when the figure is fit for the back row. The base font must be set (every
    unset font inherits it), and so must the hover label's (Plotly's own is 13 px)."""
    problems: list[str] = []
    data = fig.to_plotly_json()
    layout = data.get("layout", {})
    base = layout.get("font", {})
    if (base.get("size") or 12) < MIN_FONT or not is_dark(base.get("color", "#444")):
        problems.append(f"layout.font: {base}")
    hover = layout.get("hoverlabel", {}).get("font", {})
    if (hover.get("size") or 13) < MIN_FONT:
        problems.append(f"layout.hoverlabel.font: {hover}")

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                here = f"{path}.{key}"
                if _is_font_key(key) and isinstance(value, dict):
                    size, colour = value.get("size"), value.get("color")
                    if size is not None and not isinstance(size, (list, tuple)) and size < MIN_FONT:
                        problems.append(f"{here}: size {size}")
                    if colour is not None and not isinstance(colour, (list, tuple)) and not is_dark(colour):
                        problems.append(f"{here}: colour {colour}")
                elif isinstance(value, (dict, list)):
                    walk(value, here)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, (dict, list)):
                    walk(value, f"{path}[{i}]")

    walk(layout, "layout")
    walk(data.get("data", []), "data")
    return problems


# matplotlib's rc settings for the app's pictures: the same sizes and text colour.
MPL_STYLE = {
    "font.size": BASE_FONT, "axes.titlesize": 17, "figure.titlesize": TITLE_FONT, "legend.fontsize": BASE_FONT,
    "axes.labelsize": BASE_FONT, "xtick.labelsize": MIN_FONT + 1, "ytick.labelsize": MIN_FONT + 1,
    "text.color": TEXT, "axes.labelcolor": TEXT, "xtick.color": TEXT, "ytick.color": TEXT, "axes.edgecolor": TEXT,
    "axes.spines.top": False, "axes.spines.right": False,
}


def plane_cmap():
    """PLANE_SCALE as a matplotlib colour map."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list("crlso_plane", [PLANE_LOW, PLANE_HIGH])
