"""Run the stand-in plugin server: `python -m tls_standin` (launched by Terraform).

Terraform ends its plugins over gRPC; a Terraform that is SIGKILLed cannot, and the plugin
would serve on (and keep its socket folder in TMPDIR) for ever. So the server also ends
when its parent does: Terraform's death is taken as Terraform's SIGTERM, which the server
answers by removing its socket folder and exiting.
"""

import os
import signal
import threading
import time

from tls_standin.handshake import main

PARENT_POLL_SECONDS = 0.5
"""How often the parent is checked; a plugin outliving a killed Terraform by this is harmless."""
_SERVING_WAIT_SECONDS = 10.0


def exit_with_parent(parent: int) -> None:
    """Wait until `parent` is gone (this process is re-parented), then stop the server.

    The launcher `exec`s this interpreter, so the parent is Terraform itself. SIGTERM goes
    to the main thread, which waits in the server loop; it is sent once the server has set
    its SIGTERM handler (it serves), so the socket folder is removed on the way out.
    """
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    deadline = time.monotonic() + _SERVING_WAIT_SECONDS
    while signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        if time.monotonic() > deadline:
            break
        time.sleep(PARENT_POLL_SECONDS / 10)
    main_thread = threading.main_thread().ident
    assert main_thread is not None
    signal.pthread_kill(main_thread, signal.SIGTERM)


if __name__ == "__main__":
    threading.Thread(target=exit_with_parent, args=(os.getppid(),), daemon=True).start()
    main()  # it removes its socket folder on every way out
