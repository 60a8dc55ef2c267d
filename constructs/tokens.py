"""Whether a string holds a cdktf token, answered in Python.

`Token.is_unresolved` asks the jsii kernel (a round trip to Node, about 0.3 ms), and
validation asks it for every SAN and subject field of every service. A string token is text
the kernel made, with markers `${TfToken[...]}`; this is the kernel's own pattern for them
(cdktf 0.21 lib/tokens/private/encoding.js, STRING_TOKEN_REGEX).
"""

from __future__ import annotations

import re

_STRING_TOKEN = re.compile(r"\$\{TfToken\[[a-zA-Z0-9:._-]+\]\}")


def is_token(value: str) -> bool:
    """True if `value` holds a cdktf string token (to be resolved at synth), like
    `Token.is_unresolved` for a string."""
    return _STRING_TOKEN.search(value) is not None
