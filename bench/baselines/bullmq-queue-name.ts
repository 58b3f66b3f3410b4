/** The one queue both BullMQ baseline processes use. */
export const BASELINE_QUEUE = "bench-updates";
