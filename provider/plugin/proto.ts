import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/**
 * The .proto files sit beside this module in the source tree. tsc does not copy them to dist/, so a
 * compiled module (dist/provider/plugin) looks for them in the source tree next to dist/.
 */
export function protoDir(): string {
  const candidates = [join(__dirname, "proto"), resolve(__dirname, "../../../provider/plugin/proto")];
  const dir = candidates.find((d) => existsSync(join(d, "tfplugin6.proto")));
  if (!dir) throw new Error(`tfplugin6.proto not found in ${candidates.join(" or ")}`);
  return dir;
}

const LOAD_OPTIONS: protoLoader.Options = { keepCase: true, longs: Number, enums: String, defaults: false, oneofs: true };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Pkg = any;

export interface PluginProtos {
  provider: grpc.ServiceClientConstructor;
  controller: grpc.ServiceClientConstructor;
  health: grpc.ServiceClientConstructor;
}

export function loadProtos(): PluginProtos {
  const dir = protoDir();
  const load = (file: string): Pkg => grpc.loadPackageDefinition(protoLoader.loadSync(join(dir, file), LOAD_OPTIONS));
  return {
    provider: load("tfplugin6.proto").tfplugin6.Provider,
    controller: load("go-plugin.proto").plugin.GRPCController,
    health: load("health.proto").grpc.health.v1.Health,
  };
}
