/**
 * The `fetch` every bot's grammY client uses to reach the Bot API: a lean one over `node:http` /
 * `node:https`, in place of grammY's default node-fetch. A Bot API call needs little of fetch:
 * a POST with a JSON string (or a multipart stream for uploads), a keep-alive agent, an abort
 * signal, and the answer's JSON. node-fetch builds a WHATWG Request, Headers, a Body stream and
 * a Response for each call; under load that was the largest single package in the service's
 * profile (docs/performance.md). Behaviour grammY relies on is kept: a network error or an
 * abort rejects the call, an answer that is not JSON rejects `json()` (grammY reports both as
 * HttpError, which the API-retry transformer backs off), any status is answered with its body.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import type { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import { BotApiFetchError } from "../errors/bot-api-fetch-error.ts";

/** What grammY's client passes (`createJsonPayload` / `createFormDataPayload` and `baseFetchConfig`). */
export interface BotApiFetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Readable;
  signal?: AbortSignalLike | null;
  agent?: HttpAgent | HttpsAgent;
}

/** grammY hands over its own AbortSignal (a polyfill on Node): only these members are used. */
interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

export interface BotApiResponse {
  readonly ok: boolean;
  readonly status: number;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

const defaultHttpAgent = new HttpAgent({ keepAlive: true });
const defaultHttpsAgent = new HttpsAgent({ keepAlive: true });

function decoded(response: IncomingMessage): Readable {
  switch (response.headers["content-encoding"]) {
    case "gzip":
    case "x-gzip":
      return response.pipe(createGunzip());
    case "deflate":
      return response.pipe(createInflate());
    case "br":
      return response.pipe(createBrotliDecompress());
    default:
      return response;
  }
}

function readBody(response: IncomingMessage, done: () => void): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const stream = decoded(response);
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.once("end", () => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8"));
    });
    stream.once("error", (error: Error) => {
      done();
      reject(error instanceof BotApiFetchError ? error : new BotApiFetchError(`reading the answer failed: ${error.message}`, { cause: error }));
    });
    response.once("aborted", () => {
      done();
      // Ended by our abort (the response holds that error), or by the server.
      const cause = response.errored;
      reject(cause instanceof BotApiFetchError ? cause : new BotApiFetchError("the answer was cut off"));
    });
  });
}

/** `done`: the answer is read (or failed), so an abort no longer concerns it. */
function responseOf(response: IncomingMessage, done: () => void): BotApiResponse {
  const status = response.statusCode ?? 0;
  let body: Promise<string> | undefined;
  const text = () => (body ??= readBody(response, done));
  return {
    ok: status >= 200 && status < 300,
    status,
    text,
    async json() {
      const raw = await text();
      try {
        return JSON.parse(raw) as unknown;
      } catch (error) {
        throw new BotApiFetchError(`the answer (HTTP ${status}) is not JSON`, { cause: error });
      }
    },
  };
}

/** The fetch to give grammY (`client.fetch`). */
export function botApiFetch(url: string, init: BotApiFetchInit = {}): Promise<BotApiResponse> {
  return new Promise<BotApiResponse>((resolve, reject) => {
    const { signal, body } = init;
    if (signal?.aborted === true) {
      reject(new BotApiFetchError("the request was aborted"));
      return;
    }
    const secure = url.startsWith("https:");
    const headers: Record<string, string | number> = { ...init.headers };
    if (typeof body === "string") headers["content-length"] = Buffer.byteLength(body);
    const options: RequestOptions = { method: init.method ?? "GET", headers, agent: init.agent ?? (secure ? defaultHttpsAgent : defaultHttpAgent) };
    let settled = false;
    let answer: IncomingMessage | undefined;
    // An abort (grammY's timeout) also ends an answer whose body is still coming.
    const onAbort = () => {
      const error = new BotApiFetchError("the request was aborted");
      request.destroy(error);
      answer?.destroy(error);
    };
    const stopListening = () => signal?.removeEventListener("abort", onAbort);
    const request = (secure ? httpsRequest : httpRequest)(url, options, (response) => {
      settled = true;
      answer = response;
      resolve(responseOf(response, stopListening));
    });
    request.once("error", (error: Error) => {
      if (settled) return;
      stopListening();
      settled = true;
      reject(error instanceof BotApiFetchError ? error : new BotApiFetchError(`request to the Bot API failed: ${error.message}`, { cause: error }));
    });
    signal?.addEventListener("abort", onAbort);
    if (body === undefined || typeof body === "string") {
      request.end(body);
    } else {
      body.once("error", (error: Error) => request.destroy(new BotApiFetchError(`the upload stream failed: ${error.message}`, { cause: error })));
      body.pipe(request);
    }
  });
}

/**
 * `botApiFetch` for grammY's `client.fetch` option, which grammY types as node-fetch's fetch: it
 * takes what grammY passes (see BotApiFetchInit) and answers what grammY reads.
 */
export const grammyClientFetch = botApiFetch as unknown as typeof globalThis.fetch;
