from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ops import backup


class Command(BaseCommand):
    help = (
        "Write one archive (.tar.gz) of the database (pg_dump, or SQLite's backup API), MEDIA_ROOT "
        "(the evidence files) and a manifest; safe while the portal runs."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", type=Path,
            help="archive file, or a folder for unionplan-backup-<UTC time>.tar.gz (default: the current folder)",
        )

    def handle(self, *args, output=None, **options):
        try:
            result = backup.backup_create(output=output, actor="manage.py backup")
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:
            raise CommandError(f"database error: {str(error).strip().splitlines()[0]}") from None
        manifest = result.manifest
        self.stdout.write(self.style.SUCCESS(f"Wrote {result.path} ({result.size / 1e6:.1f} MB)"))
        self.stdout.write(f"  {manifest['database']['version']}, {len(manifest['members'])} members, "
                          f"{manifest['created_at']}")
        self.stdout.write(f"  {backup.summary(manifest['counts'])}")
