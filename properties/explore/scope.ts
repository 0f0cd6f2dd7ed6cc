/**
 * A finite scope for exhaustive exploration (issue 17): which configs, vCPUs, host VMAs, memslots,
 * accessed IPAs and access kinds, and which other steps exist. It turns into a finite alphabet of
 * concrete steps; `--scope FILE.json` files are validated with zod like traces.
 */
import { z } from 'zod';
import { ACCESS_KINDS, DEFAULT_CONFIG, type Config } from '../../model/types';
import { configSchema, stepSchema, type TraceStep } from '../trace/schema';
import { decodeStep, type Step } from '../trace/codec';
import { issueText, TraceError } from '../trace/parse';

const hex = z.string().regex(/^0x[0-9a-f]+$/, 'expected a lower-case hex string like "0x40000000"');

/** The scope file format. `steps` are other concrete steps (trace step JSON); invalidateEnd needs no id: it ends the oldest open invalidation. */
export const scopeSchema = z.object({
  name: z.string().min(1),
  /** Configs explored one after the other (partial: over the default config). */
  configs: z.array(configSchema.partial()).min(1),
  vcpus: z.number().int().min(1).max(2),
  /** mmap steps that may happen (each also gives a munmap of the same range). */
  vmas: z.array(z.unknown()).min(1),
  /** setMemslot steps that may happen (each slot id also gets a delete). */
  slots: z.array(z.unknown()).min(1),
  ipas: z.array(hex).min(1),
  kinds: z.array(z.enum(ACCESS_KINDS)).min(1),
  /** Split faults: faultBegin on every (vcpu, ipa, kind) and faultCommit on every vCPU. */
  split: z.boolean(),
  steps: z.array(z.unknown()),
}).strict();

export type ScopeFile = z.infer<typeof scopeSchema>;

/** A validated scope: its configs and its alphabet of concrete steps. */
export interface Scope {
  name: string;
  configs: Config[];
  /** Concrete steps, in a fixed order (the order successors are tried in). */
  alphabet: Step[];
  /** The scope as its file would read (printable). */
  file: ScopeFile;
}

/** Marker step of the alphabet: end the oldest open invalidation (resolved against the state). */
export const END_OLDEST = -1;

function stepOf(raw: unknown, field: string, extra: Record<string, unknown> = {}): Step {
  const input = raw !== null && typeof raw === 'object' ? { ...(raw as object), ...extra } : raw;
  const r = stepSchema.safeParse(input);
  if (!r.success) throw new TraceError(field, issueText(r.error.issues[0], input));
  return decodeStep(r.data as TraceStep);
}

/** Validate a scope file (parsed JSON) and build its alphabet; a bad field is one TraceError naming it. */
export function parseScope(json: unknown): Scope {
  const r = scopeSchema.safeParse(json);
  if (!r.success) throw new TraceError('scope', issueText(r.error.issues[0], json));
  const f = r.data;
  const configs = f.configs.map((c) => ({ ...DEFAULT_CONFIG, bugs: [], ...c }) as Config);
  const alphabet: Step[] = [];
  const vmas = f.vmas.map((v, i) => stepOf(v, `scope.vmas[${i}]`));
  for (const [i, v] of vmas.entries()) if (v.op !== 'mmap') throw new TraceError(`scope.vmas[${i}].op`, `expected "mmap", got ${JSON.stringify(v.op)}`);
  const slots = f.slots.map((s, i) => stepOf(s, `scope.slots[${i}]`));
  for (const [i, s] of slots.entries()) if (s.op !== 'setMemslot') throw new TraceError(`scope.slots[${i}].op`, `expected "setMemslot", got ${JSON.stringify(s.op)}`);
  for (const v of vmas) alphabet.push(v);
  for (const v of vmas) if (v.op === 'mmap') alphabet.push({ op: 'munmap', hva: v.hva, size: v.size });
  for (const s of slots) alphabet.push(s);
  for (const id of [...new Set(slots.map((s) => (s.op === 'setMemslot' ? s.slot : 0)))]) {
    const s = slots.find((x) => x.op === 'setMemslot' && x.slot === id);
    if (s?.op === 'setMemslot') alphabet.push({ ...s, size: 0, flags: [] });
  }
  const ipas = f.ipas.map((h) => parseInt(h.slice(2), 16));
  for (let vcpu = 0; vcpu < f.vcpus; vcpu++) for (const ipa of ipas) for (const kind of f.kinds) alphabet.push({ op: 'access', vcpu, ipa, kind });
  if (f.split) {
    for (let vcpu = 0; vcpu < f.vcpus; vcpu++) for (const ipa of ipas) for (const kind of f.kinds) alphabet.push({ op: 'faultBegin', vcpu, ipa, kind });
    for (let vcpu = 0; vcpu < f.vcpus; vcpu++) alphabet.push({ op: 'faultCommit', vcpu });
  }
  f.steps.forEach((s, i) => {
    const bare = s !== null && typeof s === 'object' && (s as { op?: unknown }).op === 'invalidateEnd' && !('id' in s);
    alphabet.push(bare ? { op: 'invalidateEnd', id: END_OLDEST } : stepOf(s, `scope.steps[${i}]`));
  });
  return { name: f.name, configs, alphabet, file: f };
}

const TINY: ScopeFile = {
  name: 'tiny',
  configs: [{}],
  vcpus: 1,
  vmas: [
    { op: 'mmap', hva: '0x7f0000000000', size: '0x200000', prot: 'rw', kind: 'anon' },
    { op: 'mmap', hva: '0x7f0040000000', size: '0x1000', prot: 'rw', kind: 'pfnmap', pa: '0x10000000' },
  ],
  slots: [
    { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: [] },
    { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: ['READONLY'] },
    { op: 'setMemslot', slot: 0, gpa: '0x40000000', size: '0x200000', hva: '0x7f0000000000', flags: ['LOG_DIRTY'] },
    { op: 'setMemslot', slot: 1, gpa: '0x80000000', size: '0x1000', hva: '0x7f0040000000', flags: [] },
    { op: 'setMemslot', slot: 1, gpa: '0x80000000', size: '0x1000', hva: '0x7f0040000000', flags: ['READONLY'] },
  ],
  ipas: ['0x40000000', '0x40001000', '0x80000000', '0x9000000'],
  kinds: ['read', 'write', 'exec', 'dc_ivac'],
  split: false,
  steps: [
    { op: 'munmap', hva: '0x7f0000001000', size: '0x1000' },
    { op: 'mprotect', hva: '0x7f0000000000', size: '0x200000', prot: 'r' },
    { op: 'invalidateBegin', hva: '0x7f0000000000', size: '0x1000' },
    { op: 'invalidateEnd' },
    { op: 'getDirtyLog', slot: 0 },
  ],
};

const SMALL: ScopeFile = {
  ...TINY,
  name: 'small',
  kinds: ['read', 'write', 'exec', 'dc_ivac', 'dc_civac', 's1ptw_read'],
  split: true,
  steps: [...TINY.steps, { op: 'ioremap', ipa: '0x8000000', pa: '0x8000000', size: '0x1000', writable: true }],
};

/** The built-in scopes by name. */
export const SCOPES: Readonly<Record<string, ScopeFile>> = { tiny: TINY, small: SMALL };
