"""Where the web process spends its time: py-spy attached to `oura-bot web` during a cell.

py-spy samples every thread of another process without changing its code (Bolt runs our
listeners on its own threads, which in-process profilers such as pyinstrument do not follow).
Install it in the venv only when profiling: `.venv/bin/pip install py-spy`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

OURS = ("bot/", "handlers/", "storage/")


class Profiler:
    """Records one process into `out` (collapsed stacks) between start() and stop()."""

    def __init__(self, pid: int, out: Path) -> None:
        program = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which(
            "py-spy"
        )
        if program is None:
            raise SystemExit("--profile needs py-spy: .venv/bin/pip install py-spy")
        self.argv = [program, "record", "-p", str(pid), "-o", str(out), "-f", "raw", "-r", "200"]
        self.argv.append("--nonblocking")
        self.out = out
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(2)  # py-spy writes its file on SIGINT
        self.process.wait(timeout=30)


def summary(path: Path, top: int = 12) -> str:
    """Our own functions by inclusive share of the samples (a function counts once per stack)."""
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        seen = set()
        for frame in stack.split(";"):
            name = re.sub(r":\d+\)$", ")", frame)
            if any(part in name for part in OURS) and name not in seen:
                seen.add(name)
                inclusive[name] += samples
    lines = [f"    {100 * n / total:5.1f}%  {name}" for name, n in inclusive.most_common(top)]
    return "\n".join([f"  {path.name}: {total} samples", *lines])
