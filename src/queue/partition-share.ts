/**
 * Which partitions of `telegram_updates` a worker watches, given the live workers: partition p
 * goes to the (p mod n)-th of the n workers sorted by id, so every worker that sees the same
 * members computes the same split, and each partition has exactly one watcher. The split is only
 * about cost (a partition watched by every worker costs each of them a wake-up per job); order
 * and single handling rest on the partition's global concurrency of 1, so two workers watching a
 * partition for a moment, while their views of the members differ, is harmless.
 */

/** The partitions `self` watches. `self` counts as live even if `members` lacks it. */
export function partitionShare(members: readonly string[], self: string, partitions: number): number[] {
  const live = [...new Set([...members, self])].sort();
  const index = live.indexOf(self);
  const share: number[] = [];
  for (let p = index; p < partitions; p += live.length) share.push(p);
  return share;
}
