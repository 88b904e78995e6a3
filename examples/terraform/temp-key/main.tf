# Run-scoped credentials (Terraform 1.10 or later): a keyform temp key opened for this run only.
# Terraform creates it when the run needs it and the provider revokes it when the run ends; it is
# never written to state or plan files. Here it is the token of a second keyform provider that reads
# with the least privilege it needs (keys:read); the same value could configure any other provider.
#   export KEYFORM_TOKEN=...   # used by the first provider only, to open the temp key
#   terraform init && terraform apply

terraform {
  required_version = ">= 1.10"
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
  description = "keyform account."
  default     = "acme"
}

variable "key_name" {
  type        = string
  description = "Name of the key to look up with the run's temp key."
  default     = "app-backend"
}

provider "keyform" {
  endpoint = var.keyform_endpoint
  account  = var.account
}

# Valid for 5 minutes or 10 uses at most, revoked as soon as the run is done with it.
ephemeral "keyform_temp_key" "run" {
  name   = "terraform-run"
  scopes = ["keys:read"]
}

provider "keyform" {
  alias    = "run"
  endpoint = var.keyform_endpoint
  account  = var.account
  token    = ephemeral.keyform_temp_key.run.secret
}

data "keyform_api_key" "app" {
  provider = keyform.run
  name     = var.key_name
}

output "app_key_masked" {
  value = data.keyform_api_key.app.masked
}
