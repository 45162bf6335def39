import { Command } from 'commander';
import { startExecutor } from '../../services/execution/executor-server.js';
import { parsePositive, serverGhzOption, usersOption } from '../options.js';

interface ExecutorCliOptions {
  listen: string;
  serverGhz: number;
  users: number;
  timeScale: number;
  quiet?: boolean;
}

export function executorCommand(): Command {
  return new Command('executor')
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
    .option('--quiet', 'do not log sessions')
    .action(async (opts: ExecutorCliOptions) => {
      const executor = await startExecutor({
        listen: opts.listen,
        serverHz: opts.serverGhz * 1e9,
        users: opts.users,
        timeScale: opts.timeScale,
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
