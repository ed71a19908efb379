"""`zhili index …`: run the index, rate villages and communities, publish, report, test the
robustness of rankings, manage definitions."""

from __future__ import annotations

import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Ping'an index: runs, star ratings, publication, monthly reports, sensitivity, definitions."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="compute (and store) an index for a period or a span of periods")
        run.add_argument("--definition", default="pingan_plus")
        run.add_argument("--period", default="day", help="day | dekad | week | month | quarter | year")
        run.add_argument(
            "--date", required=True, help="a day in the (first) period: 2026-10-05, 2026-10, 2026-Q4 …"
        )
        run.add_argument("--until", help="a day in the last period, to run a span at once")
        run.add_argument(
            "--version", help="an earlier version of the definition, by its hash (≥ 6 characters)"
        )
        self._common(run)
        stars = sub.add_parser("stars", help="the monthly star rating of villages and communities")
        stars.add_argument("--month", required=True, help="2026-10")
        stars.add_argument("--until", help="the last month of a span")
        stars.add_argument("--definition", default="star_rating")
        self._common(stars)
        pub = sub.add_parser("publish", help="publish (freeze) a run's revision")
        pub.add_argument("run_id", type=int)
        rep = sub.add_parser("report", help="the monthly report as DOCX or PDF")
        rep.add_argument("--month", required=True)
        rep.add_argument("--format", choices=["docx", "pdf"], default="pdf")
        rep.add_argument("--output", type=Path, help="file to write (default: data/reports/…)")
        sen = sub.add_parser("sensitivity", help="Monte Carlo over weights and methods: rank intervals")
        sen.add_argument("--definition", default="pingan_plus")
        sen.add_argument("--period", default="month")
        sen.add_argument("--date", required=True)
        sen.add_argument("--level", default="town")
        sen.add_argument("--draws", type=int, default=1000)
        sen.add_argument("--spread", type=float, default=0.25, help="weights vary by ± this share")
        sen.add_argument("--seed", type=int, default=1)
        sen.add_argument("--csv", type=Path, help="also write the table to this CSV file")
        sim = sub.add_parser(
            "simulate",
            help="run the shipped definitions, old and new, over a synthetic city with a known truth",
        )
        sim.add_argument("--size", choices=["full", "small"], default="full", help="26 towns, or 8 (faster)")
        sim.add_argument("--seed", type=int, default=1)
        sim.add_argument("--json", type=Path, help="also write every figure to this JSON file")
        sub.add_parser("sync-definitions", help="store the shipped definitions (done on first use)")
        val = sub.add_parser("validate", help="check a definition file without storing it")
        val.add_argument("file", type=Path)
        save = sub.add_parser(
            "save-definition", help="validate a definition file and make it the active version"
        )
        save.add_argument("file", type=Path)
        save.add_argument("--note", default="")

    def _common(self, parser):
        parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
        parser.add_argument("--publish", action="store_true", help="publish the revision once stored")
        parser.add_argument(
            "--wait-for-data", action="store_true",
            help="refuse a period in which a department delivered nothing (default: score it, marked incomplete)",
        )  # fmt: skip

    def handle(self, *args, action, **opts):
        from zhili.core.errors import ZhiliError

        self.who = f"cli:{getpass.getuser()}"
        try:
            return getattr(self, "_" + action.replace("-", "_"))(**opts)
        except ZhiliError as exc:
            lines = [exc.message]
            for d in exc.details[:20]:
                lines.append("  " + ", ".join(f"{k}={v}" for k, v in d.items()))
            raise CommandError("\n".join(lines)) from None

    def _run(self, definition, period, date, until, engine, publish, wait_for_data, version=None, **_opts):
        from zhili.index.services import run

        row, created = run(
            code=definition, kind=period, first=date, last=until, engine=engine,
            actor_username=self.who, publish=publish, wait_for_data=wait_for_data, version=version,
        )  # fmt: skip
        self._say(row, created)

    def _simulate(self, size, seed, json=None, **_opts):
        import json as json_module

        from zhili.index import study

        result = study.study(study.shipped_versions(), size=size, seed=seed, log=self.stderr.write)
        self.stdout.write(study.render(result))
        if json:
            json.write_text(
                json_module.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
            )

    def _stars(self, month, until, definition, engine, publish, wait_for_data, **_opts):
        from zhili.index.models import Outcome

        self._run(definition, "month", month, until, engine, publish, wait_for_data)
        from zhili.index.models import Run
        from zhili.index.services import active_definition

        row = (
            Run.objects.filter(definition=active_definition(definition))
            .order_by("-created_at", "-id")
            .first()
        )
        last = row.outcomes.order_by("-period_start").values_list("period_start", flat=True).first()
        five = Outcome.objects.filter(run=row, period_start=last, stars=5).count()
        self.stdout.write(
            _("%(n)d five-star villages and communities in %(month)s") % {"n": five, "month": f"{last:%Y-%m}"}
        )

    def _say(self, row, created):
        state = _("stored as revision %(rev)d") if created else _("unchanged: the same as revision %(rev)d")
        self.stdout.write(
            _("run %(id)d: %(code)s %(kind)s %(first)s–%(last)s, %(n)d results (%(incomplete)d incomplete), "
              "%(secs).2f s; %(state)s%(published)s")
            % {
                "id": row.pk, "code": row.definition.code, "kind": row.period_kind, "first": row.first,
                "last": row.last, "n": row.outcomes_count, "incomplete": row.incomplete_count,
                "secs": row.seconds, "state": state % {"rev": row.revision},
                "published": _(", published") if row.frozen else "",
            }
        )  # fmt: skip

    def _publish(self, run_id, **_opts):
        from zhili.index.models import Run
        from zhili.index.services import publish_run

        row = Run.objects.filter(pk=run_id).first()
        if row is None:
            raise CommandError(_("no run %(id)d") % {"id": run_id})
        publish_run(row, actor_username=self.who)
        self._say(row, False)

    def _report(self, month, format, output, **_opts):
        from zhili.index.report import write_report

        path = write_report(month=month, fmt=format, output=output, actor_username=self.who)
        self.stdout.write(str(path))

    def _sensitivity(self, definition, period, date, level, draws, spread, seed, csv, **_opts):
        from zhili.index.sensitivity import print_table, sensitivity

        table = sensitivity(
            code=definition, kind=period, when=date, level=level, draws=draws, spread=spread, seed=seed
        )
        print_table(table, self.stdout)
        if csv:
            table.to_csv(csv)
            self.stdout.write(str(csv))

    def _sync_definitions(self, **_opts):
        from zhili.index.services import sync_shipped

        for v in sync_shipped():
            self.stdout.write(f"{v.code} {v.content_hash[:12]} {'*' if v.is_active else ''}")

    def _validate(self, file, **_opts):
        from zhili.index.definitions import load_file

        d = load_file(file)
        self.stdout.write(
            _("%(file)s: valid, %(code)s version %(hash)s")
            % {"file": file, "code": d.code, "hash": d.content_hash[:12]}
        )

    def _save_definition(self, file, note, **_opts):
        from zhili.index.services import save_definition

        v = save_definition(
            text=file.read_text(encoding="utf-8-sig"), actor_username=self.who, note=note, filename=file.name
        )
        self.stdout.write(
            _("%(code)s version %(hash)s is active") % {"code": v.code, "hash": v.content_hash[:12]}
        )
