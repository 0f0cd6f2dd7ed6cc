/** Typed findings of the structural checks over a stage-2 table (kvm-s2-facts §21 items 1–15). */

/** Which check produced a problem. */
export type CheckName = 'refcount' | 'emptyTable' | 'placement' | 'encoding' | 'bbm' | 'walk';

/** One violated rule: never thrown, always returned in a list. */
export interface Problem {
  check: CheckName;
  /** Stable machine-readable reason, e.g. 'refcountMismatch', 'blockLevel', 'bbmNoTlbi'. */
  code: string;
  message: string;
  /** IPA of the start of the offending entry's span, when there is one. */
  ipa?: number;
  level?: number;
  /** Table page index in the pool, when the problem is about a page. */
  page?: number;
  /** Index into the effects log, for BBM problems. */
  event?: number;
}

/** Hex for messages. */
export const hex = (n: number): string => '0x' + n.toString(16);
