"""Each guard rule with one compliant and one non-compliant summary, plus its flag."""

from __future__ import annotations

from internal_ca.plan.guard import (
    GuardOptions,
    ca_blocked_by_prevent_destroy,
    ca_replacement,
    check,
    incomplete,
    output_leaks_private_key,
    service_destroy,
    too_many_reissues,
)
from internal_ca.plan.model import Action, CaRow, OutputAction, OutputRow, ServiceRow, Summary

SAFE = GuardOptions()
EVERY_FLAG = GuardOptions(allow_ca_replacement=True, allow_destroy=True, max_reissue=10**6)
KEY_SOURCE = ("tls_private_key.ca.private_key_pem",)


def ca_row(key: str = "unchanged", cert: str = "unchanged", **extra: object) -> CaRow:
    return CaRow(name="ca", key_action=key, cert_action=cert, reasons=(), subject=None, **extra)  # type: ignore[arg-type]


def svc(name: str, action: Action) -> ServiceRow:
    return ServiceRow(service=name, action=action, reasons=(), sans=(), subject=None)


def stack(*rows: ServiceRow, ca: CaRow | None = None, complete: bool = True) -> Summary:
    return Summary("s", (ca or ca_row(),), rows, complete=complete, note="init failed")


def out(
    name: str,
    action: OutputAction = OutputAction.ADD,
    *,
    sensitive: bool = False,
    key_sources: tuple[str, ...] = (),
    key_material: bool = False,
    untraced: tuple[str, ...] = (),
) -> OutputRow:
    return OutputRow(name, action, sensitive, key_sources, key_material, untraced)


def with_outputs(*rows: OutputRow) -> Summary:
    return Summary("s", (ca_row(),), (), outputs=rows)


def test_output_leak_passes_a_sensitive_key_output() -> None:
    """Every service has one: its key, marked sensitive."""
    row = out("service_web_private_key_pem", sensitive=True, key_sources=KEY_SOURCE)
    assert output_leaks_private_key(with_outputs(row), SAFE) is None


def test_output_leak_passes_a_non_sensitive_output_without_key() -> None:
    assert output_leaks_private_key(with_outputs(out("service_web")), SAFE) is None


def test_output_leak_trips_on_a_key_reference_naming_output_and_source() -> None:
    """The nonsensitive(ca.key.private_key_pem) canary, even before its value is known."""
    reason = output_leaks_private_key(with_outputs(out("leak", key_sources=KEY_SOURCE)), SAFE)
    assert reason == (
        "stack s: non-sensitive output 'leak' (from tls_private_key.ca.private_key_pem) would "
        "print a private key in every plan and deploy log; remove it, or mark it "
        "sensitive=True (and drop Fn.nonsensitive); no flag allows this"
    )


def test_output_leak_trips_on_a_planned_value_that_is_a_key() -> None:
    reason = output_leaks_private_key(with_outputs(out("bundle", key_material=True)), SAFE)
    assert reason is not None
    assert "output 'bundle' (its planned value is a private key)" in reason


def test_output_leak_trips_on_an_existing_unchanged_leak() -> None:
    """Apply prints every output, changed or not."""
    row = out("leak", OutputAction.UNCHANGED, key_material=True)
    assert output_leaks_private_key(with_outputs(row), SAFE) is not None


def test_output_leak_passes_the_removal_of_a_leak() -> None:
    row = out("leak", OutputAction.REMOVE, key_material=True)
    assert output_leaks_private_key(with_outputs(row), SAFE) is None


def test_output_leak_trips_on_a_reference_only_the_stack_could_follow() -> None:
    """`--plan-json` has no synthesized stack: `local.k` may hold a key, and the reason says so."""
    reason = output_leaks_private_key(with_outputs(out("o", untraced=("local.k",))), SAFE)
    assert reason == (
        "stack s: non-sensitive output 'o' (from local.k: not traceable without the "
        "synthesized stack; run `internal-ca plan` without --plan-json) may print a private "
        "key in every plan and deploy log; remove it, or mark it sensitive=True (and drop "
        "Fn.nonsensitive); no flag allows this"
    )


def test_output_leak_names_a_sure_source_before_an_untraced_one() -> None:
    row = out("o", key_sources=KEY_SOURCE, untraced=("local.k",))
    reason = output_leaks_private_key(with_outputs(row), SAFE)
    assert reason is not None
    assert f"'o' (from {KEY_SOURCE[0]}) would print" in reason


def test_output_leak_passes_a_sensitive_untraced_output() -> None:
    row = out("o", sensitive=True, untraced=("local.k",))
    assert output_leaks_private_key(with_outputs(row), SAFE) is None


def test_output_leak_has_no_flag_that_allows_it() -> None:
    row = out("leak", key_sources=KEY_SOURCE)
    assert output_leaks_private_key(with_outputs(row), EVERY_FLAG) is not None


def test_ca_replacement_passes_an_untouched_ca() -> None:
    assert ca_replacement(stack(svc("a", Action.ISSUE)), SAFE) is None


def test_ca_replacement_trips_on_a_replaced_key_with_the_reissue_count() -> None:
    reason = ca_replacement(stack(ca=ca_row(key="replace", cert="replace", reissues=4)), SAFE)
    assert reason == (
        "stack s: the plan would replace CA 'ca' (key: replace, certificate: replace), "
        "re-issuing 4 certificates; pass --allow-ca-replacement if this is on purpose"
    )


def test_ca_replacement_trips_on_a_destroyed_certificate() -> None:
    assert ca_replacement(stack(ca=ca_row(cert="remove")), SAFE) is not None


def test_ca_replacement_flag_allows_it() -> None:
    options = GuardOptions(allow_ca_replacement=True)
    assert ca_replacement(stack(ca=ca_row(cert="replace")), options) is None


def test_prevent_destroy_rule_passes_when_nothing_is_blocked() -> None:
    assert ca_blocked_by_prevent_destroy(stack(ca=ca_row(cert="replace")), SAFE) is None


def test_prevent_destroy_rule_trips_even_with_the_flag() -> None:
    blocked = ca_row(cert="replace", blocked=("tls_self_signed_cert.ca",), reissues=2)
    options = GuardOptions(allow_ca_replacement=True)
    reason = ca_blocked_by_prevent_destroy(stack(ca=blocked), options)
    assert reason is not None
    assert "tls_self_signed_cert.ca, re-issuing 2 certificates" in reason
    assert "prevent_destroy" in reason


def test_service_destroy_passes_without_removals() -> None:
    assert service_destroy(stack(svc("a", Action.REISSUE)), SAFE) is None


def test_service_destroy_trips_on_a_removal() -> None:
    reason = service_destroy(stack(svc("a", Action.REMOVE), svc("b", Action.UNCHANGED)), SAFE)
    assert reason == (
        "stack s: the plan would remove 1 certificate (a); pass --allow-destroy if this is "
        "on purpose"
    )


def test_service_destroy_flag_allows_it() -> None:
    options = GuardOptions(allow_destroy=True)
    assert service_destroy(stack(svc("a", Action.REMOVE)), options) is None


def test_too_many_reissues_passes_at_the_limit() -> None:
    rows = [svc("a", Action.REISSUE), svc("b", Action.REKEY)]
    assert too_many_reissues(stack(*rows), GuardOptions(max_reissue=2)) is None


def test_too_many_reissues_trips_above_the_limit() -> None:
    rows = [svc("a", Action.REISSUE), svc("b", Action.REKEY), svc("c", Action.REISSUE)]
    reason = too_many_reissues(stack(*rows), GuardOptions(max_reissue=2))
    assert (
        reason
        == "stack s: the plan would re-issue 3 certificates at once, more than --max-reissue 2"
    )


def test_too_many_reissues_does_not_count_renewals_or_new_services() -> None:
    rows = [svc("a", Action.RENEW), svc("b", Action.RENEW), svc("c", Action.ISSUE)]
    assert too_many_reissues(stack(*rows), GuardOptions(max_reissue=0)) is None


def test_incomplete_passes_a_complete_summary() -> None:
    assert incomplete(stack(), SAFE) is None


def test_incomplete_trips_when_the_plan_was_not_seen() -> None:
    assert incomplete(stack(complete=False), SAFE) == (
        "stack s: the plan could not be summarized in full (init failed)"
    )


def test_check_returns_every_tripped_rule_in_order() -> None:
    summary = stack(svc("a", Action.REMOVE), ca=ca_row(key="replace"))
    reasons = check([summary], SAFE)
    assert len(reasons) == 2
    assert "CA 'ca'" in reasons[0]
    assert "remove 1 certificate" in reasons[1]


def test_check_is_empty_for_a_safe_plan() -> None:
    assert check([stack(svc("a", Action.ISSUE), svc("b", Action.RENEW))], SAFE) == []
