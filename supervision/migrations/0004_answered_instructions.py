"""Instructions answered before the loop existed are answered ones, with their reply as the loop's first entry."""

from django.db import migrations


def forwards(apps, schema_editor):
    Instruction = apps.get_model("supervision", "Instruction")
    Entry = apps.get_model("supervision", "InstructionEntry")
    for instruction in Instruction.objects.filter(handled_at__isnull=False, state="open"):
        instruction.state = "answered"
        instruction.save(update_fields=["state"])
        entry = Entry.objects.create(instruction=instruction, kind="reply", author_id=instruction.handled_by_id,
                                     text=instruction.reply)
        Entry.objects.filter(pk=entry.pk).update(created_at=instruction.handled_at)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0003_the_supervision_loop")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
