/** The invariant contract: a named, pure predicate over one step's snapshot (DESIGN §5). */
// NOTE (runner helper, issue 5): added optional Snapshot fields `dirty`, `modelSkipped`, `hosts` {model, impl}
// (filled by properties/runner/runner.ts on every step; optional so hand-built test snapshots need not set them).
import type { Step } from '../trace/codec';
import type { Config, Outcome } from '../../model/types';
import type { EffectEvent } from '../../impl/effects';
import type { HostPteInfo, Vma } from '../../model/host/types';
import type { KvmModel } from '../../model/index';
import type { KvmImpl } from '../../impl/kvm/index';

/** The read-only part of a HostMm (model/host/hostMm.ts) that invariants query; HostMm satisfies it. */
export interface HostQuery {
  pte(hva: number): HostPteInfo | undefined;
  findVma(hva: number): Vma | undefined;
  isRamPfn(pfn: number): boolean;
  readonly zeroPfn: number;
  /** A page of the small or the huge zero page. */
  isZeroPfn(pfn: number): boolean;
  openInvalidations(): Array<{ id: number; start: number; end: number }>;
}

/**
 * What an invariant sees after one step. `model` and `impl` are the two executors (KvmModel and
 * KvmImpl, with their own HostMm each); they must not be mutated by a check.
 */
export interface Snapshot<M = unknown, I = unknown> {
  readonly config: Config;
  readonly stepIndex: number;
  readonly step: Step;
  readonly model: M;
  readonly impl: I;
  readonly modelOutcome: Outcome;
  readonly implOutcome: Outcome;
  /** Effects the impl recorded during this step, in order (TLBI, CMO, pte stores, table alloc/free). */
  readonly events: readonly EffectEvent[];
  /**
   * IPA ranges [start, end) this step may have changed on either side: pte stores, unmapped or
   * write-protected ranges, the accessed page. Incremental checks look only here.
   */
  readonly touched: readonly (readonly [number, number])[];
  /** getDirtyLog's dirty / clearDirtyLog's cleared page indices (slot-relative), per side. */
  readonly dirty?: { readonly model?: readonly number[]; readonly impl?: readonly number[] };
  /** True for an op the model does not implement (setOwner, hostAccess): modelOutcome is then a copy of implOutcome. */
  readonly modelSkipped?: boolean;
  /** Each executor's own host mm (read-only use); the runner always fills both. */
  readonly hosts?: { readonly model: HostQuery; readonly impl: HostQuery };
}

/** A finding: the invariant, the step, and what was expected versus observed. */
export interface Violation {
  readonly invariant: string;
  readonly step: number;
  readonly message: string;
  readonly ipa?: number;
  readonly expected?: string;
  readonly actual?: string;
  /** The registered kernel finding this is (reports/kernelFindings.ts): the impl took its path during the step. Set by the runner. */
  readonly known?: string;
}

/** The snapshot of a side-by-side run (properties/runner). */
export type S2Snapshot = Snapshot<KvmModel, KvmImpl>;

/**
 * Where a check notes that the step showed it a case it could reject (a leaf in a READONLY slot, an
 * open invalidation, a logging slot, ...): the report's non-vacuous counts. Noting is all it does.
 */
export interface CaseSink {
  saw(invariant: string): void;
}

export interface Invariant<M = unknown, I = unknown> {
  /** UPPER_SNAKE name, e.g. RO_SLOT_NEVER_WRITABLE. */
  readonly name: string;
  /** One-line statement of what must hold. */
  readonly statement: string;
  /** Where the rule comes from: seed, facts §, kernel function or Arm ARM section. */
  readonly source: string;
  /** The predicate; it notes in `cases` (if given) when the step showed it a case it could reject. */
  check(s: Snapshot<M, I>, cases?: CaseSink): Violation | null;
}
