"""Running Terraform for a project: where it lives, the tools, the provider source, diagnostics."""
