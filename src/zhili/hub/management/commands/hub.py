"""`zhili hub …`: import files, export the lake, manage sources and the catalogue, check quality."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn


class Command(BaseCommand):
    help = "Data hub: import event files, export the Parquet lake, sources, catalogue, quality."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import a CSV, XLSX, JSON lines or Parquet file of events")
        imp.add_argument("file", type=Path)
        imp.add_argument("--source", required=True, help="the source system's code, e.g. ga_110")
        imp.add_argument("--mode", choices=["partial", "atomic"], default="partial")
        imp.add_argument("--mapping", default="default", help="the name of a saved column mapping")
        imp.add_argument(
            "--type", dest="type_code", help="the event type of every row, if the file has no type column"
        )
        imp.add_argument("--timezone", help="zone for times without one, e.g. Asia/Shanghai (Excel dates)")
        imp.add_argument("--errors", type=Path, help="write the rejected rows to this CSV file")
        exp = sub.add_parser("export-lake", help="write changed days (or the given days) to the Parquet lake")
        exp.add_argument("--day", action="append", type=date.fromisoformat, default=None)
        src = sub.add_parser("add-source", help="register a department system and print its key")
        src.add_argument("code")
        src.add_argument("--department", required=True)
        src.add_argument("--name", required=True)
        rot = sub.add_parser("rotate-key", help="give a source a new key (the old one stops working)")
        rot.add_argument("code")
        cat = sub.add_parser("load-catalogue", help="load or update the event catalogue from YAML")
        cat.add_argument("file", type=Path, nargs="?")
        chk = sub.add_parser(
            "check-deliveries", help="raise alerts for departments that sent nothing for a day"
        )
        chk.add_argument("--day", type=date.fromisoformat, required=True)

    def handle(self, *args, action, **opts):
        self.who = f"cli:{getpass.getuser()}"
        return getattr(self, "_" + action.replace("-", "_"))(**opts)

    def _import(
        self,
        file: Path,
        source: str,
        mode: str,
        mapping: str,
        type_code: str | None,
        timezone: str | None,
        errors: Path | None,
        **_opts,
    ):
        from zhili.hub.files import Mapping, error_csv, import_file
        from zhili.hub.models import Source
        from zhili.hub.validation import known_zone

        src = Source.objects.filter(code=source).first()
        if src is None:
            raise CommandError(_("unknown source %(code)s; see `zhili hub add-source`") % {"code": source})
        if not file.is_file():
            raise CommandError(_("%(path)s: no such file") % {"path": file})
        chosen = Mapping.for_source(src, mapping)
        if type_code:
            chosen.constants["type"] = type_code
        if timezone:
            if not known_zone(timezone):
                raise CommandError(_("unknown time zone %(zone)s; e.g. Asia/Shanghai") % {"zone": timezone})
            chosen.constants["timezone"] = timezone
        console = Console(stderr=True)
        with Progress(
            TextColumn("  {task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,} rows"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task(file.name, total=None)
            result = import_file(
                file,
                source=src,
                mode=mode,
                mapping=chosen,
                submitted_by=self.who,
                progress=lambda n: bar.update(task, completed=n),
            )
        d = result.delivery
        self.stdout.write(
            _(
                "%(file)s: %(status)s — received %(received)d, accepted %(accepted)d, duplicates "
                "%(duplicate)d, corrected %(corrected)d, retracted %(retracted)d, rejected %(rejected)d, "
                "late %(late)d (delivery %(id)d)"
            )
            % {
                "file": file.name,
                "status": d.get_status_display(),
                **d.counts(),
                "id": d.pk,
            }
        )
        if d.skipped:
            self.stdout.write(d.message)
        for r in d.rejections.order_by("line", "id")[:10]:
            line = f":{r.line}" if r.line is not None else ""
            self.stderr.write(f"{file.name}{line}: {r.field}: {r.reason}: {r.message}")
        if errors is not None and d.rejected:
            errors.write_text(error_csv(d), encoding="utf-8")
            self.stdout.write(_("rejected rows written to %(path)s") % {"path": errors})
        if d.status == "rejected":
            raise CommandError(
                _("nothing was imported: %(message)s")
                % {"message": d.message or d.rejections.first().message}
            )
        if d.received and d.rejected == d.received:
            # Partial mode "succeeded" in writing nothing: a script must not read that as success.
            raise CommandError(_("nothing was imported: all %(n)d rows were rejected") % {"n": d.received})

    def _export_lake(self, day: list[date] | None, **_opts):
        from zhili.hub.lake import export

        results = export(day)
        rows = sum(r.rows for r in results)
        self.stdout.write(_("%(days)d days exported, %(rows)d rows") % {"days": len(results), "rows": rows})

    def _add_source(self, code: str, department: str, name: str, **_opts):
        from zhili.hub.services import create_source
        from zhili.org.models import Department

        dept = Department.objects.filter(code=department).first()
        if dept is None:
            raise CommandError(_("unknown department %(code)s") % {"code": department})
        _source, key = create_source(code=code, name=name, department=dept, actor_username=self.who)
        self.stdout.write(
            _("source %(code)s created; its key (shown once): %(key)s") % {"code": code, "key": key}
        )

    def _rotate_key(self, code: str, **_opts):
        from zhili.hub.models import Source
        from zhili.hub.services import rotate_key

        source = Source.objects.filter(code=code).first()
        if source is None:
            raise CommandError(_("unknown source %(code)s") % {"code": code})
        self.stdout.write(
            _("new key for %(code)s (shown once): %(key)s")
            % {"code": code, "key": rotate_key(source=source, actor_username=self.who)}
        )

    def _load_catalogue(self, file: Path | None, **_opts):
        from zhili.core.errors import ZhiliError
        from zhili.hub.catalogue import DEFAULT_PATH, load_catalogue

        try:
            created, updated = load_catalogue(file or DEFAULT_PATH, actor_username=self.who)
        except ZhiliError as exc:
            for d in exc.details:
                self.stderr.write(
                    f"{d.get('file', '')}:{d.get('line') or ''}: {d.get('field')}: {d.get('reason')}"
                )
            raise CommandError(exc.message) from None
        self.stdout.write(_("catalogue: %(c)d types created, %(u)d updated") % {"c": created, "u": updated})

    def _check_deliveries(self, day: date, **_opts):
        from zhili.hub.services import raise_missing_delivery_alerts

        alerts = raise_missing_delivery_alerts(day=day)
        for alert in alerts:
            self.stdout.write(
                _("no delivery from %(dept)s for %(day)s") % {"dept": alert.department, "day": day}
            )
        self.stdout.write(_("%(n)d new alerts") % {"n": len(alerts)})
