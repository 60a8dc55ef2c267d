"""The distinguished name of a CA or service certificate (the recipe's [ dn ] section)."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from .tokens import is_token

_COUNTRY = re.compile(r"^[A-Z]{2}$")
# Upper bounds from RFC 5280 appendix A (ub-common-name etc.); the recipe uses the same 64.
_MAX_LENGTH = {
    "common_name": 64,
    "organization": 64,
    "organizational_unit": 64,
    "locality": 128,
    "province": 128,
}


@dataclass(frozen=True, kw_only=True)
class DistinguishedName:
    """Subject fields; None means "leave out" (or, for a service, "inherit from the CA")."""

    country: str | None = None
    """Two-letter ISO 3166 code, e.g. "GB". Default: left out."""
    province: str | None = None
    """State or province, e.g. "Cambridgeshire". Default: left out."""
    locality: str | None = None
    """City, e.g. "Cambridge". Default: left out."""
    organization: str | None = None
    """Organisation, e.g. "University of Cambridge". Default: left out."""
    organizational_unit: str | None = None
    """Department or team. Default: left out."""
    common_name: str | None = None
    """CN, at most 64 characters. Default: left out (services default to their first DNS name)."""

    def validate(self, owner: str) -> None:
        """Raise ValueError naming `owner`, the field and the value, for out-of-range fields."""
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is None or (isinstance(value, str) and is_token(value)):
                continue
            if not isinstance(value, str):
                raise TypeError(f"{owner}: subject.{field.name} value {value!r} is not a string")
            if field.name == "country":
                if not _COUNTRY.match(value):
                    raise ValueError(
                        f"{owner}: subject.country value {value!r} is not a country code; "
                        "expected 2 upper-case letters such as 'GB'"
                    )
                continue
            if not value.strip():
                raise ValueError(
                    f"{owner}: subject.{field.name} value {value!r} is blank; "
                    "expected text, or None to leave it out"
                )
            limit = _MAX_LENGTH[field.name]
            if len(value) > limit:
                raise ValueError(
                    f"{owner}: subject.{field.name} value {value!r} is {len(value)} characters "
                    f"long; expected at most {limit}"
                )

    def inherit(self, parent: DistinguishedName) -> DistinguishedName:
        """Fill every organisation field left as None from `parent`; never the common name."""
        return DistinguishedName(
            country=self.country if self.country is not None else parent.country,
            province=self.province if self.province is not None else parent.province,
            locality=self.locality if self.locality is not None else parent.locality,
            organization=(
                self.organization if self.organization is not None else parent.organization
            ),
            organizational_unit=(
                self.organizational_unit
                if self.organizational_unit is not None
                else parent.organizational_unit
            ),
            common_name=self.common_name,
        )

    def or_common_name(self, default: str | None) -> DistinguishedName:
        """This name, with `default` as CN when none is set and it fits in 64 characters."""
        limit = _MAX_LENGTH["common_name"]
        if self.common_name is not None or default is None or len(default) > limit:
            return self
        return dataclasses.replace(self, common_name=default)

    def is_empty(self) -> bool:
        return all(getattr(self, field.name) is None for field in dataclasses.fields(self))

    def as_text(self) -> str:
        """openssl-style one-line form, for messages and reports."""
        parts = [
            ("C", self.country),
            ("ST", self.province),
            ("L", self.locality),
            ("O", self.organization),
            ("OU", self.organizational_unit),
            ("CN", self.common_name),
        ]
        return ", ".join(f"{key}={value}" for key, value in parts if value is not None)

    def as_block(self) -> dict[str, str]:
        """The provider's `subject` block: the fields that are set, under Terraform's names."""
        return {
            field.name: value
            for field in dataclasses.fields(self)
            if (value := getattr(self, field.name)) is not None
        }


def resolve_overrides(
    owner: str, overrides: DistinguishedName | None, parent: DistinguishedName
) -> DistinguishedName:
    """Check a construct's subject overrides and fill the rest from its CA's organisation."""
    if overrides is None:
        overrides = DistinguishedName()
    if not isinstance(overrides, DistinguishedName):
        raise TypeError(f"{owner}: subject value {overrides!r} is not a DistinguishedName")
    overrides.validate(owner)
    return overrides.inherit(parent)
