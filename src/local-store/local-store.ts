/**
 * The embedded default's durable store: one LMDB environment in DATA_DIR holding the accepted
 * updates not yet handled, the duplicate claims, the sessions and the undelivered journal
 * records. LMDB was chosen by measurement (docs/durability.md): writes made in one turn of the
 * event loop commit together in one transaction, off the event loop, and its binaries ship in the
 * npm package. Opening checks the folder can be written and names DATA_DIR when it cannot.
 */
import { accessSync, constants, mkdirSync } from "node:fs";
import path from "node:path";
import { open, type Database, type RootDatabase } from "lmdb";
import { ConfigError } from "../errors/config-error.ts";
import { DataDirLock } from "./data-dir-lock.ts";
import type { LocalStoreSettings } from "./local-store-settings.ts";

/** The store's databases (LMDB "named databases" of one environment, so one transaction spans them). */
export interface LocalStoreDatabases {
  /** seq -> a pending update (PendingEntry). */
  pending: Database;
  /** [bot, update_id] -> the claim's expiry (epoch ms). */
  dedup: Database;
  /** [expiry, bot, update_id] -> true: claims in expiry order, for expiring them in batches. */
  dedupExpiry: Database;
  /** [bot, namespace, key] -> a stored value with its expiry. */
  kv: Database;
  /** seq -> an undelivered journal record. */
  journal: Database;
}

export class LocalStore {
  readonly dir: string;
  readonly dbs: LocalStoreDatabases;
  private readonly root: RootDatabase;
  private readonly lock: DataDirLock;
  private isClosed = false;

  private constructor(dir: string, root: RootDatabase, lock: DataDirLock) {
    this.dir = dir;
    this.root = root;
    this.lock = lock;
    this.dbs = {
      pending: root.openDB({ name: "pending" }),
      dedup: root.openDB({ name: "dedup" }),
      dedupExpiry: root.openDB({ name: "dedup-expiry" }),
      kv: root.openDB({ name: "kv" }),
      journal: root.openDB({ name: "journal" }),
    };
  }

  /** Opens (creating) the store in DATA_DIR; undefined with DURABILITY=memory. */
  static open(settings: LocalStoreSettings): LocalStore | undefined {
    if (settings.DURABILITY === "memory") return undefined;
    const dir = path.resolve(settings.DATA_DIR);
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
    } catch (error) {
      throw new ConfigError(`DATA_DIR=${JSON.stringify(settings.DATA_DIR)} cannot be written (${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}): point DATA_DIR at a folder this user may write, or set DURABILITY=memory to keep nothing on disk`);
    }
    const lock = DataDirLock.take(dir);
    const root = open({ path: path.join(dir, "store"), maxDbs: 8, noSync: settings.DURABILITY === "os", compression: false });
    return new LocalStore(dir, root, lock);
  }

  /** Resolves once every write issued so far is committed (and, with fsync, flushed). */
  flushed(): Promise<void> {
    return this.root.flushed.then(() => undefined);
  }

  /** True once close() began: a handler still running past the shutdown deadline can no longer write. */
  get closed(): boolean {
    return this.isClosed;
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.root.close();
    this.lock.release();
  }
}
