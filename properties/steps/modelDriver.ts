/** A tiny replay driver: run a trace on a fresh HostMm + KvmModel and collect each step's outcome (proves traces execute). */
import { HostMm } from '../../model/host/hostMm';
import { KvmModel } from '../../model/index';
import type { Outcome } from '../../model/types';
import { applyOne } from '../runner/executors';
import { decodeStep } from '../trace/codec';
import type { Trace } from '../trace/schema';

/**
 * Run every step of `trace` on a fresh model world through the runner's dispatch table; throws
 * (naming the step) on any exception, and on setOwner / hostAccess, which the model has no host
 * stage 2 for.
 */
export function runOnModel(trace: Trace): Outcome[] {
  const h = new HostMm({ pageSize: trace.config.granule, kernel: trace.config.kernel, thp: trace.config.thp });
  const side = { host: h, kvm: new KvmModel(trace.config, h) };
  return trace.steps.map((ts, i) => {
    const s = decodeStep(ts);
    try {
      const r = applyOne(side, s);
      if (r === null) throw new RangeError(`${s.op}: the model has no pKVM host stage 2`);
      return r.outcome;
    } catch (e) {
      throw new Error(`steps[${i}] ${JSON.stringify(ts)}: ${(e as Error).message}`, { cause: e });
    }
  });
}
