import * as grpc from "@grpc/grpc-js";
import { log } from "./log";
import { loadProtos } from "./proto";
import { grpcHandlers } from "./grpc-handlers";
import { KeyformProviderService } from "./provider.service";
import { generateSelfSignedCert, handshakeCertField } from "./tls";

/** go-plugin's handshake settings that Terraform uses for providers. */
export const MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE";
export const MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
export const CORE_PROTOCOL_VERSION = 1;
export const APP_PROTOCOL_VERSION = 6;

export class HandshakeError extends Error {}

export interface RunningPlugin {
  /** The line for stdout: `1|6|tcp|127.0.0.1:PORT|grpc|<cert>`. */
  handshakeLine: string;
  port: number;
  /** Resolves once Terraform asked for shutdown (or `stop` was called). */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** Checks what Terraform puts in the environment before it talks to a plugin. */
export function checkHandshakeEnv(env: NodeJS.ProcessEnv): void {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    throw new HandshakeError(
      "This binary is a plugin. These are not meant to be executed directly.\n" +
        "Please execute the program that consumes these plugins, which will load any plugins automatically.",
    );
  }
  const offered = (env.PLUGIN_PROTOCOL_VERSIONS ?? "").split(",").map((v) => v.trim());
  if (!offered.includes(String(APP_PROTOCOL_VERSION))) {
    throw new HandshakeError(`Terraform offers plugin protocol versions [${offered.join(", ")}]; terraform-provider-keyform speaks ${APP_PROTOCOL_VERSION} (Terraform 1.0 or newer).`);
  }
}

/**
 * Starts the gRPC server on 127.0.0.1 with AutoMTLS: a fresh self-signed certificate, trusting only
 * the client certificate Terraform passed in PLUGIN_CLIENT_CERT (plaintext with TF_DISABLE_PLUGIN_TLS).
 */
export async function startPluginServer(env: NodeJS.ProcessEnv = process.env): Promise<RunningPlugin> {
  checkHandshakeEnv(env);
  const protos = loadProtos();
  let credentials: grpc.ServerCredentials;
  let certField = "";
  if (env.TF_DISABLE_PLUGIN_TLS === "1" || env.TF_DISABLE_PLUGIN_TLS === "true") {
    credentials = grpc.ServerCredentials.createInsecure();
  } else {
    if (!env.PLUGIN_CLIENT_CERT) throw new HandshakeError("PLUGIN_CLIENT_CERT is not set: Terraform passes its client certificate there (AutoMTLS).");
    const cert = await generateSelfSignedCert();
    credentials = grpc.ServerCredentials.createSsl(Buffer.from(env.PLUGIN_CLIENT_CERT), [{ private_key: Buffer.from(cert.keyPem), cert_chain: Buffer.from(cert.certPem) }], true);
    certField = handshakeCertField(cert.der);
  }

  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const server = new grpc.Server({ "grpc.max_receive_message_length": 256 << 20, "grpc.max_send_message_length": 256 << 20 });
  const stop = async () => {
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    finish();
  };

  const provider = new KeyformProviderService(() => log("StopProvider: requests in flight aborted"));
  server.addService(protos.provider.service, grpcHandlers(provider));
  server.addService(protos.controller.service, {
    Shutdown: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
      log("Shutdown requested");
      callback(null, {});
      setImmediate(() => void stop());
    },
  });
  server.addService(protos.health.service, {
    Check: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => callback(null, { status: "SERVING" }),
  });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    handshakeLine: `${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|tcp|127.0.0.1:${port}|grpc|${certField}`,
    port,
    done,
    stop,
  };
}
