/** Kernel error codes the page-table library returns, as negative numbers (include/uapi/asm-generic/errno*.h). */
export const E2BIG = -7;
export const EAGAIN = -11;
export const ENOMEM = -12;
export const EINVAL = -22;
export const ERANGE = -34;

const NAMES: Record<number, string> = { [E2BIG]: 'E2BIG', [EAGAIN]: 'EAGAIN', [ENOMEM]: 'ENOMEM', [EINVAL]: 'EINVAL', [ERANGE]: 'ERANGE' };

/** Name of a return code for messages: 0 → 'OK'. */
export const errnoName = (ret: number): string => (ret === 0 ? 'OK' : NAMES[ret] ?? String(ret));
