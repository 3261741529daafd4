"""Targets imported before the importer's fix kept the "：" of "目标：…" or "其中：…" in their subject
(shown as "：省级示范职工书屋" or "目标：建会率"); this cleans the rows already imported.

The rule is written out here (not imported) so the migration keeps meaning what it meant when written.
"""

import re

from django.db import migrations

HEADING_COLON = re.compile("[：:]")
PUNCTUATION = "和及与、，, \u3000：:；;。.！!？?·"


def _cleaned(subject: str) -> str:
    return HEADING_COLON.split(subject)[-1].strip(PUNCTUATION) or subject.strip(PUNCTUATION)


def clean_subjects(apps, schema_editor):
    Target = apps.get_model("tasks", "Target")
    changed = []
    for target in Target.objects.filter(subject__regex=r"^[、，, ：:；;。.！!？?·]|[：:]").only("pk", "subject"):
        subject = _cleaned(target.subject)
        if subject != target.subject:
            target.subject = subject
            changed.append(target)
    Target.objects.bulk_update(changed, ["subject"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("tasks", "0017_merge_speed")]

    operations = [migrations.RunPython(clean_subjects, migrations.RunPython.noop)]
