/**
 * One update's guard against retries stacked on the engine's. The engine's API retries
 * (api-retry.ts) are a bot's only ones: a call sent at most 1 + API_MAX_RETRIES times per update
 * attempt, whatever the bot's handlers install. A handler can install transformers only on its
 * update's `ctx.api` (a handler file never sees the Bot), and grammY runs the last installed
 * first, so such a transformer runs outside the engine's retries: `@grammyjs/auto-retry` there
 * would repeat each call they gave up on, multiplying the calls, and by default never stop.
 *
 * This transformer is installed on an update's `ctx.api` just before the first transformer a
 * handler installs there (api-plugin-guard.ts): outside the engine's transformers, inside every
 * transformer a handler adds. A call that came back failed from the engine's retries is final
 * for this update; when a transformer outside repeats it (the same payload object, or the same
 * method and payload), it is not sent again: Telegram's answer is thrown as the GrammyError grammY would have raised for it,
 * a network failure as ApiCallGivenUpError. Neither is an HttpError, the one error auto-retry
 * repeats, so the call ends there and the update's own retry policy takes over (a 429 runs the
 * update again after `retry_after`). An update whose calls all succeed keeps nothing.
 */
import { GrammyError, type Transformer } from "grammy";
import type { ApiError } from "grammy/types";
import { ApiCallGivenUpError } from "../errors/api-call-given-up-error.ts";

type FinalFailure = { kind: "answer"; answer: ApiError } | { kind: "thrown"; error: unknown };

export interface OuterRetryGuardOptions {
  /** Called with the method of each repeat that was not sent. */
  onRefused: (method: string) => void;
}

function contentKey(method: string, payload: unknown): string | undefined {
  try {
    return `${method}\0${JSON.stringify(payload)}`;
  } catch {
    // Not serialisable (a cycle, a BigInt): such a payload is recognised by identity only.
    return undefined;
  }
}

function refusal(method: string, payload: unknown, failure: FinalFailure): Error {
  if (failure.kind === "thrown") return new ApiCallGivenUpError(method, { cause: failure.error });
  const fields = typeof payload === "object" && payload !== null ? (payload as Record<string, unknown>) : {};
  return new GrammyError(`Call to '${method}' failed!`, failure.answer, method, fields);
}

/** The failures one update's calls ended with, by payload object and by content. */
class FinalFailures {
  private readonly byPayload = new WeakMap<object, FinalFailure>();
  private readonly byContent = new Map<string, FinalFailure>();

  add(method: string, payload: unknown, failure: FinalFailure): void {
    if (typeof payload === "object" && payload !== null) this.byPayload.set(payload, failure);
    const key = contentKey(method, payload);
    if (key !== undefined) this.byContent.set(key, failure);
  }

  find(method: string, payload: unknown): FinalFailure | undefined {
    const same = typeof payload === "object" && payload !== null ? this.byPayload.get(payload) : undefined;
    if (same !== undefined) return same;
    const key = contentKey(method, payload);
    return key === undefined ? undefined : this.byContent.get(key);
  }
}

/** A new guard for one update's `ctx.api`. */
export function outerRetryGuard(options: OuterRetryGuardOptions): Transformer {
  // Made on the first failure: most updates have none, and this runs for every update.
  let failures: FinalFailures | undefined;
  return async (prev, method, payload, signal) => {
    const earlier = failures?.find(method, payload);
    if (earlier !== undefined) {
      options.onRefused(method);
      throw refusal(method, payload, earlier);
    }
    try {
      const response = await prev(method, payload, signal);
      if (!response.ok) (failures ??= new FinalFailures()).add(method, payload, { kind: "answer", answer: response });
      return response;
    } catch (error) {
      (failures ??= new FinalFailures()).add(method, payload, { kind: "thrown", error });
      throw error;
    }
  };
}
