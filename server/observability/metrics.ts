import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Prometheus metrics of one app instance (its own registry, so tests can build many apps). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<"method" | "route" | "status">;
  readonly latency: Histogram<"method" | "route" | "status">;
  readonly verifications: Counter<"code">;
  readonly plans: Counter<"outcome">;
  readonly plansInProgress: Gauge;
  readonly applies: Counter<"outcome">;
  readonly activeKeys: Gauge<"type">;

  constructor(activeKeysByType: () => Promise<Record<string, number>>) {
    collectDefaultMetrics({ register: this.registry, prefix: "keyform_process_" });
    this.requests = new Counter({ name: "keyform_http_requests_total", help: "HTTP requests by route and status.", labelNames: ["method", "route", "status"], registers: [this.registry] });
    this.latency = new Histogram({
      name: "keyform_http_request_duration_seconds", help: "HTTP request latency by route and status.", labelNames: ["method", "route", "status"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry],
    });
    this.verifications = new Counter({ name: "keyform_verifications_total", help: "Key verifications by result code.", labelNames: ["code"], registers: [this.registry] });
    this.plans = new Counter({ name: "keyform_plans_total", help: "Plans by outcome.", labelNames: ["outcome"], registers: [this.registry] });
    this.plansInProgress = new Gauge({ name: "keyform_plans_in_progress", help: "Plan requests being evaluated on this replica.", registers: [this.registry] });
    this.applies = new Counter({ name: "keyform_applies_total", help: "Applies by outcome.", labelNames: ["outcome"], registers: [this.registry] });
    this.activeKeys = new Gauge({
      name: "keyform_active_keys", help: "Active keys by type.", labelNames: ["type"], registers: [this.registry],
      async collect() {
        const counts = await activeKeysByType();
        for (const type of ["live", "temp", "legacy"]) this.set({ type }, counts[type] ?? 0);
      },
    });
  }
}
