/** Atomic file writes (temp file in the same directory + rename), so readers never see half a report. */
import * as fs from 'fs';
import * as path from 'path';
import { threadId } from 'worker_threads';

let counter = 0;

/** Write `text` to `file` atomically: a crash or signal leaves either the old file or the new one. */
export function writeAtomic(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${threadId}.${counter++}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
