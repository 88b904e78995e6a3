import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { Duplex } from "node:stream";
import { AppError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";
import { problemBody } from "../errors/error.middleware";

/**
 * Requests Node's HTTP parser refuses before Express sees them (headers over the size limit, broken
 * request lines) would get a bare `400`/`431` with no body. Answer them as problem+json too.
 */
export function answerClientErrors(server: Server): void {
  server.on("clientError", (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === "ECONNRESET" || !socket.writable) {
      socket.destroy();
      return;
    }
    const appErr =
      err.code === "HPE_HEADER_OVERFLOW"
        ? new AppError(ErrorCode.HEADERS_TOO_LARGE, "The request line and headers are larger than this server accepts.")
        : new AppError(ErrorCode.VALIDATION_FAILED, "The request is not valid HTTP.", { errors: [{ field: "/", message: "is not valid HTTP" }] });
    const requestId = randomUUID();
    const body = JSON.stringify(problemBody(appErr, requestId));
    socket.end(
      `HTTP/1.1 ${appErr.status} ${appErr.status === 431 ? "Request Header Fields Too Large" : "Bad Request"}\r\n` +
        `content-type: application/problem+json\r\nx-request-id: ${requestId}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  });
}
