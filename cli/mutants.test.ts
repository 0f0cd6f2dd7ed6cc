/** The mutant scoreboard on one behaviour: found, with runs, seconds, shrunk length and the registry's invariant. */
import { mutantsMain, type MutantRow } from './mutants';
import { runMain } from './testkit';

test('--only zero-page-device-rw --json: found, ZERO_PAGE invariant, short shrunk trace; exit 0', async () => {
  const r = await runMain(mutantsMain, ['--only', 'zero-page-device-rw', '--time-per-bug', '30s', '--json']);
  const rows = JSON.parse(r.stdout.join('\n')) as MutantRow[];
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ name: 'zero-page-device-rw', found: true, invariant: 'ZERO_PAGE_NEVER_WRITABLE_OR_DEVICE' });
  expect(rows[0].runs).toBeGreaterThan(0);
  expect(rows[0].shrunkSteps).toBeGreaterThan(0);
  expect(rows[0].shrunkSteps).toBeLessThanOrEqual(10);
  expect(Object.keys(rows[0]).sort()).toEqual(['found', 'invariant', 'name', 'runs', 'seconds', 'shrunkSteps']);
  expect(r.code).toBe(0);
}, 60_000);

test('a behaviour not found in its budget: exit 1, listed as missed', async () => {
  const r = await runMain(mutantsMain, ['--only', 'wrprotect-without-tlbi', '--time-per-bug', '1ms']);
  expect(r.code).toBe(1);
  expect(r.stdout.join('\n')).toMatch(/NOT FOUND wrprotect-without-tlbi[\s\S]*missed: wrprotect-without-tlbi/);
});
