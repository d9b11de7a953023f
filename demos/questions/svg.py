"""The figures of computed questions as standalone SVG, for places without plotly (the Anki export).

Every text is escaped; the drawing is plain SVG 1.1 that Anki's card view (a web view) shows as an image.
"""

from __future__ import annotations

from html import escape

from demos.questions.core import BarsFigure, BoxesFigure, CurveFigure, Figure, LayersFigure

PALETTE = ("#4338CA", "#DC2626", "#059669", "#D97706", "#7C3AED", "#0891B2", "#DB2777", "#65A30D")
FONT = 'font-family="Helvetica, Arial, sans-serif"'


def _svg(width: float, height: float, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:g}" height="{height:g}" '
        f'viewBox="0 0 {width:g} {height:g}">' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, size: int = 12, anchor: str = "start", colour: str = "#111827") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" {FONT} text-anchor="{anchor}" fill="{colour}">'
        f"{escape(text)}</text>"
    )


def label_corner(box: tuple[float, float, float, float], i: int) -> tuple[float, float, str, str]:
    """Where box ``i``'s label goes, (x, y, horizontal anchor, vertical anchor) in box coordinates: the corners
    take turns (top left, bottom right, top right, bottom left), so the labels of overlapping boxes seldom meet."""
    x1, y1, x2, y2 = box
    return [(x1, y1, "left", "top"), (x2, y2, "right", "bottom"), (x2, y1, "right", "top"), (x1, y2, "left", "bottom")][
        i % 4
    ]


def boxes_svg(fig: BoxesFigure, scale: float = 3.0) -> str:
    body = [f'<rect width="{fig.width * scale:g}" height="{fig.height * scale:g}" fill="#F9FAFB" stroke="#D1D5DB"/>']
    for i, (box, label) in enumerate(zip(fig.boxes, fig.labels, strict=True)):
        colour = PALETTE[i % len(PALETTE)]
        x1, y1, x2, y2 = (v * scale for v in box)
        body.append(
            f'<rect x="{x1:.1f}" y="{y1:.1f}" width="{x2 - x1:.1f}" height="{y2 - y1:.1f}" fill="none" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        tag = f"{label} {fig.scores[i]:.2f}" if fig.scores else label
        x, y, h_anchor, v_anchor = label_corner(box, i)
        anchor = "start" if h_anchor == "left" else "end"
        body.append(
            _text(
                x * scale + (3 if anchor == "start" else -3),
                y * scale + (14 if v_anchor == "top" else -4),
                tag,
                13,
                anchor,
                colour,
            )
        )
    return _svg(fig.width * scale, fig.height * scale, body)


def layers_svg(fig: LayersFigure) -> str:
    box_w, box_h, gap = 120, 54, 28
    width = len(fig.layers) * (box_w + gap) - gap + 20
    body = []
    for i, (name, detail) in enumerate(fig.layers):
        x = 10 + i * (box_w + gap)
        body.append(f'<rect x="{x}" y="10" width="{box_w}" height="{box_h}" rx="6" fill="#EEF2FF" stroke="#4338CA"/>')
        body.append(_text(x + box_w / 2, 33, name, 13, "middle"))
        body.append(_text(x + box_w / 2, 52, detail, 11, "middle", "#4B5563"))
        if i:
            body.append(
                f'<line x1="{x - gap + 2}" y1="{10 + box_h / 2}" x2="{x - 4}" y2="{10 + box_h / 2}" stroke="#6B7280" '
                'stroke-width="2"/>'
            )
            body.append(
                f'<polygon points="{x - 4},{10 + box_h / 2 - 4} {x},{10 + box_h / 2} {x - 4},{10 + box_h / 2 + 4}" '
                'fill="#6B7280"/>'
            )
    return _svg(width, box_h + 20, body)


def bars_svg(fig: BarsFigure) -> str:
    bar_w, gap, height, top = 56, 18, 160, 24
    width = len(fig.values) * (bar_w + gap) + gap
    low, high = min(0.0, *fig.values), max(0.0, *fig.values)
    span = (high - low) or 1.0

    def y(v: float) -> float:
        return top + (high - v) / span * (height - top - 24)

    body = [f'<line x1="0" y1="{y(0):.1f}" x2="{width}" y2="{y(0):.1f}" stroke="#9CA3AF"/>']
    for i, (label, value) in enumerate(zip(fig.labels, fig.values, strict=True)):
        x = gap + i * (bar_w + gap)
        y0, y1 = sorted((y(0), y(value)))
        body.append(f'<rect x="{x}" y="{y0:.1f}" width="{bar_w}" height="{max(y1 - y0, 1):.1f}" fill="#4338CA"/>')
        body.append(_text(x + bar_w / 2, min(y0, y(0)) - 4, f"{value:g}", 12, "middle"))
        body.append(_text(x + bar_w / 2, height - 6, label, 12, "middle"))
    return _svg(width, height, body)


def curve_svg(fig: CurveFigure) -> str:
    width, height, pad = 320, 180, 16
    x_lo, x_hi = min(fig.xs), max(fig.xs)
    y_lo, y_hi = min(fig.ys), max(fig.ys)

    def px(x: float, y: float) -> tuple[float, float]:
        return (
            pad + (x - x_lo) / ((x_hi - x_lo) or 1) * (width - 2 * pad),
            height - pad - (y - y_lo) / ((y_hi - y_lo) or 1) * (height - 2 * pad),
        )

    path = " ".join(
        f"{'M' if i == 0 else 'L'}{a:.1f},{b:.1f}"
        for i, (a, b) in enumerate(px(x, y) for x, y in zip(fig.xs, fig.ys, strict=True))
    )
    body = [f'<path d="{path}" fill="none" stroke="#4338CA" stroke-width="2"/>']
    for x, y, label in fig.points:
        a, b = px(x, y)
        body.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="5" fill="#DC2626"/>')
        body.append(_text(a + 8, b - 6, f"{label} (w = {x:g})", 12))
    body.append(_text(width - pad, height - 2, fig.x_title, 11, "end", "#4B5563"))
    return _svg(width, height, body)


def to_svg(fig: Figure) -> str:
    """The figure as an SVG document (a string)."""
    if isinstance(fig, BoxesFigure):
        return boxes_svg(fig)
    if isinstance(fig, LayersFigure):
        return layers_svg(fig)
    if isinstance(fig, BarsFigure):
        return bars_svg(fig)
    return curve_svg(fig)
