"""Outputs in the review: read by name through the allow-list, listed by name, never by value."""

from __future__ import annotations

import pytest
from plan_builders import CANARIES, FAKE_KEY, MARKER, ca, key_reference, output, plan, service
from synth_helpers import synth_with

from ca_constructs.intermediate_ca import IntermediateCa
from ca_constructs.service_cert import ServiceCert
from internal_ca.plan.fields import OutputChange, PlanFormatError, read_outputs
from internal_ca.plan.guard import GuardOptions, output_leaks_private_key
from internal_ca.plan.key_flow import references
from internal_ca.plan.model import OutputAction, summarize_plan
from stacks.ca_stack import CaStack

LEAK_REFERENCES = key_reference("tls_private_key.ca")


def read(*outputs: tuple[str, dict[str, object], dict[str, object] | None]) -> OutputChange:
    """The one output under test (the builders add two secret outputs to every plan)."""
    names = {name for name, _, _ in outputs}
    (found,) = [item for item in read_outputs(plan(ca(), outputs=outputs)) if item.name in names]
    return found


def test_names_actions_and_sensitivity_are_read() -> None:
    found = read(output("web_url", ["create"], "https://web.example"))
    assert (found.name, found.actions, found.sensitive) == ("web_url", ("create",), False)
    assert (found.key_sources, found.key_material) == ((), False)


def test_an_output_marked_sensitive_in_the_configuration_is_sensitive() -> None:
    found = read(output("k", value=FAKE_KEY, sensitive=True, references=LEAK_REFERENCES))
    assert found.sensitive
    assert found.key_material is False, "a sensitive value is never searched"


def test_the_nonsensitive_canary_names_its_key_reference() -> None:
    """`TerraformOutput(value=Fn.nonsensitive(ca.key.private_key_pem))`, as Terraform shows it."""
    found = read(output("leak", ["create"], FAKE_KEY, references=LEAK_REFERENCES))
    assert not found.sensitive
    assert found.key_sources == ("tls_private_key.ca.private_key_pem",)
    assert found.key_material


def test_a_key_created_in_the_same_plan_is_found_by_its_reference() -> None:
    """On a first deploy the value is unknown at plan time: only the reference tells."""
    found = read(output("leak", ["create"], known=False, references=LEAK_REFERENCES))
    assert found.key_sources == ("tls_private_key.ca.private_key_pem",)
    assert not found.key_material


@pytest.mark.parametrize(
    "references",
    [
        ["tls_private_key.ca"],
        key_reference("tls_private_key.ca", "private_key_openssh"),
        key_reference("tls_private_key.ca", "private_key_pem_pkcs8"),
        ["tls_private_key.svc[0].private_key_pem", "tls_private_key.svc[0]", "tls_private_key.svc"],
        key_reference("tls_locally_signed_cert.web", "ca_private_key_pem"),
        key_reference("data.tls_public_key.ca"),
        ["var.ca_key"],
        ["var.adopted_private_key_pem"],
    ],
)
def test_references_that_hold_a_private_key(references: list[str]) -> None:
    """A key attribute, a whole key-holding object, or a sensitive or key-named variable."""
    assert read(output("o", references=references)).key_sources


@pytest.mark.parametrize(
    "references",
    [
        key_reference("tls_private_key.ca", "public_key_pem"),
        key_reference("tls_self_signed_cert.ca", "cert_pem"),
        key_reference("tls_locally_signed_cert.web", "validity_end_time"),
        ["var.region"],
        ["path.module"],
        ["terraform.workspace"],
    ],
)
def test_references_that_hold_no_private_key(references: list[str]) -> None:
    """`tls_private_key.ca` listed after `tls_private_key.ca.public_key_pem` is not the object."""
    found = read(output("o", references=references))
    assert (found.key_sources, found.untraced) == ((), ())


@pytest.mark.parametrize(
    ("references", "shown"),
    [
        (["local.k"], "local.k"),
        (["module.m.k", "module.m"], "module.m.k"),
        (["terraform_data.carry.output", "terraform_data.carry"], "terraform_data.carry.output"),
        (["data.local_file.k.content", "data.local_file.k"], "data.local_file.k.content"),
        (
            ["data.terraform_remote_state.s.outputs.web_key"],
            "data.terraform_remote_state.s.outputs",
        ),
    ],
)
def test_without_the_stack_a_reference_only_it_could_follow_is_untraced(
    references: list[str], shown: str
) -> None:
    """A saved plan JSON has no locals and no chains: what only the stack tells may be a key."""
    found = read(output("o", references=references))
    assert (found.key_sources, found.untraced) == ((), (shown,))


def test_with_the_stack_chains_what_they_did_not_find_holds_no_key() -> None:
    document = plan(ca(), outputs=[output("o", references=["local.not_after"])])
    (found,) = [item for item in read_outputs(document, key_chains={}) if item.name == "o"]
    assert (found.key_sources, found.untraced) == ((), ())


def test_a_key_through_a_local_trips_the_guard_without_the_stack() -> None:
    """`--plan-json` of `output "o" { value = base64encode(local.k) }`: refused, and why."""
    planned = plan(ca(), outputs=[output("o", ["create"], known=False, references=["local.k"])])
    reason = output_leaks_private_key(summarize_plan("s", planned), GuardOptions())
    assert reason is not None
    assert (
        "non-sensitive output 'o' (from local.k: not traceable without the synthesized stack; "
        "run `internal-ca plan` without --plan-json) may print a private key"
    ) in reason


def test_the_projects_own_outputs_pass_the_guard_without_the_stack() -> None:
    """Every output the constructs write references its resources directly: all traceable."""

    def build(stack: CaStack) -> None:
        issuing = IntermediateCa(stack, "issuing", parent=stack.ca)
        ServiceCert(stack, "web", ca=issuing, dns_names=["web.internal.example"])
        ServiceCert(stack, "api", ca=stack.ca, dns_names=["api.internal.example"])

    synthesized = synth_with(build)
    outputs = [
        output(
            name,
            ["create"],
            known=False,
            sensitive=block.get("sensitive") is True,
            # As Terraform lists them: each traversal, then its object.
            references=[
                text
                for found in references(block["value"])
                for text in (".".join(found), ".".join(found[:2]))
            ],
        )
        for name, block in synthesized["output"].items()
    ]
    assert len(outputs) > 4
    summary = summarize_plan("s", plan(ca(), outputs=outputs))
    assert output_leaks_private_key(summary, GuardOptions()) is None
    assert {row.name for row in summary.outputs if row.holds_private_key} == {
        "service_api_private_key_pem",
        "service_web_private_key_pem",
        "service_x_private_key_pem",
        "marker",
    }


def test_key_material_nested_in_a_map_is_found_without_a_reference() -> None:
    """A key passed through a local has no traceable reference; its planned value tells."""
    value = {"service": {"pems": ["-----BEGIN CERTIFICATE-----", FAKE_KEY]}}
    found = read(output("bundle", ["update"], value, references=["local.bundle"]))
    assert (found.key_sources, found.untraced) == ((), ("local.bundle",))
    assert found.key_material


def test_the_read_output_holds_no_value() -> None:
    found = read(output("leak", ["create"], FAKE_KEY, references=LEAK_REFERENCES))
    for canary in CANARIES:
        assert canary not in repr(found)


def test_a_removed_output_is_read_from_output_changes_alone() -> None:
    found = read(output("old", ["delete"], "x"))
    assert found.actions == ("delete",)


MARKER_CONFIG = ("configuration", "root_module", "outputs", "marker")


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (("output_changes",), [FAKE_KEY], "output_changes is not an object"),
        (("output_changes", "marker", "actions"), [MARKER], "output_changes.marker.actions"),
        (("output_changes", FAKE_KEY), {}, "output_changes has a key that is not a name"),
        (
            (*MARKER_CONFIG, "expression", "references"),
            [FAKE_KEY],
            "configuration.root_module.outputs.marker.expression.references",
        ),
        (
            (*MARKER_CONFIG, "sensitive"),
            MARKER,
            "configuration.root_module.outputs.marker.sensitive",
        ),
    ],
)
def test_a_malformed_output_is_an_error_naming_its_position(
    path: tuple[str, ...], value: object, where: str
) -> None:
    """The message says where, and never repeats what was found there."""
    document = plan(ca())
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    with pytest.raises(PlanFormatError) as caught:
        read_outputs(document)
    assert where in str(caught.value)
    for canary in CANARIES:
        assert canary not in str(caught.value)


def test_the_summary_lists_added_changed_and_removed_outputs_by_name() -> None:
    outputs = [
        output("new", ["create"]),
        output("moved", ["update"], "b", before="a"),
        output("gone", ["delete"]),
        output("same"),
    ]
    summary = summarize_plan("s", plan(ca(), service("a"), outputs=outputs))
    assert [(row.name, row.action) for row in summary.changed_outputs] == [
        ("gone", OutputAction.REMOVE),
        ("moved", OutputAction.CHANGE),
        ("new", OutputAction.ADD),
    ]


def test_unchanged_outputs_stay_in_the_summary_for_the_guard() -> None:
    summary = summarize_plan("s", plan(ca(), outputs=[output("same")]))
    assert "same" in [row.name for row in summary.outputs]
    assert summary.changed_outputs == ()


def test_an_output_change_alone_is_something_to_do() -> None:
    """Deploy skips the apply when there is nothing to do; a new output still needs one."""
    summary = summarize_plan("s", plan(ca(), service("a"), outputs=[output("url", ["create"])]))
    assert not summary.nothing_to_do
