/** Settings of the service's HTTP API (Fastify): where it listens and how large a body may be. */
import { z } from "zod";
import { integer, port, type SettingsOf } from "../settings/setting-types.ts";

export const httpSettings = {
  /** Address the HTTP API listens on. @defaultValue 127.0.0.1 */
  INTERNAL_BOT_API_IP: z.string().min(1).default("127.0.0.1"),
  /** Port of the HTTP API (0 picks a free one). @defaultValue 8010 */
  INTERNAL_BOT_API_PORT: port().default(8010),
  /** Largest accepted request body. @defaultValue 1 MiB */
  BODY_LIMIT_BYTES: integer(1024).default(1024 * 1024),
};

export type HttpSettings = SettingsOf<typeof httpSettings>;
