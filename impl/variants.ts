/**
 * Test-only implementation variants: legitimate KVM choices the specification permits but mainline
 * does not make. They are not historical bugs (impl/bugs.ts) and never appear in a trace: tests and
 * the hidden `--impl-variant` fuzz flag use them to prove that the comparison accepts every choice
 * the model permits.
 */
export const IMPL_VARIANTS = ['pages-only'] as const;

/**
 * `pages-only`: every fault maps a single page (force_pte; no PUD/PMD from the VMA, no THP
 * upgrade), as kernels did before block mappings. Smaller leaves mean more faults, and each fault
 * changes the impl's host (write fault-ins, COW, pfn allocation) where the model's does not.
 */
export type ImplVariant = (typeof IMPL_VARIANTS)[number];
