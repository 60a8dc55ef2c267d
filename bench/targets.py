"""The issue's targets, compared with a run's numbers in words: reported, never asserted."""

from __future__ import annotations

from bench.suites import Results

SYNTH_MS = 5.0
PLAN_RATIO = 1.5
ADD_RATIO = 1.5
FLOOR_RATIO = 2.0


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def _by(value: float, target: float) -> str:
    return "" if value <= target else f" ({value / target:.1f}x the target)"


def summary(results: Results, sizes: list[int]) -> list[str]:
    """One bullet per target, at the largest N measured."""
    lines: list[str] = []
    at = max(sizes)
    where = f"N = {at}" + ("" if at >= 1000 else " (quick mode; the target is stated for N = 1000)")
    if at in results.synth_ms_per_service:
        synth = results.synth_ms_per_service[at]
        cli = results.cdktf_ms_per_service[at]
        lines.append(
            f"- Synth ≤ {SYNTH_MS:.0f} ms/service at {where}: in-process constructs + synth "
            f"{synth:.2f} ms/service, {_verdict(synth <= SYNTH_MS)}{_by(synth, SYNTH_MS)}; "
            f"whole `cdktf synth` {cli:.2f} ms/service, {_verdict(cli <= SYNTH_MS)}"
            f"{_by(cli, SYNTH_MS)}."
        )
    if at in results.plan_ratio:
        value = results.plan_ratio[at]
        lines.append(
            f"- Plan review ≤ {PLAN_RATIO}x plain HCL at {where}: {value:.2f}x, "
            f"{_verdict(value <= PLAN_RATIO)}{_by(value, PLAN_RATIO)}."
        )
        if at in results.lean_plan_ratio:
            lean = results.lean_plan_ratio[at]
            lines.append(
                f"  - With the proposed changes (what-if): {lean:.2f}x, "
                f"{_verdict(lean <= PLAN_RATIO)}{_by(lean, PLAN_RATIO)}."
            )
    if at in results.add_ratio:
        value = results.add_ratio[at]
        lines.append(
            f"- Adding one service ≤ {ADD_RATIO}x plain at {where}: {value:.2f}x, "
            f"{_verdict(value <= ADD_RATIO)}{_by(value, ADD_RATIO)}."
        )
        if at in results.lean_add_ratio:
            lean = results.lean_add_ratio[at]
            lines.append(
                f"  - With the proposed changes (what-if): {lean:.2f}x, "
                f"{_verdict(lean <= ADD_RATIO)}{_by(lean, ADD_RATIO)}."
            )
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
        if label in results.lean_issue:
            direct = results.lean_issue[label]
            lines.append(
                f"  - With the proposed changes (what-if): {direct:.1f} s, "
                f"{direct / recipe:.2f}x the recipe, {direct / floor:.1f}x the floor."
            )
    return lines
