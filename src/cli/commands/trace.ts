import { Command, Option } from 'commander';
import { readTrace, traceStats, TRACE_FORMATS, type TraceFormat } from '../../world/trace.js';
import { boundedInt } from '../bounded.js';
import { fixed, formatTable } from '../table.js';

interface TraceOptions {
  format?: TraceFormat;
  window: number;
  json?: boolean;
}

export function traceCommand(): Command {
  return new Command('trace')
    .description(
      "summary of link traces (Mahimahi's format or 'seconds Mbit/s'): duration, mean, percentiles, stability, outages",
    )
    .argument('<files...>', 'trace files')
    .addOption(new Option('--format <format>', 'the format (default: detected)').choices(TRACE_FORMATS))
    .option('--window <ms>', 'the window the rate is averaged over, ms', boundedInt(1, 60_000), 100)
    .option('--json', 'print one JSON object per file')
    .action((files: string[], opts: TraceOptions) => {
      const stats = files.map((f) => traceStats(readTrace(f, opts.format), opts.window));
      if (opts.json) {
        for (const s of stats) console.log(JSON.stringify(s));
        return;
      }
      console.log(
        formatTable(
          [
            'trace',
            'format',
            'duration (s)',
            'mean',
            'p5',
            'p25',
            'median',
            'p75',
            'p95',
            'stable (s)',
            'outages',
            'outage time',
            'longest (s)',
          ],
          stats.map((s) => [
            s.name,
            s.format,
            fixed(s.durationS, 1),
            fixed(s.meanMbps, 2),
            fixed(s.percentilesMbps.p5, 2),
            fixed(s.percentilesMbps.p25, 2),
            fixed(s.percentilesMbps.p50, 2),
            fixed(s.percentilesMbps.p75, 2),
            fixed(s.percentilesMbps.p95, 2),
            fixed(s.meanStableS, 2),
            s.outages,
            `${fixed(100 * s.outageShare, 1)}%`,
            fixed(s.longestOutageS, 1),
          ]),
        ),
      );
      console.log(
        `rates in Mbit/s over ${opts.window}-ms windows; stable: the mean time the rate stays within a factor 2 of a window's; an outage: windows with no delivery`,
      );
    });
}
