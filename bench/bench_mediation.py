"""Mediation's hot paths, each next to a floor measured in the same run: the agreement PDF,
signing, the heat map and applying.

    .venv/bin/python bench/bench_mediation.py [--repeat 7] [--cases 10000] [--applications 200]
                                              [--seed 2026]

Sets up a throw-away data directory (SQLite), migrates and loads the demo city (without grids),
then times, each the median of --repeat runs (ours and its floor alternate run by run, after one
untimed warm-up each, so a change in the machine's load hits both):

- agreement PDF: `documents.render_pdf("agreement", context)` with a realistic context (two
  parties, three terms, a long statement of facts); floor: WeasyPrint alone printing the very
  HTML page `docx_to_pdf` prints (the .docx rendered and converted by mammoth once, outside the
  timer) with the same CSS, URL fetcher and reused font configuration. `render_docx` and the
  docx → HTML step are timed alone too (no floor: they are the difference);
- signing: `signing.sign` + `signing.verify` per signature, over 3 signers × SIGN_ROUNDS
  signatures per run; floor: a bare `Ed25519PrivateKey.sign` of the same canonical bytes with
  the key already unsealed, so the ratio is the cost of opening the sealed key for every
  signature (PKCS#8, BestAvailableEncryption with the master secret: with cryptography 50 that
  is PBES2, PBKDF2-HMAC-SHA256 of 2,048 iterations and AES-256-CBC, not a memory-hard KDF).
  `signing.stamp_pdf` of a 3-signature agreement (handwritten PNGs included); floor: WeasyPrint
  printing the same signatures page (HTML captured from stamp_pdf) with the reused font
  configuration, no merging;
- heat map: `stats.heat(Case.objects.all())` over --cases cases bulk-created in the city's
  villages (75 % with a point inside their village, 25 % without, placed at their village);
  floor: `h3.latlng_to_cell` over the same points (each case's own, or its village's
  representative point), already in memory as Python floats, counted by `collections.Counter`;
- applying: `services.apply(...)` by a citizen, per case, for --applications distinct
  applications with `paperwork=False` and as many with `paperwork=True` (the application form as
  DOCX + PDF), routed by a people's-committee rule to the town's committee, with the hub
  catalogue loaded; floor: a bare `Case.objects.create` + 2 `Party` rows in one transaction per
  case (no checks, routing, timeline, audit, hub fact or paperwork). The heat-map cases are
  deleted before this part, so routing counts the open load of a near-empty table.

Times are per call (per case for applying: the median case, and cases/s from it). The ratio is
ours / floor in time. Prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import html
import io
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

SIGN_ROUNDS = 10  # signatures per signer per run
VERIFY_URL = "http://127.0.0.1:8000/m/verify/"

FACTS = (
    "申请人张伟自2025年3月起在被申请人李建国承包的海澄区拱北街道翠香社区翠香花园二期外墙翻新工程中"
    "从事泥水工作，双方口头约定日工资350元，按月结算。2025年8月至10月，申请人共出勤94天，"
    "应得工资32,900元，被申请人以工程款未到账为由至今未支付，仅于2025年11月2日出具欠条一张，"
    "载明欠款金额32,900元。申请人多次催讨未果，遂向本委员会申请调解。\n"
    "被申请人承认欠款事实，称发包方拖欠工程款导致资金周转困难，愿意分期支付。"
)
CLAIMS = "1. 请求被申请人支付拖欠工资32,900元；\n2. 请求被申请人支付催讨期间的交通费、误工费共计1,200元。"
TERMS = [
    "被申请人李建国于2026年12月15日前向申请人张伟支付拖欠工资人民币20,000元。",
    "被申请人李建国于2027年1月31日前向申请人张伟支付剩余工资人民币12,900元，并一次性补偿交通费、误工费600元。",
    "上述款项均以银行转账方式支付至申请人指定的账户；被申请人逾期未付的，申请人可就全部未付款项向人民法院申请强制执行。",
]


def main() -> int:
    data_dir = tempfile.mkdtemp(prefix="zhili-bench-")
    try:
        return run(data_dir)
    finally:
        from django.conf import settings

        if settings.configured:  # not after --help
            from django.db import connections

            connections.close_all()
        shutil.rmtree(data_dir, ignore_errors=True)


def fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:,.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:,.1f} ms"
    return f"{seconds * 1e6:,.1f} µs"


def runs(values: list[float]) -> str:
    return ", ".join(fmt(v) for v in values)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def agreement_context() -> dict:
    return {
        "case": {
            "number": "TJ2026000123", "type_label": "劳动争议（欠薪）", "amount": "34,100.00",
            "place": "海澄区拱北街道翠香社区", "facts": FACTS, "claims": CLAIMS, "channel_label": "网上申请",
            "submitted_on": "2026年11月2日", "accepted_on": "2026年11月3日", "acceptance_note": "材料齐全，予以受理。",
            "registered_by": "王芳", "institution": "拱北街道人民调解委员会",
            "mediators": "李强（主调解员）、赵敏（调解员）",
        },
        "parties": [
            {"role_label": "申请人", "name": "张伟", "gender": "男", "id_number": "440402199001011234",
             "phone": "13800138000", "address": "海澄区拱北街道翠香社区翠香花园3栋1202房"},
            {"role_label": "被申请人", "name": "李建国", "gender": "男", "id_number": "449902197805163317",
             "phone": "13923456789", "address": "海澄区井岸街道新堂村新堂路118号"},
        ],
        "terms": TERMS, "performance": "银行转账，分两期履行", "copies": 3, "today": "2026年11月29日",
    }  # fmt: skip


def handwriting(seed: int) -> bytes:
    """A PNG like the signing pad's export: a transparent canvas with one scribbled stroke."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(40 + i * 26, 100 + rng.randint(-60, 60)) for i in range(20)]
    draw.line(points, fill=(0, 0, 0, 255), width=5, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def run(data_dir: str) -> int:
    parser = argparse.ArgumentParser(description="Mediation's hot paths against their floors.")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--applications", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    os.environ["DJANGO_SETTINGS_MODULE"] = "zhili.config.settings"
    os.environ["ZHILI_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

    import django

    django.setup()

    from django.core.management import call_command

    from zhili.geo.demo import build_city, load_city

    print(f"cores (os.cpu_count): {os.cpu_count()}; load average (1, 5, 15 min): {load()}")
    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    units = build_city(seed=args.seed, grids=False)
    load_city(units, year=2024)
    print(f"city: {len(units)} units (no grids) built and loaded in {time.perf_counter() - started:.1f} s")

    table: list[tuple[str, float | None, float | None, str]] = []
    pdf = bench_pdf(args, table)
    bench_signing(args, table, pdf)
    bench_heat(args, table, units)
    bench_apply(args, table)

    print(f"\nload average at the end (1, 5, 15 min): {load()}")
    print(f"\n{'what':<58} {'ours (median)':>15} {'floor (median)':>15} {'ratio':>7}")
    for what, ours, floor, note in table:
        ratio = f"{ours / floor:.1f}×" if ours is not None and floor else "—"
        cells = [fmt(ours) if ours is not None else "—", fmt(floor) if floor is not None else "—"]
        print(f"{what:<58} {cells[0]:>15} {cells[1]:>15} {ratio:>7}{'  ' + note if note else ''}")
    print("ratio: ours / floor in time per call (per signature, per case); medians of the runs")
    return 0


# --- 1. the agreement PDF ----------------------------------------------------------------------


def bench_pdf(args, table) -> bytes:
    from docx import Document
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    from zhili.casework import documents as casework_documents
    from zhili.mediation import documents

    context = agreement_context()

    def docx_to_page(docx: bytes) -> str:
        """The page `docx_to_pdf` prints, built the same way (python-docx's title, mammoth)."""
        import mammoth

        title = Document(io.BytesIO(docx)).core_properties.title or ""
        body = mammoth.convert_to_html(io.BytesIO(docx), style_map=casework_documents.STYLE_MAP).value
        return casework_documents.PAGE.substitute(title=html.escape(title), body=body, appendix="")

    docx = documents.render_docx("agreement", context)
    page = docx_to_page(docx)

    def weasy() -> bytes:
        fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
        return HTML(string=page, base_url=None, url_fetcher=fetcher).write_pdf(
            font_config=casework_documents._font_config()
        )

    pdf = documents.render_pdf("agreement", context)  # warm-up: fonts, imports
    floor_pdf = weasy()
    ours, floor, docx_s, html_s = [], [], [], []
    for _ in range(args.repeat):
        ours.append(timed(lambda: documents.render_pdf("agreement", context)))
        floor.append(timed(weasy))
        docx_s.append(timed(lambda: documents.render_docx("agreement", context)))
        html_s.append(timed(lambda: docx_to_page(docx)))
    print(
        f"\n1. agreement PDF ({len(pdf) / 1024:.0f} KB; the floor's {len(floor_pdf) / 1024:.0f} KB), "
        f"{args.repeat} runs"
    )
    print(f"ours  documents.render_pdf('agreement'): {runs(ours)}")
    print(f"floor WeasyPrint of the same page:        {runs(floor)}")
    print(f"      documents.render_docx('agreement'): {runs(docx_s)}")
    print(f"      docx → HTML (python-docx + mammoth): {runs(html_s)}")
    med = statistics.median
    table.append(("agreement PDF: render_pdf vs WeasyPrint of the same HTML", med(ours), med(floor), ""))
    table.append(("  of which render_docx (docxtpl, sandboxed Jinja)", med(docx_s), None, ""))
    table.append(("  of which docx → HTML (python-docx title + mammoth)", med(html_s), None, ""))
    return pdf


# --- 2. signing --------------------------------------------------------------------------------


def bench_signing(args, table, pdf: bytes) -> None:
    from unittest import mock

    import weasyprint
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from django.utils import timezone
    from weasyprint.urls import URLFetcher

    from zhili.casework import documents as casework_documents
    from zhili.casework import signing
    from zhili.core.masking import mask_id_number
    from zhili.mediation import documents

    context = agreement_context()
    digest = signing.sha256_hex(pdf)
    number = context["case"]["number"]
    signers = [(p["name"], p["role_label"], p["id_number"]) for p in context["parties"]]
    signers.append(("李强", "主调解员", ""))
    keys = [signing.new_key() for _ in signers]
    now = timezone.localtime()
    statements = [
        signing.statement(
            document_sha256=digest,
            case_number=number,
            signer_name=name,
            signer_id=f"sha256:{i:032x}",
            role=role,
            signed_at=now,
        )
        for i, (name, role, _idn) in enumerate(signers)
    ]
    opened = [
        serialization.load_pem_private_key(k.sealed_private_key, password=signing.master_secret())
        for k in keys
    ]
    publics = [Ed25519PublicKey.from_public_bytes(k.public_key) for k in keys]
    canonical = [signing.canonical(s) for s in statements]
    signatures = [signing.sign(k.sealed_private_key, s) for k, s in zip(keys, statements, strict=True)]
    per_run = SIGN_ROUNDS * len(keys)

    def ours_sign():
        for _ in range(SIGN_ROUNDS):
            for k, s in zip(keys, statements, strict=True):
                signing.sign(k.sealed_private_key, s)

    def ours_verify():
        for _ in range(SIGN_ROUNDS):
            for k, s, sig in zip(keys, statements, signatures, strict=True):
                signing.verify(k.public_key, s, sig)

    def unseal():
        for _ in range(SIGN_ROUNDS):
            for k in keys:
                serialization.load_pem_private_key(k.sealed_private_key, password=signing.master_secret())

    def bare_sign():
        for _ in range(SIGN_ROUNDS):
            for key, data in zip(opened, canonical, strict=True):
                key.sign(data)

    def bare_verify():
        for _ in range(SIGN_ROUNDS):
            for key, data, sig in zip(publics, canonical, signatures, strict=True):
                key.verify(sig, data)

    entries = [
        {"statement": s, "signature": sig, "masked_id": mask_id_number(idn) or ""}
        for s, sig, (_n, _r, idn) in zip(statements, signatures, signers, strict=True)
    ]
    images = {i: handwriting(i) for i in range(len(entries))}
    code = signing.verification_code(f"{digest}|{number}".encode())
    title = f"{documents.TITLES['agreement']} {number}"
    stamp_kw = {
        "title": title,
        "signatures": entries,
        "code": code,
        "verify_url": VERIFY_URL,
        "images": images,
    }

    pages: list[str] = []  # the signatures page's HTML, as stamp_pdf has WeasyPrint print it
    real_html = weasyprint.HTML

    def capture(*a, **kw):
        pages.append(kw["string"])
        return real_html(*a, **kw)

    with mock.patch.object(weasyprint, "HTML", capture):
        stamped = signing.stamp_pdf(pdf, **stamp_kw)  # warm-up, and the page's HTML
    page = pages[-1]

    def weasy_page() -> bytes:
        fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
        return real_html(string=page, base_url=None, url_fetcher=fetcher).write_pdf(
            font_config=casework_documents._font_config()
        )

    weasy_page()
    signing._signatures_page(title, entries, code, VERIFY_URL, images)
    t_sign, t_verify, t_unseal, f_sign, f_verify = [], [], [], [], []
    t_stamp, t_page, f_stamp = [], [], []
    for _ in range(args.repeat):
        t_sign.append(timed(ours_sign) / per_run)
        f_sign.append(timed(bare_sign) / per_run)
        t_verify.append(timed(ours_verify) / per_run)
        f_verify.append(timed(bare_verify) / per_run)
        t_unseal.append(timed(unseal) / per_run)
        t_stamp.append(timed(lambda: signing.stamp_pdf(pdf, **stamp_kw)))
        f_stamp.append(timed(weasy_page))
        t_page.append(timed(lambda: signing._signatures_page(title, entries, code, VERIFY_URL, images)))
    both = [s + v for s, v in zip(t_sign, t_verify, strict=True)]
    print(f"\n2. signing: {len(keys)} signers × {SIGN_ROUNDS} per run, {args.repeat} runs (per signature)")
    print(f"ours  signing.sign:                        {runs(t_sign)}")
    print(f"ours  signing.verify:                      {runs(t_verify)}")
    print(f"      unsealing (load_pem_private_key):    {runs(t_unseal)}")
    print(f"floor Ed25519PrivateKey.sign (unsealed):   {runs(f_sign)}")
    print(f"floor Ed25519PublicKey.verify (loaded):    {runs(f_verify)}")
    print(
        f"stamp_pdf, {len(entries)} signatures with handwriting ({len(pdf) / 1024:.0f} KB → "
        f"{len(stamped) / 1024:.0f} KB): {runs(t_stamp)}"
    )
    print(f"      signing._signatures_page alone:      {runs(t_page)}")
    print(f"floor WeasyPrint of the same page (shared font configuration): {runs(f_stamp)}")
    med = statistics.median
    table.append(("signing.sign + signing.verify vs bare Ed25519 sign", med(both), med(f_sign), ""))
    table.append(("  signing.sign vs bare Ed25519 sign", med(t_sign), med(f_sign), ""))
    table.append(("  of which unsealing the key (PKCS#8, master secret)", med(t_unseal), None, ""))
    table.append(("  signing.verify vs bare Ed25519 verify", med(t_verify), med(f_verify), ""))
    table.append(("stamp_pdf (3 signatures) vs WeasyPrint of the page", med(t_stamp), med(f_stamp), ""))
    table.append(("  of which signing._signatures_page (new font config)", med(t_page), None, ""))


# --- 3. the heat map ---------------------------------------------------------------------------


def bench_heat(args, table, units) -> None:
    import h3
    import numpy as np
    import shapely
    from shapely.geometry import shape

    from zhili.geo.models import Level, Unit
    from zhili.mediation import stats
    from zhili.mediation.choices import DisputeType
    from zhili.mediation.models import Case

    rng = np.random.default_rng(args.seed)
    residents = {u.code: u.resident for u in units}
    villages = list(Unit.objects.filter(level=Level.VILLAGE).exclude(boundary=None).order_by("code"))
    geoms = [shape(v.boundary) for v in villages]
    weights = np.array([max(residents.get(v.code, 0), 100) for v in villages], dtype=float)
    which = rng.choice(len(villages), size=args.cases, p=weights / weights.sum())
    placed = rng.random(args.cases) < 0.75
    lon = np.full(args.cases, np.nan)
    lat = np.full(args.cases, np.nan)
    for vi in np.unique(which[placed]):  # rejection sampling, village by village
        rows = np.flatnonzero(placed & (which == vi))
        geom = geoms[vi]
        x0, y0, x1, y1 = geom.bounds
        got_x: list[float] = []
        got_y: list[float] = []
        while len(got_x) < rows.size:
            xs, ys = rng.uniform(x0, x1, rows.size * 4), rng.uniform(y0, y1, rows.size * 4)
            inside = shapely.contains_xy(geom, xs, ys)
            got_x.extend(np.round(xs[inside], 6))
            got_y.extend(np.round(ys[inside], 6))
        lon[rows], lat[rows] = got_x[: rows.size], got_y[: rows.size]
    types = list(DisputeType.values)
    kinds = rng.choice(len(types), size=args.cases)
    started = time.perf_counter()
    Case.objects.bulk_create(
        [
            Case(
                number=f"HM{i:08d}",
                dispute_type=types[kinds[i]],
                unit_id=villages[which[i]].pk,
                lon=float(lon[i]) if placed[i] else None,
                lat=float(lat[i]) if placed[i] else None,
                facts="…",
                claims="…",
                fingerprint=f"{i:064x}",
            )
            for i in range(args.cases)
        ],
        batch_size=2000,
    )
    created = time.perf_counter() - started

    # The floor's points: each case's own, or its village's representative point (as heat does).
    rep = {vi: geoms[vi].representative_point() for vi in np.unique(which[~placed])}
    lats = [float(lat[i]) if placed[i] else rep[which[i]].y for i in range(args.cases)]
    lons = [float(lon[i]) if placed[i] else rep[which[i]].x for i in range(args.cases)]

    def floor_heat() -> Counter:
        to_cell = h3.latlng_to_cell
        return Counter(to_cell(la, lo, 8) for la, lo in zip(lats, lons, strict=True))

    result = stats.heat(Case.objects.all())  # warm-up
    counted = floor_heat()
    ours, floor = [], []
    for _ in range(args.repeat):
        ours.append(timed(lambda: stats.heat(Case.objects.all())))
        floor.append(timed(floor_heat))
    print(
        f"\n3. heat map: {args.cases:,} cases ({int(placed.sum()):,} with a point) over "
        f"{len(villages)} villages, "
        f"bulk-created in {created:.1f} s; {args.repeat} runs"
    )
    print(
        f"ours  stats.heat(resolution 8): {runs(ours)}; {len(result['features']):,} cells, "
        f"{result['total']:,} placed, {result['skipped']} skipped"
    )
    print(
        f"floor h3.latlng_to_cell + Counter: {runs(floor)}; {len(counted):,} cells, "
        f"{counted.total():,} placed"
    )
    med = statistics.median
    rate = f"{args.cases / med(ours):,.0f} vs {args.cases / med(floor):,.0f} cases/s"
    table.append((f"stats.heat ({args.cases:,} cases) vs h3 + Counter", med(ours), med(floor), rate))
    started = time.perf_counter()
    Case.objects.filter(number__startswith="HM").delete()
    print(f"      (the {args.cases:,} cases deleted again in {time.perf_counter() - started:.1f} s)")


# --- 4. applying -------------------------------------------------------------------------------


def bench_apply(args, table) -> None:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from zhili.geo.models import Level, Unit
    from zhili.hub.catalogue import load_catalogue
    from zhili.mediation import services
    from zhili.mediation.choices import DisputeType, InstitutionKind, PartyRole
    from zhili.mediation.models import Case, Institution, Party, RoutingRule
    from zhili.org.demo import id_number
    from zhili.org.models import User
    from zhili.org.roles import Role

    rng = random.Random(args.seed)
    load_catalogue()
    towns = Unit.objects.filter(level=Level.TOWN).order_by("code")
    for town in towns:
        Institution.objects.create(code=f"rmtw-{town.code}", name=f"{town.name}人民调解委员会",
                                   kind=InstitutionKind.PEOPLES, unit=town)  # fmt: skip
    for district in Unit.objects.filter(level=Level.DISTRICT).order_by("code"):
        Institution.objects.create(code=f"ldzy-{district.code}", name=f"{district.name}劳动争议调解中心",
                                   kind=InstitutionKind.LABOUR, unit=district)  # fmt: skip
    RoutingRule.objects.create(priority=10, name="大额劳动争议 → 劳动争议调解中心", dispute_types=["labour"],
                               min_amount=Decimal("100000"),
                               institution_kind=InstitutionKind.LABOUR)  # fmt: skip
    RoutingRule.objects.create(
        priority=100, name="其他 → 属地人民调解委员会", institution_kind=InstitutionKind.PEOPLES
    )
    villages = list(Unit.objects.filter(level=Level.VILLAGE).order_by("code"))
    home = villages[0]
    citizen = User.objects.create(
        username="bench-citizen", display_name="王爱丽", role=Role.CITIZEN, home_unit=home,
        phone="13812345678", id_number=id_number(rng, home.code), password=make_password(None),
    )  # fmt: skip
    citizen = User.objects.get(pk=citizen.pk)
    types = list(DisputeType.values)
    phones: set[str] = set()

    def phone() -> str:
        while (p := f"1{rng.choice('35789')}{rng.randint(0, 999_999_999):09d}") in phones:
            pass
        phones.add(p)
        return p

    def application(i: int) -> dict:
        village = rng.choice(villages)
        amount = Decimal(rng.randint(500, 200_000)).quantize(Decimal("1.00"))
        return {
            "dispute_type": rng.choice(types), "amount": amount, "unit_code": village.code,
            "facts": f"{FACTS}（第{i}号申请）", "claims": CLAIMS,
            "parties": [
                services.PartyIn(role=PartyRole.APPLICANT, name="张伟", gender="男",
                                 id_number=id_number(rng, village.code), phone=phone(),
                                 address=f"{village.name}{rng.randint(1, 180)}号"),
                services.PartyIn(role=PartyRole.RESPONDENT, name="李建国", gender="男",
                                 id_number=id_number(rng, village.code), phone=phone(),
                                 address=f"{village.name}{rng.randint(1, 180)}号"),
            ],
        }  # fmt: skip

    n = args.applications
    batches = {"plain": [application(i) for i in range(n + 1)]}
    batches["paperwork"] = [application(n + 1 + i) for i in range(n + 1)]
    batches["floor"] = [application(2 * n + 2 + i) for i in range(n + 1)]
    units = {u.code: u for u in villages}
    institution = Institution.objects.filter(kind=InstitutionKind.PEOPLES).first()

    def bare(i: int, app: dict) -> None:
        mark = services.fingerprint(app["dispute_type"], app["parties"], app["facts"])
        with transaction.atomic():
            case = Case.objects.create(
                number=f"FL{i:08d}", dispute_type=app["dispute_type"], amount=app["amount"],
                unit=units[app["unit_code"]], facts=app["facts"], claims=app["claims"],
                institution=institution, fingerprint=mark,
            )  # fmt: skip
            for p in app["parties"]:
                Party.objects.create(case=case, role=p.role, name=p.name, gender=p.gender,
                                     id_number=p.id_number, phone=p.phone, address=p.address)  # fmt: skip

    timings: dict[str, list[float]] = {}
    totals: dict[str, float] = {}
    for label, apps in batches.items():
        if label == "floor":
            bare(0, apps[0])  # warm-up
        else:
            services.apply(actor=citizen, paperwork=label == "paperwork", **apps[0])
        times = []
        started = time.perf_counter()
        for i, app in enumerate(apps[1:], start=1):
            if label == "floor":
                times.append(timed(lambda i=i, app=app: bare(i, app)))
            else:
                paperwork = label == "paperwork"
                times.append(
                    timed(lambda app=app, p=paperwork: services.apply(actor=citizen, paperwork=p, **app))
                )
        totals[label] = time.perf_counter() - started
        timings[label] = times
    routed = Case.objects.exclude(number__startswith="FL").exclude(institution=None).count()
    made = Case.objects.exclude(number__startswith="FL").count()
    print(f"\n4. applying: {n} applications each (after one warm-up), per case; {routed} of {made} routed")
    med = statistics.median
    names = {
        "plain": "ours  services.apply(paperwork=False)",
        "paperwork": "ours  services.apply(paperwork=True) ",
        "floor": "floor Case + 2 Party, one transaction",
    }
    for label, times in timings.items():
        q = statistics.quantiles(times, n=10)
        print(
            f"{names[label]}: median {fmt(med(times))} ({1 / med(times):,.0f} cases/s), p10 {fmt(q[0])}, "
            f"p90 {fmt(q[-1])}; {n / totals[label]:,.1f} cases/s over the {n}"
        )
    floor = med(timings["floor"])
    for label, what in (("plain", "apply(paperwork=False)"), ("paperwork", "apply(paperwork=True)")):
        ours = med(timings[label])
        rate = f"{1 / ours:,.1f} vs {1 / floor:,.0f} cases/s"
        table.append((f"services.{what} vs Case + 2 Party", ours, floor, rate))


if __name__ == "__main__":
    raise SystemExit(main())
