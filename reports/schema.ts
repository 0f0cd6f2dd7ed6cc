/** The machine-readable run report `summary.json` (format `s2check-summary/1`): zod schema and types. */
import { z } from 'zod';
import { configSchema } from '../properties/trace';

export const SUMMARY_FORMAT = 's2check-summary/1';

const count = z.number().int().nonnegative();
const counts = z.record(z.string(), count);

/** Generator statistics over the sampled traces: raw counts (mergeable) and shares in [0, 1]. */
export const genStatsSchema = z.object({
  traces: count,
  steps: count,
  /** Steps per op. */
  ops: counts,
  /** access / faultBegin steps per access kind. */
  kinds: counts,
  /** Steps per impl outcome kind. */
  outcomes: counts,
  /** Sampled traces per config value (`granule=16384`, `fwb=true`, ...): the generated config mix. */
  configs: counts.optional(),
  share: z.object({ ops: z.record(z.string(), z.number()), kinds: z.record(z.string(), z.number()), outcomes: z.record(z.string(), z.number()) }),
}).strict();

/** One deduplicated finding (its trace is `file`, an s2check-trace/1 with `found`). */
export const findingEntrySchema = z.object({
  signature: z.string(),
  hash: z.string().regex(/^[0-9a-f]{12}$/),
  file: z.string(),
  invariant: z.string(),
  op: z.string(),
  bugs: z.array(z.string()),
  /** The enabled bugs the finding is attributed to (found.cause); absent when none. */
  cause: z.array(z.string()).optional(),
  step: count,
  steps: count,
  seed: z.number().int(),
  message: z.string(),
  /** How many times this signature was hit in the run (before dedup). */
  hits: count,
  /** The id of the known kernel finding (reports/kernelFindings.ts) this is; absent for a new finding. */
  known: z.string().optional(),
}).strict();

export const summarySchema = z.object({
  format: z.literal(SUMMARY_FORMAT),
  run: z.string(),
  /** The config every trace starts from: DEFAULT_CONFIG and what --config / --bugs pinned. */
  config: configSchema,
  /** Config keys each trace drew for itself (its own config is in its trace); empty when all were pinned. */
  drawnConfig: z.array(z.string()).optional(),
  seed: z.number().int(),
  /** The shards this report covers, as `i/n`. */
  shards: z.array(z.string()),
  workers: count,
  /** Why the run ended; `running` in a checkpoint written while it was still going. */
  stop: z.enum(['time', 'runs', 'signal', 'merged', 'running']),
  interrupted: z.boolean(),
  seconds: z.number().nonnegative(),
  runs: count,
  steps: count,
  stepsPerSecond: z.number().nonnegative(),
  runsPerSecond: z.number().nonnegative(),
  /** Invariant name → how many steps it was checked on (every check runs after every searched step). */
  invariantChecks: counts,
  /** Invariant name → how many of those steps showed it a case it could reject (absent: none counted); 0 is marked in the report. */
  invariantCases: counts.optional(),
  generator: genStatsSchema,
  findings: z.array(findingEntrySchema),
}).strict();

export type GenStatsJson = z.infer<typeof genStatsSchema>;
export type FindingEntry = z.infer<typeof findingEntrySchema>;
export type Summary = z.infer<typeof summarySchema>;

/** Validate a parsed summary; throws a ZodError on a malformed one. */
export const parseSummary = (json: unknown): Summary => summarySchema.parse(json);
