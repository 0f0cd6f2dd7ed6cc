/** Plain data the report renders for one finding: the IPA space at a step and the outcome table. */
import type { Maplet } from '../model/types';

/** A memslot as the picture draws it. */
export interface SlotBand {
  id: number;
  gpa: number;
  size: number;
  flags: readonly string[];
}

/** The IPA space at one point of a trace: the model's memslots and the impl's decoded stage 2. */
export interface IpaView {
  slots: SlotBand[];
  maplets: Maplet[];
}

/** One step of the outcome table (model vs impl). */
export interface OutcomeRow {
  index: number;
  op: string;
  /** The step's fields other than op, one line. */
  args: string;
  model: string;
  impl: string;
  /** Outcomes differ, an expect failed, or the violation is at this step. */
  bad: boolean;
  note?: string;
}

/** Everything the HTML shows for one finding beyond its summary entry. */
export interface FindingDetail {
  /** The outcome table up to and including the failing step. */
  rows: OutcomeRow[];
  /** IPA space before and after the failing step (null when the engine could not replay it). */
  before: IpaView | null;
  after: IpaView | null;
  /** What the model (the specification) installed over the impl's mapped ranges after the failing step. */
  model?: IpaView | null;
  /** After the failing step: notifier state, faults in flight, the access's ESR and host PTE, the step's effects (cli/stateLines.ts). */
  state?: string[];
  /** The same after the step before it: what the failing step started from (a fault in flight and the seq it sampled). */
  stateBefore?: string[];
  /** The violating page's IPA, if the violation names one. */
  highlight: number | null;
  /** The violated invariant's one-line message. */
  message: string;
}
