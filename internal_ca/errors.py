"""The one error type the CLI turns into a one-line reason and a non-zero exit."""


class OperationError(Exception):
    """A failure the user can act on; its message is one line and never holds a secret.

    `detail` is an optional block shown after the reason, such as Terraform's own error
    blocks. It must already have gone through `diagnostics.redact`.
    """

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class Interrupted(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP: unwinds like Ctrl-C, so every temp folder is removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
