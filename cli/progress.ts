/** The fuzz progress bar (cli-progress), on a terminal only. */
import { SingleBar } from 'cli-progress';
import type { Io } from './io';

/** A progress sink: `update` after each batch, `stop` at the end. No-op when not on a TTY. */
export function progressBar(io: Io, total: number, unit: 's' | 'runs'): { update(p: { runs: number; steps: number; findings: number; elapsed: number }): void; stop(): void } {
  if (!io.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: `fuzz |{bar}| {value}/{total} ${unit} | {runs} runs | {sps} steps/s | {findings} findings`,
    stream: process.stderr, hideCursor: true, clearOnComplete: false,
  });
  bar.start(Math.ceil(total), 0, { runs: 0, sps: 0, findings: 0 });
  return {
    update: (p) => bar.update(Math.min(Math.ceil(total), Math.floor(unit === 's' ? p.elapsed : p.runs)), { runs: p.runs, sps: Math.round(p.elapsed > 0 ? p.steps / p.elapsed : 0), findings: p.findings }),
    stop: () => bar.stop(),
  };
}
