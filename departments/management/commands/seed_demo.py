from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from departments.demo import DEMO_PASSWORD, seed_demo_accounts


class Command(BaseCommand):
    help = "Create local demo accounts (admin, leadership, a head and a staff member per department); idempotent."

    def handle(self, *args, **options):
        accounts = seed_demo_accounts()
        self.stdout.write(self.style.SUCCESS(_("Demo accounts (password for all: %(password)s)") % {"password": DEMO_PASSWORD}))
        width = max(len(account.username) for account in accounts) + 2
        for account in accounts:
            self.stdout.write(f"  {account.username.ljust(width)}{account.description}")
