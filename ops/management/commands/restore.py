from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from ops import backup


class Command(BaseCommand):
    help = (
        "Restore an archive written by `backup` into this portal's database and MEDIA_ROOT, then verify "
        "every media file's sha256 and the counts. Stop the web server and workers first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force", action="store_true",
            help="replace the contents of a database that already holds unionplan tables",
        )

    def handle(self, *args, archive: Path, force=False, **options):
        try:
            result = backup.restore(archive=archive, force=force, progress=lambda line: self.stdout.write(f"  {line}"),
                                    actor="manage.py restore")
        except backup.BackupError as error:
            raise CommandError(str(error)) from None
        except DatabaseError as error:
            raise CommandError(f"database error: {str(error).strip().splitlines()[0]}") from None
        manifest = result.manifest
        self.stdout.write(self.style.SUCCESS(
            f"Restored {archive.name} (made {manifest['created_at']} on {manifest['database']['version']})"
            + (", replacing the database's previous contents" if result.replaced else "")
        ))
        self.stdout.write(f"  {backup.summary(result.counts)}: as in the manifest")
        self.stdout.write(f"  {result.media_files} media files, every sha256 verified")
        if result.other_media_files:
            self.stdout.write(f"  {result.other_media_files} other files in MEDIA_ROOT were left in place")
        if result.pending_migrations:
            self.stdout.write(self.style.WARNING(
                f"  This code has {len(result.pending_migrations)} migrations the archive predates "
                f"(first: {result.pending_migrations[0]}): run `manage.py migrate` next."
            ))
