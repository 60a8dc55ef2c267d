"""In-process synth: run a project's main.py in this interpreter and time its phases.

`python -m bench.inproc RESULT_JSON` in a project folder. The import of cdktf and the
constructs (which starts the jsii kernel, a Node process) is timed apart from building the
constructs and `app.synth()`, because only the latter grows with the number of services.
"""

from __future__ import annotations

import json
import runpy
import sys
import time
from pathlib import Path
from typing import Any

from bench.measure import child_pids, peak_rss_mib


def synth_here(main_py: Path) -> dict[str, Any]:
    """Import the libraries, then run main.py; returns seconds per phase and peak RSS."""
    start = time.perf_counter()
    import cdktf  # noqa: F401

    import ca_constructs.service_cert  # noqa: F401
    import stacks.ca_stack  # noqa: F401

    imported = time.perf_counter()
    runpy.run_path(str(main_py), run_name="__main__")
    done = time.perf_counter()
    node_peaks = [peak_rss_mib(pid) for pid in child_pids()]
    return {
        "import_s": imported - start,
        "synth_s": done - imported,
        "python_peak_mib": peak_rss_mib(),
        "node_peak_mib": max(node_peaks, default=0.0),
    }


def main(argv: list[str]) -> int:
    result = synth_here(Path("main.py").resolve())
    Path(argv[0]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
