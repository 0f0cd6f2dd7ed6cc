/** worker_threads entry: run one lane and post each batch to the parent; a 'stop' message ends it after the current batch. */
import { parentPort, workerData } from 'worker_threads';
import { runLane, type LaneSpec } from './lane';

let stopping = false;
parentPort?.on('message', (m: unknown) => {
  if (m === 'stop') stopping = true;
});

runLane(workerData as LaneSpec, () => stopping, (b) => parentPort?.postMessage({ kind: 'batch', batch: b })).then(
  () => parentPort?.postMessage({ kind: 'done' }),
  (e: unknown) => parentPort?.postMessage({ kind: 'error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
);
