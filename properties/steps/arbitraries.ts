/** fast-check arbitraries of step sequences and whole traces, resolved against the generation world. */
import * as fc from 'fast-check';
import { DEFAULT_CONFIG, type Config } from '../../model/types';
import { encodeStep, type Step } from '../trace/codec';
import type { Trace } from '../trace/schema';
import { TRACE_FORMAT } from '../trace/vocab';
import { applyToWorld, CATALOG } from './catalog';
import type { StepKind } from './kind';
import { r, type Raw } from './pick';
import { newWorld, type GenOptions, type GenWorld } from './world';
import { configArbitrary, type DrawnKey } from './config';

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
  /** Config keys each trace draws (shrinking toward DEFAULT_CONFIG); the others come from `config`. @defaultValue none */
  draw?: readonly DrawnKey[];
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

/** Each catalog entry's weight under `opts` (computed once per sequence). */
export function catalogWeights(opts: GenOptions): readonly number[] {
  return CATALOG.map((e) => e.weight(opts));
}

/** Is catalog entry `k` drawable now: a positive weight and its precondition holding? */
const enabled = (w: GenWorld, weights: readonly number[], k: number): boolean => weights[k] > 0 && CATALOG[k].precondition(w);

/** The enabled entry that `n mod (total enabled weight)` lands on, if any is enabled (no list built). */
function redraw(w: GenWorld, weights: readonly number[], n: number): StepKind | undefined {
  let total = 0;
  for (let k = 0; k < CATALOG.length; k++) if (enabled(w, weights, k)) total += weights[k];
  if (total === 0) return undefined;
  let left = n % total;
  let last: StepKind | undefined;
  for (let k = 0; k < CATALOG.length; k++) {
    if (!enabled(w, weights, k)) continue;
    if (left < weights[k]) return CATALOG[k];
    left -= weights[k];
    last = CATALOG[k];
  }
  return last;
}

/**
 * Resolve one raw step: the drawn entry if its precondition holds, else an enabled entry re-drawn
 * by weight from the same raw numbers (generic: no op is special-cased).
 */
export function resolveStep(w: GenWorld, rs: RawStep, weights: readonly number[] = catalogWeights(w.opts)): Step[] {
  const e = enabled(w, weights, rs.k) ? CATALOG[rs.k] : redraw(w, weights, r(rs.raw, 0) + rs.k);
  if (e === undefined) return [];
  const steps = e.resolve(w, rs.raw);
  for (const s of steps) applyToWorld(w, s);
  return steps;
}

/** Resolve raw steps in order into `out`, updating the world. */
function resolveInto(w: GenWorld, weights: readonly number[], raws: readonly RawStep[], out: Step[]): void {
  for (const rs of raws) for (const s of resolveStep(w, rs, weights)) out.push(s);
}

/** Append the steps that close what is left open (faults in flight, open invalidations). */
function quiesce(w: GenWorld, out: Step[]): void {
  for (const e of CATALOG) {
    for (const s of e.drain?.(w) ?? []) {
      applyToWorld(w, s);
      out.push(s);
    }
  }
}

/** Resolve raw sequences one after the other in a fresh world; with `quiesce`, close what is left open. */
function resolveParts(config: Config, parts: ReadonlyArray<readonly RawStep[]>, opts: SequenceOptions): Step[] {
  const w = newWorld(config, opts);
  const weights = catalogWeights(w.opts);
  const out: Step[] = [];
  for (const raws of parts) resolveInto(w, weights, raws, out);
  if (opts.quiesce ?? true) quiesce(w, out);
  return out;
}

/** Resolve a whole raw sequence in a fresh world; with `quiesce`, close what is left open. */
export function resolveAll(config: Config, raws: readonly RawStep[], opts: SequenceOptions = {}): Step[] {
  return resolveParts(config, [raws], opts);
}

/** The config a sequence carries. */
export const configOf = (opts: SequenceOptions): Config => ({ ...DEFAULT_CONFIG, ...opts.config });

/** Executable step sequences (numbers). */
export function stepsArbitrary(opts: SequenceOptions = {}): fc.Arbitrary<Step[]> {
  const config = configOf(opts);
  return rawSequenceArbitrary(opts).map(({ prologue, body }) => resolveParts(config, [prologue, body], opts));
}

/** Whole `s2check-trace/1` traces (hex strings, no expect). */
export function traceArbitrary(opts: SequenceOptions = {}): fc.Arbitrary<Trace> {
  return genTraceArbitrary(opts).map(toTrace);
}

/** A generated trace before it is written as text: its config and decoded steps (what the search runs). */
export interface GenTrace {
  readonly config: Config;
  readonly steps: readonly Step[];
}

/**
 * Generated traces as config + decoded steps: the same draws and shrinks as traceArbitrary, minus
 * the hex text. With `draw`, each trace draws those config keys too; the raw steps do not depend on
 * the config, so config and steps shrink independently and the steps are resolved in the drawn world.
 */
export function genTraceArbitrary(opts: SequenceOptions = {}): fc.Arbitrary<GenTrace> {
  const config = configOf(opts);
  if (!opts.draw || opts.draw.length === 0) return stepsArbitrary(opts).map((steps): GenTrace => ({ config, steps }));
  return fc.tuple(configArbitrary(config, opts.draw), rawSequenceArbitrary(opts))
    .map(([c, { prologue, body }]): GenTrace => ({ config: c, steps: resolveParts(c, [prologue, body], opts) }));
}

/** The `s2check-trace/1` form of a generated trace (hex strings, no expect). */
export const toTrace = (g: GenTrace): Trace => ({ format: TRACE_FORMAT, config: g.config, steps: g.steps.map(encodeStep) });
