/**
 * The service's durable state in one SQLite database (better-sqlite3): the run's configuration, θ with
 * the outer Adam state and the task-selection RNG after the last closed round, the device registry
 * (hashed tokens), per-round summaries and the log of refused uploads. A round is committed in one
 * transaction, so killing the service at any moment loses at most the round that was open.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../util/errors.js';
import { fsProblem } from '../../util/fs-errors.js';
import type { RngState } from '../../util/rng.js';
import type { RoundSummary } from '../web/status.js';

export const STATE_FILE = 'state.db';
const SCHEMA_VERSION = 1;

export interface ModelState {
  /** Rounds closed so far; θ's version. */
  round: number;
  theta: Float32Array;
  adam: { step: number; m: Float32Array; v: Float32Array };
  taskRng: RngState;
}

export interface DeviceRecord {
  name: string;
  revoked: boolean;
  createdAt: string;
  lastSeen: string | null;
  selections: number;
  accepted: number;
  failures: number;
  consecutiveFailures: number;
  /** Not selected before this round (backoff after repeated failures). */
  backoffUntil: number;
  lastRound: number | null;
  lastOutcome: 'accepted' | 'rejected' | 'late' | 'missed' | null;
  lastReason: string | null;
  lastSampledMakespanMs: number | null;
  lastSamples: number | null;
  taskName: string | null;
}

/** A closed round as stored: the page's summary, with the selected devices by name. */
export interface RoundRecord extends Omit<RoundSummary, 'selected'> {
  selected: string[];
  metaGradNorm: number;
  closedAt: string;
}

export interface EventRecord {
  time: string;
  round: number | null;
  device: string | null;
  kind: string;
  reason: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS model (
  id INTEGER PRIMARY KEY CHECK (id = 1), round INTEGER NOT NULL, theta BLOB NOT NULL,
  adam_step INTEGER NOT NULL, adam_m BLOB NOT NULL, adam_v BLOB NOT NULL, task_rng TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS devices (
  name TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, revoked INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rounds (round INTEGER PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, round INTEGER, device TEXT,
  kind TEXT NOT NULL, reason TEXT NOT NULL);
`;

function blob(a: Float32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function floats(b: Buffer, where: string): Float32Array {
  if (b.length % 4 !== 0)
    throw new InputError(`${where}: a stored array has ${b.length} bytes, not a multiple of 4`);
  const out = new Float32Array(b.length / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** The model table's columns after `id`, in order. */
function modelRow(model: ModelState): [number, Buffer, number, Buffer, Buffer, string] {
  return [
    model.round,
    blob(model.theta),
    model.adam.step,
    blob(model.adam.m),
    blob(model.adam.v),
    JSON.stringify(model.taskRng),
  ];
}

interface DeviceRow {
  name: string;
  revoked: number;
  created_at: string;
  record: string;
}

function deviceOf(r: DeviceRow): DeviceRecord {
  return {
    ...freshDevice(r.name, r.created_at),
    ...(JSON.parse(r.record) as Partial<DeviceRecord>),
    revoked: r.revoked !== 0,
  };
}

function freshDevice(name: string, createdAt: string): DeviceRecord {
  return {
    name,
    revoked: false,
    createdAt,
    lastSeen: null,
    selections: 0,
    accepted: 0,
    failures: 0,
    consecutiveFailures: 0,
    backoffUntil: 0,
    lastRound: null,
    lastOutcome: null,
    lastReason: null,
    lastSampledMakespanMs: null,
    lastSamples: null,
    taskName: null,
  };
}

export class StateStore {
  private readonly db: Database.Database;
  readonly path: string;

  private constructor(db: Database.Database, path: string) {
    this.db = db;
    this.path = path;
  }

  /** Opens (creating when asked) the state folder's database; every failure is one line naming it. */
  static open(dir: string, { create = true }: { create?: boolean } = {}): StateStore {
    const path = join(dir, STATE_FILE);
    try {
      if (create) mkdirSync(dir, { recursive: true });
      const db = new Database(path, { fileMustExist: !create });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      db.exec(SCHEMA);
      const store = new StateStore(db, path);
      const version = store.getMeta('schema');
      if (version === undefined) store.setMeta('schema', String(SCHEMA_VERSION));
      else if (version !== String(SCHEMA_VERSION))
        throw new InputError(`${path}: state schema ${version}, this mrlco reads ${SCHEMA_VERSION}`);
      return store;
    } catch (err) {
      if (err instanceof InputError) throw err;
      // A file-system problem in words (a file where the folder goes, no permission), naming the path.
      const problem = fsProblem(err);
      const at = (err as { path?: unknown }).path;
      if (problem)
        throw InputError.inFile(
          typeof at === 'string' ? at : dir,
          `cannot hold the service state: ${problem}`,
        );
      throw InputError.inFile(path, `cannot open the service state: ${(err as Error).message}`);
    }
  }

  close(): void {
    this.db.close();
  }

  getMeta(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as
      { value: string } | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }

  loadModel(): ModelState | undefined {
    const row = this.db.prepare('SELECT * FROM model WHERE id = 1').get() as
      | { round: number; theta: Buffer; adam_step: number; adam_m: Buffer; adam_v: Buffer; task_rng: string }
      | undefined;
    if (!row) return undefined;
    return {
      round: row.round,
      theta: floats(row.theta, this.path),
      adam: { step: row.adam_step, m: floats(row.adam_m, this.path), v: floats(row.adam_v, this.path) },
      taskRng: JSON.parse(row.task_rng) as RngState,
    };
  }

  // --- devices ---

  addDevice(name: string, tokenHash: string): void {
    const now = new Date().toISOString();
    try {
      this.db
        .prepare('INSERT INTO devices (name, token_hash, revoked, created_at, record) VALUES (?, ?, 0, ?, ?)')
        .run(name, tokenHash, now, JSON.stringify(freshDevice(name, now)));
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
        throw InputError.inFile(
          this.path,
          `a device named ${name} exists already (revoke it or pick another name)`,
        );
      throw err;
    }
  }

  /** Marks a device revoked; returns false when there is no such device. */
  revokeDevice(name: string): boolean {
    return this.db.prepare('UPDATE devices SET revoked = 1 WHERE name = ?').run(name).changes > 0;
  }

  /**
   * Gives a device a new token hash and lifts its revocation (the old token stops working at once);
   * returns false when there is no such device. Its statistics are kept.
   */
  rotateDeviceToken(name: string, tokenHash: string): boolean {
    return (
      this.db.prepare('UPDATE devices SET token_hash = ?, revoked = 0 WHERE name = ?').run(tokenHash, name)
        .changes > 0
    );
  }

  /** The device a token hash belongs to (revoked ones included: the caller says why it refuses). */
  deviceByTokenHash(hash: string): { name: string; revoked: boolean } | undefined {
    const row = this.db.prepare('SELECT name, revoked FROM devices WHERE token_hash = ?').get(hash) as
      { name: string; revoked: number } | undefined;
    return row ? { name: row.name, revoked: row.revoked !== 0 } : undefined;
  }

  listDevices(): DeviceRecord[] {
    const rows = this.db
      .prepare('SELECT name, revoked, created_at, record FROM devices ORDER BY name')
      .all() as DeviceRow[];
    return rows.map(deviceOf);
  }

  /** One device's record, or undefined when there is no such device. */
  device(name: string): DeviceRecord | undefined {
    const row = this.db
      .prepare('SELECT name, revoked, created_at, record FROM devices WHERE name = ?')
      .get(name) as DeviceRow | undefined;
    return row ? deviceOf(row) : undefined;
  }

  // --- rounds ---

  listRounds(): RoundRecord[] {
    const rows = this.db.prepare('SELECT record FROM rounds ORDER BY round').all() as { record: string }[];
    return rows.map((r) => JSON.parse(r.record) as RoundRecord);
  }

  /** Closes a round durably: θ and optimiser state, the round's summary and the devices' records, at once. */
  commitRound(model: ModelState, round: RoundRecord, devices: readonly DeviceRecord[]): void {
    const saveModel = this.db.prepare(
      `INSERT INTO model (id, round, theta, adam_step, adam_m, adam_v, task_rng) VALUES (1, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET round = excluded.round, theta = excluded.theta, adam_step = excluded.adam_step,
       adam_m = excluded.adam_m, adam_v = excluded.adam_v, task_rng = excluded.task_rng`,
    );
    const saveRound = this.db.prepare('INSERT OR REPLACE INTO rounds (round, record) VALUES (?, ?)');
    // Revocation is owned by `serve token revoke`: only the statistics are written here.
    const saveDevice = this.db.prepare('UPDATE devices SET record = ? WHERE name = ?');
    this.db.transaction(() => {
      saveModel.run(...modelRow(model));
      saveRound.run(round.round, JSON.stringify(round));
      for (const d of devices) saveDevice.run(JSON.stringify({ ...d, revoked: undefined }), d.name);
    })();
  }

  /** The initial θ of a new run (round 0), written once. */
  initModel(model: ModelState): void {
    this.db
      .prepare(
        'INSERT INTO model (id, round, theta, adam_step, adam_m, adam_v, task_rng) VALUES (1, ?, ?, ?, ?, ?, ?)',
      )
      .run(...modelRow(model));
  }

  // --- events ---

  logEvent(e: EventRecord): void {
    this.db
      .prepare('INSERT INTO events (time, round, device, kind, reason) VALUES (?, ?, ?, ?, ?)')
      .run(e.time, e.round, e.device, e.kind, e.reason);
  }

  listEvents(limit = 100): EventRecord[] {
    return (
      this.db
        .prepare('SELECT time, round, device, kind, reason FROM events ORDER BY id DESC LIMIT ?')
        .all(limit) as EventRecord[]
    ).reverse();
  }
}
