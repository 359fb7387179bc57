"""Small accessible SVG charts drawn on the server from numbers.

No JavaScript and no inline style (the Content-Security-Policy forbids both): shapes carry CSS
classes (`series-1`, `threshold`...) that static/css/app.css colours. Each chart is an <svg
role="img"> with a <title> and a <desc> naming its figures, and axis labels; the page puts
a data table beside it for screen readers and for copying. All text is escaped here.
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 26, 48


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]
    css_class: str = "series-1"


def _nice_max(value: float) -> float:
    """A round top for the y axis (1, 2, 5, 10, 20, 50...) at or above `value`."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _short(label: str, limit: int = 23) -> str:
    """Long category names are cut to fit beside their bar (the data table has them whole)."""
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _number(value: float) -> str:
    return f"{value:g}"


class _Frame:
    """Plot area, scales and the shared parts (axes, grid, labels) of every chart."""

    def __init__(self, labels: list[str], top: float):
        self.labels, self.top = labels, _nice_max(top)
        self.plot_w, self.plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(self, index: int) -> float:
        slot = self.plot_w / max(len(self.labels), 1)
        return LEFT + slot * index + slot / 2

    def y(self, value: float) -> float:
        return TOP + self.plot_h * (1 - min(value, self.top) / self.top)

    def axes(self, x_label: str, y_label: str) -> list[str]:
        parts = []
        for tick in (0, self.top / 2, self.top):
            y = self.y(tick)
            parts.append(f'<line class="grid" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>')
            parts.append(f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(tick)}</text>')
        every = max(1, -(-len(self.labels) // 7))  # at most about seven x labels, ending on the latest
        for index in range(len(self.labels) - 1, -1, -every):
            label = self.labels[index]
            parts.append(
                f'<text class="tick" x="{self.x(index):.1f}" y="{TOP + self.plot_h + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
        parts.append(
            f'<line class="axis" x1="{LEFT}" y1="{TOP + self.plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + self.plot_h}"/>'
        )
        parts.append(
            f'<text class="axis-label" x="{LEFT + self.plot_w / 2:.1f}" y="{HEIGHT - 6}" '
            f'text-anchor="middle">{escape(x_label)}</text>'
        )
        parts.append(
            f'<text class="axis-label" x="12" y="{TOP + self.plot_h / 2:.1f}" text-anchor="middle" '
            f'transform="rotate(-90 12 {TOP + self.plot_h / 2:.1f})">{escape(y_label)}</text>'
        )
        return parts


def _svg(title: str, desc: str, parts: list[str], legend: list[Series]) -> SafeString:
    keys = "".join(
        f'<g class="legend-item"><rect class="{escape(s.css_class)}" x="{LEFT + 150 * i}" y="4" width="10" '
        f'height="10"/><text x="{LEFT + 150 * i + 14}" y="14">{escape(s.name)}</text></g>'
        for i, s in enumerate(legend)
    )
    return mark_safe(  # noqa: S308 - every piece of text above went through escape()
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" xmlns="http://www.w3.org/2000/svg" '
        f'preserveAspectRatio="xMidYMid meet"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
        f"{keys}{''.join(parts)}</svg>"
    )


def _describe(labels: list[str], series: list[Series]) -> str:
    """The chart's <desc>: its figures in words, first and last points of each series."""
    if not labels:
        return _("No figures yet.")
    bits = []
    for s in series:
        known = [(label, v) for label, v in zip(labels, s.values, strict=True) if v is not None]
        if known:
            bits.append(
                _("%(series)s: %(first)s (%(first_label)s) to %(last)s (%(last_label)s)")
                % {
                    "series": s.name,
                    "first": _number(known[0][1]),
                    "first_label": known[0][0],
                    "last": _number(known[-1][1]),
                    "last_label": known[-1][0],
                }
            )
    return "; ".join(bits) + "." if bits else _("No figures yet.")


def column_chart(*, title: str, labels: list[str], series: list[Series], x_label: str, y_label: str) -> SafeString:
    """Columns side by side for each label (one per series): counts per week, say."""
    values = [v for s in series for v in s.values if v is not None]
    frame = _Frame(labels, max(values, default=0))
    parts = frame.axes(x_label, y_label)
    slot = frame.plot_w / max(len(labels), 1)
    width = max(1.0, slot * 0.8 / max(len(series), 1))
    for n, s in enumerate(series):
        for index, value in enumerate(s.values):
            if not value:
                continue
            x = frame.x(index) - slot * 0.4 + width * n
            y = frame.y(value)
            parts.append(
                f'<rect class="{escape(s.css_class)}" x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" '
                f'height="{TOP + frame.plot_h - y:.1f}"><title>{escape(s.name)}, {escape(labels[index])}: '
                f"{_number(value)}</title></rect>"
            )
    return _svg(title, _describe(labels, series), parts, series)


def line_chart(
    *,
    title: str,
    labels: list[str],
    series: list[Series],
    x_label: str,
    y_label: str,
    threshold: float | None = None,
    threshold_label: str = "",
) -> SafeString:
    """Lines through the points (gaps where a value is unknown), with an optional horizontal
    threshold line: active members against the critical mass, say."""
    values = [v for s in series for v in s.values if v is not None]
    frame = _Frame(labels, max([*values, threshold or 0], default=0))
    parts = frame.axes(x_label, y_label)
    for s in series:
        points = [(frame.x(i), frame.y(v)) for i, v in enumerate(s.values) if v is not None]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f'<polyline class="line {escape(s.css_class)}" points="{path}"/>')
    desc = _describe(labels, series)
    if threshold is not None:
        y = frame.y(threshold)
        label = threshold_label or _("Threshold")
        parts.append(f'<line class="threshold" x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="threshold-label" x="{WIDTH - RIGHT}" y="{y - 4:.1f}" text-anchor="end">'
            f"{escape(label)}: {_number(threshold)}</text>"
        )
        desc = f"{desc} {label}: {_number(threshold)}."
    return _svg(title, desc, parts, series)


def bar_list(*, title: str, items: list[tuple[str, float]], unit: str = "") -> SafeString:
    """Horizontal bars, one per category, largest first: the mix of countries, say."""
    height = 24 * max(len(items), 1) + 8
    top = max((value for _, value in items), default=0) or 1
    parts = []
    for index, (label, value) in enumerate(items):
        y = 4 + 24 * index
        width = (WIDTH - 260) * value / top
        parts.append(f'<text class="tick" x="196" y="{y + 15}" text-anchor="end">{escape(_short(label))}</text>')
        parts.append(f'<rect class="series-1" x="204" y="{y + 3}" width="{width:.1f}" height="16"/>')
        parts.append(f'<text class="tick" x="{208 + width:.1f}" y="{y + 15}">{_number(value)}{escape(unit)}</text>')
    desc = "; ".join(f"{label}: {_number(value)}{unit}" for label, value in items) or _("No figures yet.")
    return mark_safe(  # noqa: S308 - escaped above
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{''.join(parts)}</svg>"
    )
