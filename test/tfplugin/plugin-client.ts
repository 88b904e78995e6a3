import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { decodeObject, encodeObject, isUnknown, type ObjectValue } from "../../provider/plugin/cty";
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from "../../provider/plugin/plugin-server";
import { loadProtos } from "../../provider/plugin/proto";
import { certPemFromHandshake, generateSelfSignedCert } from "../../provider/plugin/tls";

export const PLUGIN_MAIN_TS = resolve(__dirname, "../../provider/plugin/main.ts");

export interface Handshake {
  core: string;
  app: string;
  network: string;
  address: string;
  protocol: string;
  cert: string;
}

export function parseHandshake(line: string): Handshake {
  const [core, app, network, address, protocol, cert = ""] = line.trim().split("|");
  return { core, app, network, address, protocol, cert };
}

/** Starts the plugin from source the way Terraform starts a provider binary; resolves with its first stdout line. */
export function launchPlugin(env: Record<string, string | undefined>, timeoutMs = 20_000) {
  const child = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), PLUGIN_MAIN_TS], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const firstLine = new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no handshake within ${timeoutMs}ms; stderr:\n${stderr}`)), timeoutMs);
    const check = () => {
      const nl = stdout.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        res(stdout.slice(0, nl));
      }
    };
    child.stdout!.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      rej(new Error(`plugin exited with ${code} before the handshake; stderr:\n${stderr}`));
    });
  });
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  return { child, firstLine, exited, stdout: () => stdout, stderr: () => stderr };
}

/** A generated client's unary method, called with call options. */
type Unary = (req: unknown, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: any) => void) => void;

/** A stand-in for Terraform: client certificate, handshake, then typed RPC helpers. */
export class PluginClient {
  private constructor(
    readonly child: ChildProcess,
    readonly handshake: Handshake,
    private readonly provider: grpc.Client,
    private readonly controller: grpc.Client,
    readonly exited: Promise<number | null>,
    readonly stdout: () => string,
    readonly stderr: () => string,
  ) {}

  static async start(env: Record<string, string | undefined> = {}): Promise<PluginClient> {
    const clientCert = await generateSelfSignedCert();
    const launched = launchPlugin({
      [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE,
      PLUGIN_PROTOCOL_VERSIONS: "6",
      PLUGIN_CLIENT_CERT: clientCert.certPem,
      ...env,
    });
    const hs = parseHandshake(await launched.firstLine);
    const protos = loadProtos();
    const creds = grpc.credentials.createSsl(Buffer.from(certPemFromHandshake(hs.cert)), Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem));
    const opts = { "grpc.ssl_target_name_override": "localhost", "grpc.default_authority": "localhost" };
    const provider = new protos.provider(hs.address, creds, opts);
    const controller = new protos.controller(hs.address, creds, opts);
    return new PluginClient(launched.child, hs, provider, controller, launched.exited, launched.stdout, launched.stderr);
  }

  call<T = any>(rpc: string, req: unknown = {}, timeoutMs = 15_000): Promise<T> {
    const fn = (this.provider as unknown as Record<string, Unary>)[rpc];
    return new Promise((res, rej) =>
      fn.call(this.provider, req, { deadline: Date.now() + timeoutMs } as never, ((err: grpc.ServiceError | null, r: T) => (err ? rej(err) : res(r))) as never),
    );
  }

  shutdown(): Promise<void> {
    return new Promise((res, rej) =>
      (this.controller as unknown as Record<string, Unary>).Shutdown.call(this.controller, {}, {}, (err) => (err ? rej(err) : res())),
    );
  }

  close(): void {
    this.provider.close();
    this.controller.close();
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }
}

/** msgpack DynamicValue of an object, as Terraform sends it. */
export const dv = (value: ObjectValue | null, attrs: readonly string[]) => encodeObject(value, attrs);

export function fromDv(value: { msgpack?: Buffer } | undefined, attrs: readonly string[]): ObjectValue | null {
  const v = decodeObject(value, attrs);
  if (isUnknown(v)) throw new Error("wholly unknown value");
  return v;
}
