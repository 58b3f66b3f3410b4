/**
 * What a chaos run is judged by, counted at the Bot API stand-in: every update the load got a 200
 * for must have a reply (none lost), each chat's first replies must come in the order its
 * updates were taken, and replies sent more than once are counted (only what a killed process had
 * in flight may repeat).
 */
import type { AcceptedUpdate } from "../load/gateway-load.ts";

export interface ChaosVerdict {
  accepted: number;
  /** Accepted updates with no reply at all. */
  lost: number;
  /** Chats whose first replies came out of the order their updates were taken. */
  chatsOutOfOrder: number;
  /** Replies beyond the first for an update. */
  repeated: number;
  /** Updates replied to more than once. */
  updatesRepeated: number;
  /** A few lost labels, for the log. */
  lostExamples: string[];
}

const LABEL = /^(?:echo: )?c(\d+)-(\d+) t/;

/** `replies` in arrival order (the stand-in's sequence), each with its chat and text. */
export function judgeChaos(accepted: readonly AcceptedUpdate[], replies: ReadonlyArray<{ chatId: number | string; text: string }>): ChaosVerdict {
  const seen = new Map<string, number>();
  const firstOrder = new Map<number, number[]>();
  for (const reply of replies) {
    const match = LABEL.exec(reply.text);
    if (match === null) continue;
    const chat = Number(match[1]);
    const index = Number(match[2]);
    const label = `${chat}-${index}`;
    const count = (seen.get(label) ?? 0) + 1;
    seen.set(label, count);
    if (count === 1) {
      const order = firstOrder.get(chat) ?? [];
      order.push(index);
      firstOrder.set(chat, order);
    }
  }
  let lost = 0;
  const lostExamples: string[] = [];
  for (const update of accepted) {
    if (seen.has(`${update.chat}-${update.index}`)) continue;
    lost++;
    if (lostExamples.length < 10) lostExamples.push(`c${update.chat}-${update.index} (${update.bot}, update ${update.updateId})`);
  }
  let chatsOutOfOrder = 0;
  for (const order of firstOrder.values()) if (order.some((index, i) => i > 0 && index < (order[i - 1] ?? 0))) chatsOutOfOrder++;
  let repeated = 0;
  let updatesRepeated = 0;
  for (const count of seen.values()) {
    if (count > 1) {
      repeated += count - 1;
      updatesRepeated++;
    }
  }
  return { accepted: accepted.length, lost, chatsOutOfOrder, repeated, updatesRepeated, lostExamples };
}
