/** The one zod schema of `s2check-trace/1` (DESIGN §3–§4): config, steps (one strict variant per op), expect, found. */
import { z } from 'zod';
import { ACCESS_KINDS, HOST_THP } from '../../model/types';
import { BUG_NAMES } from '../../impl/bugs';
import { KERNEL_PROFILES } from '../../model/kernelProfiles';
import { hexSchema } from './hex';
import {
  DATA_VIEWS, EFFECTIVE_MEMTYPES, ERRNOS, MEMSLOT_FLAGS, MEMTYPES, OUTCOME_KINDS, PGPROTS, S1_MEMTYPES, TRACE_FORMAT, VMA_KINDS, VMA_PROTS,
} from './vocab';

const nat = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** KVM_SET_USER_MEMORY_REGION.slot is a u32 (bits 31:16 address space, 15:0 id). */
const u32 = z.number().int().nonnegative().max(2 ** 32 - 1);
/** KVM_MAX_VCPUS on arm64 is 512. */
const vcpu = z.number().int().nonnegative().max(511);
const accessKind = z.enum(ACCESS_KINDS);
const bugName = z.string().refine((b) => (BUG_NAMES as readonly string[]).includes(b), (b) => ({
  message: `unknown historical bug ${JSON.stringify(b)} (known: ${BUG_NAMES.join(', ')})`,
}));

/** `config` (DESIGN §2, model/types.ts Config). */
export const configSchema = z.object({
  granule: z.union([z.literal(4096), z.literal(16384), z.literal(65536)], { errorMap: () => ({ message: 'expected one of 4096, 16384, 65536' }) }),
  iaBits: z.number().int().min(32).max(48),
  fwb: z.boolean(),
  dic: z.boolean(),
  nisvToUser: z.boolean(),
  cmoPolicy: z.enum(['mainline', 'proposal2021']),
  protectedVm: z.boolean().optional(),
  hwAccessFlag: z.boolean().optional(),
  tlbiRange: z.boolean().optional(),
  eagerSplit: z.boolean().optional(),
  kernel: z.enum(KERNEL_PROFILES).optional(),
  thp: z.enum(HOST_THP).optional(),
  bugs: z.array(bugName),
}).strict();

/** `expect` of a step (DESIGN §4); keys in canonical order. */
export const expectSchema = z.object({
  outcome: z.enum(OUTCOME_KINDS),
  errno: z.enum(ERRNOS).optional(),
  mmio: z.object({ ipa: hexSchema, len: nat, write: z.boolean() }).strict().optional(),
  dirty: z.array(nat).optional(),
  mapped: z.boolean().optional(),
  writable: z.boolean().optional(),
  exec: z.boolean().optional(),
  memtype: z.enum(MEMTYPES).optional(),
  effective: z.enum(EFFECTIVE_MEMTYPES).optional(),
  size: hexSchema.optional(),
  data: z.enum(DATA_VIEWS).optional(),
}).strict();

/** One op's strict variant: `op`, its fields in DESIGN §3 order, then the optional `expect`. */
function variant<Op extends string, S extends z.ZodRawShape>(op: Op, shape: S) {
  return z.object({ op: z.literal(op), ...shape, expect: expectSchema.optional() }).strict();
}

const range = { hva: hexSchema, size: hexSchema };

/** Every op of DESIGN §3, in table order. */
export const STEP_VARIANTS = [
  variant('setMemslot', { slot: u32, gpa: hexSchema, size: hexSchema, hva: hexSchema, flags: z.array(z.enum(MEMSLOT_FLAGS)) }),
  variant('getDirtyLog', { slot: u32 }),
  variant('clearDirtyLog', { slot: u32, first: nat, count: nat }),
  variant('mmap', {
    hva: hexSchema, size: hexSchema, prot: z.enum(VMA_PROTS), kind: z.enum(VMA_KINDS), pgprot: z.enum(PGPROTS).optional(),
    allowAnyUncached: z.boolean().optional(), pa: hexSchema.optional(), hugeSize: hexSchema.optional(), uffd: z.boolean().optional(),
  }),
  variant('munmap', range),
  variant('mprotect', { ...range, prot: z.enum(VMA_PROTS) }),
  variant('madviseDontneed', range),
  variant('migrate', { hva: hexSchema }),
  variant('thpCollapse', { hva: hexSchema }),
  variant('thpSplit', { hva: hexSchema }),
  variant('vmmWrite', { hva: hexSchema }),
  variant('invalidateBegin', range),
  variant('invalidateEnd', { id: nat }),
  variant('access', { vcpu, ipa: hexSchema, kind: accessKind, s1: z.enum(S1_MEMTYPES).optional() }),
  variant('faultBegin', { vcpu, ipa: hexSchema, kind: accessKind }),
  variant('faultCommit', { vcpu }),
  variant('age', range),
  variant('testAge', range),
  variant('ioremap', { ipa: hexSchema, pa: hexSchema, size: hexSchema, writable: z.boolean() }),
  variant('setOwner', { ipa: hexSchema, size: hexSchema, owner: z.number().int().min(0).max(255) }),
  variant('hostAccess', { ipa: hexSchema, kind: accessKind }),
] as const;

/** A step as the trace holds it (hex strings). */
export const stepSchema = z.discriminatedUnion('op', [...STEP_VARIANTS]);

/** Written by the fuzzer (DESIGN §4, style-anchors item 12): enough for fc replay and plain replay. */
export const foundSchema = z.object({
  invariant: z.string().min(1),
  step: nat,
  seed: z.number().int(),
  path: z.string(),
  replayPath: z.string().optional(),
  message: z.string().optional(),
  /** The enabled historical bugs this finding needs: with any one of them off, the trace runs clean to its failing step. */
  cause: z.array(z.string().min(1)).optional(),
  /** The registered kernel finding this is (reports/kernelFindings.ts): the impl took its path at the failing step. */
  known: z.string().min(1).optional(),
}).strict();

/**
 * Written by the policy diff (properties/diff): the trace's config and its `expect` values are
 * configuration A's; B is the same config with `b` merged over it, and `resultB` is what the impl
 * showed under B at `step`, the first step whose guest-visible result differs.
 */
export const differenceSchema = z.object({
  step: nat,
  class: z.string().min(1),
  a: configSchema.partial(),
  b: configSchema.partial(),
  resultB: expectSchema.partial(),
}).strict();

/** The whole trace. */
export const traceSchema = z.object({
  format: z.literal(TRACE_FORMAT),
  config: configSchema,
  steps: z.array(stepSchema),
  found: foundSchema.optional(),
  difference: differenceSchema.optional(),
}).strict();

export type TraceConfig = z.infer<typeof configSchema>;
export type TraceExpect = z.infer<typeof expectSchema>;
export type TraceStep = z.infer<typeof stepSchema>;
export type TraceFound = z.infer<typeof foundSchema>;
export type TraceDifference = z.infer<typeof differenceSchema>;
export type Trace = z.infer<typeof traceSchema>;
/** The op names (DESIGN §3). */
export type OpName = TraceStep['op'];
export const OP_NAMES: readonly OpName[] = STEP_VARIANTS.map((v) => v.shape.op.value);

/** The strict variant of `op` (its `.shape` key order is the serialization order). */
export function variantOf(op: OpName): (typeof STEP_VARIANTS)[number] {
  const v = STEP_VARIANTS.find((s) => s.shape.op.value === op);
  if (!v) throw new RangeError(`unknown op ${op}`);
  return v;
}
