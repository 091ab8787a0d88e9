"""Make the repository root and this folder importable without installing the project."""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for path in (HERE.parents[2], HERE):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))
