"""The Celery app: configured from Django settings, tasks found in each app's tasks.py."""

import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionplan.settings")

app = Celery("unionplan")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _use_django_logging(**kwargs):
    # In production the worker and beat log like the web processes: Django's LOGGING (JSON lines
    # on stdout, with the task's id). Connected, this signal keeps Celery from installing its own
    # handlers on the root logger; in development Celery's readable format stays.
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


# The environment, as settings.PRODUCTION reads it: this module is imported while the settings load.
if os.environ.get("DJANGO_ENV") == "production":
    setup_logging.connect(_use_django_logging, weak=False)


@app.on_after_configure.connect
def _make_broker_folders(sender, **kwargs):
    # The embedded filesystem broker needs its folders before the first message.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)
