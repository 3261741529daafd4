from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from brands.demo import seed_brand_milestones


class Command(BaseCommand):
    help = "Demo milestones and approved milestone reports for the current plan's brands (after seed_demo); idempotent."

    def handle(self, *args, **options):
        seeded = seed_brand_milestones()
        self.stdout.write(
            self.style.SUCCESS(_("Demo milestones for %(count)d brands.") % {"count": len(seeded)})
        )
        for brand in seeded:
            self.stdout.write(f"  {brand.name}")
