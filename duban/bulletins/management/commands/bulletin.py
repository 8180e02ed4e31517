"""`duban bulletin KIND --period YYYY-MM|YYYY [--levels 省重点,市重点] [--unit CODE] -o FILE`:
generate a bulletin (stored with its figures) and write it as .docx, .html, .json or .pdf."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.bulletins.catalogue import UnknownFigureError
from duban.bulletins.models import Kind
from duban.bulletins.output import WRITERS, NoLibreOfficeError
from duban.bulletins.services import bulletin_generate
from duban.core.errors import ApplicationError
from duban.ledger.models import WorkItem
from duban.org.models import Unit


def parse_levels(text: str | None) -> tuple[str, ...]:
    """Levels as the office writes them (省重点,市重点) or by code (province,city)."""
    if not text:
        return ()
    by_label = {str(label): code for code, label in WorkItem.Level.choices}
    out = []
    for raw in text.replace("，", ",").replace("、", ",").split(","):
        word = raw.strip()
        if not word:
            continue
        code = by_label.get(word) or by_label.get(word + "重点") or word
        if code not in WorkItem.Level.values:
            raise CommandError(f"unknown level {word!r}; use {'、'.join(by_label)}", returncode=2)
        out.append(code)
    return tuple(dict.fromkeys(out))


def parse_period(text: str) -> tuple[int, int | None]:
    try:
        if len(text) == 4:
            return int(text), None
        year, month = text.split("-")
        m = int(month)
        if not 1 <= m <= 12:
            raise ValueError
        return int(year), m
    except ValueError as e:
        raise CommandError(f"--period must be YYYY-MM or YYYY: {text}", returncode=2) from e


class Command(BaseCommand):
    help = (
        "Generate a bulletin (monthly, notice, special, quarterly, annual; special --item ID "
        "for one project) for a month or a year and write it to -o FILE (.docx, .html, .json "
        "or .pdf). A month not yet closed gives a draft, marked on every page."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=Kind.values)
        parser.add_argument("--period", required=True, help="YYYY-MM, or YYYY for a year.")
        parser.add_argument("--levels", help="口径: the levels that count, e.g. 省重点,市重点.")
        parser.add_argument("--unit", help="A unit's code: its own figures.")
        parser.add_argument(
            "--item",
            type=int,
            help="A work item's id: a special report on that project (KIND project or special).",
        )
        parser.add_argument("-o", "--output", required=True, help="FILE.docx|.pdf|.html|.json")

    def handle(self, *args: Any, **options: Any) -> None:
        out = Path(options["output"])
        writer = WRITERS.get(out.suffix.lower())
        if writer is None:
            raise CommandError("-o must end in .docx, .pdf, .html or .json", returncode=2)
        year, month = parse_period(options["period"])
        levels = parse_levels(options.get("levels"))
        unit = None
        if options.get("unit"):
            unit = Unit.objects.filter(code=options["unit"]).first()
            if unit is None:
                raise CommandError(f"no unit with code {options['unit']!r}", returncode=2)
        kind, item = options["kind"], None
        if options.get("item") is not None:
            item = WorkItem.objects.filter(pk=options["item"]).first()
            if item is None:
                raise CommandError(f"no work item with id {options['item']}", returncode=2)
            kind = Kind.PROJECT  # 专报 on one project
        try:
            bulletin = bulletin_generate(
                kind=kind, year=year, month=month, levels=levels, unit=unit, item=item, by=None
            )
            data = writer(bulletin)
        except (ApplicationError, UnknownFigureError) as e:
            raise CommandError(str(getattr(e, "message", e)), returncode=1) from e
        except NoLibreOfficeError as e:
            raise CommandError(str(e), returncode=1) from e
        out.write_bytes(data)
        mark = " (draft: the month is not closed)" if bulletin.draft else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{bulletin.title}: {len(bulletin.figures)} figures → {out}{mark} (#{bulletin.pk})"
            )
        )
