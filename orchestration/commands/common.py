"""What every `bdc` command that touches the warehouse does first."""

import os

from orchestration.lib import environment


def warehouse_url() -> str:
    """Start (if needed) and prepare the warehouse, and point this process at it.

    The read-only roles' passwords go into the environment too, so steps that connect as them
    (the public site reads publish.* as public_reader) find them as they would with a
    configured server.
    """
    from orchestration.lib import bootstrap, warehouse

    url = warehouse.ensure_url()
    passwords = warehouse.role_passwords()
    bootstrap.bootstrap(url, passwords)
    for role, password in passwords.items():
        os.environ.setdefault(f"BDC_{role.upper()}_PASSWORD", password)
    environment.activate(url)
    return url
