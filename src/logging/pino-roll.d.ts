/** Types of pino-roll 4 (it ships none): its build function, as its README and source describe it. */
declare module "pino-roll" {
  import type { SonicBoom, SonicBoomOpts } from "sonic-boom";

  export interface PinoRollOptions extends Omit<SonicBoomOpts, "dest" | "fd"> {
    /** Base path: `<dir>/bots.log` writes `<dir>/bots[.<date>].<n>.log`. */
    file: string | (() => string);
    /** Roll once a file reaches this size: a number of MB, or a string with `b`, `k`, `m` or `g`. */
    size?: number | string;
    /** Also roll `daily`, `hourly` or every so many milliseconds. */
    frequency?: "daily" | "hourly" | number;
    /** date-fns format of the date in file names (with a frequency). */
    dateFormat?: string;
    extension?: string;
    /** Keep `<dir>/current.log` linked to the file being written. */
    symlink?: boolean;
    /** `count` files besides the current one; `removeOtherLogFiles`: count the files of earlier runs too. */
    limit?: { count: number; removeOtherLogFiles?: boolean };
  }

  /** A SonicBoom writing the current file; `file` is its path. */
  export interface RollingStream extends SonicBoom {
    readonly file: string;
  }

  export default function build(options: PinoRollOptions): Promise<RollingStream>;
}
