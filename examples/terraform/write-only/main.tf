# Secrets that never rest in Terraform state (Terraform 1.11 or later):
#   ephemeral keyform_secret  →  keyform_api_key.secret_wo  and  the consumer's own write-only argument.
# The provider generates the secret in this run; Terraform hands it to both resources in the same apply
# and writes it to neither terraform.tfstate nor a saved plan. Bump secret_version to rotate: both sides
# receive the new secret in one apply, and the old one keeps working for rotation_overlap.
#   keyform provider install && export KEYFORM_TOKEN=...
#   terraform init && terraform apply

terraform {
  required_version = ">= 1.11"
  required_providers {
    keyform = {
      source  = "keyform/keyform"
      version = "0.1.0"
    }
  }
}

variable "keyform_endpoint" {
  type        = string
  description = "Base URL of the keyform server."
  default     = "http://127.0.0.1:8080"
}

variable "account" {
  type        = string
  description = "keyform account of the key."
  default     = "acme"
}

variable "secret_version" {
  type        = number
  description = "Change it to rotate: the key and its consumer both get a new secret in the same apply."
  default     = 1
}

variable "rotation_overlap" {
  type        = string
  description = "How long the previous secret keeps working after a rotation (at most 24h)."
  default     = "1h"
}

variable "consumer_file" {
  type        = string
  description = "Where the stand-in consumer below writes the secret (mode 0600)."
  default     = "app-backend.env"
}

provider "keyform" {
  endpoint = var.keyform_endpoint
  account  = var.account
}

# 1. A fresh keyform secret (brand, type, random part, checksum), made by the provider in every run.
ephemeral "keyform_secret" "app" {}

# 2. The key takes it write-only: `secret` stays null in state and plan.
resource "keyform_api_key" "app" {
  name              = "app-backend"
  scopes            = ["alerts:send"]
  secret_wo         = ephemeral.keyform_secret.app.value
  secret_wo_version = var.secret_version
  rotation_overlap  = var.rotation_overlap
}

# 3. The consumer takes the same value through its own write-only argument, versioned alike:
#
#   resource "aws_secretsmanager_secret_version" "app" {          # hashicorp/aws
#     secret_id                = aws_secretsmanager_secret.app.id
#     secret_string_wo         = ephemeral.keyform_secret.app.value
#     secret_string_wo_version = var.secret_version
#   }
#
#   resource "kubernetes_secret_v1" "app" {                       # hashicorp/kubernetes
#     metadata { name = "app-backend" }
#     data_wo          = { KEYFORM_API_KEY = ephemeral.keyform_secret.app.value }
#     data_wo_revision = var.secret_version
#   }
#
# These machines reach no registry, so a provisioner stands in for such a consumer: provisioners may
# receive ephemeral values, and Terraform suppresses their output. It runs again whenever the version
# (or the key) changes, exactly when keyform_api_key.app takes a new secret.
resource "terraform_data" "consumer" {
  triggers_replace = [var.secret_version, keyform_api_key.app.id]

  provisioner "local-exec" {
    command = "umask 077 && printf 'KEYFORM_API_KEY=%s\\n' \"$KEYFORM_API_KEY\" > \"$TARGET\""
    environment = {
      KEYFORM_API_KEY = ephemeral.keyform_secret.app.value
      TARGET          = var.consumer_file
    }
  }
}

output "app_key_id" {
  value = keyform_api_key.app.id
}

output "app_key_masked" {
  value = keyform_api_key.app.masked
}
