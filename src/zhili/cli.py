"""The `zhili` command: Django's management commands with Zhili's settings preselected.

`zhili geo import FILE`, `zhili demo`, `zhili serve`, `zhili migrate` … all go through here.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["zhili", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
