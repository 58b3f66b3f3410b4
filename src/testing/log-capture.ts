/** A pino destination that keeps every JSON line, parsed, for tests to assert on. */
import { Writable } from "node:stream";

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export class LogCapture extends Writable {
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    for (const text of chunk.toString().split("\n")) {
      if (text.trim() === "") continue;
      this.raw.push(text);
      this.lines.push(JSON.parse(text) as LogLine);
    }
    callback();
  }

  find(msg: string, where: Partial<Record<string, unknown>> = {}): LogLine[] {
    return this.lines.filter((line) => line.msg === msg && Object.entries(where).every(([k, v]) => line[k] === v));
  }

  text(): string {
    return this.raw.join("\n");
  }
}
