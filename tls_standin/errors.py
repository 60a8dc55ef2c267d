"""User-facing errors: raised by the crypto code, returned to Terraform as diagnostics.

A `TLSError` never carries key material; its summary/detail go to the user, and its
attribute (a top-level attribute name) lets Terraform point at the offending argument.
"""


class TLSError(Exception):
    """An input or processing error to report as an ERROR diagnostic."""

    def __init__(self, summary: str, detail: str = "", attribute: str | None = None) -> None:
        super().__init__(summary)
        self.summary = summary
        self.detail = detail
        self.attribute = attribute
