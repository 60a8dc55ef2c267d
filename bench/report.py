"""Markdown for docs/benchmarks.md: one table per question, each with its machine and command."""

from __future__ import annotations

import datetime as dt
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Machine:
    """What the numbers were measured on; a table without this is not comparable."""

    cpus: int
    cpu_model: str
    memory_gib: float
    load_at_start: str

    @classmethod
    def current(cls) -> Machine:
        return cls(
            cpus=os.cpu_count() or 1,
            cpu_model=_cpu_model(),
            memory_gib=_memory_gib(),
            load_at_start=_loadavg(),
        )

    def describe(self) -> str:
        return (
            f"{self.cpus} CPUs ({self.cpu_model}), {self.memory_gib:.1f} GiB RAM, "
            f"{platform.system()} {platform.release()}; 1/5/15-min load at start: "
            f"{self.load_at_start}"
        )


@dataclass
class Table:
    """A titled table with the context a reader needs to trust it."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    started: str = ""
    load_before: str = ""
    load_after: str = ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def now_text() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def stamp(table: Table) -> Table:
    """Record when a table's measurements start and the load then."""
    table.started = now_text()
    table.load_before = _loadavg()
    return table


def finish(table: Table) -> Table:
    table.load_after = _loadavg()
    return table


def render(
    *, tables: list[Table], machine: Machine, command: str, intro: list[str], summary: list[str]
) -> str:
    """The whole results file."""
    parts = ["# Benchmarks", "", *intro, ""]
    if summary:
        parts += ["## Targets", "", *summary, ""]
    for table in tables:
        parts += [f"## {table.title}", ""]
        parts.append(f"- Machine: {machine.describe()}")
        parts.append(f"- Date: {table.started or now_text()}")
        parts.append(f"- Command: `{command}`")
        if table.load_before:
            parts.append(
                f"- 1/5/15-min load before: {table.load_before}; after: {table.load_after}"
            )
        parts += ["", _markdown_table(table.headers, table.rows), ""]
        parts += [f"{note}" for note in table.notes]
        if table.notes:
            parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def _markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs > 0 else "n/a"


def mib(value: float) -> str:
    return f"{value:.0f} MiB"
