/**
 * explore --workers N: N worker threads (ts-node in each) share each frontier slice while this
 * thread folds the results; states are dealt out round-robin and the expansions put back in
 * frontier order, so the result is the same as one thread's.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { Config } from '../../model/types';
import type { Step } from '../trace/codec';
import type { Scope } from './scope';
import type { Expander, Expansion } from './search';
import type { ExpandReply, ExploreWorkerData } from './worker';

/** A started pool: its expander and how to end it. */
export interface ExplorePool {
  expand: Expander;
  close: () => Promise<void>;
}

function bootstrap(entry: string): string {
  return `${entry.endsWith('.ts') ? "require('ts-node').register({ transpileOnly: true });" : ''}require(${JSON.stringify(entry)});`;
}

/** Start `workers` threads for one config and wait until they have loaded. */
export async function startPool(scope: Scope, config: Config, workers: number, deadlineMs: number | null): Promise<ExplorePool> {
  const entry = path.join(__dirname, `worker${path.extname(__filename)}`);
  const data: ExploreWorkerData = { scope: scope.file, config, deadlineMs };
  // A larger young generation than a worker's default: exploration allocates many short-lived worlds.
  const threads = Array.from({ length: workers }, () => new Worker(bootstrap(entry), { eval: true, workerData: data, resourceLimits: { maxYoungGenerationSizeMb: 64 } }));
  const pending = new Map<number, (e: Expansion[]) => void>();
  let failure: Error | null = null;
  await Promise.all(threads.map((t) => new Promise<void>((resolve, reject) => {
    t.once('message', (m) => (m === 'ready' ? resolve() : reject(new Error('explore worker: unexpected first message'))));
    t.on('message', (m: ExpandReply | 'ready') => { if (m !== 'ready') { pending.get(m.id)?.(m.expansions); pending.delete(m.id); } });
    t.on('error', (e) => { failure = e; reject(e); });
  })));
  let nextId = 0;
  const expand: Expander = async (paths) => {
    if (failure) throw failure;
    const n = threads.length;
    const shares: Step[][][] = Array.from({ length: n }, () => []);
    paths.forEach((p, i) => shares[i % n].push([...p]));
    const all = await Promise.all(threads.map((t, k) => new Promise<Expansion[]>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      t.postMessage({ id, paths: shares[k] });
    })));
    return paths.map((_, i) => all[i % n][Math.floor(i / n)]);
  };
  return { expand, close: async () => { await Promise.all(threads.map((t) => t.terminate())); } };
}
