"""The performance goals (docs/benchmarks.md), checked against a benchmark's results."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Goal:
    name: str
    metric: str  # a key of a scale's results, or of the top level when scale is None
    scale: str | None  # "1", "10", or None for a cross-scale figure
    limit: float
    at_least: bool = False  # True: value >= limit; False: value <= limit

    def describe(self) -> str:
        sign = ">=" if self.at_least else "<="
        where = f" at scale {self.scale}" if self.scale else ""
        return f"{self.metric} {sign} {self.limit:g}{where}"


GOALS = (
    Goal("ingest near the COPY ceiling", "ingest_ratio", "1", 0.7, at_least=True),
    Goal("ingest near the COPY ceiling", "ingest_ratio", "10", 0.7, at_least=True),
    Goal("one new month is cheap", "incremental_ratio", "1", 0.15),
    Goal("quality checks are a small share", "quality_share", "1", 0.25),
    Goal("quality checks are a small share", "quality_share", "10", 0.25),
    Goal("scales linearly or better", "scale_ratio", None, 5),
    Goal("full pipeline under 3 minutes", "total_seconds", "1", 180),
    # Through the deployed processes, the sensor's interval included (bench/deployment.py).
    Goal("a landed file is public within a minute", "file_to_public_seconds", "1", 60),
    Goal("largest process under 2 GB", "peak_memory_mb", "1", 2048),
    Goal("largest process under 4 GB", "peak_memory_mb", "10", 4096),
)


def evaluate(results: dict) -> list[dict]:
    """Each goal with its measured value and whether it is met (None: not measured this run)."""
    rows = []
    for goal in GOALS:
        if goal.scale is None:
            value = results.get(goal.metric)
        else:
            value = results["scales"].get(goal.scale, {}).get(goal.metric)
        met = None
        if value is not None:
            met = value >= goal.limit if goal.at_least else value <= goal.limit
        rows.append(
            {
                "goal": goal.name,
                "rule": goal.describe(),
                "metric": goal.metric,
                "scale": goal.scale,
                "limit": goal.limit,
                "value": value,
                "met": met,
            }
        )
    return rows
