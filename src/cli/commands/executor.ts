import { Command } from 'commander';
import { DEFAULT_SYSTEM } from '../../mec/system.js';
import { UsageError } from '../../util/errors.js';
import { validateWorldSpec } from '../../world/spec.js';
import type { TraceFormat } from '../../world/trace.js';
import { World } from '../../world/world.js';
import { addTraceOptions } from '../world-options.js';
import { startExecutor } from '../../services/execution/executor-server.js';
import { parsePositive, serverGhzOption, usersOption } from '../options.js';

interface ExecutorCliOptions {
  uplinkTrace?: string;
  downlinkTrace?: string;
  traceMean?: number;
  traceFormat?: TraceFormat;
  listen: string;
  serverGhz: number;
  users: number;
  timeScale: number;
  quiet?: boolean;
}

export function executorCommand(): Command {
  const cmd = new Command('executor')
    .description(
      'the remote execution service: runs offloaded tasks on emulated VMs (f_vm = f_s / k) and streams their results back (gRPC)',
    )
    .requiredOption('--listen <host:port>', 'address to listen on; port 0 picks a free port')
    .addOption(serverGhzOption())
    .addOption(usersOption('users sharing the server: k VMs of f_s / k, one per device session'))
    .option(
      '--time-scale <s>',
      "wall time per model time (1 = real time, 0.5 = twice as fast) for sessions that do not choose one (run's --time-scale)",
      parsePositive,
      1,
    )
    .option('--quiet', 'do not log sessions');
  addTraceOptions(cmd);
  return cmd.action(async (opts: ExecutorCliOptions) => {
    if ((opts.traceMean !== undefined || opts.traceFormat) && !opts.uplinkTrace && !opts.downlinkTrace)
      throw new UsageError(
        '--trace-mean and --trace-format apply to traces: give --uplink-trace or --downlink-trace',
      );
    // The traces as a world reads them (the same scaling as `run --uplink-trace … --trace-mean`).
    const world =
      opts.uplinkTrace || opts.downlinkTrace
        ? new World(
            validateWorldSpec(
              {
                links: {
                  kind: 'trace',
                  ...(opts.uplinkTrace ? { uplink: opts.uplinkTrace } : {}),
                  ...(opts.downlinkTrace ? { downlink: opts.downlinkTrace } : {}),
                  ...(opts.traceMean !== undefined ? { meanMbps: opts.traceMean } : {}),
                  ...(opts.traceFormat ? { format: opts.traceFormat } : {}),
                },
              },
              'the trace options',
            ),
            DEFAULT_SYSTEM,
          )
        : undefined;
    const executor = await startExecutor({
      listen: opts.listen,
      serverHz: opts.serverGhz * 1e9,
      users: opts.users,
      timeScale: opts.timeScale,
      ...(world
        ? { traces: { uplink: world.uplinkTrace, downlink: world.downlinkTrace, scale: world.traceScale } }
        : {}),
      ...(opts.quiet ? {} : { log: (line: string) => console.log(line) }),
    });
    // Tests and scripts read the actual port from this line (--listen HOST:0).
    console.log(
      `executor listening on ${executor.address} (${opts.users} VM(s) of ${executor.vmHz / 1e9} GHz, time scale ${opts.timeScale})`,
    );
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    await executor.close();
    console.log(`executor stopped (${signal})`);
  });
}
