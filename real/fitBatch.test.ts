/** real fuzz sizes its last batches to the time left (fitBatch), so `--time` ends near its budget. */
import { fitBatch } from './fuzz';

describe('fitBatch', () => {
  test('the first batch, with no pace measured yet, is full', () => {
    expect(fitBatch(300, 1000, null)).toBe(300);
  });

  test('full while a full batch fits in the time left', () => {
    expect(fitBatch(300, 60_000, 100)).toBe(300); // 300 traces × 100 ms = 30 s ≤ 60 s
  });

  test('near the end: as many traces as fit at the last pace', () => {
    expect(fitBatch(300, 12_000, 100)).toBe(120);
  });

  test('stop when fewer than a useful minimum fit', () => {
    expect(fitBatch(300, 1_500, 100)).toBe(0);
    expect(fitBatch(300, -5, 100)).toBe(0);
  });
});
