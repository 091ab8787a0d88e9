"""What the pipeline asks of the SPC engine for every chart, icon and verdict it shows.

A published chart must not raise a special cause on chunky data: a series recorded in steps
too coarse for its variation (a whole-day median that sits at 3 days month after month) has
limits a fraction of a step either side of its average, so one 4 reads as a signal. Under
Wheeler's chunky-data rule (docs/analysis.md "Chunky data", orchestration/lib/spc/chunky.py)
the engine then shows no special cause and no variation or assurance icon, and the text
alternative (`spc.charts.describe`) says why in plain words. The recording step is read off
each series' values (no `resolution` is given). Every call of `spc.xmr` or
`spc.batch.xmr_frame` that feeds the analysis tables, the report packs, the public site or a
trial verdict passes these options, and they win over any a series carries.
"""

from __future__ import annotations

CHUNKY_DATA_SHOWS_NO_SIGNALS = "suppress"
PUBLISHED_CHART_OPTIONS = {"chunky": CHUNKY_DATA_SHOWS_NO_SIGNALS}


def published(options: dict | None = None) -> dict:
    """A chart's own options with the published-chart options on top."""
    return {**(options or {}), **PUBLISHED_CHART_OPTIONS}
