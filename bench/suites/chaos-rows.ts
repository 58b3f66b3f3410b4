/** The result rows of a chaos run's verdict, with the targets they are held to. */
import type { ChaosVerdict } from "../lib/chaos-check.ts";
import type { ResultRow } from "../lib/report.ts";
import { spreadOf } from "../lib/stats.ts";

export function chaosRows(scenario: string, verdict: ChaosVerdict): ResultRow[] {
  return [
    { scenario, metric: "accepted updates", unit: "count", ours: spreadOf([verdict.accepted]) },
    { scenario, metric: "accepted, never answered", unit: "count", ours: spreadOf([verdict.lost]), target: { text: "0", met: verdict.lost === 0 } },
    { scenario, metric: "chats out of order", unit: "count", ours: spreadOf([verdict.chatsOutOfOrder]), target: { text: "0", met: verdict.chatsOutOfOrder === 0 } },
    { scenario, metric: "replies sent twice (or more)", unit: "count", ours: spreadOf([verdict.repeated]) },
  ];
}
