/** Run lanes in worker_threads (ts-node in each worker) and stream their batches back. */
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { LaneBatch, LaneSpec } from './lane';

type Msg = { kind: 'batch'; batch: LaneBatch } | { kind: 'done' } | { kind: 'error'; message: string };

/** Source to eval in a worker: register ts-node (transpile only) when running from .ts, then load the entry. */
function bootstrap(entry: string): string {
  const ts = entry.endsWith('.ts');
  return `${ts ? "require('ts-node').register({ transpileOnly: true });" : ''}require(${JSON.stringify(entry)});`;
}

/**
 * Start one worker per spec; `onBatch` gets every batch; `done` resolves when all have ended.
 * `stop` asks every worker to finish after its current batch; `kill` ends them now.
 */
export function runWorkers(specs: readonly LaneSpec[], onBatch: (b: LaneBatch) => void): { done: Promise<void>; stop: () => void; kill: () => void } {
  const ext = path.extname(__filename);
  const entry = path.join(__dirname, `fuzzWorker${ext}`);
  const workers = specs.map((spec) => new Worker(bootstrap(entry), { eval: true, workerData: spec }));
  const done = Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
    w.on('message', (m: Msg) => {
      if (m.kind === 'batch') onBatch(m.batch);
      else if (m.kind === 'done') void w.terminate().then(() => resolve());
      else reject(new Error(`fuzz worker failed: ${m.message}`));
    });
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 || code === 1 ? resolve() : reject(new Error(`fuzz worker exited with ${code}`))));
  }))).then(() => undefined);
  // kill: a signal should not wait for a batch that is mid-shrink; its work is simply not counted.
  return { done, stop: () => workers.forEach((w) => w.postMessage('stop')), kill: () => workers.forEach((w) => void w.terminate()) };
}
