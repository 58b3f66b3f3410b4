/**
 * Which updates a bot receives: Telegram's `allowed_updates`, shared by getUpdates and webhooks.
 * An empty list is Telegram's default, which leaves out a few update types bots must opt into.
 */

/** Update types Telegram sends only to bots that asked for them in allowed_updates. */
const OPT_IN_UPDATE_TYPES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

/** allowed_updates as sent (an array, or a JSON array in a urlencoded body); [] is Telegram's default. */
export function readAllowedUpdates(value: unknown): string[] {
  let list = value;
  if (typeof value === "string") {
    try {
      list = JSON.parse(value) as unknown;
    } catch {
      return [];
    }
  }
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === "string") : [];
}

export function updateAllowed(update: Record<string, unknown>, allowed: readonly string[]): boolean {
  const type = Object.keys(update).find((key) => key !== "update_id");
  if (type === undefined) return true;
  return allowed.length === 0 ? !OPT_IN_UPDATE_TYPES.has(type) : allowed.includes(type);
}
