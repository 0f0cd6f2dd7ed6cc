/** Test helpers for the host-mm tests: a recording MMU-notifier listener and address constants. */
import type { MmuNotifierListener } from './types';

/** Base hva used by the tests: 1 GiB-aligned. */
export const A = 0x7f00_0000_0000;
/** 4K page, 2M PMD, 1G PUD. */
export const P = 0x1000;
export const PMD = 0x20_0000;
export const GIB = 0x4000_0000;

/** Records every notifier call as a string; answers aging with `young`. */
export class Recorder implements MmuNotifierListener {
  readonly events: string[] = [];
  young = false;

  constructor(private readonly tag = '') {}

  invalidateRangeStart(start: number, end: number): void {
    this.events.push(`${this.tag}start ${start.toString(16)}-${end.toString(16)}`);
  }

  invalidateRangeEnd(start: number, end: number): void {
    this.events.push(`${this.tag}end ${start.toString(16)}-${end.toString(16)}`);
  }

  clearFlushYoung(start: number, end: number): boolean {
    this.events.push(`${this.tag}cfy ${start.toString(16)}-${end.toString(16)}`);
    const y = this.young;
    this.young = false;
    return y;
  }

  testYoung(start: number, end: number): boolean {
    this.events.push(`${this.tag}ty ${start.toString(16)}-${end.toString(16)}`);
    return this.young;
  }

  /** Take and clear the recorded events. */
  take(): string[] {
    return this.events.splice(0, this.events.length);
  }
}

/** "start a-b", "end a-b" for one invalidation of [s, e). */
export function inv(s: number, e: number): string[] {
  return [`start ${s.toString(16)}-${e.toString(16)}`, `end ${s.toString(16)}-${e.toString(16)}`];
}
