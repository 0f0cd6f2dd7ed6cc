/** Run lanes in worker_threads (ts-node in each worker) and stream their batches back. */
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { LaneBatch, LaneSpec } from './lane';

type Msg = { kind: 'ready' } | { kind: 'batch'; batch: LaneBatch } | { kind: 'done' } | { kind: 'error'; message: string };

/** Source to eval in a worker: register ts-node (transpile only) when running from .ts, then load the entry. */
function bootstrap(entry: string): string {
  const ts = entry.endsWith('.ts');
  return `${ts ? "require('ts-node').register({ transpileOnly: true });" : ''}require(${JSON.stringify(entry)});`;
}

/** A pool of lane workers. */
export interface WorkerPool {
  /** Resolves when every worker has loaded (or one failed: then `done` rejects). */
  ready: Promise<void>;
  /** Start every lane with this deadline (Date.now() ms, or null): call after `ready`. */
  start: (deadlineMs: number | null) => void;
  /** Resolves when all have ended. */
  done: Promise<void>;
  /** Ask every worker to finish after its current batch. */
  stop: () => void;
  /** End them now. */
  kill: () => void;
}

/**
 * Load one worker per spec; `onBatch` gets every batch once they are started. Loading (ts-node
 * in each worker thread) takes seconds, so the caller starts its time budget at `ready`.
 */
export function runWorkers(specs: readonly LaneSpec[], onBatch: (b: LaneBatch) => void): WorkerPool {
  const ext = path.extname(__filename);
  const entry = path.join(__dirname, `fuzzWorker${ext}`);
  const workers = specs.map((spec) => new Worker(bootstrap(entry), { eval: true, workerData: spec }));
  const readies: Promise<void>[] = [];
  const done = Promise.all(workers.map((w, i) => new Promise<void>((resolve, reject) => {
    readies[i] = new Promise<void>((ready) => {
      w.on('message', (m: Msg) => {
        if (m.kind === 'ready') ready();
        else if (m.kind === 'batch') onBatch(m.batch);
        else if (m.kind === 'done') void w.terminate().then(() => resolve());
        else reject(new Error(`fuzz worker failed: ${m.message}`));
      });
      // A worker that dies before saying ready releases the wait; `done` carries its error.
      w.on('exit', () => ready());
    });
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 || code === 1 ? resolve() : reject(new Error(`fuzz worker exited with ${code}`))));
  }))).then(() => undefined);
  return {
    ready: Promise.all(readies).then(() => undefined),
    start: (deadlineMs) => workers.forEach((w) => w.postMessage({ kind: 'start', deadlineMs })),
    done,
    // kill: a signal should not wait for a batch that is mid-shrink; its work is simply not counted.
    stop: () => workers.forEach((w) => w.postMessage('stop')),
    kill: () => workers.forEach((w) => void w.terminate()),
  };
}
