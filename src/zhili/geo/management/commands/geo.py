"""`zhili geo import FILE` (divisions CSV or boundaries GeoJSON) and `zhili geo locate LON LAT`."""

from __future__ import annotations

import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zhili.core.errors import ZhiliError


class Command(BaseCommand):
    help = "Administrative divisions: import divisions and boundaries, locate a point."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import divisions.csv or boundaries.geojson")
        imp.add_argument("file", type=Path)
        imp.add_argument("--year", type=int, help="the year of the population columns if the file has none")
        loc = sub.add_parser("locate", help="which units a point is in")
        loc.add_argument("lon", type=float)
        loc.add_argument("lat", type=float)

    def handle(self, *args, action, **options):
        if action == "import":
            return self._import(options["file"], options.get("year"))
        return self._locate(options["lon"], options["lat"])

    def _import(self, path: Path, year: int | None) -> None:
        from zhili.geo.importing import import_boundaries, import_divisions

        # Who ran it: the operating-system account, since a command line has no Zhili login.
        who = f"cli:{getpass.getuser()}"
        if not path.is_file():
            raise CommandError(_("%(path)s: no such file") % {"path": path})
        suffix = path.suffix.lower()
        try:
            if suffix == ".csv":
                result = import_divisions(path, year=year, actor_username=who)
                self.stdout.write(
                    self.style.SUCCESS(
                        _("%(file)s: %(created)d units created, %(updated)d updated, %(pop)d population rows")
                        % {
                            "file": path.name,
                            "created": result.created,
                            "updated": result.updated,
                            "pop": result.populations,
                        }
                    )
                )
            elif suffix in (".geojson", ".json"):
                count = import_boundaries(path, actor_username=who)
                self.stdout.write(
                    self.style.SUCCESS(_("%(file)s: %(n)d boundaries set") % {"file": path.name, "n": count})
                )
            else:
                raise CommandError(
                    _("%(file)s: use a .csv file (divisions) or a .geojson file (boundaries)")
                    % {"file": path.name}
                )
        except ZhiliError as exc:
            for detail in exc.details:
                where = detail.get("file", "")
                if detail.get("line") is not None:
                    where += f":{detail['line']}"
                elif detail.get("feature") is not None:
                    where += f" #{detail['feature']}"
                self.stderr.write(f"{where}: {detail.get('field')}: {detail.get('reason')}")
            raise CommandError(_("nothing was imported: %(message)s") % {"message": exc.message}) from None

    def _locate(self, lon: float, lat: float) -> None:
        from zhili.geo.lookup import locate_point

        chain = locate_point(lon, lat)
        if not chain:
            raise CommandError(_("(%(lon)s, %(lat)s) is outside every unit") % {"lon": lon, "lat": lat})
        for unit in chain:
            self.stdout.write(f"{unit.get_kind_display()}\t{unit.code}\t{unit.name}")
