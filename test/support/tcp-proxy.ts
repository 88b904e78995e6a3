import net from "node:net";

export type ProxyMode = "up" | "refuse" | "blackhole";

/**
 * A TCP proxy on 127.0.0.1 that a test controls, to take "the database" away from keyform without
 * touching the shared MySQL server: `refuse` resets every open connection and every new one;
 * `blackhole` keeps connections open but lets no byte through (a hung or partitioned server).
 */
export class TcpProxy {
  private readonly server = net.createServer((client) => this.accept(client));
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket | null }>();
  mode: ProxyMode = "up";
  port = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const p = new TcpProxy(targetHost, targetPort);
    await new Promise<void>((res) => p.server.listen(0, "127.0.0.1", res));
    p.port = (p.server.address() as net.AddressInfo).port;
    return p;
  }

  get connections(): number {
    return this.pairs.size;
  }

  private accept(client: net.Socket): void {
    client.on("error", () => undefined);
    if (this.mode === "refuse") {
      client.resetAndDestroy();
      return;
    }
    const pair = { client, upstream: null as net.Socket | null };
    this.pairs.add(pair);
    client.on("close", () => {
      pair.upstream?.destroy();
      this.pairs.delete(pair);
    });
    if (this.mode === "blackhole") {
      client.pause();
      return;
    }
    const upstream = net.connect(this.targetPort, this.targetHost);
    pair.upstream = upstream;
    upstream.on("error", () => client.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Takes the database away: `refuse` (connections reset) or `blackhole` (silence). */
  cut(mode: Exclude<ProxyMode, "up"> = "refuse"): void {
    this.mode = mode;
    for (const pair of this.pairs) {
      if (mode === "refuse") {
        pair.client.resetAndDestroy();
        pair.upstream?.destroy();
      } else {
        pair.client.unpipe();
        pair.upstream?.unpipe();
        pair.client.pause();
        pair.upstream?.pause();
      }
    }
  }

  /** Brings the database back. Connections that were black-holed are out of sync: reset them. */
  restore(): void {
    if (this.mode === "blackhole") for (const pair of this.pairs) (pair.client.resetAndDestroy(), pair.upstream?.destroy());
    this.mode = "up";
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) (pair.client.destroy(), pair.upstream?.destroy());
    await new Promise((res) => this.server.close(res));
  }
}
