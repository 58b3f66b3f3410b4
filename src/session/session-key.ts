/**
 * Where a bot's sessions live in Redis: `<prefix>:session:{<bot>}:<chat id>`. The bot name is
 * encoded, so no name can produce another bot's prefix (`:`, `{` and `}` cannot appear in it raw).
 * The braces are a Redis Cluster hash tag: one bot's sessions share a slot (listing or clearing
 * them touches one node), while different bots spread over the cluster.
 */
export function sessionKeyPrefix(prefix: string, botName: string): string {
  return `${prefix}:session:{${encodeURIComponent(botName)}}:`;
}
