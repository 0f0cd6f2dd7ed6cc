/** io_mem_abort: MMIO exit with a syndrome; without one, inject (pVM), NISV exit, or ENOSYS (facts §15.7). */
import type { AbortSyndrome } from '../../model/arch/esr';
import type { Outcome } from '../../model/types';
import type { KvmCore } from './state';

const ENOSYS: Outcome = Object.freeze({ kind: 'enosys' });
const INJECT_DABT: Outcome = Object.freeze({ kind: 'injectDabt' });

/**
 * ISV = 0: protected VM → inject a data abort; KVM_CAP_ARM_NISV_TO_USER → KVM_EXIT_ARM_NISV;
 * otherwise KVM_RUN fails with -ENOSYS. ISV = 1: KVM_EXIT_MMIO {ipa, len, is_write = WnR}.
 * Source: io_mem_abort, arch/arm64/kvm/mmio.c.
 */
export function ioMemAbort(core: KvmCore, ipa: number, syn: AbortSyndrome): Outcome {
  if (!syn.isv) {
    if (core.config.protectedVm) return INJECT_DABT;
    if (core.config.nisvToUser) return { kind: 'nisv', ipa };
    core.counters.failedRuns++;
    return ENOSYS;
  }
  core.counters.mmioExits++;
  return { kind: 'mmio', ipa, len: syn.len, write: syn.wnr };
}
