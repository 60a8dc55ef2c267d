"""The issue's targets, compared with a run's numbers in words: reported, never asserted."""

from __future__ import annotations

from bench.suites import Results

SYNTH_MS = 5.0
SYNTH_SIZES = (100, 1000)
PLAN_RATIO = 1.5
ADD_RATIO = 1.5
RATIO_SIZES = (10, 100, 1000)
FLOOR_RATIO = 2.0


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def _by(value: float, target: float) -> str:
    return "" if value <= target else f" ({value / target:.1f}x the target)"


def _stated(sizes: tuple[int, ...]) -> str:
    return "N = " + ", ".join(map(str, sizes))


def _unmeasured(sizes: tuple[int, ...], measured: dict[int, float]) -> str:
    missing = [size for size in sizes if size not in measured]
    return f" Not measured in this run: {_stated(tuple(missing))}." if missing else ""


def _floor(floor: float | None, target: float) -> str:
    """Table 3b's floor beside a ratio: whether the target can be met at all at that N."""
    if floor is None:
        return ""
    if floor > target:
        return f" (floor {floor:.2f}x: out of reach at this N, see table 3b)"
    return f" (floor {floor:.2f}x)"


def summary(results: Results, sizes: list[int]) -> list[str]:
    """One bullet per target, with every N this run measured."""
    lines: list[str] = []
    synth = results.synth_ms_per_service
    if synth:
        per_size = "; ".join(
            f"N = {size}: {synth[size]:.2f} ms/service, {_verdict(synth[size] <= SYNTH_MS)}"
            f"{_by(synth[size], SYNTH_MS)} (whole `cdktf synth` "
            f"{results.cdktf_ms_per_service[size]:.2f} ms/service, "
            f"{_verdict(results.cdktf_ms_per_service[size] <= SYNTH_MS)}"
            f"{_by(results.cdktf_ms_per_service[size], SYNTH_MS)})"
            for size in sorted(synth)
            if size in SYNTH_SIZES or size == max(sizes)
        )
        lines.append(
            f"- Synth ≤ {SYNTH_MS:.0f} ms/service at {_stated(SYNTH_SIZES)}, in-process "
            f"constructs + synth: {per_size}.{_unmeasured(SYNTH_SIZES, synth)}"
        )
    for label, target, measured, floors in (
        ("Plan review (`internal-ca plan`)", PLAN_RATIO, results.plan_ratio, results.plan_floor),
        (
            "Adding one service (`internal-ca deploy`)",
            ADD_RATIO,
            results.add_ratio,
            results.add_floor,
        ),
    ):
        if not measured:
            continue
        per_size = "; ".join(
            f"N = {size}: {value:.2f}x, {_verdict(value <= target)}{_by(value, target)}"
            + _floor(floors.get(size), target)
            for size, value in sorted(measured.items())
        )
        lines.append(
            f"- {label} ≤ {target}x the plain module at {_stated(RATIO_SIZES)}: {per_size}."
            f"{_unmeasured(RATIO_SIZES, measured)}"
        )
    if results.cdktf_add_ratio:
        per_size = "; ".join(
            f"N = {size}: {value:.2f}x" for size, value in sorted(results.cdktf_add_ratio.items())
        )
        lines.append(f"  - For comparison, the Node path (`cdktf deploy`, no target): {per_size}.")
    for label, (ours, recipe, floor, floor_wall) in results.issue.items():
        faster = ours < recipe
        near_floor = ours <= FLOOR_RATIO * floor
        lines.append(
            f"- Issuing ({label}): ours {ours:.1f} s vs recipe {recipe:.1f} s "
            f"({ours / recipe:.2f}x), faster than the recipe: {_verdict(faster)}; vs the floor "
            f"{floor:.2f} s ({ours / floor:.1f}x; {floor_wall:.2f} s with interpreter start), "
            f"within {FLOOR_RATIO:.0f}x: {_verdict(near_floor)}"
            f"{_by(ours / floor, FLOOR_RATIO)}."
        )
    return lines
