/**
 * What lies under a failed Bot API call, for the log: the system error code (ECONNREFUSED,
 * ENOTFOUND, ETIMEDOUT, ...) and the host it was about, found by walking grammY's HttpError
 * (`.error`) and the `cause` chain down to Node's own error. A log line then says "Telegram
 * unreachable: ECONNREFUSED 127.0.0.1:9" instead of a bare "HttpError".
 */
export interface NetworkCause {
  code: string | undefined;
  host: string | undefined;
}

const SYSTEM_CODE = /^E[A-Z0-9_]+$/;

export function networkCause(error: unknown): NetworkCause {
  let code: string | undefined;
  let host: string | undefined;
  let timedOut = false;
  let current: unknown = error;
  for (let depth = 0; depth < 8 && typeof current === "object" && current !== null; depth++) {
    const node = current as { code?: unknown; hostname?: unknown; address?: unknown; port?: unknown; message?: unknown; error?: unknown; cause?: unknown };
    if (code === undefined && typeof node.code === "string" && SYSTEM_CODE.test(node.code)) code = node.code;
    if (host === undefined && typeof node.hostname === "string") host = node.hostname;
    if (host === undefined && typeof node.address === "string") host = typeof node.port === "number" ? `${node.address}:${node.port}` : node.address;
    if (typeof node.message === "string" && /timed out|aborted/i.test(node.message)) timedOut = true;
    current = node.error ?? node.cause;
  }
  return { code: code ?? (timedOut ? "ETIMEDOUT" : undefined), host };
}
