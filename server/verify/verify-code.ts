/** Results of `POST /v1/verify`: answers, not errors (always HTTP 200). */
export enum VerifyCode {
  VALID = "VALID",
  MALFORMED = "MALFORMED",
  NOT_FOUND = "NOT_FOUND",
  EXPIRED = "EXPIRED",
  USAGE_EXCEEDED = "USAGE_EXCEEDED",
  INSUFFICIENT_SCOPES = "INSUFFICIENT_SCOPES",
}
