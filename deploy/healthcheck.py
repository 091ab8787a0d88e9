"""A container's health check over HTTP with nothing but Python's standard library (the image
has no curl): exit 0 when the URL answers 200, 1 otherwise, with the reason on stderr.
A redirect is reported, not followed.

    python /app/deploy/healthcheck.py http://127.0.0.1:3000/server_info    # Dagster webserver
    python /app/deploy/healthcheck.py http://127.0.0.1:8000/healthz        # officer app
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check(url: str, timeout: float = 5.0) -> str | None:
    """None when the URL answers 200; otherwise what went wrong."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (urllib.error.URLError, OSError) as error:
        return f"{url}: no answer ({getattr(error, 'reason', error)})"
    return None if status == 200 else f"{url}: answered {status}, not 200"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: healthcheck.py URL\n")
        return 2
    problem = check(argv[0])
    if problem:
        sys.stderr.write(problem + "\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
