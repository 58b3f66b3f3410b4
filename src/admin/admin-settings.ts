/** Settings of the admin page (`/admin` on the service port): on only when ADMIN_TOKEN is set. */
import { z } from "zod";
import type { SettingsOf } from "../settings/setting-types.ts";

export const adminSettings = {
  /**
   * Turns on `/admin` (HTTP Basic: any user name, this as the password) and its JSON API
   * `/admin/api/...` (Bearer or Basic). A secret: scrubbed from the logs, never shown. At least 16
   * characters, so a guess is no shortcut. Unset: `/admin` answers 404 like any unknown route.
   * @defaultValue unset (no admin page)
   */
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
};

export type AdminSettings = SettingsOf<typeof adminSettings>;
