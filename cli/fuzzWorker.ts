/**
 * worker_threads entry: once loaded, say 'ready' and wait for the parent's start (which carries the
 * time budget's deadline, so start-up never eats the budget); then run one lane and post each batch
 * to the parent; a 'stop' message ends it after the current batch.
 */
import { parentPort, workerData } from 'worker_threads';
import { runLane, type LaneSpec } from './lane';

let stopping = false;
let started = false;
parentPort?.on('message', (m: unknown) => {
  if (m === 'stop') {
    stopping = true;
    if (!started) parentPort?.postMessage({ kind: 'done' }); // stopped before it began: nothing to finish
  } else if (typeof m === 'object' && m !== null && (m as { kind?: string }).kind === 'start' && !stopping) {
    started = true;
    const spec: LaneSpec = { ...(workerData as LaneSpec), deadlineMs: (m as { deadlineMs: number | null }).deadlineMs };
    runLane(spec, () => stopping, (b) => parentPort?.postMessage({ kind: 'batch', batch: b })).then(
      () => parentPort?.postMessage({ kind: 'done' }),
      (e: unknown) => parentPort?.postMessage({ kind: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
    );
  }
});
parentPort?.postMessage({ kind: 'ready' });
