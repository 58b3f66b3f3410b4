/**
 * Everything one stand-in remembers, each part in its own named field, so the request handlers,
 * the control API and the in-process handle all work on the same state.
 */
import { CallLog } from "./recorded-calls.ts";
import { FaultRules } from "./fault-rules.ts";
import { FloodLimit } from "./flood-limit.ts";
import { MessageIds } from "./message-ids.ts";
import { SentMessages } from "./sent-messages.ts";
import { Shutdown } from "./shutdown.ts";
import type { BotApiStandInOptions } from "./stand-in-options.ts";
import { TokenStates } from "./token-state.ts";
import { WebhookDeliveries } from "./webhook-delivery.ts";

export class StandInState {
  /** Added to every Bot API answer. */
  readonly latencyMs: number;
  readonly shutdown = new Shutdown();
  readonly calls = new CallLog();
  readonly sent = new SentMessages();
  readonly faults = new FaultRules();
  readonly messageIds = new MessageIds();
  /** Undefined when no flood limit was asked for. */
  readonly floodLimit: FloodLimit | undefined;
  readonly tokens = new TokenStates();
  readonly deliveries = new WebhookDeliveries(this.shutdown);

  constructor(options: BotApiStandInOptions) {
    this.latencyMs = Math.max(0, options.latencyMs ?? 0);
    this.floodLimit = options.floodLimitPerChatPerSecond === undefined ? undefined : new FloodLimit(options.floodLimitPerChatPerSecond);
  }

  /** Forgets calls, sent messages, fault rules, rejected tokens, message ids, updates, webhooks and deliveries. */
  reset(): void {
    this.calls.reset();
    this.sent.reset();
    this.faults.clear();
    this.messageIds.reset();
    this.tokens.reset();
    this.deliveries.reset();
    this.floodLimit?.reset();
  }
}
