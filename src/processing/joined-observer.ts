/**
 * Several UpdateObservers as one (metrics and the admin page's activity both hear admission), so
 * the component that reports keeps its single `observer` option.
 */
import type { UpdateObserver } from "./update-observer.ts";

/** One observer telling each of `observers` in turn; undefined when none is given. */
export function joinObservers(...given: Array<UpdateObserver | undefined>): UpdateObserver | undefined {
  const observers = given.filter((o): o is UpdateObserver => o !== undefined);
  if (observers.length <= 1) return observers[0];
  return {
    admitted: (bot, result) => {
      for (const o of observers) o.admitted?.(bot, result);
    },
    refused: (code) => {
      for (const o of observers) o.refused?.(code);
    },
    started: (bot, waitMs) => {
      for (const o of observers) o.started?.(bot, waitMs);
    },
    handled: (bot, handlingMs) => {
      for (const o of observers) o.handled?.(bot, handlingMs);
    },
    retried: (bot) => {
      for (const o of observers) o.retried?.(bot);
    },
    settled: (bot, status, error) => {
      for (const o of observers) o.settled?.(bot, status, error);
    },
  };
}
