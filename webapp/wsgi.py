"""WSGI entry point: waitress serves it under `bdc web`, gunicorn in production
(`gunicorn webapp.wsgi`; docs/webapp.md)."""

import os
import sys

from django.core.wsgi import get_wsgi_application

from webapp.configuration import ConfigurationError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
try:
    application = get_wsgi_application()
except ConfigurationError as error:
    # One plain line before the server's traceback: which variable, and what to do.
    sys.stderr.write(f"The officer app cannot start: {error}\n")
    raise
