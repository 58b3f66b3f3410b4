/**
 * Settings of the embedded default's local store: where it keeps accepted updates, duplicate
 * claims, sessions and undelivered journal records, and how hard it tries to keep them.
 */
import { z } from "zod";
import type { SettingsOf } from "../settings/setting-types.ts";

export const localStoreSettings = {
  /** Folder of the embedded default's durable store (created at start). @defaultValue ./data */
  DATA_DIR: z.string().min(1).default("./data"),
  /**
   * When `POST /internal/update` answers 200 in the embedded default: `fsync` once the update is on
   * disk (survives a killed process and a power cut), `os` once the OS holds it (survives a killed
   * process, not a power cut), `memory` once it is in memory (lost with the process, the old
   * behaviour; nothing is written to DATA_DIR). @defaultValue fsync
   */
  DURABILITY: z.enum(["fsync", "os", "memory"]).default("fsync"),
};

export type LocalStoreSettings = SettingsOf<typeof localStoreSettings>;
