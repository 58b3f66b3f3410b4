/**
 * Injected faults: rules that decide how the next matching calls are answered instead of
 * normally, and tokens answered 401 Unauthorized whatever they call.
 */
import { normaliseChatId } from "./chat-id.ts";

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

interface PendingRule {
  rule: FaultRule;
  remaining: number;
}

export class FaultRules {
  /** In the order they were injected: the first rule that matches a call answers it. */
  private pending: PendingRule[] = [];
  private readonly rejectedTokens = new Set<string>();

  inject(rule: FaultRule): void {
    const times = rule.times ?? 1;
    if (!(times === Infinity || (Number.isInteger(times) && times >= 1))) {
      throw new RangeError(`stand-in fault rule: times must be a positive integer or Infinity, got ${times}`);
    }
    this.pending.push({ rule: { ...rule }, remaining: times });
  }

  rejectToken(token: string): void {
    this.rejectedTokens.add(token);
  }

  isRejected(token: string): boolean {
    return this.rejectedTokens.has(token);
  }

  /** The fault of the first rule matching the call, which uses up one of the rule's `times`. */
  take(call: { token: string; method: string; payload: Record<string, unknown> }): Fault | undefined {
    const chatId = normaliseChatId(call.payload["chat_id"]);
    const index = this.pending.findIndex(({ rule }) => {
      if (rule.token !== undefined && rule.token !== call.token) return false;
      if (rule.method !== undefined && rule.method !== call.method) return false;
      // String() on both sides: chat ids from urlencoded or multipart bodies arrive as strings.
      if (rule.chatId !== undefined && (chatId === undefined || String(rule.chatId) !== String(chatId))) {
        return false;
      }
      return true;
    });
    const pending = this.pending[index];
    if (pending === undefined) return undefined;
    pending.remaining -= 1;
    if (pending.remaining <= 0) this.pending.splice(index, 1);
    return pending.rule.fault;
  }

  /** Removes every rule and every rejected token. */
  clear(): void {
    this.pending = [];
    this.rejectedTokens.clear();
  }
}
