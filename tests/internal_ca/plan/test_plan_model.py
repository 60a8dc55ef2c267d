"""Every action and reason, from small hand-written plan documents."""

from __future__ import annotations

import pytest
from plan_builders import (
    CA_CERT,
    FAKE_KEY_REENCODED,
    ca,
    cert_values,
    change,
    key_values,
    plan,
    service,
)

from internal_ca.plan.model import Action, ServiceRow, Summary, Why, serial_hex, summarize_plan

REPLACE = ("delete", "create")
NEW_CA_KEY_TEXT = cert_values(ca_key=FAKE_KEY_REENCODED)


def summary(*groups: list[dict[str, object]]) -> Summary:
    return summarize_plan("internal-ca", plan(*groups))


def row(result: Summary, name: str) -> ServiceRow:
    (found,) = [item for item in result.services if item.service == name]
    return found


def texts(found: ServiceRow, why: Why) -> list[str]:
    return [reason.text for reason in found.reasons if reason.why is why]


def test_new_service_is_issued_without_a_current_serial() -> None:
    found = row(summary(ca(), service("web", cert=["create"], dns=["web.example"])), "web")
    assert found.action is Action.ISSUE
    assert found.has(Why.NEW)
    assert found.sans == ("DNS:web.example",)
    assert found.subject == "C=GB, O=Test Org, CN=web.example"
    assert (found.expiry, found.serial) == (None, None)


def test_removed_service_shows_its_names_and_current_cert() -> None:
    found = row(summary(ca(), service("old", cert=["delete"], dns=["old.example"])), "old")
    assert found.action is Action.REMOVE
    assert found.sans == ("DNS:old.example",)
    assert found.expiry == "2027-01-01T00:00:00Z"
    assert found.serial == "4D85729BB4066478465F0A3F3648535A"


def test_untouched_service_is_unchanged_and_nothing_to_do() -> None:
    result = summary(ca(), service("web"))
    assert row(result, "web").action is Action.UNCHANGED
    assert row(result, "web").reasons == ()
    assert result.nothing_to_do


def test_san_change_is_a_reissue_showing_before_and_after() -> None:
    groups = service(
        "pw",
        cert=REPLACE,
        dns=["pw", "pw.example"],
        new_dns=["pw.example", "pw2.example"],
        cert_paths=[["cert_request_pem"]],
    )
    found = row(summary(ca(), groups), "pw")
    assert found.action is Action.REISSUE
    assert texts(found, Why.SANS) == [
        "DNS SANs: pw, pw.example -> pw.example, pw2.example (added pw2.example; removed pw)"
    ]
    assert found.sans == ("DNS:pw.example", "DNS:pw2.example")
    assert found.serial == "4D85729BB4066478465F0A3F3648535A"


def test_subject_change_is_a_reissue() -> None:
    groups = service(
        "pw", cert=REPLACE, cn="pw.example", new_cn="pw", cert_paths=[["cert_request_pem"]]
    )
    found = row(summary(ca(), groups), "pw")
    assert found.action is Action.REISSUE
    assert texts(found, Why.SUBJECT) == [
        "subject: C=GB, O=Test Org, CN=pw.example -> C=GB, O=Test Org, CN=pw"
    ]


def test_validity_change_is_a_reissue() -> None:
    groups = service(
        "pw",
        cert=REPLACE,
        cert_after=cert_values(hours=240),
        cert_paths=[["validity_period_hours"]],
    )
    found = row(summary(ca(), groups), "pw")
    assert found.action is Action.REISSUE
    assert texts(found, Why.VALIDITY) == ["validity: 30 days -> 10 days"]


def test_usage_change_is_a_reissue() -> None:
    uses = ("client_auth", "digital_signature", "server_auth")
    groups = service(
        "pw", cert=REPLACE, cert_after=cert_values(uses=uses), cert_paths=[["allowed_uses"]]
    )
    found = row(summary(ca(), groups), "pw")
    assert found.action is Action.REISSUE
    assert texts(found, Why.USAGES) == [
        "usages: digital_signature, server_auth -> client_auth, digital_signature, server_auth "
        "(added client_auth)"
    ]


def test_renewal_window_reached_is_a_renewal() -> None:
    groups = service("pw", cert=REPLACE, cert_paths=[["ready_for_renewal"]])
    found = row(summary(ca(), groups), "pw")
    assert found.action is Action.RENEW
    assert texts(found, Why.RENEWAL) == ["renewal window reached (expires 2027-01-01T00:00:00Z)"]


def test_key_version_bump_is_a_rekey() -> None:
    groups = service(
        "pw",
        cert=REPLACE,
        key=REPLACE,
        key_reason="replace_by_triggers",
        version=(1, 2),
        cert_paths=[["cert_request_pem"]],
    )
    found = row(summary(ca(), groups), "pw")
    assert found.action is Action.REKEY
    assert texts(found, Why.KEY_ROTATION) == ["key rotation requested (key_version 1 -> 2)"]


def test_key_algorithm_change_is_a_rekey() -> None:
    groups = service(
        "pw",
        cert=REPLACE,
        key=REPLACE,
        key_reason="replace_because_cannot_update",
        key_after=key_values(curve="P384"),
        cert_paths=[["cert_request_pem"]],
    )
    found = row(summary(ca(), groups), "pw")
    assert found.action is Action.REKEY
    assert texts(found, Why.KEY_CHANGED) == ["key: ECDSA P256 -> ECDSA P384"]


def test_ca_change_comes_with_the_count_of_reissued_certificates() -> None:
    paths = [["ca_cert_pem"], ["ca_private_key_pem"]]
    result = summary(
        ca(key=REPLACE, cert=REPLACE),
        service("a", cert=REPLACE, cert_paths=paths),
        service("b", cert=REPLACE, cert_paths=paths),
        service("c", cert=["create"]),
    )
    (ca_row,) = result.cas
    assert ca_row.replaced
    assert (ca_row.key_action, ca_row.cert_action) == ("replace", "replace")
    assert ca_row.reissues == 2
    assert row(result, "a").action is Action.REISSUE
    assert texts(row(result, "a"), Why.CA_CHANGE) == ["caused by a CA change"]
    assert row(result, "c").action is Action.ISSUE


def test_ca_subject_change_names_both_subjects() -> None:
    result = summary(ca(cert=REPLACE, new_cn="Other CA"))
    (ca_row,) = result.cas
    assert ca_row.cert_action == "replace"
    assert ca_row.key_action == "unchanged"
    assert [reason.text for reason in ca_row.reasons] == [
        "subject: C=GB, O=Test Org, CN=Test CA -> C=GB, O=Test Org, CN=Other CA"
    ]


def test_blocked_addresses_mark_the_ca_row() -> None:
    result = summarize_plan(
        "s", plan(ca(cert=REPLACE, new_cn="X")), blocked=["tls_self_signed_cert.ca"]
    )
    assert result.cas[0].blocked == ("tls_self_signed_cert.ca",)


def test_renewal_setting_change_keeps_the_certificate() -> None:
    groups = service("pw", cert=["update"], cert_after=cert_values(early=48))
    found = row(summary(ca(), groups), "pw")
    assert found.action is Action.UNCHANGED
    assert texts(found, Why.RENEWAL_SETTING) == [
        "renew before expiry: 5 days -> 2 days (certificate kept)"
    ]


def test_counts_cover_every_action() -> None:
    result = summary(
        ca(),
        service("a", cert=["create"]),
        service("b", cert=["delete"]),
        service("c"),
        service("d", cert=REPLACE, cert_paths=[["ready_for_renewal"]]),
    )
    assert {action.value: count for action, count in result.counts().items()} == {
        "issue": 1,
        "re-issue": 0,
        "renew": 1,
        "re-key": 0,
        "remove": 1,
        "unchanged": 1,
    }
    assert not result.nothing_to_do


def test_unrelated_resource_changes_are_listed_by_address() -> None:
    extra = [change("terraform_data.other", ["create"], None, {"input": "x"})]
    result = summary(ca(), service("a"), extra)
    assert [(other.address, other.action) for other in result.others] == [
        ("terraform_data.other", "create")
    ]


def test_a_field_marked_sensitive_is_never_read() -> None:
    groups = service("a")
    csr = groups[2]["change"]
    assert isinstance(csr, dict)
    csr["before_sensitive"] = csr["after_sensitive"] = {"dns_names": [True]}
    assert row(summary(ca(), groups), "a").sans is None


@pytest.mark.parametrize(
    ("decimal", "expected"),
    [("0", "00"), ("15", "0F"), ("255", "FF"), ("256", "0100"), ("4096", "1000")],
)
def test_serials_are_hex_as_openssl_prints_them(decimal: str, expected: str) -> None:
    assert serial_hex(decimal) == expected


def test_expiry_with_nanoseconds_and_an_offset_is_shown_in_utc_whole_seconds() -> None:
    """What the real provider writes in another zone, as every other time is shown."""
    end = "2027-01-01T01:00:00.301968822+01:00"
    found = row(summary(ca(), service("web", cert_before=cert_values(end=end))), "web")
    assert found.expiry == "2027-01-01T00:00:00Z"


def test_renewal_reason_shows_the_expiry_in_utc_whole_seconds() -> None:
    groups = service(
        "pw",
        cert=REPLACE,
        cert_before=cert_values(end="2026-12-01T20:21:36.301968822Z"),
        cert_paths=[["ready_for_renewal"]],
    )
    found = row(summary(ca(), groups), "pw")
    assert texts(found, Why.RENEWAL) == ["renewal window reached (expires 2026-12-01T20:21:36Z)"]


def test_an_expiry_that_is_no_time_is_dropped() -> None:
    found = row(summary(ca(), service("web", cert_before=cert_values(end="soon"))), "web")
    assert found.expiry is None


def test_same_ca_key_new_pem_text_replaced_is_no_ca_change() -> None:
    """ExistingCa key re-encoded PKCS#8 -> PKCS#1 (real provider, PEM in state): re-issued."""
    groups = service(
        "web", cert=REPLACE, cert_after=NEW_CA_KEY_TEXT, cert_paths=[["ca_private_key_pem"]]
    )
    found = row(summary(groups), "web")
    assert found.action is Action.REISSUE
    assert not found.has(Why.CA_CHANGE)
    assert texts(found, Why.PEM_TEXT) == ["CA key PEM text changed (same CA certificate)"]


def test_same_ca_key_new_pem_text_updated_in_place_is_no_reissue() -> None:
    """The old text in state was no well-formed PEM: the provider keeps the certificate."""
    groups = service("web", cert=["update"], cert_after=NEW_CA_KEY_TEXT)
    result = summary(groups)
    found = row(result, "web")
    assert found.action is Action.UNCHANGED
    assert texts(found, Why.PEM_TEXT) == [
        "update in place: CA key PEM text changed (same CA certificate; certificate kept)"
    ]
    assert result.counts()[Action.REISSUE] == 0


def test_ca_key_text_while_a_ca_key_is_replaced_is_a_ca_change() -> None:
    """New key text is only called "the same CA" while no CA key of the stack is replaced."""
    groups = service(
        "web", cert=REPLACE, cert_after=NEW_CA_KEY_TEXT, cert_paths=[["ca_private_key_pem"]]
    )
    found = row(summary(ca(key=REPLACE, cert=REPLACE), groups), "web")
    assert texts(found, Why.CA_CHANGE) == ["caused by a CA change"]
    assert not found.has(Why.PEM_TEXT)


def test_a_new_ca_certificate_with_new_key_text_is_a_ca_change() -> None:
    after = cert_values(ca_key=FAKE_KEY_REENCODED, ca_cert=CA_CERT + "other\n")
    paths = [["ca_cert_pem"], ["ca_private_key_pem"]]
    found = row(summary(service("web", cert=REPLACE, cert_after=after, cert_paths=paths)), "web")
    assert found.action is Action.REISSUE
    assert texts(found, Why.CA_CHANGE) == ["caused by a CA change"]


def test_ca_certificate_text_updated_in_place_says_the_certificate_is_not_re_signed() -> None:
    """The provider keeps the leaf: the row must not pass for a CA change that re-issues."""
    after = cert_values(ca_cert=CA_CERT + "other\n")
    found = row(summary(service("web", cert=["update"], cert_after=after)), "web")
    assert found.action is Action.UNCHANGED
    assert not found.has(Why.CA_CHANGE)
    assert texts(found, Why.PEM_TEXT) == [
        "update in place: CA certificate PEM text changed (certificate kept, not re-signed)"
    ]


def test_ca_certificate_known_only_after_apply_is_a_ca_change() -> None:
    """A replaced CA certificate shows up as after_unknown, before any replace path."""
    groups = service("web", cert=REPLACE)
    cert = groups[3]["change"]
    cert["after"].pop("ca_cert_pem")
    cert["after_unknown"] = {"ca_cert_pem": True}
    found = row(summary(groups), "web")
    assert texts(found, Why.CA_CHANGE) == ["caused by a CA change"]


def test_same_service_key_new_pem_text_is_labelled_as_such() -> None:
    """The CSR is re-made from the key's new text while the key resource stays."""
    groups = service("web", cert=REPLACE, cert_paths=[["cert_request_pem"]])
    csr = groups[2]["change"]
    csr["actions"] = list(REPLACE)
    csr["after"] = dict(csr["after"], private_key_pem=FAKE_KEY_REENCODED)
    csr["replace_paths"] = [["private_key_pem"]]
    found = row(summary(ca(), groups), "web")
    assert found.action is Action.REISSUE
    assert texts(found, Why.PEM_TEXT) == ["key PEM text changed (same key)"]


def test_intermediate_with_new_issuing_key_text_names_its_issuing_ca() -> None:
    values = dict(cert_values(serial="77"), is_ca_certificate=True)
    intermediate = change(
        "tls_locally_signed_cert.sub",
        REPLACE,
        values,
        dict(values, ca_private_key_pem=FAKE_KEY_REENCODED),
        replace_paths=[["ca_private_key_pem"]],
        sensitive={"ca_private_key_pem": True},
    )
    (_, sub) = summary(ca(), [intermediate]).cas
    assert [reason.text for reason in sub.reasons] == [
        "issuing CA key PEM text changed (same issuing CA certificate)"
    ]


def test_root_ca_with_new_key_text_keeps_its_key() -> None:
    groups = ca(cert=REPLACE)
    root = groups[1]["change"]
    root["after"] = dict(root["after"], private_key_pem=FAKE_KEY_REENCODED)
    root["replace_paths"] = [["private_key_pem"]]
    (ca_row,) = summary(groups).cas
    assert (ca_row.key_action, ca_row.cert_action) == ("unchanged", "replace")
    assert [reason.text for reason in ca_row.reasons] == ["CA key PEM text changed (same key)"]
