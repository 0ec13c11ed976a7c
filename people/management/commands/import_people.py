"""Create, update and deactivate people from the HR system's CSV (format: ``people/imports.py``).

python manage.py import_people people.csv --dry-run   # say what would change, change nothing
python manage.py import_people people.csv             # apply: every row, or none if any is wrong
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from access import audit
from people import imports as people_import


class Command(BaseCommand):
    help = "Import people from the HR system's CSV: all rows or none."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Report what would change; change nothing.")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        report = people_import.check(data) if dry_run else people_import.apply(data)
        if report.file_error:
            raise CommandError(report.file_error)
        for row in report.rows:
            if row.errors:
                self.stderr.write(f"line {row.line} ({row.warrant_number or 'no number'}): {'; '.join(row.errors)}")
            elif options["verbosity"] > 1 and row.action != "unchanged":
                detail = f": {', '.join(row.changes)}" if row.changes else ""
                self.stdout.write(f"line {row.line} {row.warrant_number} {row.action}{detail}")
        counts = ", ".join(f"{count} {action}" for action, count in report.counts().items() if count)
        if not report.ok:
            raise CommandError(f"Nothing was imported: {len(report.problems())} rows have errors ({counts}).")
        if not dry_run:
            audit.record(
                audit.Action.CHANGE,
                actor_label="manage.py import_people",
                verb="people import",
                object_label=file.name,
                details={"counts": report.counts()},
            )
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(report.rows)} rows: {counts or 'nothing to do'}."))
