/**
 * The stand-in's HTTP server: survives clients that send garbage, maps a failed handler to an
 * answer, and closes at once, dropping keep-alive connections instead of waiting for them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { Socket } from "node:net";
import { answerRequestError } from "./request-errors.ts";

export class StandInHttpServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  /** With `tls` (PEM key and certificate) it serves HTTPS. */
  constructor(handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>, tls?: { key: string; cert: string }) {
    const listener = (req: IncomingMessage, res: ServerResponse): void => {
      handle(req, res).catch((error: unknown) => answerRequestError(res, error));
    };
    this.server = tls === undefined ? createServer(listener) : createTlsServer(tls, listener);
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    // A client that sends garbage must not take the server down; Node answers 400 and closes.
    this.server.on("clientError", (_error, socket) => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
      else socket.destroy();
    });
  }

  /** Listens on `port` (0: a free one) and returns the port. */
  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        resolve();
      });
    });
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("stand-in: server has no TCP address");
    return address.port;
  }

  /** Stops listening and drops every connection; resolves once the server is closed. */
  close(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.server.close((error) => (error === undefined ? resolve() : reject(error)));
      // server.close() alone waits for keep-alive sockets to time out; nobody needs them any more.
      for (const socket of this.sockets) socket.destroy();
      this.server.closeAllConnections();
    });
  }
}
