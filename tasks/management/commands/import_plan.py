from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from tasks.importer import PlanParseError
from tasks.services import RemovalsUndecided, plan_import_document


class Command(BaseCommand):
    help = "Import a work plan document (.txt in UTF-8/GB18030, .docx or .xlsx); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--org", dest="organization", help="organization name (default: read from the title)")
        parser.add_argument("--year", type=int, help="plan year (default: read from the title)")
        parser.add_argument("--dry-run", action="store_true", help="print what would change and write nothing")
        parser.add_argument(
            "--allow-removals", action="store_true",
            help="apply removals of what holds work (a department's responsibility, a target with readings, "
                 "an item with reports); without it such an import is refused",
        )

    def handle(self, *args, path: Path, organization, year, dry_run, allow_removals, **options):
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(_("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror})
        try:
            result = plan_import_document(
                data=data, filename=path.name, organization=organization, year=year, dry_run=dry_run,
                allow_removals=allow_removals, actor="manage.py import_plan",
            )
        except PlanParseError as error:
            raise CommandError("\n".join(error.problems))
        except RemovalsUndecided as refusal:
            raise CommandError("\n".join(
                [str(refusal), *(f"  {loss.label}" + (f" ({loss.detail})" if loss.detail else "") for loss in refusal.losses),
                 _("Nothing was written. Run again with --allow-removals to apply them.")]
            ))

        if options["verbosity"] == 0 and result.warnings and not dry_run:
            self.stderr.write(self.style.WARNING(_("%(count)d notes about the import (run import_plan without --verbosity 0 to read them).") % {"count": len(result.warnings)}))
        else:
            for warning in result.warnings:
                self.stderr.write(self.style.WARNING(_("Warning: %(text)s") % {"text": warning}))
        if dry_run:
            self.stdout.write(_("Dry run, nothing was written. Would change:"))
            for loss in result.losses:
                self.stdout.write(self.style.WARNING(_("  would remove (needs --allow-removals): %(label)s")
                                                     % {"label": loss.label}))
        # -v 0 (make run): the summary line alone, not a line per item and target.
        for change in result.changes if options["verbosity"] >= 1 or dry_run else ():
            self.stdout.write(f"  {change}")
        if result.changes_left_off and (options["verbosity"] >= 1 or dry_run):
            self.stdout.write(_("  … and %(count)d more") % {"count": result.changes_left_off})
        summary = _("%(title)s: %(created)d new, %(updated)d changed, %(deleted)d removed.") % {
            "title": result.title,
            "created": result.created,
            "updated": result.updated,
            "deleted": result.deleted,
        }
        self.stdout.write(self.style.SUCCESS(summary) if result.changed else _("%(title)s: already up to date.") % {"title": result.title})
