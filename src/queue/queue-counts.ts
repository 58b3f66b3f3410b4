/** Jobs by state over a group of BullMQ queues: the partitions of `telegram_updates`, or `drf_save`. */
import type { Queue } from "bullmq";

export interface QueueCounts {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

export async function countsOf(name: string, queues: readonly Queue[]): Promise<QueueCounts> {
  const total: QueueCounts = { queue: name, waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 };
  for (const queue of queues) {
    const counts = await queue.getJobCounts("wait", "prioritized", "active", "delayed", "failed", "completed");
    total.waiting += (counts.wait ?? 0) + (counts.prioritized ?? 0);
    total.active += counts.active ?? 0;
    total.delayed += counts.delayed ?? 0;
    total.failed += counts.failed ?? 0;
    total.completed += counts.completed ?? 0;
  }
  return total;
}
