/**
 * Kernel paths: the places where the impl, following mainline, does what the specification does
 * not permit (each one a registered kernel finding, reports/kernelFindings.ts, by the same id).
 * The impl notes the path it takes during a step; a violation of the finding's invariant at that
 * step is that finding, and any other violation of the same invariant is new. This keeps a patched
 * kernel's new livelock from passing as the known one.
 */
export const KERNEL_PATHS = [
  'pfnmap-block-past-vma',
  'ioremap-in-slot-relaxed',
  'pfnmap-prot-none-mapped',
  'pud-fault-level2-livelock',
  's1ptw-device-livelock',
  'pfnmap-prot-none-livelock',
  'change-pte-in-open-invalidation',
] as const;
export type KernelPath = (typeof KERNEL_PATHS)[number];

/** The paths taken during the current step (cleared by the runner before each step). */
export type KernelPathSet = Set<KernelPath>;
