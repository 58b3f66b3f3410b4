/**
 * The queues both BullMQ baseline processes use. Bare: one queue. Ordered
 * (BENCH_BULLMQ_PARTITIONS=N > 0): N partition queues, a chat's updates always in the same one.
 */
import { partitionOf } from "../../src/queue/update-partition.ts";

export const BASELINE_QUEUE = "bench-updates";

/** 0 (bare) or the partition count of the ordered baseline. */
export function baselinePartitions(): number {
  const n = Number(process.env.BENCH_BULLMQ_PARTITIONS ?? "0");
  return Number.isInteger(n) && n > 0 ? n : 0;
}

export function baselineQueueNames(partitions: number): string[] {
  return partitions === 0 ? [BASELINE_QUEUE] : Array.from({ length: partitions }, (_, i) => `${BASELINE_QUEUE}.${i}`);
}

/** Index into baselineQueueNames of an update: by bot and chat when ordered. */
export function baselineQueueIndex(botName: string, update: unknown, partitions: number): number {
  if (partitions === 0) return 0;
  const u = update as { update_id?: number; message?: { chat?: { id?: number } } };
  const chat = u.message?.chat?.id;
  return partitionOf(botName, chat === undefined ? undefined : String(chat), u.update_id ?? 0, partitions);
}
