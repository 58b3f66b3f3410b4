/**
 * A TCP proxy in front of a real Redis that makes Redis slow for a moment: from the first command
 * after a connection's ready check (ioredis's INFO), Redis's answers are held back for `stallMs`,
 * then delivered in order. For tests of what a client does when Redis answers late.
 */
import { connect, createServer, type Server, type Socket } from "node:net";

/** ioredis's ready check, the first command on each connection. */
const READY_CHECK = "*1\r\n$4\r\ninfo\r\n";

/** Forwards to Redis; from the first command after a connection's ready check, Redis's answers wait stallMs. */
export function stallingProxy(target: URL, stallMs: number): { server: Server; stalledConnections: () => number } {
  let stalled = 0;
  const server = createServer((client: Socket) => {
    const redis = connect(Number(target.port), target.hostname);
    let sawReadyCheck = false;
    let stallDone = false;
    let holding = false;
    const held: Buffer[] = [];
    client.on("data", (chunk: Buffer) => {
      if (!sawReadyCheck) sawReadyCheck = chunk.toString("latin1").toLowerCase().includes(READY_CHECK);
      else if (!stallDone) {
        stallDone = true;
        holding = true;
        stalled += 1;
        setTimeout(() => {
          holding = false;
          for (const data of held.splice(0)) client.write(data);
        }, stallMs);
      }
      redis.write(chunk);
    });
    redis.on("data", (chunk: Buffer) => {
      if (holding) held.push(chunk);
      else client.write(chunk);
    });
    const end = () => {
      client.destroy();
      redis.destroy();
    };
    client.on("error", end).on("close", end);
    redis.on("error", end).on("close", end);
  });
  return { server, stalledConnections: () => stalled };
}

