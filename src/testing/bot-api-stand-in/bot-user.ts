/**
 * The bot a token stands for. Telegram tokens are `<bot id>:<secret>`, so the id is public and
 * getMe and every sent Message can name the same bot without anyone configuring it.
 */

export function botUser(token: string): Record<string, unknown> {
  const id = botIdFromToken(token);
  return {
    id,
    is_bot: true,
    first_name: `Stand-in bot ${id}`,
    username: `stand_in_${id}_bot`,
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
  };
}

export function botIdFromToken(token: string): number {
  const colon = token.indexOf(":");
  const prefix = colon > 0 ? token.slice(0, colon) : "";
  if (/^\d+$/.test(prefix)) {
    const id = Number(prefix);
    if (Number.isSafeInteger(id) && id > 0) return id;
  }
  // FNV-1a: stable across runs and processes, which Math.random or a per-run counter would not be.
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(token, "utf8")) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) + 1;
}
