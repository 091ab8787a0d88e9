"""Memory of the PostgreSQL server while a stage runs, read from /proc (Linux).

The server's processes share its buffer pool, so their RSS figures overlap: the total is the sum
of PSS (each shared page divided among the processes using it), the single largest process is
given by RSS.
"""

import os
import threading
from pathlib import Path

PROC = Path("/proc")


def postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def _children(pid: int) -> list[int]:
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name may hold spaces; fields after the closing parenthesis are fixed
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _kb(path: Path, label: str) -> int:
    try:
        for line in path.read_text().splitlines():
            if line.startswith(label):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def server_memory_mb(pid: int) -> tuple[float, float]:
    """(sum of PSS over the server's processes, largest single RSS), in MB."""
    pids = [pid, *_children(pid)]
    pss = sum(_kb(PROC / str(each) / "smaps_rollup", "Pss:") for each in pids)
    rss = max(_kb(PROC / str(each) / "status", "VmRSS:") for each in pids)
    return pss / 1024, rss / 1024


def _ticks(pid: int, with_reaped: bool) -> int:
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    # utime, stime, then cutime, cstime: the CPU of exited children the process has reaped
    used = int(fields[11]) + int(fields[12])
    return used + (int(fields[13]) + int(fields[14]) if with_reaped else 0)


def server_cpu_seconds(pid: int) -> float:
    """CPU the server has used so far: the postmaster, its live backends and reaped ones."""
    ticks = _ticks(pid, True) + sum(_ticks(child, False) for child in _children(pid))
    return ticks / os.sysconf("SC_CLK_TCK")


class ServerSampler:
    """Samples the server in a background thread between start() and stop()."""

    def __init__(self, pid: int | None, interval: float = 0.25):
        self.pid = pid
        self.interval = interval
        self.baseline_mb = 0.0
        self.peak_mb = 0.0
        self.largest_process_mb = 0.0
        self.cpu_start = self.cpu_seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        if self.pid is None:
            return
        total, largest = server_memory_mb(self.pid)
        self.peak_mb = max(self.peak_mb, total)
        self.largest_process_mb = max(self.largest_process_mb, largest)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> "ServerSampler":
        if self.pid is not None:
            self.cpu_start = server_cpu_seconds(self.pid)
            self.baseline_mb, _ = server_memory_mb(self.pid)
            self._sample()
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._sample()
        if self.pid is not None:
            self.cpu_seconds = server_cpu_seconds(self.pid) - self.cpu_start

    def figures(self) -> dict:
        return {
            "postgres_peak_mb": round(self.peak_mb, 1),
            "postgres_growth_mb": round(max(self.peak_mb - self.baseline_mb, 0.0), 1),
            "postgres_largest_process_mb": round(self.largest_process_mb, 1),
            "postgres_cpu_seconds": round(self.cpu_seconds, 2),
        }
