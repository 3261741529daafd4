"""Gunicorn's settings: its own log lines in the portal's format.

    gunicorn -c python:unionplan.gunicorn_conf unionplan.wsgi ...

Gunicorn's master (start-up, worker timeouts, shutdown) logs through Django's LOGGING too, so in
production every line on stdout is one JSON object. There is no gunicorn access log:
unionplan.logging.RequestLogMiddleware logs each request once, with its request id and user.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionplan.settings")

from django.conf import settings  # noqa: E402  (after DJANGO_SETTINGS_MODULE)

logconfig_dict = settings.LOGGING
accesslog = None
