/** Checks of KvmModel's call arguments: bad input is an S2InputError naming the field, never a deep exception. */
import { ACCESS_KINDS, S2InputError, type AccessKind, type S1MemType } from '../types';

const S1_TYPES: readonly string[] = ['normal', 'nc', 'device'];

/** A non-negative integer (addresses, sizes, gfns, vCPU ids); throws S2InputError(field) otherwise. */
export function requireNat(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new S2InputError(field, `not a non-negative integer: ${String(v)}`);
  return v;
}

/** One of ACCESS_KINDS (DESIGN §3); throws S2InputError('kind') otherwise. */
export function requireKind(kind: unknown): AccessKind {
  if (!(ACCESS_KINDS as readonly unknown[]).includes(kind)) throw new S2InputError('kind', `unknown access kind: ${String(kind)}`);
  return kind as AccessKind;
}

/** A guest stage-1 memory type (DESIGN §3); throws S2InputError('s1') otherwise. */
export function requireS1(s1: unknown): S1MemType {
  if (typeof s1 !== 'string' || !S1_TYPES.includes(s1)) throw new S2InputError('s1', `unknown stage-1 memory type: ${String(s1)}`);
  return s1 as S1MemType;
}

/** The (vcpu, ipa, kind) of a guest access, checked. */
export function checkAccess(vcpu: unknown, ipa: unknown, kind: unknown): void {
  requireNat('vcpu', vcpu);
  requireNat('ipa', ipa);
  requireKind(kind);
}
