"""The guard: small pure rules over a plan summary, each returning a one-line reason or None.

CI runs `internal-ca plan`, so a pull request that would re-key the CA, drop a service's
certificate or re-issue a large batch at once fails its check unless the matching flag says
it is on purpose. A private key in a non-sensitive output has no flag: nothing makes printing
a key on purpose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ca_constructs import naming
from internal_ca.plan.model import Action, OutputAction, OutputRow, Summary

DEFAULT_MAX_REISSUE = 10
REISSUING_ACTIONS = frozenset({Action.REISSUE, Action.REKEY})
UNTRACED_NOTE = (
    "not traceable without the synthesized stack; run `internal-ca plan` without --plan-json"
)


@dataclass(frozen=True)
class GuardOptions:
    """The explicit opt-outs; the defaults are the safe choice."""

    allow_ca_replacement: bool = False
    allow_destroy: bool = False
    max_reissue: int = DEFAULT_MAX_REISSUE
    allow_unrevoke: bool = False


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _leak_source(row: OutputRow) -> str:
    """Where an output gets (or may get) a key: names only, the surest finding first."""
    if row.key_sources:
        return f"from {', '.join(row.key_sources)}"
    if row.key_material:
        return "its planned value is a private key"
    return f"from {', '.join(row.untraced)}: {UNTRACED_NOTE}"


def output_leaks_private_key(summary: Summary, options: GuardOptions) -> str | None:
    """Terraform prints a non-sensitive output in every plan and apply log: a key there is lost.

    No flag allows it. The reason names the outputs and where their value gets the key, as
    a reference or a chain through the stack (`local.k <- tls_private_key.ca.private_key_pem`),
    never the value. Without the synthesized stack (`--plan-json`) a reference only it could
    follow (`local.k`) counts as a key: passing it would trust the one path the guard cannot see.
    """
    leaks = [
        row
        for row in summary.outputs
        if not row.sensitive and row.holds_private_key and row.action is not OutputAction.REMOVE
    ]
    if not leaks:
        return None
    found = [f"{row.name!r} ({_leak_source(row)})" for row in leaks]
    noun = "output" if len(leaks) == 1 else "outputs"
    surely = all(row.key_sources or row.key_material for row in leaks)
    return (
        f"stack {summary.stack}: non-sensitive {noun} {', '.join(found)} "
        f"{'would' if surely else 'may'} print a private key in every plan and deploy log; "
        "remove it, or mark it sensitive=True (and drop Fn.nonsensitive); no flag allows this"
    )


def ca_blocked_by_prevent_destroy(summary: Summary, options: GuardOptions) -> str | None:
    """Terraform itself refused the plan: deploy would fail whatever the flags say."""
    blocked = [address for ca in summary.cas for address in ca.blocked]
    if not blocked:
        return None
    reissues = sum(ca.reissues for ca in summary.cas if ca.blocked)
    count = f", re-issuing {_plural(reissues, 'certificate')}" if summary.complete else ""
    return (
        f"stack {summary.stack}: the plan would replace {', '.join(blocked)}{count}, and "
        "prevent_destroy refuses it (deploy would fail); to rotate the CA on purpose set "
        "prevent_ca_destroy=False and pass --allow-ca-replacement"
    )


def ca_replacement(summary: Summary, options: GuardOptions) -> str | None:
    """Replacing or destroying the CA key or certificate breaks trust in every service."""
    if options.allow_ca_replacement:
        return None
    replaced = [ca for ca in summary.cas if ca.replaced and not ca.blocked]
    if not replaced:
        return None
    ca = replaced[0]
    what = f"key: {ca.key_action}, certificate: {ca.cert_action}"
    return (
        f"stack {summary.stack}: the plan would replace CA {ca.name!r} ({what}), re-issuing "
        f"{_plural(ca.reissues, 'certificate')}; pass --allow-ca-replacement if this is on "
        "purpose"
    )


def service_destroy(summary: Summary, options: GuardOptions) -> str | None:
    """A removed certificate is gone from state; its service keeps serving it until expiry."""
    if options.allow_destroy:
        return None
    removed = [row.service for row in summary.services if row.action is Action.REMOVE]
    if not removed:
        return None
    return (
        f"stack {summary.stack}: the plan would remove {_plural(len(removed), 'certificate')} "
        f"({', '.join(removed)}); pass --allow-destroy if this is on purpose"
    )


def too_many_reissues(summary: Summary, options: GuardOptions) -> str | None:
    """A large batch of re-issues (renewals excepted) is more often a mistake than a plan."""
    count = sum(1 for row in summary.services if row.action in REISSUING_ACTIONS)
    if count <= options.max_reissue:
        return None
    return (
        f"stack {summary.stack}: the plan would re-issue {_plural(count, 'certificate')} at "
        f"once, more than --max-reissue {options.max_reissue}"
    )


def ledger_entry_removed(summary: Summary, options: GuardOptions) -> str | None:
    """The ledger only grows: a dropped entry makes a revoked certificate trusted again."""
    if options.allow_unrevoke or summary.ledger is None or not summary.ledger.removed:
        return None
    removed = summary.ledger.removed
    entries = "entry" if len(removed) == 1 else "entries"
    return (
        f"stack {summary.stack}: the plan would drop {len(removed)} revocation ledger {entries} "
        f"({', '.join(removed)}), trusting those certificates again; restore them in "
        f"{naming.ledger_file(summary.stack)}, or pass --allow-unrevoke if this is on purpose"
    )


def incomplete(summary: Summary, options: GuardOptions) -> str | None:
    """A summary that could not see every change must not pass as safe."""
    if summary.complete:
        return None
    return f"stack {summary.stack}: the plan could not be summarized in full ({summary.note})"


RULES = (
    output_leaks_private_key,
    ca_blocked_by_prevent_destroy,
    ca_replacement,
    service_destroy,
    too_many_reissues,
    ledger_entry_removed,
    incomplete,
)


def check(summaries: Sequence[Summary], options: GuardOptions) -> list[str]:
    """Every tripped rule's reason, in rule order, stack by stack."""
    found: list[str] = []
    for summary in summaries:
        for rule in RULES:
            reason = rule(summary, options)
            if reason is not None and reason not in found:
                found.append(reason)
    return found
