# keyform with plain Terraform: keyform/keyform is a real provider, so a key and whatever consumes
# its secret are planned and applied together. Install the provider first (offline, no registry):
#   keyform provider install        # or see README.md for dev_overrides
# The API token comes from the environment only: export KEYFORM_TOKEN=...

terraform {
  required_version = ">= 1.0"
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
  description = "keyform account whose keys this configuration manages."
  default     = "acme"
}

variable "ci_scopes" {
  type        = list(string)
  description = "Scopes of the CI deploy key."
  default     = ["alerts:send", "keys:read"]
}

provider "keyform" {
  endpoint = var.keyform_endpoint
  account  = var.account
}

# The key CI deploys with. Replaced by a new key (new id, new secret) once older than 30 days.
resource "keyform_api_key" "ci" {
  name         = "ci-deploy"
  expires_in   = "90d"
  scopes       = var.ci_scopes
  rotate_every = "30d"
}

# A second key, created after the first and named from it: a downstream keyform resource.
resource "keyform_api_key" "verifier" {
  name   = "${keyform_api_key.ci.name}-verifier"
  scopes = ["keys:verify"]
}

# The same key read back through the data source (what another configuration would do).
data "keyform_api_key" "ci" {
  id = keyform_api_key.ci.id
}

# The secret handed to a downstream consumer. In a real stack this is a CI secret, e.g.
#
#   resource "github_actions_secret" "keyform" {
#     repository      = "my-app"
#     secret_name     = "KEYFORM_API_KEY"
#     plaintext_value = keyform_api_key.ci.secret
#   }
#
# (integrations/github provider; not installed here, since these machines have no registry).
output "ci_secret" {
  value     = keyform_api_key.ci.secret
  sensitive = true
}

output "ci_key_id" {
  value = keyform_api_key.ci.id
}

output "ci_masked" {
  value = data.keyform_api_key.ci.masked
}

output "verifier_secret" {
  value     = keyform_api_key.verifier.secret
  sensitive = true
}
