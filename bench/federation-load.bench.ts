/**
 * `npm run bench:federation`: the load benchmark of the federated service (not a test). `mrlco serve`
 * runs as a child process, so that its CPU time and memory can be read on their own from /proc; N
 * devices run as worker threads of this process, each calling runDevice on a few DAGs of its own. After
 * the service exits, the per-round records of its state (wall time, bytes in and out, outcomes) are
 * printed with the service's CPU seconds and RSS per round, and their medians.
 *
 * Options: --devices N (50) --rounds R (5) --hidden H (16) --meta-batch n (N: full participation)
 * --dags D (DAGs per device, 4) --trajectories k (2) --dags-per-batch b (4) --deadline s (120)
 * --timeout s (whole run, 600) --data DIR (the reference datasets) --out FILE (JSON) --keep (the temp folder).
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { naturalCompare, readDataset } from '../src/dag/io.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { getBackend } from '../src/nn/select-backend.js';
import { runDevice } from '../src/services/federation/device.js';
import { StateStore, type RoundRecord } from '../src/services/federation/state-store.js';
import { hashToken, newToken } from '../src/services/federation/tokens.js';

interface DeviceJob {
  name: string;
  token: string;
  dataDir: string;
  port: number;
}

type FromDevice =
  | { kind: 'log'; device: string; t: number; line: string }
  | { kind: 'done'; device: string; rounds: number; accepted: number; refused: number }
  | { kind: 'error'; device: string; message: string };

// --- the device side: one worker thread per device ---

async function deviceWorker(job: DeviceJob): Promise<void> {
  const port = parentPort!;
  const post = (m: FromDevice): void => port.postMessage(m);
  try {
    const ds = readDataset(job.dataDir);
    const summary = await runDevice({
      be: getBackend(),
      endpoint: { host: '127.0.0.1', port: job.port, tls: false },
      token: job.token,
      task: { name: ds.name, dags: ds.dags, system: DEFAULT_SYSTEM, profile: 'reference' },
      // A service that is gone for good should not keep the bench waiting for the default 10 minutes.
      giveUpMs: 15_000,
      log: (line) => post({ kind: 'log', device: job.name, t: Date.now(), line }),
    });
    post({ kind: 'done', device: job.name, ...summary });
  } catch (err) {
    post({ kind: 'error', device: job.name, message: (err as Error).message });
  }
}

// --- the bench ---

interface Options {
  devices: number;
  rounds: number;
  hidden: number;
  metaBatch: number;
  dags: number;
  trajectories: number;
  dagsPerBatch: number;
  deadline: number;
  timeout: number;
  data: string;
  out: string | undefined;
  keep: boolean;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cliPath = join(repoRoot, 'bin', 'mrlco.js');

function parseOptions(argv: string[]): Options {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const int = (flag: string, dflt: number): number => {
    const v = value(flag);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer, got ${v}`);
    return n;
  };
  const devices = int('--devices', 50);
  return {
    devices,
    rounds: int('--rounds', 5),
    hidden: int('--hidden', 16),
    metaBatch: Math.min(int('--meta-batch', devices), devices),
    dags: int('--dags', 4),
    trajectories: int('--trajectories', 2),
    dagsPerBatch: int('--dags-per-batch', 4),
    deadline: int('--deadline', 120),
    timeout: int('--timeout', 600),
    data: value('--data') ?? join(repoRoot, '..', 'shared', 'data', 'reference'),
    out: value('--out'),
    keep: argv.includes('--keep'),
  };
}

/** The reference sets the devices draw from, cycled so that neighbouring devices get different DAG sizes. */
function deviceSets(data: string): string[] {
  const sets: string[] = [];
  const n = join(data, 'meta_offloading_n');
  for (const s of readdirSync(n).sort(naturalCompare)) sets.push(join(n, s));
  const m = join(data, 'meta_offloading_20');
  for (const s of readdirSync(m).sort(naturalCompare)) sets.push(join(m, s));
  return sets;
}

function copyDags(from: string, to: string, first: number, count: number): void {
  const files = readdirSync(from)
    .filter((f) => f.endsWith('.gv'))
    .sort(naturalCompare);
  if (first + count > files.length)
    throw new Error(`${from}: ${files.length} DAGs, the bench needs ${first + count}`);
  mkdirSync(to, { recursive: true });
  for (const f of files.slice(first, first + count)) copyFileSync(join(from, f), join(to, f));
}

interface ProcSample {
  t: number;
  cpuS: number;
  rssKb: number;
  hwmKb: number;
  /** Bytes through read()/write() syscalls (sockets, the SQLite files, the log pipe). */
  rchar: number;
  wchar: number;
}

const clockTicks = ((): number => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : 100;
})();

function sampleProc(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(f[11]) + Number(f[12])) / clockTicks;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const statusKb = (key: string): number =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const num = (key: string): number => Number(new RegExp(`^${key}: (\\d+)`, 'm').exec(io)?.[1] ?? 0);
    return {
      t: Date.now(),
      cpuS,
      rssKb: statusKb('VmRSS'),
      hwmKb: statusKb('VmHWM'),
      rchar: num('rchar'),
      wchar: num('wchar'),
    };
  } catch {
    return undefined; // the process is gone
  }
}

/** A sampled quantity at time t, linear between the samples around it. */
function at(samples: readonly ProcSample[], t: number, key: 'cpuS' | 'rchar' | 'wchar'): number {
  if (samples.length === 0) return 0;
  if (t <= samples[0].t) return samples[0][key];
  for (let i = 1; i < samples.length; i++) {
    const b = samples[i];
    if (b.t >= t) {
      const a = samples[i - 1];
      return b.t === a.t ? b[key] : a[key] + ((b[key] - a[key]) * (t - a.t)) / (b.t - a.t);
    }
  }
  return samples[samples.length - 1][key];
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  return cells.map((r) => r.map((v, c) => v.padStart(widths[c])).join('  ')).join('\n');
}

const kb = (bytes: number): string => (bytes / 1024).toFixed(1);
const fmtLoad = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' / ');

interface ServiceLine {
  t: number;
  line: string;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  // One BLAS thread per JS thread: 50 devices on a 2-core machine must not each spawn helpers.
  process.env.OPENBLAS_NUM_THREADS ??= '1';
  const loadBefore = loadavg();
  const base = mkdtempSync(join(tmpdir(), 'mrlco-fedload-'));
  const log = (s: string): void => void process.stderr.write(`[bench] ${s}\n`);
  log(
    `${o.devices} devices, meta-batch ${o.metaBatch}, ${o.rounds} rounds, hidden ${o.hidden}, ` +
      `${o.dags} DAGs per device, ${o.trajectories} trajectories x ${o.dagsPerBatch} DAGs per inner loop; temp ${base}`,
  );

  // Data: device i takes `dags` DAGs of set i mod S, from an offset that differs between passes over the sets.
  const sets = deviceSets(o.data);
  const deviceDirs: string[] = [];
  for (let i = 0; i < o.devices; i++) {
    const dir = join(base, 'data', `dev-${String(i).padStart(3, '0')}`);
    copyDags(sets[i % sets.length], dir, Math.floor(i / sets.length) * o.dags, o.dags);
    deviceDirs.push(dir);
  }
  // Held-out: the last 4 DAGs of the 30-task set, which no device gets with the defaults.
  const evalDir = join(base, 'data', 'held-out');
  copyDags(join(o.data, 'meta_offloading_n', 'offload_random30'), evalDir, 96, 4);

  // Tokens straight into the state (what `serve token add` does, without 50 CLI start-ups).
  const state = join(base, 'state');
  const names = deviceDirs.map((_, i) => `dev-${String(i).padStart(3, '0')}`);
  const tokens = names.map(() => newToken());
  const setup = StateStore.open(state);
  names.forEach((n, i) => setup.addDevice(n, hashToken(tokens[i])));
  setup.close();

  const serveArgs = [
    'serve',
    '--state',
    state,
    '--listen',
    '127.0.0.1:0',
    '--hidden',
    String(o.hidden),
    '--trajectories',
    String(o.trajectories),
    '--dags-per-batch',
    String(o.dagsPerBatch),
    '--profile',
    'reference',
    '--seed',
    '1',
    '--rounds',
    String(o.rounds),
    '--meta-batch',
    String(o.metaBatch),
    '--min-devices',
    String(o.devices),
    '--deadline',
    String(o.deadline),
    '--eval-data',
    evalDir,
    '--exit-when-done',
  ];
  const t0 = Date.now();
  const service = spawn(process.execPath, [cliPath, ...serveArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = service.pid!;
  const lines: ServiceLine[] = [];
  const samples: ProcSample[] = [];
  const closeSamples = new Map<number, ProcSample>();
  const sample = (): ProcSample | undefined => {
    const s = sampleProc(pid);
    if (s) samples.push(s);
    return s;
  };
  sample();
  const sampler = setInterval(sample, 200);
  let listening: (port: number) => void = () => {};
  const portReady = new Promise<number>((resolve) => (listening = resolve));
  let roundOneOpenAt: number | undefined;
  const onLine = (line: string): void => {
    const t = Date.now();
    lines.push({ t, line });
    const port = /service listening on grpc:\/\/[^:]+:(\d+)/.exec(line);
    if (port) listening(Number(port[1]));
    if (/round 1 open:/.test(line)) {
      roundOneOpenAt = t;
      sample();
    }
    const closed = /round (\d+) closed \((\w+)\): (.*)/.exec(line);
    if (closed) {
      // Sampled at once, so the round's CPU is not smeared over the 200 ms grid.
      const s = sample();
      if (s) closeSamples.set(Number(closed[1]), s);
      log(`round ${closed[1]} closed (${closed[2]}) after ${((t - t0) / 1000).toFixed(1)} s: ${closed[3]}`);
    }
    // Refusals and errors are the interesting part of the service's log under load.
    if (/\] refused |error/i.test(line)) log(`service: ${line}`);
  };
  for (const stream of [service.stdout!, service.stderr!]) {
    let buf = '';
    stream.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
  }
  const exited = new Promise<number | null>((resolve) => service.on('exit', (code) => resolve(code)));
  const killer = setTimeout(() => {
    log(`timeout after ${o.timeout} s: killing the service`);
    service.kill('SIGKILL');
  }, o.timeout * 1000);

  const port = await Promise.race([
    portReady,
    exited.then((code) => {
      throw new Error(
        `the service exited (${code}) before listening:\n${lines.map((l) => l.line).join('\n')}`,
      );
    }),
  ]);
  const params = Number(/(\d+) parameters/.exec(lines.map((l) => l.line).join('\n'))?.[1] ?? NaN);
  log(`service pid ${pid} on port ${port}, ${params} parameters; starting ${o.devices} device threads`);

  const cpuBefore = process.cpuUsage();
  const workersStartedAt = Date.now();
  const deviceLogs: FromDevice[] = [];
  const outcomes = new Map<string, FromDevice>();
  const workers = names.map((name, i) => {
    const w = new Worker(new URL(import.meta.url), {
      workerData: { name, token: tokens[i], dataDir: deviceDirs[i], port } satisfies DeviceJob,
    });
    w.on('message', (m: FromDevice) => {
      if (m.kind === 'log') deviceLogs.push(m);
      else outcomes.set(m.device, m);
      if (m.kind === 'error') log(`${m.device}: ${m.message}`);
    });
    w.on('error', (err) => outcomes.set(name, { kind: 'error', device: name, message: err.message }));
    return w;
  });

  const code = await exited;
  clearTimeout(killer);
  clearInterval(sampler);
  const serviceEndedAt = Date.now();
  // The devices should have heard DONE in the service's last 1.5 s; give stragglers a moment.
  const allDone = Promise.all(workers.map((w) => new Promise<void>((r) => w.once('exit', () => r()))));
  await Promise.race([allDone, new Promise((r) => setTimeout(r, 5000))]);
  const terminated = workers.length - outcomes.size;
  await Promise.all(workers.map((w) => w.terminate()));
  const benchCpu = process.cpuUsage(cpuBefore);
  const loadAfter = loadavg();

  // --- results ---
  const store = StateStore.open(state, { create: false });
  const rounds: RoundRecord[] = store.listRounds();
  const events = store.listEvents(1000);
  store.close();
  const last = samples[samples.length - 1];
  const peakRssMb = Math.max(...samples.map((s) => s.hwmKb)) / 1024;
  const closeT = (r: number): number | undefined => closeSamples.get(r)?.t;
  // Device-side time per round: download to accepted upload, as each device logs it.
  const deviceSecs = new Map<number, number[]>();
  for (const m of deviceLogs) {
    if (m.kind !== 'log') continue;
    const up = /^round (\d+): uploaded, accepted \(([\d.]+) s/.exec(m.line);
    if (up) {
      const list = deviceSecs.get(Number(up[1])) ?? [];
      list.push(Number(up[2]));
      deviceSecs.set(Number(up[1]), list);
    }
  }
  const perRound = rounds.map((r) => {
    const end = closeT(r.round) ?? Date.parse(r.closedAt);
    const start = r.round === 1 ? (roundOneOpenAt ?? end - r.wallS * 1000) : (closeT(r.round - 1) ?? end);
    const cpuS = at(samples, end, 'cpuS') - at(samples, start, 'cpuS');
    const uploads = r.accepted + r.rejected;
    const dev = deviceSecs.get(r.round) ?? [];
    return {
      round: r.round,
      wallS: r.wallS,
      closedBy: r.closedBy,
      selected: r.selected.length,
      accepted: r.accepted,
      rejected: r.rejected,
      missed: r.missed,
      bytesIn: r.bytesIn,
      bytesOut: r.bytesOut,
      bytesInPerDevice: uploads > 0 ? r.bytesIn / uploads : 0,
      bytesOutPerDevice: r.selected.length > 0 ? r.bytesOut / r.selected.length : 0,
      serviceCpuS: cpuS,
      serviceCpuPct: (100 * cpuS) / Math.max((end - start) / 1000, 1e-9),
      syscallReadBytes: at(samples, end, 'rchar') - at(samples, start, 'rchar'),
      syscallWriteBytes: at(samples, end, 'wchar') - at(samples, start, 'wchar'),
      rssMbAtClose: (closeSamples.get(r.round)?.rssKb ?? Number.NaN) / 1024,
      deviceMedianS: median(dev),
      deviceMaxS: dev.length > 0 ? Math.max(...dev) : Number.NaN,
      testMakespanMs: r.testMakespanMs,
    };
  });
  const med = (k: keyof (typeof perRound)[number]): number =>
    median(perRound.map((r) => r[k]).filter((v): v is number => typeof v === 'number'));
  const medians = {
    wallS: med('wallS'),
    bytesIn: med('bytesIn'),
    bytesOut: med('bytesOut'),
    bytesInPerDevice: med('bytesInPerDevice'),
    bytesOutPerDevice: med('bytesOutPerDevice'),
    serviceCpuS: med('serviceCpuS'),
    serviceCpuPct: med('serviceCpuPct'),
    syscallReadBytes: med('syscallReadBytes'),
    syscallWriteBytes: med('syscallWriteBytes'),
    rssMbAtClose: med('rssMbAtClose'),
    deviceMedianS: med('deviceMedianS'),
  };
  const startupCpuS = roundOneOpenAt !== undefined ? at(samples, roundOneOpenAt, 'cpuS') : Number.NaN;

  const out: string[] = [];
  out.push('');
  out.push(
    `federated load: ${o.devices} devices (worker threads), meta-batch ${o.metaBatch}, ${rounds.length}/${o.rounds} rounds, ` +
      `hidden ${o.hidden}, ${params} parameters (${kb(params * 4)} KiB of float32)`,
  );
  out.push(
    `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average 1/5/15 min before ${fmtLoad(loadBefore)}, after ${fmtLoad(loadAfter)}`,
  );
  out.push('');
  out.push(
    table(
      [
        'round',
        'wall s',
        'closed',
        'sel',
        'acc',
        'rej',
        'miss',
        'in KiB',
        'out KiB',
        'in/dev KiB',
        'out/dev KiB',
        'svc CPU s',
        'CPU %',
        'sys rd KiB',
        'sys wr KiB',
        'RSS MB',
        'dev s (med/max)',
      ],
      perRound.map((r) => [
        r.round,
        r.wallS.toFixed(2),
        r.closedBy,
        r.selected,
        r.accepted,
        r.rejected,
        r.missed,
        kb(r.bytesIn),
        kb(r.bytesOut),
        kb(r.bytesInPerDevice),
        kb(r.bytesOutPerDevice),
        r.serviceCpuS.toFixed(2),
        r.serviceCpuPct.toFixed(0),
        kb(r.syscallReadBytes),
        kb(r.syscallWriteBytes),
        r.rssMbAtClose.toFixed(1),
        `${r.deviceMedianS.toFixed(1)}/${r.deviceMaxS.toFixed(1)}`,
      ]),
    ),
  );
  out.push('');
  out.push(
    `medians over rounds: wall ${medians.wallS.toFixed(2)} s; bytes in ${kb(medians.bytesIn)} KiB, out ${kb(medians.bytesOut)} KiB ` +
      `(per device ${kb(medians.bytesInPerDevice)} / ${kb(medians.bytesOutPerDevice)} KiB); service CPU ${medians.serviceCpuS.toFixed(2)} s ` +
      `(${medians.serviceCpuPct.toFixed(0)} % of one core); syscall read/write ${kb(medians.syscallReadBytes)} / ${kb(medians.syscallWriteBytes)} KiB; ` +
      `RSS at close ${medians.rssMbAtClose.toFixed(1)} MB; device download-to-upload ${medians.deviceMedianS.toFixed(1)} s`,
  );
  out.push(
    `service: peak RSS (VmHWM) ${peakRssMb.toFixed(1)} MB; CPU ${last ? last.cpuS.toFixed(2) : '?'} s in all, ` +
      `${startupCpuS.toFixed(2)} s of it before round 1 opened (start-up and ${o.devices} Hellos); ` +
      `${((serviceEndedAt - t0) / 1000).toFixed(1)} s from start to exit (code ${code}); round 1 opened ${
        roundOneOpenAt !== undefined ? ((roundOneOpenAt - workersStartedAt) / 1000).toFixed(1) : '?'
      } s after the device threads were started`,
  );
  out.push(
    `devices: ${[...outcomes.values()].filter((m) => m.kind === 'done').length} finished on DONE, ` +
      `${[...outcomes.values()].filter((m) => m.kind === 'error').length} failed, ${terminated} still running at the end (terminated); ` +
      `device threads used ${((benchCpu.user + benchCpu.system) / 1e6).toFixed(1)} CPU s in all (bench process)`,
  );
  out.push(`refusals logged by the service: ${events.length}`);
  out.push(
    'bytes in/out: the parameter payloads the coordinator counts (no gRPC framing); sys rd/wr: the ' +
      "service's read()/write() syscall bytes (sockets, SQLite, log pipe) over the round",
  );
  console.log(out.join('\n'));
  for (const e of events.slice(0, 10))
    console.log(`  refusal: ${e.time} ${e.device ?? '?'} round ${e.round}: ${e.reason}`);
  const errors = [...outcomes.values()].filter((m) => m.kind === 'error');
  for (const e of errors.slice(0, 10))
    if (e.kind === 'error') console.log(`  device error: ${e.device}: ${e.message}`);

  writeFileSync(join(base, 'service.log'), lines.map((l) => l.line).join('\n') + '\n');
  writeFileSync(
    join(base, 'devices.log'),
    deviceLogs
      .map((m) => (m.kind === 'log' ? `${new Date(m.t).toISOString()} ${m.device} ${m.line}` : ''))
      .join('\n') + '\n',
  );
  if (o.out) {
    const result = {
      options: o,
      paramCount: params,
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model,
        loadavgBefore: loadBefore,
        loadavgAfter: loadAfter,
      },
      rounds: perRound,
      medians,
      service: {
        exitCode: code,
        peakRssMb,
        totalCpuS: last?.cpuS ?? null,
        startupCpuS,
        runS: (serviceEndedAt - t0) / 1000,
      },
      devices: {
        finished: [...outcomes.values()].filter((m) => m.kind === 'done').length,
        failed: errors.length,
        terminated,
        benchCpuS: (benchCpu.user + benchCpu.system) / 1e6,
      },
      refusals: events,
    };
    writeFileSync(o.out, JSON.stringify(result, null, 2) + '\n');
    log(`results written to ${o.out}`);
  }
  if (o.keep) log(`kept ${base} (service.log, devices.log, state/)`);
  else rmSync(base, { recursive: true, force: true });
  if (code !== 0 || rounds.length < o.rounds) process.exitCode = 1;
}

if (isMainThread)
  await main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
else await deviceWorker(workerData as DeviceJob);
