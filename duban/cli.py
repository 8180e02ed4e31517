"""The `duban` command: Django's management commands under the product's name.

`duban demo`, `duban serve`, `duban token USER`, `duban migrate`, … are management commands
of the duban apps; this wrapper only points Django at the product's settings.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "duban"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
