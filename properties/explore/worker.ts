/** Worker thread of explore --workers: expands the frontier shares the main thread sends (successors()). */
import { parentPort, workerData } from 'worker_threads';
import type { Config } from '../../model/types';
import type { Step } from '../trace/codec';
import { parseScope, type ScopeFile } from './scope';
import { successors, type Expansion } from './search';

/** What the worker is started with. */
export interface ExploreWorkerData {
  scope: ScopeFile;
  config: Config;
  deadlineMs: number | null;
}

/** A request: expand these states; the reply carries the same id. */
export interface ExpandRequest { id: number; paths: Step[][] }
export interface ExpandReply { id: number; expansions: Expansion[] }

if (parentPort) {
  const port = parentPort;
  const d = workerData as ExploreWorkerData;
  const scope = parseScope(d.scope);
  const stopNow = (): boolean => d.deadlineMs !== null && Date.now() >= d.deadlineMs;
  port.on('message', (m: ExpandRequest | 'stop') => {
    if (m === 'stop') { port.close(); return; }
    const expansions = m.paths.map((p) => successors(scope, d.config, p, stopNow));
    port.postMessage({ id: m.id, expansions } satisfies ExpandReply);
  });
  port.postMessage('ready');
}
