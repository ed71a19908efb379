"""Every page, as every demo role sees it, in Simplified Chinese (fixtures in tests/browser.py).

Each role logs in and walks its pages: the seeds below, the links of its top bar, and one page of
each kind that those pages link to (one unit page, one case, one delivery…). On each page:
- no Latin-script word is visible outside a short allow list (unit codes are digits; case numbers,
  units of measure and file formats are let through): an English leftover or a raw code such as
  `same_period_last_year`, `visit` or `tel-139…` fails;
- axe-core (bundled in axe-playwright-python, nothing fetched) finds no serious or critical
  violation, colour contrast (WCAG 2.1 AA) included.

To walk a new page, add its path to SEEDS (or link it from a page already walked)."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser import ARTIFACTS, login, shot

pytestmark = pytest.mark.browser

ROLES = [
    "system_admin",
    "city_analyst",
    "data_officer",
    "district_cadre",
    "town_cadre",
    "village_cadre",
    "grid_worker",
    "mediator",
    "police_officer",
    "duty_officer",
    "prosecutor",
    "enforcement_officer",
    "landlord",
    "citizen",
]

# Pages walked for every role (those a role may not open are skipped: a 403, a 404 or the login
# page). `None` is the visitor who has not logged in.
SEEDS = [
    "/",
    "/p/",
    "/p/stars/",
    "/dash/",
    "/dash/compare/",
    "/dash/stars/",
    "/dash/reports/",
    "/dash/definitions/",
    "/screen/",
    "/m/",
    "/m/apply/",
    "/m/cases/",
    "/m/figures/",
    "/m/verify/",
    "/hub/quality/",
    "/hub/upload/",
    "/me/tokens/",
    # the events behind an indicator (here petitions, whose forms are categories) of a town
    "/dash/unit/449902001000/?period=month&leaf=stability/petitions",
]
ADMIN_SEEDS = ["/admin/", "/admin/geo/unit/"]  # and one change form (below)
API_DOCS = "/api/docs"

# Links not followed: downloads, writes, the language switch, the admin's hundreds of pages.
NOT_FOLLOWED = re.compile(
    r"^/(api/|admin/|i18n/|logout/|login/|static/|media/)|\.(pdf|docx|csv|json|xlsx|png|svg)$|/export/"
)

# Latin-script words a Chinese page may show. Kept short on purpose: anything else is an English
# leftover or a code that should have been a name.
ALLOWED_WORDS = {
    # file formats, standards and names that are written in Latin letters in Chinese too
    "PDF", "DOCX", "CSV", "XLSX", "Excel", "JSON", "GeoJSON", "YAML", "Parquet", "PNG", "JPEG",
    "GBK", "UTF-8", "API", "AHP", "ID", "H3", "Ed25519", "SHA", "HMAC", "Word", "GDP",
    # the AHP's consistency ratio (一致性比率 CR)
    "CR",
    # units of measure
    "km", "m", "kg", "MB", "PM2.5", "PM10", "AQI",
    # the language menu names English in English
    "English",
}  # fmt: skip
# Written forms removed before looking for words: a version's hash (8 hex digits), λmax.
NOTATION = re.compile(r"\b(?=[0-9a-f]*\d)[0-9a-f]{8}\b|λmax")
ALLOWED_PATTERNS = [
    re.compile(r"^[A-Z]{1,4}\d[\d-]*$"),  # case numbers (TJ2026…), codes with digits
    re.compile(r"^zl_\w*$"),  # the first characters of an API token (my tokens)
    # file extensions as written in a list of accepted types (.csv, .xlsx …)
    re.compile(r"^(csv|xlsx|xls|docx|pdf|jsonl|json|geojson|parquet|png|jpe?g|ya?ml)$", re.I),
    # a file's own name as its sender gave it (a delivery, an attachment)
    re.compile(r"^[\w.\-]+\.(csv|xlsx|xls|docx|pdf|jsonl|json|geojson|parquet|png|jpe?g|ya?ml)$", re.I),
]
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.'’\-]*[A-Za-z0-9]|[A-Za-z]")

VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue.trim();
    const el = n.parentElement;
    // code, pre and textarea hold what people type or copy as written (a YAML draft, a version
    // hash, a definition's code beside its name): not words of the page
    if (!text || !el || el.closest("script, style, noscript, template, code, pre, kbd, samp, textarea")) continue;
    const option = el.closest("option");
    if (option ? !option.selected : !el.checkVisibility({ visibilityProperty: true })) continue;
    out.push(text);
  }
  for (const el of document.querySelectorAll("[placeholder], input[type=submit], input[type=button]")) {
    if (el.checkVisibility()) out.push(el.placeholder || el.value || "");
  }
  return out;
}"""


def latin_words(texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        for word in WORD.findall(NOTATION.sub(" ", text)):
            word = word.rstrip(".")
            if word in ALLOWED_WORDS or any(p.match(word) for p in ALLOWED_PATTERNS):
                continue
            found.append(f"{word!r} in {text[:80]!r}")
    return found


def test_latin_words_are_found_and_allowed_ones_let_through():
    assert (
        latin_words(
            [
                "案件 TJ2026120100012，面积 3.5 km，导出 PDF",
                "版本 49b77fb4",
                "CR（λmax = 2.0）",
                "jq.csv 已入库",
            ]
        )
        == []
    )
    assert latin_words(["2 other 2", "方法：same_period_last_year", "tel-13912345678"]) == [
        "'other' in '2 other 2'",
        "'same_period_last_year' in '方法：same_period_last_year'",
        "'tel-13912345678' in 'tel-13912345678'",
    ]


def serious_violations(page, selector: str | None = None) -> list[str]:
    result = Axe().run(page, context=selector) if selector else Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(f"{n['target']} {n.get('failureSummary', '')[:200]!r}" for n in v["nodes"][:4])
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def kind(path: str) -> str:
    """One page of each kind: /dash/unit/4499/ and /dash/unit/449902/ are the same kind; a unit
    page's list of an indicator's events (?leaf=…) is another."""
    url = urlsplit(path)
    return re.sub(r"/[^/]*\d[^/]*(?=/|$)", "/#", url.path) + ("?leaf" if "leaf=" in url.query else "")


def check(page, url: str, problems: list[str], *, texts_of: str | None = None) -> None:
    """The page's visible Latin words and its serious axe violations go to `problems`."""
    if texts_of:
        texts = page.eval_on_selector_all(texts_of, "els => els.map(e => e.innerText)")
    else:
        texts = page.evaluate(VISIBLE_TEXT)
    problems += [f"{url}: Latin word {w}" for w in latin_words(texts)]
    problems += [f"{url}: axe {v}" for v in serious_violations(page)]


def walk(page, server: str, seeds: list[str], problems: list[str], tag: str) -> list[str]:
    queue, seen, walked = list(seeds), set(), []
    while queue:
        path = queue.pop(0)
        if kind(path) in seen:
            continue
        seen.add(kind(path))
        response = page.goto(server + path)
        page.wait_for_load_state("networkidle")
        final = urlsplit(page.url).path
        if response is None or response.status >= 400 or final.startswith("/login/"):
            continue
        if final != urlsplit(path).path and kind(final) in seen:
            continue  # a redirect to a page already walked
        final = path if final == urlsplit(path).path else final
        seen.add(kind(final))
        walked.append(final)
        check(page, final, problems)
        if len(walked) == 1:
            shot(page, f"walk-{tag}")
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        for href in hrefs:
            target = urlsplit(urljoin(page.url, href))
            if target.netloc and target.netloc != urlsplit(server).netloc:
                continue
            link = target.path + (f"?{target.query}" if "leaf=" in target.query else "")
            if NOT_FOLLOWED.search(target.path) or kind(link) in seen:
                continue
            queue.append(link)
    return walked


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_page_of_a_role_is_in_chinese_and_passes_axe(server, page_at, role):
    page = page_at(1366, 900)
    problems: list[str] = []
    if role:
        login(page, server, role)
    walked = walk(page, server, SEEDS, problems, role or "visitor")
    (ARTIFACTS / f"walk-{role or 'visitor'}.txt").write_text("\n".join(walked) + "\n")  # what was walked
    assert len(walked) >= 3, walked
    if role == "system_admin":
        for path in ADMIN_SEEDS:
            page.goto(server + path)
            check(page, path, problems)
        # one change form: the first department's (a unit's has Django's own unlabelled inline
        # inputs and autocomplete, which are Django's to fix)
        page.goto(server + "/admin/org/department/")
        page.click("#result_list tbody tr th a")
        page.wait_for_load_state("networkidle")
        check(page, urlsplit(page.url).path, problems)
    if role in (None, "town_cadre"):
        # The documentation's own chrome (Swagger UI) is English; its operations are ours.
        page.goto(server + API_DOCS)
        page.wait_for_selector(".opblock-summary-description")
        check(page, API_DOCS, problems, texts_of=".opblock-summary-description, .opblock-tag")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
