/** fast-check arbitraries of step sequences and whole traces, resolved against the generation world. */
import * as fc from 'fast-check';
import { DEFAULT_CONFIG, type Config } from '../../model/types';
import { encodeStep, type Step } from '../trace/codec';
import type { Trace } from '../trace/schema';
import { TRACE_FORMAT } from '../trace/vocab';
import { applyToWorld, CATALOG } from './catalog';
import { r, weighted, type Raw } from './pick';
import { newWorld, type GenOptions, type GenWorld } from './world';

/** One drawn step: catalog index and raw arguments (resolved later, so shrinking keeps it valid). */
export interface RawStep {
  readonly k: number;
  readonly raw: Raw;
}

/** What a generated sequence looks like. */
export interface SequenceOptions extends Partial<GenOptions> {
  /** Overrides of DEFAULT_CONFIG carried by every trace. */
  config?: Partial<Config>;
  /** Cap of body steps (the body's fast-check size is 'max', so lengths spread up to it). @defaultValue 200 */
  maxSteps?: number;
  /** Append faultCommit / invalidateEnd for whatever is still open at the end. @defaultValue true */
  quiesce?: boolean;
}

/** A raw step drawn from the catalog entries with a positive weight (optionally only prologue entries). */
export function rawStepArbitrary(opts: Partial<GenOptions> = {}, prologueOnly = false): fc.Arbitrary<RawStep> {
  const g = newWorld(DEFAULT_CONFIG, opts).opts;
  const entries = CATALOG.map((e, k) => ({ e, k })).filter(({ e }) => e.weight(g) > 0 && (!prologueOnly || e.prologue));
  return fc.oneof(...entries.map(({ e, k }) => ({ weight: e.weight(g), arbitrary: e.arbitrary.map((raw): RawStep => ({ k, raw })) })));
}

/** Prologue (0–4 set-up steps) and body (0–maxSteps steps) of raw steps. */
export function rawSequenceArbitrary(opts: SequenceOptions = {}): fc.Arbitrary<{ prologue: RawStep[]; body: RawStep[] }> {
  return fc.record({
    prologue: fc.array(rawStepArbitrary(opts, true), { maxLength: 4, size: 'max' }),
    body: fc.array(rawStepArbitrary(opts), { maxLength: opts.maxSteps ?? 200, size: 'max' }),
  });
}

/**
 * Resolve one raw step: the drawn entry if its precondition holds, else an enabled entry re-drawn
 * by weight from the same raw numbers (generic: no op is special-cased).
 */
export function resolveStep(w: GenWorld, rs: RawStep): Step[] {
  const drawn = CATALOG[rs.k];
  let e = drawn;
  if (!(drawn.weight(w.opts) > 0 && drawn.precondition(w))) {
    const enabled = CATALOG.filter((x) => x.weight(w.opts) > 0 && x.precondition(w));
    if (enabled.length === 0) return [];
    e = weighted(r(rs.raw, 0) + rs.k, enabled.map((x) => [x.weight(w.opts), x] as const));
  }
  const steps = e.resolve(w, rs.raw);
  for (const s of steps) applyToWorld(w, s);
  return steps;
}

/** Resolve a whole raw sequence in a fresh world; with `quiesce`, close what is left open. */
export function resolveAll(config: Config, raws: readonly RawStep[], opts: SequenceOptions = {}): Step[] {
  const w = newWorld(config, opts);
  const out = raws.flatMap((rs) => resolveStep(w, rs));
  if (opts.quiesce ?? true) {
    for (const e of CATALOG) {
      for (const s of e.drain?.(w) ?? []) {
        applyToWorld(w, s);
        out.push(s);
      }
    }
  }
  return out;
}

/** The config a sequence carries. */
export const configOf = (opts: SequenceOptions): Config => ({ ...DEFAULT_CONFIG, ...opts.config });

/** Executable step sequences (numbers). */
export function stepsArbitrary(opts: SequenceOptions = {}): fc.Arbitrary<Step[]> {
  const config = configOf(opts);
  return rawSequenceArbitrary(opts).map(({ prologue, body }) => resolveAll(config, [...prologue, ...body], opts));
}

/** Whole `s2check-trace/1` traces (hex strings, no expect). */
export function traceArbitrary(opts: SequenceOptions = {}): fc.Arbitrary<Trace> {
  const config = configOf(opts);
  return stepsArbitrary(opts).map((steps): Trace => ({ format: TRACE_FORMAT, config, steps: steps.map(encodeStep) }));
}
