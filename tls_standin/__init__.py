"""Offline, test-only stand-in for the hashicorp/tls 4.1.0 Terraform provider.

The Terraform registry cannot be reached from the machines this project is built and tested
on, so this package speaks Terraform plugin protocol 6 and serves the exact 4.1.0 schema,
well enough for `terraform init/plan/apply/destroy` to run offline. It is test and demo
infrastructure, NOT a production signing path: production runs use the real provider.

Entry points:
- `python -m tls_standin` runs the plugin server (Terraform launches it).
- `tls_standin.install.write_cli_config(dest_dir)` installs it into a filesystem mirror and
  returns a Terraform CLI config path for `TF_CLI_CONFIG_FILE`.
- `TLS_STANDIN_CLOCK_SHIFT_HOURS` (test-only) shifts the provider's clock.
"""

PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/tls"
PROVIDER_VERSION = "4.1.0"
