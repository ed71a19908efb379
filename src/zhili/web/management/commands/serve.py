"""`zhili serve`: the production web server (gunicorn) plus the task consumer (huey)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Serve the web UI and API with gunicorn and run the background task consumer."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("ZHILI_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("ZHILI_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--no-tasks", action="store_true", help="do not start the task consumer")
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args, bind, workers, threads, no_tasks, no_collectstatic, **opts):
        if not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        consumer = None
        if not no_tasks:
            consumer = subprocess.Popen([sys.executable, "-m", "zhili.cli", "run_huey", "--quiet"])
        self.stdout.write(
            self.style.SUCCESS(_("Zhili is serving on http://%(bind)s/ (Ctrl-C stops it)") % {"bind": bind})
        )
        try:
            from gunicorn.app.wsgiapp import WSGIApplication

            sys.argv = [
                "gunicorn",
                "zhili.config.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--worker-class",
                "gthread",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "5",
            ]
            WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
        finally:
            if consumer is not None and consumer.poll() is None:
                consumer.send_signal(signal.SIGTERM)
                consumer.wait(timeout=10)
