/**
 * One service per DATA_DIR: a second process on the same store would hand the same pending
 * updates to two schedulers. The lock is a file created exclusively, holding the owner's pid; a
 * lock whose process is gone (a SIGKILL, a power cut) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../errors/config-error.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class DataDirLock {
  private constructor(private readonly file: string) {}

  static take(dir: string, settingName = "DATA_DIR"): DataDirLock {
    const file = path.join(dir, "service.lock");
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, "wx");
        writeSync(fd, String(process.pid));
        closeSync(fd);
        return new DataDirLock(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
        const owner = Number(readFileSync(file, "utf8").trim());
        if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
          throw new ConfigError(`${settingName}=${JSON.stringify(dir)} is in use by process ${owner}: every service needs a DATA_DIR of its own`);
        }
        // Left by a process that is gone: take it over.
        rmSync(file, { force: true });
      }
    }
    throw new ConfigError(`${settingName}=${JSON.stringify(dir)}: could not take its lock file ${file}`);
  }

  release(): void {
    rmSync(this.file, { force: true });
  }
}
