"""The text and Markdown reports: CA first, one row per service, counts last."""

from __future__ import annotations

from plan_builders import ca, plan, service

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
