/**
 * A BullMQ processor whose errors reach Redis scrubbed. BullMQ keeps a failed job's error message
 * (`failedReason`), its stack (`stacktrace`) and writes the reason into the queue's events
 * stream: whatever a processor throws is scrubbed of every known secret first. BullMQ's own
 * control errors (waiting, delayed, rate limited) pass as they are: they carry no text of ours.
 */
import { DelayedError, RateLimitError, WaitingChildrenError, WaitingError, type Job } from "bullmq";

type JobProcessor = (job: Job, token?: string) => Promise<unknown>;

function isControlError(error: unknown): boolean {
  return error instanceof WaitingError || error instanceof DelayedError || error instanceof RateLimitError || error instanceof WaitingChildrenError;
}

export function withScrubbedErrors<P extends JobProcessor>(processor: P, scrub: (text: string) => string): P {
  const wrapped = async (job: Job, token?: string): Promise<unknown> => {
    try {
      return await processor(job, token);
    } catch (error) {
      if (error instanceof Error && !isControlError(error)) {
        // Mutated in place: the class (UnrecoverableError, UpdateFailedError) is what steers BullMQ.
        error.message = scrub(error.message);
        if (error.stack !== undefined) error.stack = scrub(error.stack);
      }
      throw error;
    }
  };
  return wrapped as P;
}
