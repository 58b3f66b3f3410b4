/**
 * For tests: a real local HTTP server playing the journal's REST backend. It records every POST
 * (headers, parsed body, arrival time, the status it got) and answers from a script (status,
 * headers, delay), then with the standing answer (201 unless set otherwise: a backend that is down).
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

export interface ScriptedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Hold the answer this long. */
  delayMs?: number;
}

export interface ReceivedPost {
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  receivedAt: number;
  /** The status it was answered with. */
  status: number;
}

export interface JournalBackendStandIn {
  url: string;
  received: ReceivedPost[];
  /** Answers for the next requests, in order; once used up, every request gets the standing answer. */
  script(...answers: ScriptedAnswer[]): void;
  /** The answer once the script is used up (a backend that is down: 503). @defaultValue 201 */
  answerAll(answer: ScriptedAnswer): void;
  waitForPosts(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startJournalBackendStandIn(): Promise<JournalBackendStandIn> {
  const received: ReceivedPost[] = [];
  const answers: ScriptedAnswer[] = [];
  let standing: ScriptedAnswer = { status: 201, body: "{}" };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const answer = answers.shift() ?? standing;
      received.push({ headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString() || "{}") as Record<string, unknown>, receivedAt: Date.now(), status: answer.status });
      const send = () => {
        if (response.destroyed) return;
        response.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
        response.end(answer.body ?? "{}");
      };
      if (answer.delayMs === undefined) send();
      else setTimeout(send, answer.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/updates/`,
    received,
    script: (...more) => answers.push(...more),
    answerAll: (answer) => {
      standing = answer;
    },
    async waitForPosts(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} journal POSTs, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
