import { createServer } from 'node:net';
import { Command } from 'commander';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDatasetArg } from '../dag-arg.js';
import { getBackend } from '../../nn/select-backend.js';
import { DEFAULT_RUN, mergeRunConfig } from '../../rl/config.js';
import type { LearningTask } from '../../rl/learning-task.js';
import { Coordinator } from '../../services/federation/coordinator.js';
import { parseHostPort } from '../../services/grpc/address.js';
import { startFederationServer } from '../../services/federation/server.js';
import {
  configDifferences,
  storedServiceConfig,
  storeServiceConfig,
  type ServiceConfig,
} from '../../services/federation/service-config.js';
import {
  checkFederationSettings,
  DEFAULT_FEDERATION,
  FEDERATION_SETTINGS,
  type FederationSettings,
} from '../../services/federation/settings.js';
import { StateStore } from '../../services/federation/state-store.js';
import { lockFolder } from '../../util/folder-lock.js';
import { checkDeviceName, hashToken, newToken } from '../../services/federation/tokens.js';
import { startStatusHttpServer } from '../../services/web/http-server.js';
import { FederationStatusSource } from '../../services/web/federation-status.js';
import { InputError, UsageError } from '../../util/errors.js';
import { systemFromOptions, parseIntIn } from '../options.js';
import { MAX_ITERATIONS } from '../../util/limits.js';
import {
  addRunOptions,
  addSettingFlags,
  declaredFlags,
  declaredValues,
  runConfigFromOptions,
  type RunCliOptions,
} from '../run-options.js';

interface ServeOptions extends RunCliOptions {
  state?: string;
  listen: string;
  http?: string;
  tlsCert?: string;
  tlsKey?: string;
  evalData?: string;
  rounds?: number;
  exitWhenDone?: boolean;
  // The service's settings arrive under their flags' names (SERVICE_FLAGS).
}

/** Reads a PEM file and checks that it parses as what it should be, so a bad file is named. */
function readPem(path: string, what: 'certificate' | 'private key'): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch {
    throw InputError.inFile(path, `cannot read the ${what}`);
  }
  try {
    if (what === 'certificate') new X509Certificate(pem);
    else createPrivateKey(pem);
  } catch (err) {
    throw InputError.inFile(path, `not a PEM ${what}: ${(err as Error).message}`);
  }
  return pem;
}

/** The configuration the flags describe, on top of `base` (the stored one on a restart). */
function configFromOptions(opts: ServeOptions, base: ServiceConfig | undefined): ServiceConfig {
  let run = runConfigFromOptions(opts, base?.run ?? DEFAULT_RUN, { iterations: false, meta: '' });
  run = mergeRunConfig(
    run,
    { ...(opts.rounds !== undefined ? { iterations: opts.rounds } : {}) },
    'command line',
  );
  const f = {
    ...(base?.federation ?? DEFAULT_FEDERATION),
    ...declaredValues(opts, SERVICE_FLAGS),
  } as FederationSettings;
  let evalSpec = base?.eval ?? null;
  if (opts.evalData) {
    const { system, model } = systemFromOptions(opts);
    evalSpec = {
      dirs: opts.evalData
        .split(',')
        .map((d) => d.trim())
        .filter((d) => d !== ''),
      system,
      profile: model.profile,
    };
  }
  return { run, federation: checkFederationSettings(f, 'command line'), eval: evalSpec };
}

function evalTasksOf(spec: ServiceConfig['eval']): LearningTask[] {
  if (!spec) return [];
  return spec.dirs.map((dir) => {
    const ds = readDatasetArg(dir);
    return { name: ds.name, dags: ds.dags, system: spec.system, profile: spec.profile };
  });
}

function tokenCommand(): Command {
  const token = new Command('token').description('device credentials: add, revoke, rotate, list');
  token
    .command('add <name>')
    .description('register a device and print its token (shown once; stored hashed)')
    .requiredOption('--state <dir>', 'the service state folder')
    .action((name: string, o: { state: string }) => {
      const bad = checkDeviceName(name);
      if (bad) throw new UsageError(`${name}: ${bad}`);
      const store = StateStore.open(o.state);
      try {
        // A name taken: the command that gives that device a new token (and re-admits a revoked one).
        const known = store.device(name);
        if (known)
          throw InputError.inFile(
            store.path,
            `a device named ${name} exists already${known.revoked ? ' (revoked)' : ''}: \`mrlco serve token rotate ${name} --state ${o.state}\` gives it a new token${known.revoked ? ' and re-admits it' : ''}, or pick another name`,
          );
        const t = newToken();
        store.addDevice(name, hashToken(t));
        console.log(t);
      } finally {
        store.close();
      }
    });
  token
    .command('revoke <name>')
    .description("revoke a device's token (refused from its next call on)")
    .requiredOption('--state <dir>', 'the service state folder')
    .action((name: string, o: { state: string }) => {
      const store = StateStore.open(o.state, { create: false });
      try {
        if (!store.revokeDevice(name)) throw InputError.inFile(store.path, `no device named ${name}`);
        console.log(`revoked ${name}`);
      } finally {
        store.close();
      }
    });
  token
    .command('rotate <name>')
    .description(
      'give a device a new token (printed once; the old one is refused from now on); also re-admits a revoked device',
    )
    .requiredOption('--state <dir>', 'the service state folder')
    .action((name: string, o: { state: string }) => {
      const store = StateStore.open(o.state, { create: false });
      try {
        const t = newToken();
        if (!store.rotateDeviceToken(name, hashToken(t)))
          throw InputError.inFile(store.path, `no device named ${name}`);
        console.log(t);
      } finally {
        store.close();
      }
    });
  token
    .command('list')
    .description('the registered devices')
    .requiredOption('--state <dir>', 'the service state folder')
    .action((o: { state: string }) => {
      const store = StateStore.open(o.state, { create: false });
      try {
        for (const d of store.listDevices())
          console.log(
            `${d.name}\t${d.revoked ? 'revoked' : 'active'}\taccepted ${d.accepted}\tfailures ${d.failures}\tlast seen ${d.lastSeen ?? 'never'}`,
          );
      } finally {
        store.close();
      }
    });
  return token;
}

/** The service's own settings as flags, from their declarations (federation/settings.ts). */
const SERVICE_FLAGS = declaredFlags(FEDERATION_SETTINGS, { ...DEFAULT_FEDERATION });

export function serveCommand(): Command {
  const cmd = new Command('serve')
    .description(
      'the global training service (edge): federated MRLCO meta-training over gRPC, with a status page',
    )
    .enablePositionalOptions()
    .option(
      '--state <dir>',
      'service state folder (SQLite: θ, optimiser, rounds, devices); created if missing (required)',
    )
    .option('--listen <host:port>', 'gRPC address for devices', '127.0.0.1:50051')
    .option('--http <host:port>', 'also serve the status page here (e.g. 127.0.0.1:8080)')
    .option('--tls-cert <file>', 'PEM certificate: serve gRPC over TLS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--eval-data <dirs>', 'held-out datasets θ is evaluated on after each round (comma-separated)')
    .option(
      '--rounds <n>',
      `rounds of Eq. (22) (default: ${DEFAULT_RUN.iterations}; may be raised on a restart)`,
      parseIntIn(0, MAX_ITERATIONS),
    )
    .option('--exit-when-done', 'stop the service once the last round is closed');
  addSettingFlags(cmd, SERVICE_FLAGS);
  addRunOptions(cmd, { iterations: false, meta: '' });
  cmd.addCommand(tokenCommand());
  return cmd.action(async (opts: ServeOptions) => {
    if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined))
      throw new UsageError('--tls-cert and --tls-key go together');
    if (!opts.state) throw new UsageError('--state <dir> is required: the service state folder');
    const stateDir = opts.state;
    const listen = parseHostPort(opts.listen, '--listen', true);
    const httpListen = opts.http ? parseHostPort(opts.http, '--http', true) : undefined;
    const tls =
      opts.tlsCert && opts.tlsKey
        ? { cert: readPem(opts.tlsCert, 'certificate'), key: readPem(opts.tlsKey, 'private key') }
        : undefined;
    // Both ports before any state: a busy port is one line, not a state created for nothing.
    await assertPortFree(listen.host, listen.port, '--listen');
    if (httpListen) await assertPortFree(httpListen.host, httpListen.port, '--http');
    lockFolder(stateDir);
    const store = StateStore.open(stateDir);
    const stored = storedServiceConfig(store);
    const config = configFromOptions(opts, stored);
    if (stored) {
      const changed = configDifferences(stored, config);
      if (changed.length > 0)
        throw new UsageError(
          `${stateDir} holds a run with other settings (${changed.join(', ')}); only --rounds may change on a restart`,
        );
    }
    storeServiceConfig(store, config);
    const be = getBackend();
    const log = (line: string): void => console.log(`[${new Date().toISOString()}] ${line}`);
    const coordinator = new Coordinator({
      be,
      store,
      run: config.run,
      federation: config.federation,
      evalTasks: evalTasksOf(config.eval),
      checkpointPath: join(stateDir, 'policy.bin'),
      listen: opts.listen,
      log,
    });
    const service = await startFederationServer({
      coordinator,
      store,
      host: listen.host,
      port: listen.port,
      ...(tls ? { tls } : {}),
    });
    const page = httpListen
      ? await startStatusHttpServer(new FederationStatusSource(coordinator), httpListen).catch(
          async (err: Error) => {
            await service.close();
            throw new InputError(
              `--http ${httpListen.host}:${httpListen.port}: cannot listen (${err.message})`,
            );
          },
        )
      : undefined;
    log(
      `service listening on ${tls ? 'grpcs' : 'grpc'}://${listen.host}:${service.port} (state ${stateDir}, round ${coordinator.round} of ${config.run.iterations}, ${coordinator.paramCount} parameters, backend ${be.name})`,
    );
    if (page) log(`status page on ${page.url}`);
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      if (opts.exitWhenDone) {
        const timer = setInterval(() => {
          if (coordinator.finished) {
            clearInterval(timer);
            // A moment for the devices' last polls to hear DONE.
            setTimeout(stop, 1500);
          }
        }, 200);
      }
    });
    await service.close();
    await page?.close();
    store.close();
    log('service stopped');
  });
}

/** Refuses a HOST:PORT that cannot be bound now (busy, not an address of this machine); port 0 is always free. */
function assertPortFree(host: string, port: number, option: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new UsageError(
          `${option} ${host}:${port}: ${err.code === 'EADDRINUSE' ? 'address already in use' : `cannot listen (${err.code ?? err.message})`}`,
        ),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}
