# The plain-Terraform baseline for bench/: the same provider and version as the CDKTF stacks.
terraform {
  required_providers {
    tls = {
      source  = "hashicorp/tls"
      version = "4.1.0"
    }
  }
}
