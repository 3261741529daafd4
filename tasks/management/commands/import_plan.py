from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tasks.importer import PlanParseError
from tasks.services import plan_import_document


class Command(BaseCommand):
    help = "Import a work plan document (.txt in UTF-8/GB18030, or .docx); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--org", dest="organization", help="organization name (default: read from the title)")
        parser.add_argument("--year", type=int, help="plan year (default: read from the title)")
        parser.add_argument("--dry-run", action="store_true", help="print what would change and write nothing")

    def handle(self, *args, path: Path, organization, year, dry_run, **options):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror})
        try:
            result = plan_import_document(
                data=data, filename=path.name, organization=organization, year=year, dry_run=dry_run
            )
        except PlanParseError as error:
            raise CommandError(str(error))

        plan = result.plan
        for warning in result.warnings:
            self.stderr.write(self.style.WARNING(_("Warning: %(text)s") % {"text": warning}))
        if dry_run:
            self.stdout.write(_("Dry run, nothing was written. Would change:"))
        for change in result.changes:
            self.stdout.write(f"  {change}")
        summary = _("%(title)s: %(created)d new, %(updated)d changed, %(deleted)d removed.") % {
            "title": plan.title,
            "created": result.created,
            "updated": result.updated,
            "deleted": result.deleted,
        }
        self.stdout.write(self.style.SUCCESS(summary) if result.changed else _("%(title)s: already up to date.") % {"title": plan.title})
