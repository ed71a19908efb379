"""The bulletin's sentences, in the style of the city's monthly report: scores to three decimals,
changes against last month, ranks with their moves. Both the PDF and the DOCX print these."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zhili.index.report.model import Attention, DistrictRow, Report

FLAT = 0.0005  # a change that rounds to 0.000 is no change
COLOURS = {"red": "红色", "orange": "橙色", "yellow": "黄色", "blue": "蓝色", "green": "绿色"}


def score(v: float | None) -> str:
    return "—" if v is None else f"{v:.3f}"


def signed(v: float | None) -> str:
    """A change for a table: +1.234, −0.567, 0.000."""
    if v is None:
        return "—"
    if abs(v) < FLAT:
        return "0.000"
    return f"+{v:.3f}" if v > 0 else f"−{-v:.3f}"


def trend(v: float | None, *, prefix: str = "较上月") -> str:
    if v is None:
        return "上月无可比数据"
    if abs(v) < FLAT:
        return "与上月持平"
    return f"{prefix}{'上升' if v > 0 else '下降'}{abs(v):.3f}"


def move(m: int | None) -> str:
    if m is None:
        return "上月无排名"
    if m == 0:
        return "名次与上月持平"
    return f"较上月{'上升' if m > 0 else '下降'}{abs(m)}位"


def move_short(m: int | None) -> str:
    """For the ranking table: ↑3, ↓4, –."""
    if m is None:
        return "新"
    if m == 0:
        return "–"
    return f"↑{m}" if m > 0 else f"↓{-m}"


def num(v: float) -> str:
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.1f}" if abs(v) >= 100 else f"{v:.2f}"


def month_short(report: Report) -> str:
    return f"{report.month.start.month}月"


def write(report: Report) -> None:
    """Fill `report.sentences` and each district row's sentence."""
    m = month_short(report)
    p = f"{report.previous_month.start.month}月"
    s: dict[str, str | list[str]] = {}
    s["title"] = f"{report.city_name}{report.index_name}月度报告"
    s["subtitle"] = report.label
    headline = f"{m}，全市{report.index_name}为{score(report.city_score)}"
    if report.city_previous is None:
        headline += f"，{p}无已发布的指数，暂不作环比"
    else:
        headline += f"，{trend(report.city_diff)}（{p}为{score(report.city_previous)}）"
    if report.city_grade:
        headline += f"，等级为“{report.city_grade}”"
    s["headline"] = headline + "。"
    s["incomplete"] = (
        f"注：本月{'、'.join(report.incomplete)}无数据，相关得分按其余指标计算，结果标记为不完整。"
        if report.incomplete
        else ""
    )
    s["first_level"] = _first_level(report)
    s["attention_intro"] = (
        f"以下指标{m}较{p}明显变差（变差{_pct_threshold()}%以上或由无到有），请相关部门和镇街重点关注："
        if report.attention
        else (
            f"{p}无已发布的指数，暂不比较二级指标。"
            if report.city_previous is None
            else f"{m}各二级指标均未较{p}明显变差。"
        )
    )
    s["attention"] = [attention(a) for a in report.attention]
    s["districts"] = _districts_intro(report)
    for row in report.districts:
        row.sentence = district(row, report)
    s["red_towns"] = _red_towns(report)
    s["stars"] = _stars(report)
    s["daily_caption"] = f"图1 {report.label}全市每日{report.index_name}（点的颜色为当日等级）"
    s["first_level_caption"] = f"图2 {report.label}一级指标得分较{p}变化"
    s["district_caption"] = f"图3 {report.label}各区{report.index_name}得分（竖线为{p}得分）"
    f = report.funnel
    if f and f.get("grid"):
        s["funnel_caption"] = (
            f"图4 {report.label}各镇街{f['name']}发生率漏斗图（虚线、实线为95%、99.8%随机波动界限）"
        )
        high = "、".join(f["high"])
        s["funnel"] = (
            f"{report.label}全市{f['name']}每{f['per']:,}人{f['rate']:.2f}起。"
            + (f"{high}落在99.8%界限之外，其差异难以用偶然解释，需要关注。" if high
               else "各镇街均在99.8%随机波动界限之内：发生率的差别可能只是偶然，不宜据此排名问责。")
        )  # fmt: skip
    else:
        s["funnel_caption"] = f"图4 {report.label}漏斗图"
        s["funnel"] = "本月没有可作漏斗图的指标。"
    s["sources"] = list(report.sources)
    s["method"] = _method(report)
    report.sentences = s


def _method(report: Report) -> list[str]:
    from zhili.index.report.content import NOTABLE_POINTS, NOTABLE_TOP

    return [
        f"说明：{report.index_name}各级得分为0至100分，分数越高越平安；本报告的数字均引自上列已发布的计算结果，"
        "得分保留三位小数。",
        f"一级指标较上月变化{NOTABLE_POINTS:g}分以上、或变化幅度居前{NOTABLE_TOP}位的，列为明显上升或下降；"
        f"二级指标按原始数值（发生数、人数或均值）环比，变差{_pct_threshold()}%以上或由无到有的，列入“需要关注的问题”。",
        f"红色天数为日度指数中等级为{red(report)}的天数；最长连续红色天数只计本月之内。",
        "村（居）平安星级评定对村、社区分别排名，按名次比例评定一至五星。",
    ]


def _pct_threshold() -> str:
    from zhili.index.report.content import ATTENTION_PCT

    return f"{ATTENTION_PCT:g}"


def _first_level(report: Report) -> list[str]:
    p = f"{report.previous_month.start.month}月"
    if report.city_previous is None:
        return [f"{p}无已发布的指数，一级指标暂不作环比。"]
    out = []
    for changes, word in ((report.risen, "上升"), (report.fallen, "下降")):
        if changes:
            items = "，".join(f"{c.name}{word}{abs(c.diff):.3f}分（至{c.score:.3f}）" for c in changes)
            out.append(f"{'、'.join(c.name for c in changes)}较上月{word}明显：{items}。")
    if not out:
        return ["各一级指标得分与上月基本持平。"]
    out[0] = "一级指标中，" + out[0]
    return out


def attention(a: Attention) -> str:
    head = f"{a.parent}·{a.name}：本月{num(a.value)}，上月{num(a.previous)}"
    if a.pct is None:
        return f"{head}，由无到有。"
    return f"{head}，环比{'上升' if a.pct > 0 else '下降'}{abs(a.pct):.1f}%。"


def _districts_intro(report: Report) -> str:
    rows = [r for r in report.districts if r.score is not None]
    if not rows:
        return "本月没有各区的得分。"
    first, last = rows[0], rows[-1]
    return (
        f"{report.label}，全市{len(rows)}个区（功能区）中，{first.name}以{score(first.score)}分位列第一，"
        f"{last.name}以{score(last.score)}分位列末位。"
    )


def district(row: DistrictRow, report: Report) -> str:
    if row.score is None:
        return f"{row.name}：本月无得分。"
    parts = [f"{row.name}得分{score(row.score)}，{trend(row.diff)}"]
    if row.rank is not None:
        parts.append(f"排名第{row.rank}位，{move(row.rank_move)}")
    if row.red_days is not None:
        label = red(report)
        parts.append(f"本月有{row.red_days}天为{label}等级" if row.red_days else f"本月未出现{label}等级")
    if row.best and row.worst and row.best is not row.worst:
        parts.append(
            f"一级指标中{row.best.name}得分最高（{row.best.score:.1f}），{row.worst.name}最低（{row.worst.score:.1f}）"
        )
    return "，".join(parts[:2]) + ("；" + "；".join(parts[2:]) if parts[2:] else "") + "。"


def _red_towns(report: Report) -> str:
    m = month_short(report)
    label = red(report)
    if not report.days_covered:
        return f"{m}没有已发布的日度指数，暂无法统计{label}天数。"
    covered = f"按日度指数（覆盖{m}{report.days_covered}天）统计"
    if not report.red_towns:
        return f"{covered}，{m}各镇街均未出现{label}等级。"
    top = "、".join(f"{t.name}（{t.red_days}天）" for t in report.red_towns[:3])
    longest = max(report.red_towns, key=lambda t: t.longest)
    colour = COLOURS.get(report.red_colour, report.red_colour)
    return (
        f"{covered}，{label}天数最多的镇街是{top}；"
        f"{longest.name}连续{longest.longest}天为{colour}等级，为本月最长。"
    )


def red(report: Report) -> str:
    """红色（较差）: the streak colour and its grade label."""
    return f"{COLOURS.get(report.red_colour, report.red_colour)}（{report.red_label}）"


def _stars(report: Report) -> str:
    m = month_short(report)
    if not report.stars:
        return f"{m}的村（居）平安星级评定尚未发布。"
    total = report.five_star_villages + report.five_star_communities
    spread = "、".join(str(report.stars.get(n, 0)) for n in range(1, 6))
    return (
        f"{m}，全市共评定五星村（社区）{total}个，其中村{report.five_star_villages}个、"
        f"社区{report.five_star_communities}个；一星至五星分别为{spread}个。"
    )


def rows(report: Report) -> dict[str, list[dict[str, str]]]:
    """The report's tables as strings, the same for the PDF and the DOCX."""
    return {
        "first_level": [
            {"name": c.name, "score": score(c.score), "previous": score(c.previous), "diff": signed(c.diff)}
            for c in report.first_level
        ],
        "districts": [
            {
                "rank": str(r.rank) if r.rank is not None else "—",
                "name": r.name,
                "score": score(r.score),
                "diff": signed(r.diff),
                "move": move_short(r.rank_move),
                "grade": r.grade or "—",
                "red_days": "—" if r.red_days is None else str(r.red_days),
                "sentence": r.sentence,
            }
            for r in report.districts
        ],
        "red_towns": [
            {
                "n": str(i),
                "name": t.name,
                "district": t.district,
                "red_days": str(t.red_days),
                "longest": str(t.longest),
            }
            for i, t in enumerate(report.red_towns, 1)
        ],
        "star_groups": [
            {"town": g.town, "district": g.district, "count": str(len(g.names)), "names": "、".join(g.names)}
            for g in report.five_star
        ],
    }
