"""`zhili demo`: a fresh database with the demo city and its accounts, then the web UI.

Each step is timed and printed, so the cost of a fresh start stays visible.
"""

from __future__ import annotations

import secrets
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


class Command(BaseCommand):
    help = "Build a fresh database with the demo city and one account per role, then serve the web UI."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="the same seed gives the same city")
        parser.add_argument("--year", type=int, default=None, help="population year (default: last year)")
        parser.add_argument(
            "--password", default=None, help="password of every demo account (default: random)"
        )
        parser.add_argument("--no-serve", action="store_true", help="build only; do not start the server")
        parser.add_argument(
            "--reset", action="store_true", help="on PostgreSQL: drop everything in the database first"
        )
        parser.add_argument(
            "--event-years",
            type=int,
            default=3,
            help="calendar years of demo events up to yesterday (default 3: two years before this one, and this)",
        )
        parser.add_argument("--bind", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, **opts):
        console = Console()
        self.timings: list[tuple[str, float]] = []
        year = opts["year"] or timezone.now().year - 1
        password = opts["password"] or f"Zhili-{secrets.token_urlsafe(9)}"
        if len(password) < 10:
            raise CommandError(_("--password must be at least 10 characters"))
        started = time.perf_counter()

        with self.step(console, _("fresh database")):
            self._fresh_database(reset=opts["reset"])
            call_command("migrate", verbosity=0, interactive=False)

        from zhili.geo.demo import build_city, load_city

        with self.step(console, _("generate the city")):
            units = build_city(seed=opts["seed"])
        with self.step(console, _("load divisions and boundaries")), _progress(console) as progress:
            task = progress.add_task(_("units"), total=len(units))
            counts = load_city(
                units, year=year, progress=lambda done, total: progress.update(task, completed=done)
            )

        from zhili.org.demo import create_accounts

        with self.step(console, _("demo accounts")):
            accounts = create_accounts(password=password, seed=opts["seed"])

        from zhili.mediation.demo import create_demo_mediation

        with self.step(console, _("mediation cases")), _progress(console) as progress:
            task = progress.add_task(_("case actions"), total=None)
            mediation = create_demo_mediation(
                seed=opts["seed"],
                progress=lambda done, total: progress.update(task, completed=done, total=total),
            )
        counts.update({f"mediation_{key}": n for key, n in mediation.items()})

        counts.update(self._hub(console, seed=opts["seed"], years=opts["event_years"]))
        self._index(console, years=opts["event_years"])

        total = time.perf_counter() - started
        self._report(console, counts, accounts, password, total)
        if not opts["no_serve"]:
            call_command("serve", bind=opts["bind"], workers=opts["workers"])

    def _hub(self, console: Console, *, seed: int, years: int) -> dict[str, int]:
        """Demo events for the last `years` calendar years up to yesterday, then the lake."""
        from zhili.hub.demo import load_demo_events
        from zhili.hub.lake import export
        from zhili.hub.models import LakeDay

        this_year = timezone.localdate().year
        totals: dict[str, int] = {}
        for year in range(this_year - years + 1, this_year + 1):
            with (
                self.step(console, _("demo events %(year)d") % {"year": year}),
                _progress(console) as progress,
            ):
                task = progress.add_task(_("events"), total=None)
                counts = load_demo_events(
                    year=year,
                    seed=seed,
                    progress=lambda done, total, task=task: progress.update(
                        task, completed=done, total=total
                    ),
                )
            totals["events"] = totals.get("events", 0) + counts.get("events", 0)
        with self.step(console, _("export the Parquet lake")), _progress(console) as progress:
            days = list(LakeDay.objects.order_by("day").values_list("day", flat=True))
            task = progress.add_task(_("days"), total=len(days))
            for start in range(0, len(days), 30):
                export(days[start : start + 30])
                progress.update(task, completed=min(start + 30, len(days)))
        return totals

    def _index(self, console: Console, *, years: int) -> None:
        """Up to a year of daily colours, this year's monthly indices and star ratings (every
        period with a year of data behind it for its baseline), the dekads of the Huizhou-style
        index, all published, and the last month's report as PDF and DOCX."""
        from zhili.hub.ingest import last_closed_day
        from zhili.index.services import first_scorable, run, sync_shipped

        # The city's local days, up to the last one whose cut-off has passed: at 05:15 in the
        # city that is the day before yesterday, whatever the machine's zone. Each run starts where
        # its references have the history they ask for (a year for rare events, a year of months).
        yesterday = last_closed_day()
        sync_shipped()
        first_day = first_scorable("pingan_plus", "day")
        first_month = max(first_scorable("pingan_plus", "month"), first_scorable("star_rating", "month"))
        start = max(yesterday - timedelta(days=364), first_day)
        last_month = yesterday.replace(day=1) - timedelta(days=1)
        if start > yesterday:
            console.print(_("  (no day has a year of data behind it yet: no index runs)"))
            return
        who = "demo"
        with self.step(
            console, _("index: daily colours %(first)s – %(last)s") % {"first": start, "last": yesterday}
        ):
            run(code="pingan_plus", kind="day", first=start.isoformat(), last=yesterday.isoformat(),
                publish=True, actor_username=who, export_lake=False)  # fmt: skip
        with self.step(console, _("index: dekads (Huizhou style)")):
            run(code="huizhou_style", kind="dekad", first=start.isoformat(), last=yesterday.isoformat(),
                publish=True, actor_username=who, export_lake=False)  # fmt: skip
        first_month = max(first_month, start.replace(day=1))
        if last_month < first_month:
            return
        months = (first_month.isoformat()[:7], last_month.isoformat()[:7])
        with self.step(
            console,
            _("index: monthly index and star ratings %(first)s – %(last)s")
            % {"first": months[0], "last": months[1]},
        ):
            for code in ("pingan_plus", "star_rating"):
                run(code=code, kind="month", first=months[0], last=months[1], publish=True,
                    actor_username=who, export_lake=False)  # fmt: skip
        with self.step(console, _("index: monthly report %(month)s") % {"month": months[1]}):
            from zhili.index.report import write_report

            for fmt in ("pdf", "docx"):
                path = write_report(month=months[1], fmt=fmt, output=None, actor_username=who)
                console.print(f"  {path}")

    @contextmanager
    def step(self, console: Console, label: str):
        t0 = time.perf_counter()
        console.print(f"[bold]▶ {label}[/bold]")
        yield
        elapsed = time.perf_counter() - t0
        self.timings.append((label, elapsed))
        console.print(f"  ✓ {label}: {elapsed:.2f} s")

    def _fresh_database(self, *, reset: bool) -> None:
        db = settings.DATABASES["default"]
        if connection.vendor == "sqlite":
            connection.close()
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db['NAME']}{suffix}").unlink(missing_ok=True)
            return
        tables = connection.introspection.table_names()
        if tables and not reset:
            raise CommandError(
                _("the database %(name)s is not empty; add --reset to drop everything in it")
                % {"name": db["NAME"]}
            )
        if tables:
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")

    def _report(self, console: Console, counts, accounts, password: str, total: float) -> None:
        table = Table(title=_("Demo city"))
        table.add_column(_("kind"))
        table.add_column(_("count"), justify="right")
        from zhili.geo.models import Kind

        labels = {
            "events": _("events"),
            "mediation_institutions": _("mediation institutions"),
            "mediation_mediators": _("mediators"),
            "mediation_cases": _("mediation cases"),
            "mediation_signed": _("signed mediation agreements"),
        }
        for kind, n in counts.items():
            table.add_row(str(Kind(kind).label) if kind in Kind.values else labels.get(kind, kind), f"{n:,}")
        console.print(table)
        acc = Table(title=_("Demo accounts (password: %(pw)s)") % {"pw": password})
        for col in (_("username"), _("role"), _("home unit")):
            acc.add_column(col)
        for a in accounts:
            acc.add_row(a.username, a.role, f"{a.unit.name} {a.unit.code}")
        console.print(acc)
        path = Path(settings.DATA_DIR) / "demo-accounts.txt"
        path.write_text("".join(f"{a.username}\t{password}\t{a.role}\n" for a in accounts), encoding="utf-8")
        path.chmod(0o600)
        steps = ", ".join(f"{label} {secs:.1f} s" for label, secs in self.timings)
        console.print(_("Steps: %(steps)s; total %(total).1f s") % {"steps": steps, "total": total})
        console.print(_("Accounts saved in %(path)s") % {"path": path})


@contextmanager
def _progress(console: Console):
    with Progress(
        TextColumn("  {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        yield progress
