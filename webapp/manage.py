"""Django's command line for the officer app: `python webapp/manage.py migrate` and friends."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    from django.core.management import execute_from_command_line

    from webapp.configuration import ConfigurationError

    try:
        execute_from_command_line(sys.argv)
    except ConfigurationError as error:  # a missing or wrong variable: say which, no traceback
        sys.exit(f"The officer app cannot start: {error}")
