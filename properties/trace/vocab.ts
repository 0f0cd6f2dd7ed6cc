/** Enumerations of the trace vocabulary as runtime lists (DESIGN §3), each checked against model/types.ts. */
import type { DataView, EffectiveMemType, Errno, MemType, MemslotFlag, Outcome, PgProt, S1MemType, VmaKind, VmaProt } from '../../model/types';

/** Compile-time proof that a runtime list names every member of the union `T` (a missing one is a type error). */
const covering = <T>() => <const L extends readonly T[]>(list: L & ([Exclude<T, L[number]>] extends [never] ? unknown : ['missing', Exclude<T, L[number]>])): L => list;

export const MEMSLOT_FLAGS = covering<MemslotFlag>()(['READONLY', 'LOG_DIRTY']);
export const VMA_PROTS = covering<VmaProt>()(['none', 'r', 'rw']);
export const VMA_KINDS = covering<VmaKind>()(['anon', 'file', 'hugetlb', 'pfnmap']);
export const PGPROTS = covering<PgProt>()(['normal', 'nc', 'device', 'device_nGnRnE']);
export const S1_MEMTYPES = covering<S1MemType>()(['normal', 'nc', 'device']);
export const MEMTYPES = covering<MemType>()(['normal', 'nc', 'device']);
export const EFFECTIVE_MEMTYPES = covering<EffectiveMemType>()([
  'normal-wb', 'normal-wt', 'normal-nc', 'device-nGnRnE', 'device-nGnRE', 'device-nGRE', 'device-GRE',
]);
export const DATA_VIEWS = covering<DataView>()(['current', 'stale', 'not-backing']);
export const ERRNOS = covering<Errno>()([
  'EINVAL', 'EEXIST', 'EFAULT', 'ENOENT', 'ENOMEM', 'EPERM', 'ENXIO', 'ERANGE', 'EAGAIN', 'EBUSY',
]);

/** Outcome names (DESIGN §3), the `kind` of model/types.ts `Outcome`. */
export const OUTCOME_KINDS = covering<Outcome['kind']>()([
  'ok', 'mmio', 'nisv', 'enosys', 'efault', 'injectDabt', 'injectPabt', 'skip', 'sigbus', 'errno', 'retry', 'livelock',
]);

/** The one trace format version this code reads and writes. */
export const TRACE_FORMAT = 's2check-trace/1';
