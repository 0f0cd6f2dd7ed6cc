/** The shape of one catalog entry (style-anchors item 7): the engine only ever reads these fields. */
import * as fc from 'fast-check';
import type { ZodTypeAny } from 'zod';
import type { Step } from '../trace/codec';
import { variantOf, type OpName } from '../trace/schema';
import type { Raw } from './pick';
import type { GenOptions, GenWorld, StepFor } from './world';

/** One step kind: name, zod args schema, precondition, arbitrary, and how it resolves and updates the world. */
export interface StepKind {
  readonly name: OpName;
  /** The op's strict trace variant (hex strings). */
  readonly schema: ZodTypeAny;
  /** Relative frequency in generated sequences. */
  weight(opts: GenOptions): number;
  /** May this op run now? (kernel-reachable, and executors must not throw: model/index.ts preconditions.) */
  precondition(w: GenWorld): boolean;
  /** Raw argument draws (small naturals, shrink to 0 = the simplest choice). */
  readonly arbitrary: fc.Arbitrary<Raw>;
  /** Concrete steps for `raw` in world `w` (usually one; setMemslot may put its backing mmap first). */
  resolve(w: GenWorld, raw: Raw): Step[];
  /** Apply a step of this op to the generation world. */
  update(w: GenWorld, step: Step): void;
  /** Steps closing what this op left open, for a quiescent end (faults in flight, open invalidations). */
  drain?(w: GenWorld): Step[];
  /** Also drawn in the prologue that sets up the world before the body. */
  readonly prologue?: boolean;
}

/** Typed construction of an entry: `resolve` and `update` see the op's own step type. */
export interface KindSpec<O extends OpName> extends Omit<StepKind, 'name' | 'update' | 'resolve' | 'schema'> {
  resolve(w: GenWorld, raw: Raw): Step[];
  update?(w: GenWorld, step: StepFor<O>): void;
}

/** Six raw naturals per step: every resolver reads what it needs by position. */
export const rawArgs: fc.Arbitrary<Raw> = fc.array(fc.nat({ max: 0xffff }), { minLength: 6, maxLength: 6 });

/** Build an entry from its typed spec. */
export function defineKind<O extends OpName>(name: O, spec: KindSpec<O>): StepKind {
  return {
    ...spec, name, schema: variantOf(name),
    update: (w: GenWorld, step: Step) => {
      if (step.op === name) spec.update?.(w, step as StepFor<O>);
    },
  };
}
