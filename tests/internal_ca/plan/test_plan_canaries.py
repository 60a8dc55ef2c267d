"""Planted canaries: no secret from the plan JSON reaches any output, errors included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from plan_builders import CANARIES, FAKE_KEY, MARKER, ca, key_reference, output, plan, service

from internal_ca.cli import main

REPLACE = ("delete", "create")


def everything() -> dict[str, object]:
    """A plan with every action, so every code path that prints runs."""
    result: dict[str, object] = plan(
        ca(key=REPLACE, cert=REPLACE),
        service("a", cert=["create"]),
        service("b", cert=["delete"]),
        service("c", cert=REPLACE, cert_paths=[["ca_cert_pem"]]),
        service("d", cert=REPLACE, cert_paths=[["ready_for_renewal"]]),
        service("e", cert=REPLACE, key=REPLACE, key_reason="replace_by_triggers", version=(1, 2)),
        service("f"),
        outputs=[
            output("url", ["update"], MARKER, before="old"),
            output("added", ["create"], {"note": MARKER}),
            output("gone", ["delete"], MARKER),
        ],
    )
    return result


def leak() -> dict[str, object]:
    """The issue's canary: `TerraformOutput(stack, "leak", value=Fn.nonsensitive(key))`."""
    result: dict[str, object] = plan(
        ca(),
        service("a"),
        outputs=[
            output("leak", ["create"], FAKE_KEY, references=key_reference("tls_private_key.ca"))
        ],
    )
    return result


def assert_clean(*texts: str) -> None:
    for text in texts:
        for canary in CANARIES:
            assert canary not in text


def run(
    tmp_path: Path, document: object, *args: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(document) if not isinstance(document, str) else document)
    status = main(["plan", "--plan-json", str(path), *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_the_canaries_are_really_in_the_plan(tmp_path: Path) -> None:
    text = json.dumps(everything())
    assert MARKER in text
    assert "PRIVATE KEY" in text
    assert text.count(MARKER) > 10


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_no_canary_in_the_report_or_the_guard_reason(
    tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(tmp_path, everything(), "--format", fmt, capsys=capsys)
    assert status == 3
    assert "re-key" in out and "remove" in out and "renew" in out
    assert err.startswith("internal-ca: guard: ")
    assert err.count("\n") == 1
    assert_clean(out, err)


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_a_key_in_a_non_sensitive_output_is_refused_by_name_without_its_value(
    tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(tmp_path, leak(), "--format", fmt, capsys=capsys)
    assert status == 3
    assert "'leak' (from tls_private_key.ca.private_key_pem)" in err
    assert "leak" in out
    assert_clean(out, err)


def test_a_key_in_a_non_sensitive_output_is_refused_whatever_the_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ("--allow-ca-replacement", "--allow-destroy", "--max-reissue", "1000")
    status, out, err = run(tmp_path, leak(), *flags, capsys=capsys)
    assert status == 3
    assert "no flag allows this" in err
    assert_clean(out, err)


def test_no_canary_in_a_report_written_to_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = tmp_path / "report.md"
    args = (
        "--format",
        "markdown",
        "--output",
        str(report),
        "--allow-ca-replacement",
        "--allow-destroy",
    )
    status, out, err = run(tmp_path, everything(), *args, capsys=capsys)
    assert status == 0
    assert out == ""
    assert "| **re-key** | e |" in report.read_text()
    assert_clean(out, err, report.read_text())


def _broken_documents() -> list[object]:
    good = everything()
    changes = good["resource_changes"]
    assert isinstance(changes, list)
    first = changes[0]
    bad_address = dict(first, address=FAKE_KEY)
    bad_type = dict(first, type=MARKER + " x")
    bad_name = dict(first, name=FAKE_KEY)
    bad_actions = dict(first, change={**first["change"], "actions": [MARKER]})
    bad_change = dict(first, change=FAKE_KEY)
    return [
        FAKE_KEY,
        [FAKE_KEY, MARKER],
        {"format_version": FAKE_KEY, "planned_values": {}},
        {**good, "format_version": MARKER},
        {key: value for key, value in good.items() if key != "planned_values"},
        {**good, "resource_changes": FAKE_KEY},
        {**good, "resource_changes": [FAKE_KEY]},
        {**good, "resource_changes": [bad_address]},
        {**good, "resource_changes": [bad_type]},
        {**good, "resource_changes": [bad_name]},
        {**good, "resource_changes": [bad_actions]},
        {**good, "resource_changes": [bad_change]},
    ]


@pytest.mark.parametrize("index", range(12))
def test_no_canary_in_errors_for_malformed_plans(
    tmp_path: Path, index: int, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(tmp_path, _broken_documents()[index], capsys=capsys)
    assert status == 1
    assert out == ""
    assert err.startswith("internal-ca: ") and err.count("\n") == 1
    assert_clean(out, err)


@pytest.mark.parametrize(
    "text",
    [
        '{"format_version": "1.2", "planned_values": "' + MARKER,
        MARKER,
        FAKE_KEY,
        "[" * 100000,
    ],
)
def test_no_canary_in_errors_for_text_that_is_not_json(
    tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(tmp_path, text, capsys=capsys)
    assert status == 1
    assert "is not valid JSON" in err or "nested too deeply" in err
    assert_clean(out, err)


def test_no_canary_in_errors_for_bytes_that_are_not_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(b"\xff\xfe" + FAKE_KEY.encode())
    status = main(["plan", "--plan-json", str(path)])
    captured = capsys.readouterr()
    assert status == 1
    assert "is not UTF-8 text" in captured.err
    assert_clean(captured.out, captured.err)


def test_allow_listed_fields_holding_a_key_are_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = everything()
    changes = document["resource_changes"]
    assert isinstance(changes, list)
    for item in changes:
        for side in ("before", "after"):
            values = item["change"][side]
            if isinstance(values, dict) and "dns_names" in values:
                values["dns_names"] = [FAKE_KEY]
                values["subject"] = [{"common_name": MARKER + "-----"}]
            if isinstance(values, dict) and "validity_end_time" in values:
                values["validity_end_time"] = MARKER
                values["id"] = FAKE_KEY
    status, out, err = run(
        tmp_path, document, "--allow-ca-replacement", "--allow-destroy", capsys=capsys
    )
    assert status == 0
    assert_clean(out, err)
