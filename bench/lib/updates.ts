/**
 * The updates the load generators send. Each is unique (its own update_id, so dedup never drops
 * it) and its text carries the wall-clock time it was due to be sent: the bot's echo brings that
 * time back to the stand-in, which records when the reply arrived, so latency needs no lookup
 * table shared between processes.
 */

export interface LoadTarget {
  /** Path on the server under test (`/internal/update` or a baseline's per-bot route). */
  path: string;
  botName: string;
  headers: Record<string, string>;
  /** true: `{bot_name, update}` (this service, bare baselines); false: the bare update (webhook). */
  envelope: boolean;
}

export interface LoadPlan {
  baseUrl: string;
  targets: LoadTarget[];
  /** Updates go round the targets and over this many chats. */
  chats: number;
  /** First update_id; every update of the run has its own. */
  idBase: number;
}

const TIME_IN_TEXT = /\bt(\d+(?:\.\d+)?)$/;

/** Which target and chat the n-th update of a plan goes to (bots and chats spread evenly). */
export function pick(plan: LoadPlan, n: number): { target: LoadTarget; chatId: number } {
  const target = plan.targets[n % plan.targets.length] as LoadTarget;
  return { target, chatId: 1 + (n % plan.chats) };
}

export function updateBody(plan: LoadPlan, n: number, sentAtMs: number): { target: LoadTarget; body: string } {
  const { target, chatId } = pick(plan, n);
  const id = plan.idBase + n;
  const update = {
    update_id: id,
    message: {
      message_id: id,
      date: Math.floor(sentAtMs / 1000),
      chat: { id: chatId, type: "private" },
      from: { id: chatId, is_bot: false, first_name: "bench" },
      text: `m${id} t${sentAtMs.toFixed(3)}`,
    },
  };
  return { target, body: JSON.stringify(target.envelope ? { bot_name: target.botName, update } : update) };
}

/** The send time a reply's text carries, or undefined for a reply the load did not cause. */
export function sentAtOf(replyText: string): number | undefined {
  const match = TIME_IN_TEXT.exec(replyText);
  return match === null ? undefined : Number(match[1]);
}
