/**
 * Which partition of `telegram_updates` an update goes to. Every update with the same ordering key
 * (its chat, else its user) of the same bot lands in the same partition, which runs one job at a
 * time, so a chat's updates keep their order. Updates with no key spread by update_id. The hash is
 * stable across processes and machines (FNV-1a), unlike anything seeded per process.
 */

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function partitionOf(botName: string, orderingKey: string | undefined, updateId: number, partitions: number): number {
  const subject = orderingKey === undefined ? `${botName}\u0000#${updateId}` : `${botName}\u0000${orderingKey}`;
  return fnv1a(subject) % partitions;
}
