variable "services" {
  description = "One entry per service: its DNS names (the first one is the common name)."
  type = map(object({
    dns_names = list(string)
  }))
}

variable "key_algorithm" {
  description = "RSA or ECDSA, for the CA and every service (the same key types as the CDKTF app)."
  type        = string
  default     = "ECDSA"
}

variable "ecdsa_curve" {
  type    = string
  default = "P256"
}

variable "rsa_bits" {
  type    = number
  default = 4096
}
