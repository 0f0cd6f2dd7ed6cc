/** Non-vacuous coverage: how many steps showed each invariant a case it could reject (issue 15), counted over every step of every run. */
import type { CaseSink } from '../invariants/types';

/** Counts, per invariant, the steps on which its check noted a case (at most one per step). */
export class CaseCounter implements CaseSink {
  /** Invariant name → steps that showed it a case. */
  readonly counts: Record<string, number> = {};
  private readonly seen = new Set<string>();

  /** A new step begins: each invariant may count once more. */
  nextStep(): void {
    this.seen.clear();
  }

  saw(invariant: string): void {
    if (this.seen.has(invariant)) return;
    this.seen.add(invariant);
    this.counts[invariant] = (this.counts[invariant] ?? 0) + 1;
  }
}
