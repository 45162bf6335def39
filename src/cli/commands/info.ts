import { Command } from 'commander';
import { backendInfo } from '../../nn/select-backend.js';

export function infoCommand(): Command {
  return new Command('info')
    .description(
      'the compute backend in use (native or js), the BLAS library and its threads, the Node version',
    )
    .option('--json', 'print a JSON object')
    .action((opts: { json?: boolean }) => {
      const info = backendInfo();
      if (opts.json) {
        console.log(JSON.stringify(info, null, 1));
        return;
      }
      console.log(
        `backend:   ${info.backend}${info.backend === 'js' ? ' (pure TypeScript; see README to build the native backend)' : ''}`,
      );
      if (info.blas) {
        const plural = (n: number) => (n === 1 ? '' : 's');
        console.log(
          `BLAS:      ${info.blas.library} (core ${info.blas.coreType}, ${info.blas.threads} thread${plural(info.blas.threads)})`,
        );
        console.log(
          `GEMM:      ${info.blas.gemm} (${info.blas.gemmThreads} thread${plural(info.blas.gemmThreads)}; ${info.gemmSource === 'MRLCO_GEMM' ? 'set by MRLCO_GEMM' : `fastest measured on this machine${info.gemmSource === 'cache' ? ', cached' : ''}`}); LSTM cell kernel: ${info.blas.cell}`,
        );
        const measured = Object.entries(info.gemmCandidates);
        if (measured.length > 0)
          console.log(
            `           measured: ${measured.map(([name, c]) => `${name} ${c.gflops.toFixed(1)} GFLOPS`).join(', ')}`,
          );
      }
      console.log(`OPENBLAS_NUM_THREADS: ${info.openblasNumThreads ?? '(unset: OpenBLAS chooses)'}`);
      console.log(`node:      ${info.node}`);
    });
}
