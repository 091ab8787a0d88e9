"""`python -m orchestration.lib.descriptions [--check]`: write docs/tables.md from the table
descriptions, or (--check) exit 1 when it differs from what they give."""

import argparse
import sys

from orchestration.lib.descriptions import document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.lib.descriptions")
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if docs/tables.md is stale"
    )
    args = parser.parse_args(argv)
    if args.check:
        current = document.OUTPUT.read_text(encoding="utf-8") if document.OUTPUT.exists() else ""
        if current != document.render(document.manifest()):
            sys.stderr.write(
                f"{document.OUTPUT} is out of date: run python -m orchestration.lib.descriptions\n"
            )
            return 1
        sys.stdout.write(f"{document.OUTPUT} is up to date.\n")
        return 0
    changed = document.write()
    sys.stdout.write(f"{document.OUTPUT} {'written' if changed else 'already up to date'}.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
