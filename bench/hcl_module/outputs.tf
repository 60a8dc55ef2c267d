output "ca_cert_pem" {
  value = tls_self_signed_cert.ca.cert_pem
}

output "services" {
  description = "Per service: certificate and serial (not secret)."
  value = {
    for name, cert in tls_locally_signed_cert.service : name => {
      cert_pem = cert.cert_pem
      serial   = cert.id
    }
  }
}

output "private_keys" {
  value     = { for name, key in tls_private_key.service : name => key.private_key_pem }
  sensitive = true
}
