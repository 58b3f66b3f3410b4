/**
 * A part of a process with a lifecycle of its own around the processor: long polling (stops
 * taking updates from Telegram as soon as shutdown begins), the in-process journal (delivers what
 * is left after the updates drained). Every hook is optional; a feature that is off is not a
 * component at all.
 */
export interface HostComponent {
  /** Shown in logs. */
  readonly name: string;
  /** After the HTTP API listens and the processor started. */
  start?(): Promise<void>;
  /** Shutdown began: stop taking new updates (before accepted ones drain). */
  stopTaking?(): Promise<void>;
  /** After the updates drained (or the deadline passed), in reverse order of the components. */
  close?(): Promise<void>;
}
