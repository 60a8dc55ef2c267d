"""Run the stand-in plugin server: `python -m tls_standin` (launched by Terraform)."""

from tls_standin.handshake import main

if __name__ == "__main__":
    main()
