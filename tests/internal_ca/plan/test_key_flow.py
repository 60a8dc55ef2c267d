"""Which private keys each output depends on, followed through hand-written synthesized stacks."""

from __future__ import annotations

from typing import Any

import pytest
from plan_builders import CANARIES, FAKE_KEY, ca, output, plan
from synth_helpers import synth_with

from ca_constructs.intermediate_ca import IntermediateCa
from ca_constructs.service_cert import ServiceCert
from internal_ca.plan.guard import GuardOptions, output_leaks_private_key
from internal_ca.plan.key_flow import KeyFlowError, output_key_sources, references
from internal_ca.plan.model import summarize_plan
from stacks.ca_stack import CaStack

KEY = "tls_private_key.x.private_key_pem"
CA_KEY = {"x": {"algorithm": "ECDSA"}}
SIGNED = {
    "web": {
        "cert_request_pem": "${tls_cert_request.web.cert_request_pem}",
        "ca_cert_pem": "${tls_self_signed_cert.ca.cert_pem}",
        "ca_private_key_pem": "${tls_private_key.x.private_key_pem}",
        "validity_period_hours": 24,
        "allowed_uses": ["server_auth"],
    }
}


def stack(value: object, **blocks: Any) -> dict[str, Any]:
    """A synthesized stack with a key `tls_private_key.x` and one output `o`."""
    resources = {"tls_private_key": CA_KEY, **blocks.pop("resource", {})}
    return {"output": {"o": {"value": value}}, "resource": resources, **blocks}


def sources(value: object, **blocks: Any) -> tuple[str, ...]:
    return output_key_sources(stack(value, **blocks))["o"]


def test_a_key_passed_through_a_local_and_base64_is_found_with_its_chain() -> None:
    """The issue's case: `TerraformLocal(stack, "k", Fn.base64encode(key))`, output `local.k`."""
    locals_ = {"k": f"${{base64encode({KEY})}}"}
    assert sources("${local.k}", locals=locals_) == (f"local.k <- {KEY}",)


def test_a_key_passed_through_terraform_data_is_found_by_its_output() -> None:
    """terraform_data's `output` is its `input`: the attribute's name says nothing."""
    carry = {"terraform_data": {"carry": {"input": f"${{{KEY}}}"}}}
    found = sources("${terraform_data.carry.output}", resource=carry)
    assert found == (f"terraform_data.carry.output <- {KEY}",)


# A key written to a file, then read back by a data source naming the same file another way.
WRITTEN = {"local_sensitive_file": {"k": {"filename": "./k.pem", "content": f"${{{KEY}}}"}}}
READ_BACK = {"local_file": {"k": {"filename": "${path.module}/k.pem"}}}


@pytest.mark.parametrize(
    "attribute", ["content", "content_base64", "content_base64sha256", "content_md5", "id"]
)
def test_a_key_written_to_a_file_and_read_back_is_found(attribute: str) -> None:
    found = sources(f"${{data.local_file.k.{attribute}}}", resource=WRITTEN, data=READ_BACK)
    chain = f"data.local_file.k.{attribute} <- local_sensitive_file.k <- {KEY}"
    assert found == (chain,)


def test_a_read_back_file_names_every_written_file_that_holds_a_key() -> None:
    """Any written file may be the one read back, whatever its `filename` says."""
    written = {
        "local_file": {"notes": {"filename": "notes.txt", "content": "hello"}},
        "local_sensitive_file": {
            "k": {"filename": "k.pem", "content_base64": f"${{base64encode({KEY})}}"}
        },
    }
    read_back = {"local_sensitive_file": {"notes": {"filename": "notes.txt"}}}
    found = sources("${data.local_sensitive_file.notes.content}", resource=written, data=read_back)
    assert found == (f"data.local_sensitive_file.notes.content <- local_sensitive_file.k <- {KEY}",)


def test_a_read_back_file_holds_no_key_when_no_written_file_does() -> None:
    written = {
        "local_file": {
            "notes": {"filename": "n.txt", "content": "${tls_self_signed_cert.ca.cert_pem}"}
        }
    }
    assert sources("${data.local_file.k.content}", resource=written, data=READ_BACK) == ()


def test_a_read_back_files_name_is_only_its_filename() -> None:
    found = sources("${data.local_file.k.filename}", resource=WRITTEN, data=READ_BACK)
    assert found == ()


def test_nested_locals_give_the_whole_chain() -> None:
    locals_ = {
        "outer": '${format("%s!", local.inner)}',
        "inner": {"pems": [f"${{nonsensitive({KEY})}}"]},
    }
    assert sources("${local.outer}", locals=locals_) == (f"local.outer <- local.inner <- {KEY}",)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("${jsonencode(tls_private_key.x)}", "tls_private_key.x"),
        ("${tls_private_key.x[0]}", "tls_private_key.x"),
        ("${terraform_data.carry}", f"terraform_data.carry <- {KEY}"),
        ("${terraform_data.carry.id}", None),
    ],
)
def test_a_whole_resource_reference_depends_on_all_of_it(value: str, expected: str | None) -> None:
    carry = {"terraform_data": {"carry": {"input": {"k": f"${{{KEY}}}"}}}}
    assert sources(value, resource=carry) == ((expected,) if expected else ())


def test_a_certificate_signed_with_a_key_holds_no_key() -> None:
    """`cert_pem` is key-free though the resource's `ca_private_key_pem` argument is a key."""
    value = {
        "cert_pem": "${tls_locally_signed_cert.web.cert_pem}",
        "serial": "${tls_locally_signed_cert.web.id}",
        "ready": "${tls_locally_signed_cert.web.ready_for_renewal}",
        "public": "${tls_private_key.x.public_key_pem}",
    }
    assert sources(value, resource={"tls_locally_signed_cert": SIGNED}) == ()


def test_the_ca_key_argument_of_a_certificate_is_a_key() -> None:
    value = "${tls_locally_signed_cert.web.ca_private_key_pem}"
    found = sources(value, resource={"tls_locally_signed_cert": SIGNED})
    assert found == ("tls_locally_signed_cert.web.ca_private_key_pem",)


@pytest.mark.parametrize(
    "value",
    [
        f"${{element([for k in [{KEY}] : base64encode(k)], 0)}}",
        '${[for k in tls_private_key.x[*] : k.public_key_pem if k.id != ""]}',
        f'${{try(lookup({{a = {KEY}}}, "a", ""), "")}}',
        "${tls_private_key.x.*.private_key_pem_pkcs8}",
        '${provider::x::wrap(tls_private_key.x["k"])}',
        f'prefix-${{"in ${{{KEY}}} a string"}}',
        f"%{{ if true }}${{{KEY}}}%{{ endif }}",
        f"${{upper(\n  {KEY}\n)}}",
    ],
)
def test_functions_splats_and_for_expressions_carry_the_key(value: str) -> None:
    assert sources(value)


@pytest.mark.parametrize(
    "value",
    [
        "$${tls_private_key.x.private_key_pem}",
        '${"tls_private_key.x.private_key_pem"}',
        "${tls_private_key.x.public_key_openssh}",
        "${[for k in [tls_private_key.x.public_key_pem] : k.private_key_pem]}",
        "${path.module}/private_key_pem",
    ],
)
def test_text_that_only_looks_like_a_key_reference_is_not_one(value: str) -> None:
    """An escaped template, a string literal, a public attribute, a for symbol's field."""
    assert sources(value) == ()


def test_sensitive_and_key_named_variables_are_keys() -> None:
    variables = {"secret": {"sensitive": True}, "adopted_private_key_pem": {}, "region": {}}
    value = ["${var.secret}", "${var.adopted_private_key_pem}", "${var.region}"]
    assert sources(value, variable=variables) == ("var.adopted_private_key_pem", "var.secret")


def test_a_deeper_step_named_like_a_key_is_a_key() -> None:
    """A key another stack output (sensitive there), read here through its remote state."""
    data = {"terraform_remote_state": {"other": {"backend": "local"}}}
    value = "${base64encode(data.terraform_remote_state.other.outputs.web_private_key_pem)}"
    assert sources(value, data=data) == (
        "data.terraform_remote_state.other.outputs.web_private_key_pem",
    )
    assert sources("${data.terraform_remote_state.other.outputs.web_cert}", data=data) == ()
    variables: dict[str, object] = {"tls": {}}
    assert sources("${var.tls.ca.private_key_pem}", variable=variables) == (
        "var.tls.ca.private_key_pem",
    )


def test_an_unknown_type_copies_its_same_named_argument() -> None:
    written = {"local_file": {"f": {"content": f"${{{KEY}}}", "filename": "${path.module}/k"}}}
    assert sources("${local_file.f.content}", resource=written) == (
        f"local_file.f.content <- {KEY}",
    )
    assert sources("${local_file.f.filename}", resource=written) == ()


def test_an_unknown_attribute_of_a_resource_with_a_key_argument_is_a_key() -> None:
    written = {"local_file": {"f": {"content": f"${{{KEY}}}"}}}
    assert sources("${local_file.f.content_md5}", resource=written) == (
        f"local_file.f.content_md5 <- {KEY}",
    )


def test_for_each_values_reach_the_arguments_that_use_each() -> None:
    written = {
        "local_file": {
            "f": {"for_each": f"${{{{a = {KEY}}}}}", "content": "${each.value}"},
        }
    }
    assert sources('${local_file.f["a"].content}', resource=written) == (
        f"local_file.f.content <- {KEY}",
    )


def test_for_each_and_count_reading_each_other_end() -> None:
    """Terraform refuses it, but the stack is read before Terraform sees it."""
    written = {"local_file": {"f": {"for_each": "${count.index}", "count": "${each.key}"}}}
    assert sources("${local_file.f.content}", resource=written) == ()


def test_a_module_output_carries_its_inputs() -> None:
    module = {"wrap": {"source": "./wrap", "pem": f"${{{KEY}}}"}}
    assert sources("${module.wrap.anything}", module=module) == (f"module.wrap.anything <- {KEY}",)


def test_a_data_source_public_key_holds_no_key() -> None:
    data = {"tls_public_key": {"p": {"private_key_pem": f"${{{KEY}}}"}}}
    assert sources("${data.tls_public_key.p.public_key_pem}", data=data) == ()
    assert sources("${data.tls_public_key.p}", data=data) == ("data.tls_public_key.p",)


def test_a_reference_cycle_ends() -> None:
    locals_ = {"a": "${local.b}", "b": "${local.a}"}
    assert sources("${local.a}", locals=locals_) == ()


def test_references_drop_single_names_and_keep_index_expressions() -> None:
    found = references("${{for k, v in local.m : k => v[var.i]}}")
    assert found == [("local", "m"), ("var", "i")]


def test_a_malformed_stack_is_an_error_naming_the_block_not_its_value() -> None:
    with pytest.raises(KeyFlowError, match="resource block's tls_private_key is not an object"):
        output_key_sources({"resource": {"tls_private_key": FAKE_KEY}})
    with pytest.raises(KeyFlowError) as caught:
        output_key_sources({"locals": [FAKE_KEY]})
    for canary in CANARIES:
        assert canary not in str(caught.value)


def test_a_chain_holds_names_only() -> None:
    locals_ = {"k": f'${{format("{FAKE_KEY}%s", {KEY})}}'}
    found = sources(f"{FAKE_KEY}${{local.k}}", locals=locals_)
    assert found == (f"local.k <- {KEY}",)
    for canary in CANARIES:
        assert canary not in repr(found)


def leaks(synthesized: dict[str, Any], *, sensitive: bool) -> str | None:
    """The guard's reason for a plan whose one output `o` is unknown until apply."""
    planned = plan(ca(), outputs=[output("o", ["create"], known=False, sensitive=sensitive)])
    chains = output_key_sources(synthesized)
    summary = summarize_plan("s", planned, key_chains=chains)
    return output_leaks_private_key(summary, GuardOptions())


def test_the_guard_names_the_output_and_its_chain() -> None:
    synthesized = stack("${local.k}", locals={"k": f"${{base64encode({KEY})}}"})
    reason = leaks(synthesized, sensitive=False)
    assert reason is not None
    assert f"non-sensitive output 'o' (from local.k <- {KEY})" in reason


def test_the_guard_passes_a_sensitive_output_that_holds_a_key() -> None:
    synthesized = stack("${local.k}", locals={"k": f"${{base64encode({KEY})}}"})
    assert leaks(synthesized, sensitive=True) is None


def test_the_projects_own_outputs_hold_no_key_but_the_sensitive_ones() -> None:
    """CA and intermediate certificates, chains, serials: only each service's key output."""

    def build(stack: CaStack) -> None:
        issuing = IntermediateCa(stack, "issuing", parent=stack.ca)
        ServiceCert(stack, "web", ca=issuing, dns_names=["web.internal.example"])
        ServiceCert(stack, "api", ca=stack.ca, dns_names=["api.internal.example"])

    synthesized = synth_with(build)
    found = {name: chain for name, chain in output_key_sources(synthesized).items() if chain}
    assert found == {
        "service_api_private_key_pem": ("tls_private_key.api.private_key_pem",),
        "service_web_private_key_pem": ("tls_private_key.web.private_key_pem",),
    }
    assert all(synthesized["output"][name].get("sensitive") is True for name in found)
