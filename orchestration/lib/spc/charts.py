"""Accessible SVG capability charts and plain-English text alternatives for `spc.xmr` results.

Colours follow Making Data Count (blue improvement, orange concern, grey common cause); colour
is never the only signal: special-cause points differ in shape, and each icon carries a letter
and a text label. Output is deterministic: same input, same bytes.
"""

from __future__ import annotations

import datetime as dt
import math
from xml.sax.saxutils import escape

from orchestration.lib.spc.chunky import read_warnings

IMPROVEMENT = "#489FDF"
CONCERN = "#FFB81C"
NEUTRAL = "#490092"
COMMON = "#A6A6A6"
TEXT = "#0B0C0C"
FONT = "Arial, sans-serif"

POINT_STYLE = {  # point_type -> (colour, shape, legend text)
    "common_cause": (COMMON, "circle", "Common cause"),
    "special_cause_improvement": (IMPROVEMENT, "triangle", "Special cause: improvement"),
    "special_cause_concern": (CONCERN, "square", "Special cause: concern"),
    "special_cause_neutral_high": (NEUTRAL, "diamond", "Special cause: high"),
    "special_cause_neutral_low": (NEUTRAL, "diamond", "Special cause: low"),
    None: (COMMON, "circle", "Not assessed"),
}
VARIATION_TEXT = {
    "common_cause": ("C", COMMON, "Common cause variation"),
    "improvement_high": ("H", IMPROVEMENT, "Special cause improvement (high)"),
    "improvement_low": ("L", IMPROVEMENT, "Special cause improvement (low)"),
    "concern_high": ("H", CONCERN, "Special cause concern (high)"),
    "concern_low": ("L", CONCERN, "Special cause concern (low)"),
    "neither_high": ("H", NEUTRAL, "Special cause (high), no preferred direction"),
    "neither_low": ("L", NEUTRAL, "Special cause (low), no preferred direction"),
}
ASSURANCE_TEXT = {
    "pass": ("P", IMPROVEMENT, "Target consistently met"),
    "fail": ("F", CONCERN, "Target consistently missed"),
    "hit_or_miss": ("?", COMMON, "Target hit or miss"),
}


def fmt(value: float | None, unit: str = "") -> str:
    """A number for people: about four significant figures, thousands separated."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    magnitude = math.floor(math.log10(abs(value))) if value else 0
    decimals = min(4, max(0, 3 - magnitude))
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text == "-0":
        text = "0"
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}".strip()


def period_label(start, frequency: str | None = "monthly") -> str:
    """A figure's period by its own frequency, as people read it: "October 2026" for a month,
    "Q2 2026/27 (July to September 2026)" for a quarter of the UK financial year, "2025/26"
    for a financial year. A quarter or year is never named by its first month. Anything that
    is not a date (a case number) is shown as it is."""
    if not (isinstance(start, dt.datetime | dt.date) or hasattr(start, "strftime")):
        return str(start)
    if frequency == "quarterly":
        year = start.year if start.month >= 4 else start.year - 1
        quarter = (start.month - 4) % 12 // 3 + 1
        end = dt.date(start.year + (start.month + 2 > 12), (start.month + 1) % 12 + 1, 1)
        return f"Q{quarter} {year}/{str(year + 1)[-2:]} ({start:%B} to {end:%B %Y})"
    if frequency == "annual":
        year = start.year if start.month >= 4 else start.year - 1
        return f"{year}/{str(year + 1)[-2:]}"
    if frequency == "daily":
        return f"{start.day} {start:%B %Y}"
    if frequency == "weekly":
        return f"week beginning {start.day} {start:%B %Y}"
    return f"{start:%B %Y}"


def short_period_label(start, frequency: str | None = "monthly") -> str:
    """A period as a time-axis tick: "Apr 2024", "Q1 2024/25", "2023/24", "5 Mar 2026"."""
    if not (isinstance(start, dt.datetime | dt.date) or hasattr(start, "strftime")):
        return str(start)
    if frequency in ("quarterly", "annual"):
        return period_label(start, frequency).split(" (")[0]
    if frequency in ("daily", "weekly"):
        return f"{start.day} {start:%b %Y}"
    return f"{start:%b %Y}"


def frequency_of(periods) -> str | None:
    """The frequency the periods' spacing shows (monthly, quarterly, annual, weekly, daily), or None
    when there are too few dates to tell."""
    if not periods or len(periods) < 2 or not hasattr(periods[0], "toordinal"):
        return None
    gap = (periods[1] - periods[0]).days if hasattr(periods[1] - periods[0], "days") else 0
    if 27 <= gap <= 31:
        return "monthly"
    if 89 <= gap <= 92:
        return "quarterly"
    if 365 <= gap <= 366:
        return "annual"
    if gap == 7:
        return "weekly"
    if gap < 7:
        return "daily"
    return None


def period_labels(periods, frequency: str | None = None) -> list[str]:
    """Each period's label, by the frequency given or (when None) the one its spacing shows."""
    frequency = frequency or frequency_of(periods) or "monthly"
    return [period_label(p, frequency) for p in periods]


def _period_word(periods, frequency: str | None = None) -> str:
    frequency = frequency or frequency_of(periods)
    words = {"monthly": "months", "quarterly": "quarters", "annual": "years", "weekly": "weeks"}
    return words.get(frequency or "", "points")


ANNOTATION_TEXT = {
    "recalc": "Limits recalculated from",
    "ghost": "Ghosted",
    "baseline": "Baseline limits carried forward from",
}


def _annotation_sentences(annotations, labels: list[str]) -> list[str]:
    sentences = []
    for note in annotations or ():
        when = labels[note["index"]] if note["index"] < len(labels) else str(note["index"])
        sentences.append(f"{ANNOTATION_TEXT[note['kind']]} {when}: {note['reason']}.")
    return sentences


def describe(
    result: dict,
    measure_name: str,
    unit: str = "",
    periods=None,
    improvement=None,
    annotations=None,
    *,
    frequency: str | None = None,
    target: float | None = None,
    no_signals: str | None = None,
    method: str | None = None,
):
    """Plain-English text alternative for a chart, e.g. 'Special-cause improvement: 8 months
    below the average since June 2025.' `annotations` (index, kind, reason) are the recorded
    recalculations, ghosted points and baselines; each is named with its reason. Where the
    engine's chunky-data rule found the limits untrustworthy (its "chunky data" warnings),
    the text says so in plain words: under "suppress", with the latest limits chunky, it reads
    no signal and no limits, only the values. `frequency` names the periods ("Q2 2026/27 (July
    to September 2026)", not "July 2026"; by default the one their spacing shows); `target`
    is read out; `no_signals` is the reason a chart deliberately reads no signal (a run chart
    by choice, not for want of points); `method` says what the chart plots when it is not
    the values as they are (each month's change from a year earlier)."""
    points = result["points"]
    live = [p for p in points if not p["ghost"]]
    labels = period_labels(periods, frequency) if periods else [str(p["index"]) for p in points]
    word = _period_word(periods, frequency)
    sentences = []
    if not live:
        return f"{measure_name}: no values yet."
    last = live[-1]
    latest = f"Latest value {fmt(last['value'], unit)} in {labels[last['index']]}."
    aimed = f"Target {fmt(target, unit)}." if target is not None else ""
    plotted = f"{method}." if method else ""
    if not result["spc_shown"]:
        if no_signals:
            sentences.append(f"{measure_name}: run chart only, no signals read: {no_signals}.")
        else:
            sentences.append(
                f"{measure_name}: run chart only; too few {word} for process limits "
                f"({len(live)} so far)."
            )
        notes = _annotation_sentences(annotations, labels)
        return " ".join(s for s in [*sentences, plotted, latest, aimed, *notes] if s)
    chunky_found = read_warnings(result["warnings"])
    latest_chunky = next((c for c in chunky_found if c["group"] == last["group"]), None)
    group = result["groups"][last["group"]]
    if latest_chunky and latest_chunky["suppressed"]:
        sentences.append(
            f"{measure_name}: the figures are recorded in steps too coarse for their variation "
            f"({_step_words(latest_chunky['resolution'], unit)}), so this chart cannot show "
            "special causes; read the values, not the signals."
        )
        sentences.append(plotted)
        sentences.append(latest)
        sentences.append(f"Average {fmt(group['mean'], unit)}.")
    else:
        sentences.append(f"{measure_name}: {_headline(result, live, labels, word)}.")
        sentences.append(plotted)
        sentences.append(latest)
        sentences.append(
            f"Average {fmt(group['mean'], unit)}; process limits {fmt(group['lpl'], unit)} "
            f"to {fmt(group['upl'], unit)}."
        )
    sentences.append(aimed)
    if result["assurance_icon"]:
        sentences.append(ASSURANCE_TEXT[result["assurance_icon"]][2] + ".")
    if improvement in ("increase", "decrease"):
        sentences.append(f"Higher is {'better' if improvement == 'increase' else 'worse'}.")
    reads_limits = not (latest_chunky and latest_chunky["suppressed"])
    if "no variation" in result["warnings"] and reads_limits:
        sentences.append("The values do not vary, so the limits sit on the average.")
    sentences.extend(_chunky_caution(chunky_found, latest_chunky, result["groups"], labels, unit))
    sentences.extend(_annotation_sentences(annotations, labels))
    return " ".join(s for s in sentences if s)


def _step_words(resolution: float | None, unit: str) -> str:
    """The recording step in words: "whole days", "steps of 0.5 days", "whole numbers"."""
    if resolution is None:
        return "every value is the same"
    if unit == "%":
        if resolution == 1:
            return "whole percentage points"
        return f"steps of {fmt(resolution)} percentage points"
    if resolution == 1:
        return f"whole {unit}" if unit else "whole numbers"
    return f"steps of {fmt(resolution, unit)}"


def _chunky_caution(found: list[dict], latest: dict | None, groups, labels, unit) -> list[str]:
    """What the chunky-data warnings mean for the reader, beyond the headline: under "flag"
    the signals may be false alarms; under "suppress" earlier chunky limits read no signal."""
    if not found or (latest and latest["suppressed"]):
        return []
    words = _step_words(found[0]["resolution"], unit)
    if latest:
        return [
            f"Caution: the figures are recorded in steps too coarse for their variation "
            f"({words}), so this chart's signals may be false alarms."
        ]
    until = labels[groups[found[-1]["group"]]["last_index"]]
    if found[0]["suppressed"]:
        return [
            f"Figures up to {until} are recorded in steps too coarse for their variation "
            f"({words}), so no special causes are read from them."
        ]
    return [
        f"Caution: figures up to {until} are recorded in steps too coarse for their variation "
        f"({words}), so signals among them may be false alarms."
    ]


def _headline(result: dict, live: list[dict], labels: list[str], word: str) -> str:
    last = live[-1]
    kind = last["point_type"]
    if kind == "common_cause":
        return "common-cause variation only at the latest point"
    run = 0
    for point in reversed(live):
        if point["point_type"] != kind:
            break
        run += 1
    start = live[-run]
    rules = set(last["rules_high"]) | set(last["rules_low"])
    side = "above" if last["rules_high"] and not last["rules_low"] else "below"
    if last["rules_high"] and last["rules_low"]:
        side = "above" if kind.endswith(("improvement", "high")) else "below"
    if "shift" in rules:
        detail = f"{run} {word} {side} the average"
    elif "trend" in rules:
        detail = f"{run} {word} {'rising' if side == 'above' else 'falling'}"
    elif "astronomical" in rules:
        detail = f"{'above the upper' if side == 'above' else 'below the lower'} process limit"
    else:
        detail = f"{run} {word} close to the {'upper' if side == 'above' else 'lower'} limit"
    name = {
        "special_cause_improvement": "Special-cause improvement",
        "special_cause_concern": "Special-cause concern",
        "special_cause_neutral_high": "Special-cause variation (high)",
        "special_cause_neutral_low": "Special-cause variation (low)",
    }[kind]
    since = f" since {labels[start['index']]}" if run > 1 else f" in {labels[last['index']]}"
    return f"{name}: {detail}{since}"


def _marker(shape: str, x: float, y: float, colour: str, hollow: bool) -> str:
    fill = "none" if hollow else colour
    style = f'fill="{fill}" stroke="{colour}" stroke-width="1.5"'
    if shape == "triangle":
        pts = f"{x:.2f},{y - 5:.2f} {x + 5:.2f},{y + 4:.2f} {x - 5:.2f},{y + 4:.2f}"
        return f'<polygon points="{pts}" {style}/>'
    if shape == "square":
        return f'<rect x="{x - 4:.2f}" y="{y - 4:.2f}" width="8" height="8" {style}/>'
    if shape == "diamond":
        pts = f"{x:.2f},{y - 5:.2f} {x + 5:.2f},{y:.2f} {x:.2f},{y + 5:.2f} {x - 5:.2f},{y:.2f}"
        return f'<polygon points="{pts}" {style}/>'
    return f'<circle cx="{x:.2f}" cy="{y:.2f}" r="4" {style}/>'


def _icon(x: float, y: float, letter: str, colour: str, label: str, kind: str) -> str:
    """An icon is a ringed letter plus its text label, so colour is never the only signal."""
    return (
        f'<g class="{kind}-icon" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>"
        f'<circle cx="{x:.2f}" cy="{y:.2f}" r="12" fill="#FFFFFF" stroke="{colour}" '
        f'stroke-width="3"/>'
        f'<text x="{x:.2f}" y="{y + 5:.2f}" text-anchor="middle" font-family="{FONT}" '
        f'font-size="13" font-weight="bold" fill="{TEXT}">{letter}</text>'
        f'<text x="{x + 18:.2f}" y="{y + 4:.2f}" font-family="{FONT}" font-size="11" '
        f'fill="{TEXT}">{escape(label)}</text></g>'
    )


def _annotation_line(note: dict, x: float, y_top: float, y_bottom: float, labels) -> str:
    when = labels[note["index"]] if labels else f"point {note['index'] + 1}"
    text = f"{ANNOTATION_TEXT[note['kind']]} {when}: {note['reason']}"
    short = {"recalc": "Recalculated", "ghost": "Ghosted", "baseline": "Baseline end"}[note["kind"]]
    return (
        f'<g class="annotation annotation-{note["kind"]}"><title>{escape(text)}</title>'
        f'<line x1="{x:.2f}" y1="{y_top:.2f}" x2="{x:.2f}" y2="{y_bottom:.2f}" stroke="{TEXT}" '
        f'stroke-width="1" stroke-dasharray="2 3"/>'
        f'<text x="{x + 3:.2f}" y="{y_top + 10:.2f}" font-family="{FONT}" font-size="10" '
        f'fill="{TEXT}">{escape(short)}</text></g>'
    )


def result_from_points(points: list[dict], summary: dict) -> dict:
    """An `xmr`-shaped result (what describe/render_svg read) from one series' rows of
    spc_batch.xmr_frame: points with value, ghost, group, rules, point_type and the group's
    mean and limits; summary with spc_shown, icons and warnings."""
    groups: dict[int, dict] = {}
    for p in points:
        group = groups.setdefault(
            p["group"],
            {
                "first_index": p["index"],
                "n": 0,
                **{k: p[k] for k in ("mean", "upl", "lpl", "upper_two_sigma", "lower_two_sigma")},
            },
        )
        group["last_index"] = p["index"]
        group["n"] += 0 if p["ghost"] else 1
    return {
        "spc_shown": bool(summary["spc_shown"]),
        "groups": [groups[key] for key in sorted(groups)],
        "points": points,
        "variation_icon": summary["variation_icon"],
        "assurance_icon": summary["assurance_icon"],
        "warnings": list(summary["warnings"]),
    }


class _Frame:
    """Where things go: the plot area inside its margins and the value range it shows (the
    points and the drawn lines, padded by 8% each way), with the point index -> x and
    value -> y mappings."""

    left, right, top, bottom = 60.0, 20.0, 36.0, 90.0

    def __init__(self, result: dict, width: int, height: int, target: float | None = None):
        values = [p["value"] for p in result["points"] if p["value"] is not None]
        values += [] if target is None else [target]
        lines = [
            g[k]
            for g in result["groups"]
            for k in ("mean", "upl", "lpl")
            if g[k] is not None and g["n"]
        ]
        low, high = min(values + lines, default=0.0), max(values + lines, default=1.0)
        if high == low:
            low, high = low - 1, high + 1
        self.pad = (high - low) * 0.08
        self.low, self.high = low - self.pad, high + self.pad
        self.width, self.height = width, height
        self.plot_w = width - self.left - self.right
        self.plot_h = height - self.top - self.bottom
        self.count = max(len(result["points"]) - 1, 1)

    def px(self, i):
        return self.left + self.plot_w * i / self.count

    def py(self, v):
        return self.top + self.plot_h * (self.high - v) / (self.high - self.low)


def render_svg(
    result: dict,
    measure_name: str = "Measure",
    unit: str = "",
    periods=None,
    improvement=None,
    width: int = 720,
    height: int = 400,
    annotations=None,
    *,
    frequency: str | None = None,
    target: float | None = None,
    no_signals: str | None = None,
    method: str | None = None,
) -> str:
    """The chart as an SVG string with <title> and <desc> (the `describe` text).

    `annotations`: recorded recalculations, ghosts and baselines as dicts with `index` (the
    point), `kind` and `reason`; each is drawn as a labelled vertical line whose reason is in
    its <title> and in the description. `target` is drawn as a labelled dotted line."""
    frame = _Frame(result, width, height, target)
    desc = describe(
        result,
        measure_name,
        unit,
        periods,
        improvement,
        annotations,
        frequency=frequency,
        target=target,
        no_signals=no_signals,
        method=method,
    )
    labels = period_labels(periods, frequency) if periods else None
    out = [
        *_svg_head(frame, measure_name, desc),
        *_axis_labels(frame, result, unit),
        *_time_axis(frame, periods, frequency or frequency_of(periods)),
        *_limit_lines(frame, result["groups"]),
        *_target_line(frame, target, unit),
        *_annotation_lines(frame, annotations, labels),
        *_points(frame, result["points"], labels, unit),
        *_legend(frame, result, target),
        *_icons(frame, result),
        "</svg>",
    ]
    return "\n".join(out) + "\n"


def _svg_head(frame: _Frame, measure_name: str, desc: str) -> list[str]:
    """The <svg> element with its text alternative: a <title> and a <desc> (the `describe`
    text) that screen readers announce for the whole image; then the background and heading."""
    width, height = frame.width, frame.height
    title = f"Capability chart: {measure_name}"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="chart-title chart-desc" '
        f'font-family="{FONT}">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(desc)}</desc>',
        f'<rect width="{width}" height="{height}" fill="#FFFFFF"/>',
        f'<text x="{frame.left:.2f}" y="20" font-family="{FONT}" font-size="14" '
        f'font-weight="bold" fill="{TEXT}">{escape(measure_name)}</text>',
    ]


def _axis_labels(frame: _Frame, result: dict, unit: str) -> list[str]:
    """Value labels on the y axis where the reader needs them: the latest limits and average
    (or, for a run chart, the lowest and highest values), each once, none overlapping. A unit
    too long for the margin ("percentage points") is left to the title and the text."""
    unit = unit if len(unit) <= 6 else ""
    group = result["groups"][-1] if result["groups"] else {}
    ticks = [group.get(k) for k in ("lpl", "mean", "upl")] if result["spc_shown"] else []
    ticks = [t for t in ticks if t is not None]
    if not ticks:
        values = [p["value"] for p in result["points"] if p["value"] is not None]
        ticks = sorted({min(values), max(values)}) if values else []
    out, last_y = [], None
    for tick in sorted(ticks):
        y = frame.py(tick)
        if last_y is not None and abs(last_y - y) < 12:
            continue
        last_y = y
        out.append(
            f'<text x="{frame.left - 6:.2f}" y="{y + 4:.2f}" text-anchor="end" '
            f'font-family="{FONT}" font-size="10" fill="{TEXT}">{escape(fmt(tick, unit))}</text>'
        )
    return out


def _time_axis(frame: _Frame, periods, frequency: str | None) -> list[str]:
    """Dates under the plot: the first and last periods and evenly spaced ones between (about
    six in all), with a tick mark each, so a reader can place any point in time."""
    if not periods or not hasattr(periods[0], "strftime"):
        return []
    count = len(periods)
    wanted = min(count, 6)
    indices = sorted({round(i * (count - 1) / max(wanted - 1, 1)) for i in range(wanted)})
    bottom = frame.top + frame.plot_h
    out = [
        f'<line class="time-axis" x1="{frame.left:.2f}" y1="{bottom:.2f}" '
        f'x2="{frame.left + frame.plot_w:.2f}" y2="{bottom:.2f}" stroke="{COMMON}" '
        f'stroke-width="1"/>'
    ]
    for index in indices:
        x = frame.px(index)
        anchor = "start" if index == 0 and count > 1 else "end" if index == count - 1 else "middle"
        label = short_period_label(periods[index], frequency)
        out.append(
            f'<line x1="{x:.2f}" y1="{bottom:.2f}" x2="{x:.2f}" y2="{bottom + 4:.2f}" '
            f'stroke="{TEXT}" stroke-width="1"/>'
            f'<text x="{x:.2f}" y="{bottom + 16:.2f}" text-anchor="{anchor}" '
            f'font-family="{FONT}" font-size="10" fill="{TEXT}">{escape(label)}</text>'
        )
    return out


def _legend(frame: _Frame, result: dict, target) -> list[str]:
    """What the marks mean, for the marks this chart draws: the point shapes and the lines."""
    shown = {p["point_type"] for p in result["points"] if p["value"] is not None and not p["ghost"]}
    items = [
        (POINT_STYLE[kind][1], POINT_STYLE[kind][0], POINT_STYLE[kind][2])
        for kind in POINT_STYLE
        if kind in shown and kind is not None
    ]
    if any(p["ghost"] and p["value"] is not None for p in result["points"]):
        items.append(("hollow", COMMON, "Ghosted"))
    if result["spc_shown"] and any(g["mean"] is not None and g["n"] for g in result["groups"]):
        items += [("solid", "#000000", "Average"), ("dashed", "#6F777B", "Process limits")]
    if target is not None:
        items.append(("dotted", TEXT, "Target"))
    y = frame.top + frame.plot_h + 36
    x = frame.left
    out = ['<g class="legend">']
    for shape, colour, text in items:
        if shape in ("solid", "dashed", "dotted"):
            dash = {
                "solid": "",
                "dashed": ' stroke-dasharray="6 4"',
                "dotted": ' stroke-dasharray="2 3"',
            }
            out.append(
                f'<line x1="{x:.2f}" y1="{y:.2f}" x2="{x + 16:.2f}" y2="{y:.2f}" '
                f'stroke="{colour}" stroke-width="1.5"{dash[shape]}/>'
            )
            x += 20
        else:
            out.append(
                _marker(
                    "circle" if shape == "hollow" else shape, x + 5, y, colour, shape == "hollow"
                )
            )
            x += 13
        out.append(
            f'<text x="{x:.2f}" y="{y + 4:.2f}" font-family="{FONT}" font-size="10" '
            f'fill="{TEXT}">{escape(text)}</text>'
        )
        x += 7 + 5.6 * len(text)
    out.append("</g>")
    return out if items else []


def _limit_lines(frame: _Frame, groups: list[dict]) -> list[str]:
    """Per group (partition), across its points: the mean (solid; only where the group has
    live points) and the process limits (dashed)."""
    out = []
    for group in groups:
        x1, x2 = frame.px(group["first_index"]), frame.px(group["last_index"])
        if group["mean"] is not None and group["n"]:
            y = frame.py(group["mean"])
            out.append(
                f'<line class="mean" x1="{x1:.2f}" y1="{y:.2f}" x2="{x2:.2f}" y2="{y:.2f}" '
                f'stroke="#000000" stroke-width="1.5"/>'
            )
        for key in ("upl", "lpl"):
            if group[key] is not None:
                y = frame.py(group[key])
                out.append(
                    f'<line class="{key}" x1="{x1:.2f}" y1="{y:.2f}" x2="{x2:.2f}" '
                    f'y2="{y:.2f}" stroke="#6F777B" stroke-width="1.2" stroke-dasharray="6 4"/>'
                )
    return out


def _target_line(frame: _Frame, target: float | None, unit: str) -> list[str]:
    """The target across the whole chart: dotted, in the text colour, labelled at the right."""
    if target is None:
        return []
    y = frame.py(target)
    x1, x2 = frame.left, frame.left + frame.plot_w
    label = f"Target {fmt(target, unit)}"
    return [
        f'<g class="target"><title>{escape(label)}</title>'
        f'<line x1="{x1:.2f}" y1="{y:.2f}" x2="{x2:.2f}" y2="{y:.2f}" stroke="{TEXT}" '
        f'stroke-width="1.5" stroke-dasharray="2 3"/>'
        f'<text x="{x2:.2f}" y="{y - 4:.2f}" text-anchor="end" font-family="{FONT}" '
        f'font-size="10" fill="{TEXT}">{escape(label)}</text></g>'
    ]


def _annotation_lines(frame: _Frame, annotations, labels) -> list[str]:
    """A labelled vertical line the plot's height at each recorded recalculation, ghost or
    baseline."""
    bottom = frame.top + frame.plot_h
    return [
        _annotation_line(note, frame.px(note["index"]), frame.top, bottom, labels)
        for note in annotations or ()
    ]


def _points(frame: _Frame, points: list[dict], labels, unit: str) -> list[str]:
    """The line through the live points, then every point with a value as a marker whose
    shape and colour say its type (ghosts hollow) and whose <title> gives period, value and
    type in words."""
    out = []
    path = [
        f"{frame.px(p['index']):.2f},{frame.py(p['value']):.2f}"
        for p in points
        if p["value"] is not None and not p["ghost"]
    ]
    if path:
        out.append(
            f'<polyline points="{" ".join(path)}" fill="none" stroke="{COMMON}" '
            f'stroke-width="1.5"/>'
        )
    for p in points:
        if p["value"] is None:
            continue
        colour, shape, text = POINT_STYLE[p["point_type"]]
        if p["ghost"]:
            colour, shape, text = COMMON, "circle", "Ghosted (excluded from the limits)"
        when = labels[p["index"]] if labels else f"point {p['index'] + 1}"
        tooltip = f"{when}: {fmt(p['value'], unit)}; {text}"
        out.append(
            f"<g><title>{escape(tooltip)}</title>"
            + _marker(shape, frame.px(p["index"]), frame.py(p["value"]), colour, p["ghost"])
            + "</g>"
        )
    return out


def _icons(frame: _Frame, result: dict) -> list[str]:
    """The variation icon (bottom left) and assurance icon (bottom middle), where there are."""
    out = []
    y = frame.height - 22.0
    if result["variation_icon"]:
        letter, colour, text = VARIATION_TEXT[result["variation_icon"]]
        out.append(_icon(frame.left + 12, y, letter, colour, text, "variation"))
    if result["assurance_icon"]:
        letter, colour, text = ASSURANCE_TEXT[result["assurance_icon"]]
        out.append(_icon(frame.left + frame.plot_w / 2, y, letter, colour, text, "assurance"))
    return out
