/** Settings of admission: what a refused sender is told. */
import { integer, type SettingsOf } from "../settings/setting-types.ts";

export const admissionSettings = {
  /** `Retry-After` sent with 503 answers. @defaultValue 1 */
  RETRY_AFTER_SECONDS: integer(1, 3600).default(1),
};

export type AdmissionSettings = SettingsOf<typeof admissionSettings>;
