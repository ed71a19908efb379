"""The monthly report: a Chinese PDF (fonts embedded, text extractable, a page that renders) and
a DOCX that quote the published runs of the small test city."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.core.management import call_command

from tests.conftest import v1
from tests.test_hub_ingest import post
from zhili.index.models import Outcome, Run
from zhili.index.report import write_report
from zhili.index.report.content import Change, ReportNotReady, notable

VILLAGES = ["449902001001", "449902001002", "449902100200", "449903001001"]
HEADINGS = [
    "滨海市平安+指数月度报告",
    "一、总体情况",
    "二、一级指标变化情况",
    "三、需要关注的问题",
    "四、各区排名情况",
    "五、红色天数较多的镇街",
    "六、五星村（社区）",
]


def _events(first: date, last: date) -> tuple[list[dict], list[dict]]:
    """Burglaries and fires per village and day in a fixed pattern, the same each year, with
    what `_october` adds."""
    burglaries, fires = [], []
    d = first
    while d <= last:
        for i, village in enumerate(VILLAGES):
            more_burglaries, more_fires = _october(d, i)
            for k in range((d.day * (i + 1)) % (3 + i) // 2 + more_burglaries):
                burglaries.append({
                    "source_id": f"B{d:%Y%m%d}-{i}-{k}", "type": "police.burglary",
                    "occurred_at": f"{d}T09:00:00+08:00", "unit_code": village, "fields": {"category": "residence"},
                })  # fmt: skip
            for k in range(int((d.day + i) % 9 == 0) + more_fires):
                fires.append({
                    "source_id": f"F{d:%Y%m%d}-{i}-{k}", "type": "fire.fire", "occurred_at": f"{d}T20:00:00+08:00",
                    "unit_code": village, "fields": {"deaths": int(more_fires > 0 and k == 0), "injuries": (d.day + i + k) % 3},
                })  # fmt: skip
        d += timedelta(days=1)
    return burglaries, fires


def _october(d: date, i: int) -> tuple[int, int]:
    """(burglaries, fires) added in October 2026: one burglary a day more in 海澄区 (villages 0
    and 1), and a bad spell in 翠香社区 (拱北街道) from the 10th to the 14th, a fire death a day."""
    if d < date(2026, 10, 1) or i > 1:
        return 0, 0
    spell = i == 0 and 10 <= d.day <= 14
    return 1 + 12 * spell, 3 * spell


@pytest.fixture
def published(city, settings, tmp_path):
    """The shipped event catalogue, a year-ago baseline and two months of events; published
    monthly, daily and star runs."""
    from zhili.geo.models import Population
    from zhili.hub.catalogue import load_catalogue
    from zhili.hub.services import create_source
    from zhili.index.services import run
    from zhili.org.models import Department

    settings.LAKE_DIR = tmp_path / "lake"
    settings.DATA_DIR = tmp_path / "data"
    load_catalogue()
    depts = {d.code: d for d in Department.objects.all()}
    _p, police = create_source(code="ga_110", name="110 接处警", department=depts["public_security"])
    _f, fire = create_source(code="xf_119", name="119 接警", department=depts["fire_rescue"])
    Population.objects.update(gdp=120.0, vehicles=3000)
    for first, last in ((date(2025, 9, 1), date(2025, 10, 31)), (date(2026, 9, 1), date(2026, 10, 31))):
        burglaries, fires = _events(first, last)
        for key, events in ((police, burglaries), (fire, fires)):
            body = post(key, events).json()
            assert body["counts"]["accepted"] == len(events), body
    pingan, stars = v1("pingan_plus"), v1("star_rating")  # the test city is too small for version 2
    monthly, _c = run(
        code="pingan_plus", kind="month", first="2026-09", last="2026-10", publish=True, version=pingan
    )
    daily, _c = run(
        code="pingan_plus", kind="day", first="2026-10-01", last="2026-10-31", publish=True, version=pingan
    )
    stars, _c = run(code="star_rating", kind="month", first="2026-10", publish=True, version=stars)
    return {"monthly": monthly, "daily": daily, "stars": stars, "dir": tmp_path}


def _flat(text: str) -> str:
    """Text without whitespace: PDF extraction breaks lines wherever the page did."""
    return "".join(text.split())


def _expected_headline(monthly: Run) -> str:
    now = Outcome.objects.get(run=monthly, level="city", period_start=date(2026, 10, 1)).total
    before = Outcome.objects.get(run=monthly, level="city", period_start=date(2026, 9, 1)).total
    diff = round(now, 3) - round(before, 3)
    change = "与上月持平" if abs(diff) < 0.0005 else f"较上月{'上升' if diff > 0 else '下降'}{abs(diff):.3f}"
    return f"10月，全市平安+指数为{now:.3f}，{change}（9月为{before:.3f}）"


def _expected_attention(monthly: Run) -> str:
    leaf = "public_security/crime_disorder_calls"
    city = Outcome.objects.filter(run=monthly, level="city")
    now = city.get(period_start=date(2026, 10, 1)).nodes[leaf]["value"]
    before = city.get(period_start=date(2026, 9, 1)).nodes[leaf]["value"]
    assert now > before > 0
    return f"治安指数·违法犯罪警情：本月{now:,.0f}，上月{before:,.0f}，环比上升{(now - before) / before * 100:.1f}%"


def _district_order(monthly: Run) -> list[str]:
    from zhili.geo.models import Unit

    rows = Outcome.objects.filter(run=monthly, level="district", period_start=date(2026, 10, 1)).order_by(
        "rank"
    )
    names = dict(Unit.objects.values_list("code", "name"))
    return [names[o.unit_code] for o in rows]


def test_the_pdf_is_chinese_with_embedded_cjk_fonts_and_renders(published):
    from pypdf import PdfReader

    from zhili.core.models import AuditLog

    path = write_report(month="2026-10", fmt="pdf", output=None, actor_username="test")
    assert path == published["dir"] / "data" / "reports" / "pingan-2026-10.pdf"
    logged = AuditLog.objects.filter(actor_username="test", details__report="monthly").get()
    assert logged.details["month"] == "2026-10" and logged.details["format"] == "pdf"
    assert logged.details["runs"] == sorted(
        r.pk for r in (published["monthly"], published["daily"], published["stars"])
    )
    reader = PdfReader(path)
    text = _flat("\n".join(page.extract_text() for page in reader.pages))
    for heading in HEADINGS:
        assert heading in text
    assert _expected_headline(published["monthly"]) in text
    order = _district_order(published["monthly"])
    assert order == ["西江区", "海澄区"]  # 海澄区's bad October puts it second
    assert text.index(f"{order[0]}得分") < text.index(f"{order[1]}得分")
    assert "{#" not in text and "{{" not in text
    # second-level changes in % of the raw value, from the city's Outcome rows
    assert _expected_attention(published["monthly"]) in text
    # the town with red days, counted from the daily Outcome rows
    reds = Outcome.objects.filter(run=published["daily"], unit_code="449902001000", grade="red").count()
    assert reds == 5 and "红色（较差）天数最多的镇街是拱北街道（5天）" in text
    # the five-star villages and communities of the star run
    from zhili.geo.models import Unit

    five = Outcome.objects.filter(run=published["stars"], period_start=date(2026, 10, 1), stars=5)
    names = list(Unit.objects.filter(code__in=five.values("unit_code")).values_list("name", flat=True))
    assert names and all(name in text.split("六、五星村（社区）")[1] for name in names)

    fonts = {}
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"])] = any(
                k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    cjk = {name: embedded for name, embedded in fonts.items() if "CJK" in name or "Noto" in name}
    assert cjk and all(cjk.values()), fonts

    # A page as a person sees it: pdftoppm (poppler-utils, `make fonts`) turns it into PNG.
    assert shutil.which("pdftoppm"), "pdftoppm missing: run `make fonts` (poppler-utils)"
    png = published["dir"] / "page"
    subprocess.run(["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", "-singlefile", str(path), str(png)],
                   check=True, timeout=60)  # fmt: skip
    import numpy as np
    from PIL import Image

    with Image.open(png.with_suffix(".png")) as image:
        pixels = np.asarray(image.convert("RGB")).astype(int)
    height, width, _rgb = pixels.shape
    assert abs(height / width - 297 / 210) < 0.01 and 480 < width < 510  # A4 at 60 dpi
    dark = (pixels.sum(axis=2) < 3 * 128).sum()
    red = ((pixels[..., 0] > 150) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)).sum()
    assert dark > 0.01 * width * height  # text and charts, not a blank page
    assert red > 200  # the red masthead


def test_the_docx_has_the_same_sentences_and_the_ranking_in_order(published):
    from docx import Document

    out = published["dir"] / "out"
    out.mkdir()
    call_command("index", "report", "--month", "2026-10", "--format", "docx", "--output", str(out))
    doc = Document(out / "pingan-2026-10.docx")
    paragraphs = [p.text for p in doc.paragraphs]
    text = "".join(paragraphs)
    for heading in HEADINGS:
        assert heading in text
    assert any(p.startswith(_expected_headline(published["monthly"])) for p in paragraphs)
    assert "{{" not in text and "{%" not in text

    ranking = next(t for t in doc.tables if t.rows[0].cells[0].text == "排名")
    body = [[c.text for c in row.cells] for row in ranking.rows[1:]]
    order = _district_order(published["monthly"])
    assert [r[1] for r in body] == order
    assert [r[0] for r in body] == ["1", "2"]
    monthly = {o.unit_code: o for o in Outcome.objects.filter(run=published["monthly"], level="district",
                                                              period_start=date(2026, 10, 1))}  # fmt: skip
    assert sorted(r[2] for r in body) == sorted(f"{o.total:.3f}" for o in monthly.values())
    district_sentences = [p for p in paragraphs if p.startswith(tuple(f"{n}得分" for n in order))]
    assert [s.split("得分")[0] for s in district_sentences] == order
    assert any(p.endswith(_expected_attention(published["monthly"]) + "。") for p in paragraphs)
    towns = next(t for t in doc.tables if t.rows[0].cells[0].text == "序号")
    assert [[c.text for c in row.cells] for row in towns.rows[1:]] == [["1", "拱北街道", "海澄区", "5", "5"]]
    assert len(doc.inline_shapes) == 4  # the daily curve, the first-level changes, the districts, the funnel
    # the funnel of the heaviest count indicator, 违法犯罪警情 (crime and disorder calls), by town
    funnel = next(p for p in paragraphs if p.startswith("2026年10月全市违法犯罪警情每10,000人"))
    assert "99.8%界限" in funnel
    assert any(p.startswith("图4 2026年10月各镇街违法犯罪警情发生率漏斗图") for p in paragraphs)
    # the PDF prints the very same sentences
    pdf = write_report(month="2026-10", fmt="pdf", output=published["dir"] / "r.pdf")
    from pypdf import PdfReader

    pdf_text = _flat("".join(p.extract_text() for p in PdfReader(pdf).pages))
    for sentence in district_sentences:
        assert _flat(sentence) in pdf_text


def test_without_a_published_monthly_run_the_report_says_what_to_run(published):
    with pytest.raises(ReportNotReady) as caught:
        write_report(month="2026-11", fmt="pdf", output=None)
    assert caught.value.message == (
        "没有2026年11月已发布的月度指数：先运行 zhili index run --period month --date 2026-11 --publish"
    )


def test_an_unpublished_run_is_not_reported(city, settings, tmp_path):
    from zhili.geo.models import Population
    from zhili.hub.catalogue import load_catalogue
    from zhili.index.services import run

    settings.LAKE_DIR = tmp_path / "lake"
    load_catalogue()
    Population.objects.update(gdp=120.0, vehicles=3000)
    run(code="pingan_plus", kind="month", first="2026-10", version=v1("pingan_plus"))
    with pytest.raises(ReportNotReady, match="没有2026年10月已发布的月度指数"):
        write_report(month="2026-10", fmt="docx", output=tmp_path / "x.docx")
    assert not (tmp_path / "x.docx").exists()


def test_notable_first_level_changes_are_two_points_or_the_three_largest():
    changes = [
        Change("a", "甲", 80.0, 79.5),  # +0.5
        Change("b", "乙", 70.0, 72.5),  # −2.5
        Change("c", "丙", 60.0, 59.0),  # +1.0
        Change("d", "丁", 50.0, 49.9),  # +0.1
        Change("e", "戊", 90.0, 86.0),  # +4.0
        Change("f", "己", 40.0, 37.9),  # +2.1
        Change("g", "庚", None, 50.0),
    ]
    risen, fallen = notable(changes)
    assert [c.code for c in risen] == ["e", "f"]  # +4.0, +2.1 (≥ 2); +1.0 is fourth largest
    assert [c.code for c in fallen] == ["b"]
    risen, fallen = notable(changes[:4])  # nothing of 2 points: the three largest
    assert [c.code for c in risen] == ["c", "a"] and [c.code for c in fallen] == ["b"]


def test_the_committed_docx_template_is_what_make_template_builds(tmp_path):
    """Same paragraphs, tags, styles and tables (not the same bytes: python-docx's own default
    template may change between its releases)."""
    from docx import Document

    from zhili.index.report.make_template import TEMPLATE, build

    def outline(path):
        doc = Document(path)
        return (
            [(p.style.name, p.text) for p in doc.paragraphs],
            [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables],
        )

    assert outline(TEMPLATE) == outline(build(tmp_path / "monthly.docx"))


def test_an_unknown_format_is_refused():
    from zhili.core.errors import ZhiliError

    with pytest.raises(ZhiliError, match="报告格式"):
        write_report(month="2026-10", fmt="odt", output=None)
