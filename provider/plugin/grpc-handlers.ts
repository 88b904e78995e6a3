import type * as grpc from "@grpc/grpc-js";
import { diagnosticsFrom } from "./diagnostics";
import { log } from "./log";
import type { KeyformProviderService } from "./provider.service";

/** Every RPC of tfplugin6.Provider that keyform serves (the rest answer UNIMPLEMENTED, which Terraform expects). */
export const RPCS = [
  "GetMetadata", "GetProviderSchema", "ValidateProviderConfig", "ValidateResourceConfig", "ValidateDataResourceConfig",
  "UpgradeResourceState", "ConfigureProvider", "ReadResource", "PlanResourceChange", "ApplyResourceChange",
  "ImportResourceState", "ReadDataSource", "ValidateEphemeralResourceConfig", "OpenEphemeralResource",
  "RenewEphemeralResource", "CloseEphemeralResource", "StopProvider",
] as const;

type Handler = (req: never) => unknown;

/** grpc-js unary handlers for every RPC; an exception becomes an error diagnostic, never a crash. */
export function grpcHandlers(service: KeyformProviderService): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const rpc of RPCS) {
    const fn = (service[rpc] as Handler).bind(service);
    impl[rpc] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const started = Date.now();
      Promise.resolve()
        .then(() => fn(call.request as never))
        .then(
          (res) => {
            log(`${rpc} ${Date.now() - started}ms`);
            callback(null, res);
          },
          (err: unknown) => {
            log(`${rpc} failed: ${(err as Error)?.stack ?? err}`);
            callback(null, rpc === "StopProvider" ? { Error: String((err as Error)?.message ?? err) } : { diagnostics: diagnosticsFrom(err, `${rpc} failed`) });
          },
        );
    };
  }
  return impl;
}
