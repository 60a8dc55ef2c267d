"""The plan summary as plain text for a terminal and as Markdown for a pull-request comment."""

from __future__ import annotations

import re
from collections.abc import Sequence

from internal_ca.plan.model import (
    ACTION_ORDER,
    Action,
    CaRow,
    LedgerChange,
    OutputAction,
    ServiceRow,
    Summary,
    Why,
)

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_ACTION_WIDTH = max(len(action.value) for action in ACTION_ORDER)


def _counts_text(summary: Summary) -> str:
    counts = summary.counts()
    return ", ".join(f"{counts[action]} {action.value}" for action in ACTION_ORDER)


_OUTPUT_LABELS = (
    (OutputAction.ADD, "added"),
    (OutputAction.CHANGE, "changed"),
    (OutputAction.REMOVE, "removed"),
)


def _output_lines(summary: Summary) -> list[tuple[str, list[str]]]:
    """("added", [names]) and so on, for each kind of output change that has any: names only."""
    found = []
    for action, label in _OUTPUT_LABELS:
        names = [row.name for row in summary.changed_outputs if row.action is action]
        if names:
            found.append((label, names))
    return found


def _current(expiry: str | None, serial: str | None) -> str:
    parts = []
    if expiry:
        parts.append(f"expires {expiry}")
    if serial:
        parts.append(f"serial {serial}")
    return ", ".join(parts)


def _ca_headline(ca: CaRow) -> str:
    parts = [
        f"{label} {action}"
        for label, action in (("key", ca.key_action), ("certificate", ca.cert_action))
        if action != "unchanged"
    ]
    return f"CA {ca.name!r}: " + ", ".join(parts)


def _ca_impact(ca: CaRow) -> str:
    count = f"{ca.reissues} certificate" + ("" if ca.reissues == 1 else "s")
    return (
        f"This re-issues {count}; every client that trusts the current CA must be given "
        "the new CA certificate."
    )


def _has_subject_reason(ca: CaRow) -> bool:
    return any(reason.why is Why.SUBJECT for reason in ca.reasons)


def _blocked_text(ca: CaRow) -> str:
    return (
        f"prevent_destroy refuses this plan ({', '.join(ca.blocked)}); this summary comes from a "
        "review-only plan with that protection lifted"
    )


def _text_ca(ca: CaRow, complete: bool) -> list[str]:
    if not ca.changed:
        current = _current(ca.expiry, ca.serial)
        return [f"CA {ca.name!r}: unchanged" + (f" ({current})" if current else "")]
    mark = "!! " if ca.replaced else ""
    lines = [f"{mark}CA CHANGE: {_ca_headline(ca)}"]
    lines += [f"{mark}  {reason.text}" for reason in ca.reasons]
    if ca.subject and not _has_subject_reason(ca):
        lines.append(f"{mark}  subject: {ca.subject}")
    if ca.replaced and complete:
        lines.append(f"{mark}  {_ca_impact(ca)}")
    if ca.blocked:
        lines.append(f"{mark}  {_blocked_text(ca)}")
    return lines


_REPLACING = frozenset({Action.REISSUE, Action.RENEW, Action.REKEY, Action.REMOVE})


def old_certificate_text(row: ServiceRow, ledger: LedgerChange | None) -> str | None:
    """What becomes of the certificate a row replaces or removes: it is not revoked by that.

    The same words in the plan summary and the deploy report, with the command that revokes it.
    """
    if row.action not in _REPLACING or not row.serial:
        return None
    serial, until = row.serial, row.expiry or "its expiry"
    if serial in row.revoked or (ledger is not None and ledger.revokes(serial)):
        return (
            f"serial {serial} (expires {until}) is revoked in the ledger; publish the CRL "
            "after the deploy (`internal-ca crl`)"
        )
    if row.action is Action.REMOVE:
        reason = "cessation_of_operation"
    elif row.action is Action.REKEY:
        reason = "key_compromise"
    else:
        reason = "superseded"
    command = f"internal-ca revoke {row.service} --serial {serial} --reason {reason}"
    if row.action is Action.REKEY and row.has(Why.KEY_ROTATION):
        return (
            f"KEY ROTATION: the old key's certificate, serial {serial}, stays valid until "
            f"{until} unless revoked; if the old key may have leaked, revoke it: {command}"
        )
    return f"serial {serial} stays valid until {until} unless revoked: {command}"


def _ledger_lines(ledger: LedgerChange | None) -> list[str]:
    if ledger is None or not ledger.changed:
        return []
    lines = []
    if ledger.added:
        lines.append(f"revocation ledger adds: {', '.join(ledger.added)}")
    if ledger.removed:
        lines.append(f"!! revocation ledger REMOVES: {', '.join(ledger.removed)} (trusted again)")
    return lines


def _text_service(row: ServiceRow, ledger: LedgerChange | None = None) -> list[str]:
    head = f"{row.action.value:<{_ACTION_WIDTH}}  {row.service}"
    current = _current(row.expiry, row.serial)
    if row.action is Action.UNCHANGED and not row.reasons:
        return [head + (f"  ({current})" if current else "")]
    lines = [head]
    lines += [f"    why:      {reason.text}" for reason in row.reasons]
    after = "before removal" if row.action is Action.REMOVE else "after"
    if row.sans is not None:
        lines.append(f"    SANs:     {', '.join(row.sans) or '(none)'}  [{after}]")
    if row.subject is not None:
        lines.append(f"    subject:  {row.subject}  [{after}]")
    if current:
        lines.append(f"    current:  {current}")
    old = old_certificate_text(row, ledger)
    if old:
        lines.append(f"    old cert: {old}")
    return lines


def render_text(summaries: Sequence[Summary], guard: Sequence[str]) -> str:
    lines: list[str] = []
    for summary in summaries:
        lines.append(f"Certificate plan for stack {summary.stack}")
        lines.append("")
        for ca in sorted(summary.cas, key=lambda ca: not ca.replaced):
            lines += _text_ca(ca, summary.complete)
        if summary.cas:
            lines.append("")
        for row in summary.services:
            lines += _text_service(row, summary.ledger)
        ledger_lines = _ledger_lines(summary.ledger)
        lines += ledger_lines
        for other in summary.others:
            lines.append(f"other: {other.address} {other.action}")
        for label, names in _output_lines(summary):
            lines.append(f"outputs {label}: {', '.join(names)}")
        if not summary.complete:
            lines.append(f"Incomplete: {summary.note}")
        if (
            summary.services
            or summary.others
            or summary.changed_outputs
            or ledger_lines
            or not summary.complete
        ):
            lines.append("")
        if summary.nothing_to_do:
            lines.append("Nothing to do: every certificate is up to date.")
        lines.append("Counts: " + _counts_text(summary))
        lines.append("")
    lines += [f"Guard: TRIPPED: {reason}" for reason in guard] or ["Guard: passed"]
    return "\n".join(lines) + "\n"


def md(text: str) -> str:
    """Text safe in a Markdown table cell: no markup, no HTML, no line breaks."""
    text = " ".join(text.split())
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _markdown_ca(ca: CaRow, complete: bool) -> list[str]:
    if not ca.changed:
        current = _current(ca.expiry, ca.serial)
        return [f"CA {md(repr(ca.name))}: unchanged" + (f" ({md(current)})" if current else ""), ""]
    lines = ["> [!CAUTION]" if ca.replaced else "> [!NOTE]"]
    headline = f"> **CA CHANGE: {md(_ca_headline(ca))}.**"
    if ca.replaced and complete:
        headline += f" {md(_ca_impact(ca))}"
    lines.append(headline)
    lines += [f"> - {md(reason.text)}" for reason in ca.reasons]
    if ca.subject and not _has_subject_reason(ca):
        lines.append(f"> - subject: {md(ca.subject)}")
    if ca.blocked:
        lines.append(f"> - {md(_blocked_text(ca))}")
    return [*lines, ""]


def _markdown_row(row: ServiceRow) -> str:
    action = row.action.value
    cells = [
        action if row.action is Action.UNCHANGED else f"**{action}**",
        md(row.service),
        "<br>".join(md(reason.text) for reason in row.reasons) or "",
        md(", ".join(row.sans)) if row.sans is not None else "?",
        md(row.subject) if row.subject is not None else "?",
        md(row.expiry or ""),
        f"`{row.serial}`" if row.serial else "",
    ]
    return "| " + " | ".join(cells) + " |"


def render_markdown(summaries: Sequence[Summary], guard: Sequence[str]) -> str:
    lines: list[str] = []
    for summary in summaries:
        lines += [f"### Certificate plan: stack `{summary.stack}`", ""]
        for ca in sorted(summary.cas, key=lambda ca: not ca.replaced):
            lines += _markdown_ca(ca, summary.complete)
        if summary.services:
            lines += [
                "| Action | Service | Why | SANs (after) | Subject (after) | Current expiry "
                "| Current serial |",
                "|---|---|---|---|---|---|---|",
            ]
            lines += [_markdown_row(row) for row in summary.services]
            lines.append("")
            olds = [old_certificate_text(row, summary.ledger) for row in summary.services]
            lines += [
                f"- {row.service}: {md(old)}"
                for row, old in zip(summary.services, olds, strict=True)
                if old
            ]
            if any(olds):
                lines.append("")
        ledger_lines = _ledger_lines(summary.ledger)
        lines += [f"- {md(line)}" for line in ledger_lines]
        if ledger_lines:
            lines.append("")
        for other in summary.others:
            lines.append(f"- other: `{other.address}` {md(other.action)}")
        for label, names in _output_lines(summary):
            lines.append(f"- outputs {label}: " + ", ".join(f"`{name}`" for name in names))
        if summary.others or summary.changed_outputs:
            lines.append("")
        if not summary.complete:
            lines += [f"**Incomplete:** {md(summary.note)}", ""]
        if summary.nothing_to_do:
            lines += ["**Nothing to do:** every certificate is up to date.", ""]
        lines += ["**Counts:** " + md(_counts_text(summary)), ""]
    if guard:
        lines += [f"**Guard: tripped.** {md(reason)}" for reason in guard]
    else:
        lines.append("**Guard:** passed")
    return "\n".join(lines) + "\n"


FORMATS = {"text": render_text, "markdown": render_markdown}
