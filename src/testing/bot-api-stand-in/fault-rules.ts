/**
 * Injected faults: rules that decide how the next matching calls are answered instead of
 * normally.
 */
export type Fault =
  | { kind: "too-many-requests"; retryAfterSeconds: number }
  | { kind: "server-error"; status?: number }
  | { kind: "non-json"; status?: number }
  | { kind: "delay"; ms: number }
  | { kind: "drop-connection" }
  | { kind: "telegram-error"; errorCode: number; description: string; parameters?: Record<string, unknown> };

export interface FaultRule {
  token?: string;
  method?: string;
  chatId?: number | string;
  /** How many matching calls this rule answers; default 1, Infinity allowed. */
  times?: number;
  fault: Fault;
}
