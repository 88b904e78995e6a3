import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

/**
 * An HTTP listener on 127.0.0.1 that records every request it gets (to prove what a client sent, or
 * that it sent nothing) and answers with `respond` (default: 404 problem+json).
 */
export async function recorder(respond?: (req: Recorded, res: ServerResponse) => void) {
  const requests: Recorded[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const r: Recorded = { method: req.method ?? "", url: req.url ?? "", authorization: req.headers.authorization, body };
      requests.push(r);
      if (respond) return respond(r, res);
      res.writeHead(404, { "content-type": "application/problem+json" }).end(JSON.stringify({ code: "NOT_FOUND", detail: "recorder" }));
    });
  });
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise<void>((res) => server.close(() => res())) };
}
