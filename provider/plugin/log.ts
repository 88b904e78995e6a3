/**
 * The plugin's log. stdout belongs to the go-plugin handshake line, so everything goes to stderr,
 * where Terraform shows it with TF_LOG=DEBUG (go-plugin reads hclog-style lines).
 */
export function log(message: string, level: "DEBUG" | "INFO" | "WARN" | "ERROR" = "DEBUG"): void {
  process.stderr.write(`[${level}] keyform: ${message}\n`);
}
