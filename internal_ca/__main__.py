"""`python -m internal_ca` is the same as the `internal-ca` script."""

import sys

from internal_ca.cli import main

sys.exit(main())
