"""The one error type the CLI turns into a one-line reason and a non-zero exit."""


class OperationError(Exception):
    """A failure the user can act on; its message is one line and never holds a secret."""
