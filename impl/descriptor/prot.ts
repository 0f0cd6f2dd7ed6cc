/** The stage-2 library's abstract protection flags (enum kvm_pgtable_prot, kvm_pgtable.h; facts §3.1). */

export const PROT_X = 1 << 0;
export const PROT_W = 1 << 1;
export const PROT_R = 1 << 2;
export const PROT_DEVICE = 1 << 3;
export const PROT_NORMAL_NC = 1 << 4;
export const PROT_RW = PROT_R | PROT_W;
export const PROT_RWX = PROT_RW | PROT_X;

/** A prot value: an OR of the PROT_* flags above (software bits are not modelled). */
export type Prot = number;
