"""The portal's settings with one more URL, for bench/throughput.py's gunicorn (never deployed).

    DJANGO_SETTINGS_MODULE=throughput_site  (with bench/ on the path)
"""

from unionplan.settings import *  # noqa: F401,F403  (the portal's own settings, unchanged)

ROOT_URLCONF = "throughput_urls"
