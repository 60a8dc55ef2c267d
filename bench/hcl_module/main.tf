# The same work as a CaStack with ServiceCerts: one CA, and per service a key, a CSR and a
# certificate signed by that CA, with the same lifetimes and key usages.
locals {
  is_rsa      = var.key_algorithm == "RSA"
  leaf_uses   = local.is_rsa ? ["digital_signature", "key_encipherment", "server_auth"] : ["digital_signature", "server_auth"]
  ecdsa_curve = local.is_rsa ? null : var.ecdsa_curve
  rsa_bits    = local.is_rsa ? var.rsa_bits : null
  leaf_hours  = 397 * 24
  renew_hours = 30 * 24
}

resource "tls_private_key" "ca" {
  algorithm   = var.key_algorithm
  ecdsa_curve = local.ecdsa_curve
  rsa_bits    = local.rsa_bits
}

resource "tls_self_signed_cert" "ca" {
  private_key_pem = tls_private_key.ca.private_key_pem
  subject {
    country      = "GB"
    organization = "Bench Org"
    common_name  = "Bench CA"
  }
  validity_period_hours = 3650 * 24
  is_ca_certificate     = true
  set_subject_key_id    = true
  allowed_uses          = ["cert_signing", "crl_signing", "digital_signature"]
}

resource "tls_private_key" "service" {
  for_each    = var.services
  algorithm   = var.key_algorithm
  ecdsa_curve = local.ecdsa_curve
  rsa_bits    = local.rsa_bits
}

resource "tls_cert_request" "service" {
  for_each        = var.services
  private_key_pem = tls_private_key.service[each.key].private_key_pem
  subject {
    country      = "GB"
    organization = "Bench Org"
    common_name  = each.value.dns_names[0]
  }
  dns_names = sort(distinct(each.value.dns_names))
}

resource "tls_locally_signed_cert" "service" {
  for_each              = var.services
  cert_request_pem      = tls_cert_request.service[each.key].cert_request_pem
  ca_private_key_pem    = tls_private_key.ca.private_key_pem
  ca_cert_pem           = tls_self_signed_cert.ca.cert_pem
  validity_period_hours = local.leaf_hours
  early_renewal_hours   = local.renew_hours
  allowed_uses          = local.leaf_uses
}
