"""Terraform's and the app's diagnostics, turned into reasons a user can act on, with no secrets.

Every command that shows a tool's failure goes through this module, so what is withheld is
decided once: `redact()` is the one filter between a tool's output and the user. It masks
PEM blocks (whole or cut short), long base64 runs such as a key body split over lines, and
keys inside JSON strings (`"-----BEGIN…\\n…"`). Terraform already masks sensitive values as
"(sensitive value)"; this is the layer under that, for whatever a provider or a crash prints.

Terraform prints diagnostics framed with box-drawing characters (`╷ │ ╵`), or plainly with
`-no-color`; both are read here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from internal_ca.errors import OperationError

WITHHELD = "[withheld]"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_FRAME = "│╷╵"
# A whole PEM block; one cut short (no END line) is masked line by line in redact().
_PEM_BLOCK = re.compile(r"-----BEGIN [A-Z0-9 ]+-----.*?-----END [A-Z0-9 ]+-----", re.DOTALL)
_PEM_BEGIN = "-----BEGIN"
_BODY_LINE = re.compile(r"^[\s│\"']*[A-Za-z0-9+/=]+[\s\"']*$")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/=]{48,}")
_HEX = re.compile(r"[0-9a-fA-F]+")
_ESCAPED_RUN = re.compile(r"(?:[A-Za-z0-9+/=]{16,}(?:\\n|\\r){1,2}){2,}[A-Za-z0-9+/=]*")
# "ValueError: …" from the app; Terraform's own "Error: …" has nothing before "Error".
_PYTHON_EXCEPTION = re.compile(r"^[A-Za-z_.]+(Error|Exception): \S")
_PREVENT_DESTROY = re.compile(
    r"Resource\s+([A-Za-z0-9_.\-\[\]\"]+)\s+has\s+lifecycle\.prevent_destroy\s+set"
)
_IN_RESOURCE = re.compile(r"in (?:resource|data)\.([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)")


def redact(text: str) -> str:
    """`text` with anything that could be key material replaced by "[withheld]"."""
    text = _PEM_BLOCK.sub(WITHHELD, text)
    text = _ESCAPED_RUN.sub(WITHHELD, text)
    lines = []
    in_body = False  # after a BEGIN line whose END never came: the body lines that follow
    for line in text.split("\n"):
        if _PEM_BEGIN in line or "PRIVATE KEY" in line:
            in_body = _PEM_BEGIN in line
            lines.append(WITHHELD)
        elif in_body and _BODY_LINE.match(line):
            lines.append(WITHHELD)
        else:
            in_body = False
            lines.append(_BASE64_RUN.sub(_unless_hex, line))
    return "\n".join(lines)


def _unless_hex(match: re.Match[str]) -> str:
    """Fingerprints and serials are hex and public; a key body is mixed-case base64."""
    return match.group(0) if _HEX.fullmatch(match.group(0)) else WITHHELD


@dataclass(frozen=True)
class Diagnostic:
    """One `Error:` or `Warning:` block, already redacted."""

    severity: str
    summary: str
    detail: tuple[str, ...]

    @property
    def address(self) -> str | None:
        """The resource the diagnostic is about ("in resource.TYPE.NAME"), when it says."""
        found = _IN_RESOURCE.search(" ".join(self.detail))
        return found.group(1) if found else None

    def block(self) -> str:
        return "\n".join((f"{self.severity}: {self.summary}", *self.detail)).strip()

    def one_line(self) -> str:
        where = self.address
        return self.summary[:160] + (f" (in {where})" if where else "")


def _lines(output: str) -> list[str]:
    return _ANSI.sub("", redact(output)).splitlines()


def parse(output: str) -> list[Diagnostic]:
    """Every diagnostic in a tool's output, framed or plain; the plan around them is ignored.

    A block ends at its closing frame, at the next "Warning:" or "Error:", or at the end.
    """
    found: list[Diagnostic] = []
    current: list[str] | None = None

    def close() -> None:
        if current:
            severity, _, summary = current[0].partition(": ")
            found.append(Diagnostic(severity, summary.strip(), tuple(current[1:])))

    for raw in _lines(output):
        line = raw.strip()
        if line.startswith("╷"):
            continue
        if line.startswith("╵"):
            close()
            current = None
            continue
        text = line.lstrip(_FRAME).strip()
        if text.startswith(("Error: ", "Warning: ")) or text in ("Error:", "Warning:"):
            close()
            current = [text]
            continue
        if current is not None:
            current.append(text)
    close()
    return found


def error_blocks(output: str) -> list[str]:
    """The `Error:` blocks of a tool's output, as Terraform wrote them, redacted."""
    return [item.block() for item in parse(output) if item.severity == "Error"]


def failure(message: str, output: str) -> OperationError:
    """An error for a failed tool run: `message: <reason>`, Terraform's blocks as detail."""
    return OperationError(f"{message}: {reason(output)}", "\n\n".join(error_blocks(output)))


def reason(output: str) -> str:
    """A failure in one line: the app's exception, else Terraform's first error, else the end.

    A Python exception raised by the app (a ValueError naming the bad field) wins, since that
    is the project's own message.
    """
    lines = [line.strip(" " + _FRAME + "\t") for line in _lines(output)]
    lines = [line for line in lines if line]
    exceptions = [line for line in lines if _PYTHON_EXCEPTION.match(line)]
    if exceptions:
        return exceptions[-1]
    errors = [item for item in parse(output) if item.severity == "Error"]
    if errors:
        return "Error: " + errors[0].one_line()
    return lines[-1] if lines else "no output"


def prevent_destroy_addresses(output: str) -> list[str]:
    """The addresses a failed plan names as protected by prevent_destroy, in order."""
    plain = " ".join(_ANSI.sub("", output).replace("│", " ").replace("╷", " ").split())
    found: list[str] = []
    for address in _PREVENT_DESTROY.findall(plain.replace("╵", " ")):
        if address not in found:
            found.append(address)
    return found
