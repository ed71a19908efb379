"""Long lists on the pages: search by name, filter, sort and page on the server, from the query
string, so that every state has an address and works without a script. The rows are dicts
already in memory (a city has a few hundred villages): sorting them here is cheaper than a
query per column."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator

PER_PAGE = 50
QUERY_LENGTH = 30  # a name is a few characters; a longer search only fills the caches


def query_text(request) -> str:
    return request.GET.get("q", "").strip()[:QUERY_LENGTH]


def star_filter(request) -> int | None:
    text = request.GET.get("stars", "")
    return int(text) if text in ("1", "2", "3", "4", "5") else None


def search(rows: Iterable[dict], q: str, *names: str) -> list[dict]:
    """The rows whose `names` fields hold `q` (case-insensitive)."""
    q = q.casefold()
    return [r for r in rows if not q or any(q in str(r.get(n) or "").casefold() for n in names)]


@dataclass
class Sorted:
    """A list sorted by `?sort=KEY` (ascending) or `?sort=-KEY` (descending), KEY among `keys`;
    `headers[KEY]` is each column's link, which sorts by it or reverses the current order."""

    rows: list[dict]
    key: str
    descending: bool
    headers: dict[str, dict] = field(default_factory=dict)


def sort_rows(
    rows: list[dict],
    text: str,
    keys: dict[str, Callable[[dict], object]],
    query: dict,
    *,
    default: str,
    param: str = "sort",
) -> Sorted:
    """`rows` in the order `text` asks for, else `default`'s; blanks last either way. Without an
    order asked for, no header is marked and each sorts ascending first."""
    descending = text.startswith("-")
    key = text.lstrip("-")
    asked = key in keys
    if not asked:
        key, descending = default.lstrip("-"), default.startswith("-")
    present = [r for r in rows if keys[key](r) is not None]
    missing = [r for r in rows if keys[key](r) is None]
    ordered = sorted(present, key=keys[key], reverse=descending) + missing
    params = {n: v for n, v in query.items() if v and n not in (param, "page")}
    headers = {}
    for k in keys:
        current = asked and k == key
        flip = "-" if current and not descending else ""
        headers[k] = {
            "href": "?" + urlencode({**params, param: f"{flip}{k}"}),
            "state": ("descending" if descending else "ascending") if current else "none",
            "mark": ("▼" if descending else "▲") if current else "",
        }
    return Sorted(ordered, key, descending, headers)


def page_of(rows: list, request, query: dict, per_page: int | None = None) -> dict:
    """One page of `rows` (`?page=`, clamped to the pages there are) and the links around it."""
    page: Page = Paginator(rows, per_page or PER_PAGE).get_page(request.GET.get("page"))
    params = {n: v for n, v in query.items() if v and n != "page"}

    def href(number: int) -> str:
        return "?" + urlencode({**params, "page": number} if number > 1 else params)

    return {
        "rows": list(page.object_list),
        "number": page.number,
        "pages": page.paginator.num_pages,
        "count": page.paginator.count,
        "first": page.start_index(),
        "last": page.end_index(),
        "previous": href(page.number - 1) if page.has_previous() else "",
        "next": href(page.number + 1) if page.has_next() else "",
    }
