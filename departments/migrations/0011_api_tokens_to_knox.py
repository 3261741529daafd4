"""API tokens move from rest_framework.authtoken (the key in clear, no expiry) to django-rest-knox
(only a hash kept, an expiry): each existing token keeps working, now expiring API_TOKEN_DAYS after
this migration, and the clear keys are deleted from the old table (the app is no longer installed)."""

import datetime

from django.conf import settings
from django.db import migrations


def move_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    AuthToken = apps.get_model("knox", "AuthToken")
    expiry = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=settings.API_TOKEN_DAYS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        if isinstance(created, str):
            created = datetime.datetime.fromisoformat(created)
        if created is not None and created.tzinfo is None:
            created = created.replace(tzinfo=datetime.timezone.utc)  # as Django stores them (UTC)
        digest = hash_token(key)
        AuthToken(digest=digest, token_key=key[:CONSTANTS.TOKEN_KEY_LENGTH], user_id=user_id, expiry=expiry).save()
        AuthToken.objects.filter(pk=digest).update(created=created)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0010_security_event_password_reset"),
        ("knox", "0009_extend_authtoken_field"),
    ]

    operations = [migrations.RunPython(move_tokens, migrations.RunPython.noop, elidable=True)]
