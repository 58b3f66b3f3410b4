/**
 * What the stand-in's tests share. They run over real HTTP, through grammY itself where possible,
 * because the point of the stand-in is that grammY sees exactly what it would see from Telegram:
 * same success envelopes, same GrammyError/HttpError for each kind of failure, working keep-alive.
 */
import { performance } from "node:perf_hooks";
import { afterEach, beforeEach, expect } from "vitest";
import { Api, GrammyError } from "grammy";
import { startBotApiStandIn, type BotApiStandIn } from "./bot-api-stand-in.ts";

export const TOKEN_A = "111111:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
export const TOKEN_B = "222222:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

/** The rejection of a promise that must reject; fails the test when it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject, but it resolved");
}

export async function grammyError(promise: Promise<unknown>): Promise<GrammyError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(GrammyError);
  return error as GrammyError;
}

export async function elapsedMs(promise: Promise<unknown>): Promise<number> {
  const started = performance.now();
  await promise;
  return performance.now() - started;
}

/** A fresh stand-in for each test of the file (closed after it), and grammY's Api on it. */
export function standInPerTest(): { readonly standIn: BotApiStandIn; api: (token?: string) => Api } {
  let current: BotApiStandIn | undefined;
  beforeEach(async () => {
    current = await startBotApiStandIn();
  });
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  const each = {
    get standIn(): BotApiStandIn {
      if (current === undefined) throw new Error("the stand-in runs only inside a test");
      return current;
    },
    api: (token: string = TOKEN_A): Api => new Api(token, { apiRoot: each.standIn.apiRoot }),
  };
  return each;
}
