"""The report's charts as PNG bytes: matplotlib, drawn by Agg (no display), with a Noto CJK
font found through matplotlib's font manager among the fonts installed on the machine (Debian's
fonts-noto-cjk; `make fonts`). Nothing is fetched. The object API (Figure, no pyplot) and a
local rc_context keep it safe to call inside a web or task process."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from zhili.core.errors import ZhiliError

if TYPE_CHECKING:
    from zhili.index.report.model import Report

FAMILIES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC")
# The grade colours of the index pages (blue 优秀, yellow 良好, orange 平稳, red 较差).
GRADE_COLOURS = {
    "blue": "#2f6fb3",
    "yellow": "#e3b505",
    "orange": "#e07b24",
    "red": "#c62f2f",
    "green": "#3c9a4d",
}
INK = "#333333"
DPI = 200


class FontMissing(ZhiliError):
    status = 500
    code = "cjk_font_missing"


def cjk_family() -> str:
    """The first Noto CJK family matplotlib knows; fonts installed after matplotlib cached its
    font list are added from the system font folders. Refused with the fix when there is none."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in FAMILIES:
        if family in known:
            return family
    for path in sorted(set(font_manager.findSystemFonts())):
        if "CJK" in path and "Noto" in path:
            font_manager.fontManager.addfont(path)
    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in FAMILIES:
        if family in known:
            return family
    raise FontMissing(
        "没有找到中文字体（Noto CJK）：运行 make fonts，或 apt-get install fonts-noto-cjk",
        details=[{"font": FAMILIES[0]}],
    )


def _figure(width: float, height: float):
    """A figure of the object API (no pyplot: no global figure list, no display backend;
    savefig draws with Agg)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    ax = fig.subplots()
    ax.spines[["top", "right"]].set_visible(False)
    return fig, ax


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def districts(report: Report, grade_colour: dict[str, str]) -> bytes:
    """Bars of each district's score this month, last month's as a tick, best first."""
    rows = [r for r in report.districts if r.score is not None]
    fig, ax = _figure(6.3, 0.9 + 0.34 * max(len(rows), 3))
    names = [r.name for r in rows][::-1]
    scores = [r.score for r in rows][::-1]
    colours = [GRADE_COLOURS.get(grade_colour.get(r.grade, ""), "#5b7fa6") for r in rows][::-1]
    bars = ax.barh(names, scores, color=colours, height=0.62)
    for bar, value in zip(bars, scores, strict=True):
        ax.text(bar.get_width() + 0.6, bar.get_y() + bar.get_height() / 2, f"{value:.3f}",
                va="center", fontsize=8, color=INK)  # fmt: skip
    previous = [(i, r.previous) for i, r in enumerate(rows[::-1]) if r.previous is not None]
    if previous:
        ax.scatter([v for _i, v in previous], [i for i, _v in previous], marker="|", s=180,
                   color="#222222", label="上月得分", zorder=3)  # fmt: skip
        ax.legend(loc="lower right", frameon=False, fontsize=8)
    ax.set_xlim(0, max([100.0, *scores]) + 8)
    ax.set_xlabel("得分")
    return _png(fig)


def daily(report: Report, grade_colour: dict[str, str]) -> bytes:
    """The city's score day by day, each point in its grade's colour."""
    fig, ax = _figure(6.3, 2.6)
    points = [(d, v, g) for d, v, g in report.daily if v is not None]
    if points:
        days = [d.day for d, _v, _g in points]
        values = [v for _d, v, _g in points]
        ax.plot(days, values, color="#7a7a7a", linewidth=1.2, zorder=1)
        ax.scatter(days, values, zorder=2, s=18,
                   c=[GRADE_COLOURS.get(grade_colour.get(g, ""), "#5b7fa6") for _d, _v, g in points])  # fmt: skip
        if report.city_score is not None:
            ax.axhline(report.city_score, color="#2f6fb3", linestyle="--", linewidth=0.8,
                       label=f"月度指数 {report.city_score:.3f}")  # fmt: skip
            ax.legend(loc="lower right", frameon=False, fontsize=8)
        low, high = min(values), max(values)
        ax.set_ylim(max(0, low - 5), min(100, high + 5))
    else:
        ax.text(0.5, 0.5, "本月没有已发布的日度指数", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlim(0.5, report.month.days + 0.5)
    ax.set_xticks(range(1, report.month.days + 1, 2))
    ax.set_xlabel(f"{report.month.start.month}月（日）")
    ax.set_ylabel("得分")
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    return _png(fig)


def first_level(report: Report) -> bytes:
    """The change of each first-level indicator against last month, rises in blue, falls in red."""
    rows = [c for c in report.first_level if c.diff is not None]
    fig, ax = _figure(6.3, 0.9 + 0.3 * max(len(rows), 3))
    if rows:
        rows.sort(key=lambda c: c.diff)
        ax.barh([c.name for c in rows], [c.diff for c in rows], height=0.6,
                color=[GRADE_COLOURS["blue"] if c.diff >= 0 else GRADE_COLOURS["red"] for c in rows])  # fmt: skip
        ax.axvline(0, color="#999999", linewidth=0.8)
        span = max(abs(c.diff) for c in rows) or 1.0
        ax.set_xlim(-span * 1.25, span * 1.25)
        for i, c in enumerate(rows):
            ax.text(c.diff + (span * 0.03 if c.diff >= 0 else -span * 0.03), i, f"{c.diff:+.3f}",
                    va="center", ha="left" if c.diff >= 0 else "right", fontsize=7.5, color=INK)  # fmt: skip
    else:
        ax.text(0.5, 0.5, "上月无可比数据", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("较上月变化（分）")
    return _png(fig)


def funnel(report: Report) -> bytes:
    """The towns' rate of one indicator against their residents, with the limits of chance."""
    f = report.funnel
    fig, ax = _figure(6.3, 3.4)
    if f and f.get("grid"):
        for level, style in (("0.95", ":"), ("0.998", "-")):
            lim = f["limits"][level]
            ax.plot(f["grid"], lim["upper"], style, color="#888888", linewidth=0.9,
                    label=f"随机波动界限（{float(level):.1%}）")  # fmt: skip
            ax.plot(f["grid"], lim["lower"], style, color="#888888", linewidth=0.9)
        ax.axhline(f["rate"], color=INK, linewidth=1.0, label=f"全市 {f['rate']:.2f}")
        points = [(x, y, n, o) for x, y, n, o in zip(f["residents"], f["rates"], f["towns"],
                                                     f["outside"]["0.998"], strict=True) if y is not None]  # fmt: skip
        ax.scatter([p[0] for p in points], [p[1] for p in points], s=22, zorder=3,
                   c=[GRADE_COLOURS["red"] if p[3] else "#5b7fa6" for p in points])  # fmt: skip
        for x, y, name, outside in points:
            if outside:
                ax.annotate(name, (x, y), textcoords="offset points", xytext=(4, 3), fontsize=7, color=INK)
        ax.set_xscale("log")
        ax.legend(loc="upper right", frameon=False, fontsize=7.5)
    else:
        ax.text(0.5, 0.5, "本月没有可作漏斗图的指标", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("常住人口（对数刻度）")
    ax.set_ylabel(f"每{(f or {}).get('per', 10000):,}人发生数")
    return _png(fig)


def render(report: Report) -> dict[str, bytes]:
    """All charts by name, as PNG."""
    from matplotlib import rc_context

    grade_colour = {label: colour for colour, label in report.grade_labels.items()}
    grade_colour.update({colour: colour for colour in report.grade_labels})
    style = {
        "font.family": [cjk_family(), "DejaVu Sans"],
        "font.size": 9,
        "axes.unicode_minus": False,
        "axes.edgecolor": "#999999",
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
    }
    with rc_context(style):
        return {
            "districts": districts(report, grade_colour),
            "daily": daily(report, grade_colour),
            "first_level": first_level(report),
            "funnel": funnel(report),
        }
