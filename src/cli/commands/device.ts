import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { readDatasetArg } from '../dag-arg.js';
import { getBackend } from '../../nn/select-backend.js';
import { runDevice } from '../../services/federation/device.js';
import { parseServerUrl } from '../../services/federation/endpoint.js';
import { InputError, UsageError } from '../../util/errors.js';
import { addSystemOptions, parsePositive, systemFromOptions, type SystemCliOptions } from '../options.js';

interface DeviceCliOptions extends SystemCliOptions {
  server: string;
  token?: string;
  tokenFile?: string;
  data: string;
  tlsCa?: string;
  giveUp: number;
  json?: boolean;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw InputError.inFile(path, `cannot read the ${what}`);
  }
}

export function deviceCommand(): Command {
  const cmd = new Command('device')
    .description("a device's local trainer: downloads θ, runs the inner loop on its own DAGs, uploads θ'")
    .requiredOption('--server <url>', 'the global training service: grpc://HOST:PORT or grpcs://HOST:PORT')
    .option(
      '--token <token>',
      "this device's token (from `mrlco serve token add`; or MRLCO_DEVICE_TOKEN, or --token-file)",
    )
    .option('--token-file <file>', 'read the token from a file')
    .requiredOption('--data <dir>', "the device's applications: a folder of DOT/JSON DAGs")
    .option('--tls-ca <file>', 'PEM of the CA that signed the service certificate (grpcs)')
    .option('--give-up <s>', 'stop after the service has been unreachable this long', parsePositive, 600)
    .option('--json', 'make the last line of output a JSON summary');
  addSystemOptions(cmd);
  return cmd.action(async (opts: DeviceCliOptions) => {
    const endpoint = parseServerUrl(opts.server);
    const token =
      opts.token ??
      (opts.tokenFile ? readText(opts.tokenFile, 'token file').trim() : process.env.MRLCO_DEVICE_TOKEN);
    if (!token) throw new UsageError('a token is required: --token, --token-file or MRLCO_DEVICE_TOKEN');
    const dataset = readDatasetArg(opts.data);
    const { system, model } = systemFromOptions(opts);
    const log = (line: string): void => console.log(`[${new Date().toISOString()}] ${line}`);
    const summary = await runDevice({
      be: getBackend(),
      endpoint,
      token,
      task: {
        name: dataset.name,
        dags: dataset.dags,
        system,
        profile: model.profile,
        ...(model.rankWeight ? { rankWeight: model.rankWeight } : {}),
      },
      ...(opts.tlsCa ? { tlsCa: Buffer.from(readText(opts.tlsCa, 'CA certificate')) } : {}),
      giveUpMs: opts.giveUp * 1000,
      log,
    });
    if (opts.json) console.log(JSON.stringify(summary));
    else log(`done: ${summary.rounds} rounds, ${summary.accepted} accepted, ${summary.refused} refused`);
  });
}
