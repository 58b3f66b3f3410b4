/** What a bot keeps in `ctx.session`: any JSON-serializable values, per chat. */
export type SessionData = Record<string, unknown>;
