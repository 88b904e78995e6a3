#!/usr/bin/env node
import { log } from "./log";
import { HandshakeError, startPluginServer } from "./plugin-server";

/**
 * terraform-provider-keyform: started by Terraform (go-plugin), never by hand. Prints the handshake
 * line on stdout, then serves gRPC until Terraform calls Shutdown or closes stdin/kills the process.
 */
export async function main(): Promise<number> {
  let plugin;
  try {
    plugin = await startPluginServer(process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof HandshakeError ? err.message : (err as Error)?.stack ?? err}\n`);
    return 1;
  }
  // Nothing but the handshake line may reach stdout: go-plugin reads it as protocol.
  console.log = console.info = console.debug = (...args: unknown[]) => log(args.map(String).join(" "));
  process.stdout.write(`${plugin.handshakeLine}\n`);
  // go-plugin hosts forward Ctrl-C to the whole process group and then stop plugins themselves.
  process.on("SIGINT", () => log("interrupt received; waiting for Terraform to stop the provider"));
  process.on("SIGTERM", () => void plugin.stop());
  await plugin.done;
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${(err as Error)?.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
