"""The text and Markdown reports: CA first, one row per service, counts last."""

from __future__ import annotations

from plan_builders import (
    CANARIES,
    FAKE_KEY,
    FAKE_KEY_REENCODED,
    MARKER,
    ca,
    cert_values,
    key_reference,
    output,
    plan,
    service,
)

from internal_ca.plan.model import Summary, summarize_plan
from internal_ca.plan.render import md, render_markdown, render_text

REPLACE = ("delete", "create")
CA_PATHS = [["ca_cert_pem"], ["ca_private_key_pem"]]


def ca_change() -> Summary:
    return summarize_plan(
        "internal-ca",
        plan(
            ca(key=REPLACE, cert=REPLACE),
            service("a", cert=REPLACE, cert_paths=CA_PATHS),
            service("b", cert=REPLACE, cert_paths=CA_PATHS),
        ),
    )


def test_text_puts_the_ca_change_first_with_its_count() -> None:
    text = render_text([ca_change()], ["stack internal-ca: CA tripped"])
    lines = text.splitlines()
    assert lines[2] == "!! CA CHANGE: CA 'ca': key replace, certificate replace"
    assert "!!   This re-issues 2 certificates;" in text
    assert text.index("CA CHANGE") < text.index("re-issue   a")
    assert "    why:      caused by a CA change" in lines
    assert lines[-3] == "Counts: 0 issue, 2 re-issue, 0 renew, 0 re-key, 0 remove, 0 unchanged"
    assert lines[-1] == "Guard: TRIPPED: stack internal-ca: CA tripped"


def test_text_says_nothing_to_do() -> None:
    text = render_text([summarize_plan("s", plan(ca(), service("a")))], [])
    assert "Nothing to do: every certificate is up to date." in text
    assert (
        "CA 'ca': unchanged (expires 2027-01-01T00:00:00Z, serial 08D99B1C51EE446BC63459A7D8760F42)"
        in text
    )
    assert text.endswith("Guard: passed\n")


def test_markdown_has_a_caution_block_and_one_table_row_per_service() -> None:
    text = render_markdown([ca_change()], [])
    assert "> [!CAUTION]" in text
    assert "This re-issues 2 certificates;" in text
    rows = [line for line in text.splitlines() if line.startswith("| **re-issue** |")]
    assert len(rows) == 2
    assert rows[0].startswith(
        "| **re-issue** | a | caused by a CA change | DNS:a.internal.example |"
    )
    assert text.index("[!CAUTION]") < text.index("| Action |")
    assert "**Counts:** 0 issue, 2 re-issue" in text


def test_markdown_cells_cannot_break_the_table_or_inject_html() -> None:
    assert md("a|b <img src=x> [l](u)") == r"a\|b &lt;img src=x&gt; \[l\](u)"


def leak_plan() -> object:
    outputs = [
        output("leak", ["create"], FAKE_KEY, references=key_reference("tls_private_key.ca")),
        output("url", ["update"], MARKER, before="old"),
        output("gone", ["delete"], MARKER),
    ]
    return plan(ca(), service("a"), outputs=outputs)


def test_text_lists_output_changes_by_name_only() -> None:
    text = render_text([summarize_plan("s", leak_plan())], [])
    assert "outputs added: leak" in text.splitlines()
    assert "outputs changed: url" in text.splitlines()
    assert "outputs removed: gone" in text.splitlines()
    assert "Nothing to do" not in text
    for canary in CANARIES:
        assert canary not in text


def test_markdown_lists_output_changes_by_name_only() -> None:
    text = render_markdown([summarize_plan("s", leak_plan())], [])
    assert "- outputs added: `leak`" in text.splitlines()
    assert "- outputs changed: `url`" in text.splitlines()
    assert "- outputs removed: `gone`" in text.splitlines()
    for canary in CANARIES:
        assert canary not in text


def test_text_shows_new_ca_key_text_as_an_update_in_place_not_a_reissue() -> None:
    """An adopted CA key re-encoded, with the real provider updating in place."""
    groups = service("web", cert=["update"], cert_after=cert_values(ca_key=FAKE_KEY_REENCODED))
    lines = render_text([summarize_plan("s", plan(groups))], []).splitlines()
    assert "unchanged  web" in lines
    assert (
        "    why:      update in place: CA key PEM text changed (same CA certificate; "
        "certificate kept)"
    ) in lines
    assert "Counts: 0 issue, 0 re-issue, 0 renew, 0 re-key, 0 remove, 1 unchanged" in lines
