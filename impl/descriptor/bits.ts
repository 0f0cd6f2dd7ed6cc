/**
 * The only raw stage-2 descriptor bits in s2check (kvm-s2-facts §2; Arm ARM D8.3 "VMSAv8-64
 * translation table format descriptors").
 *
 * Naming key: a descriptor is stored as two 32-bit words, LO = bits [31:0] and HI = bits [63:32].
 *   S2_LO_<FIELD>          single-bit mask inside the LO word (bit position = architectural bit)
 *   S2_HI_<FIELD>          single-bit mask inside the HI word (architectural bit − 32)
 *   S2_<FIELD>_SHIFT       position of a multi-bit field inside its word
 *   S2_<FIELD>_MASK        mask of that field inside its word, already shifted
 *   S2_<FIELD>_<VALUE>     a field value, unshifted
 * Nothing outside impl/descriptor/ may use these constants or hex masks on descriptor words;
 * impl/descriptor/noRawBits.test.ts enforces it.
 */

/** Bit 0: valid. */
export const S2_LO_VALID = 0x1;
/** Bit 1: table (levels < last) or page (last level); clear = block. */
export const S2_LO_TYPE = 0x2;

/** Bits [5:2]: stage-2 MemAttr. */
export const S2_MEMATTR_SHIFT = 2;
export const S2_MEMATTR_MASK = 0x3c;
/** MemAttr values, non-FWB (facts §2.3). */
export const S2_MEMATTR_NORMAL_WB = 0xf;
export const S2_MEMATTR_NORMAL_NC = 0x5;
export const S2_MEMATTR_DEVICE_nGnRE = 0x1;
/** MemAttr values under HCR_EL2.FWB = 1 (FEAT_S2FWB). */
export const S2_MEMATTR_FWB_NORMAL_WB = 0x6;
export const S2_MEMATTR_FWB_NORMAL_NC = 0x5;
export const S2_MEMATTR_FWB_DEVICE_nGnRE = 0x1;

/** Bit 6: S2AP[0], read. */
export const S2_LO_S2AP_R = 0x40;
/** Bit 7: S2AP[1], write. */
export const S2_LO_S2AP_W = 0x80;
/** Bits [9:8]: shareability. */
export const S2_SH_SHIFT = 8;
export const S2_SH_MASK = 0x300;
export const S2_SH_INNER = 0x3;
/** Bit 10: access flag. */
export const S2_LO_AF = 0x400;
/** Bits [11:2]: the LO attribute field a leaf may carry. */
export const S2_LO_ATTR_MASK = 0xffc;

/** Bits [47:32] of the output address live in HI [15:0]; LO holds OA [31:PAGE_SHIFT]. */
export const S2_HI_OA_MASK = 0xffff;
/** Architectural OA width without LPA/LPA2: 48 bits. */
export const S2_OA_BITS = 48;

/** Bit 51: DBM (never set by KVM stage 2). */
export const S2_HI_DBM = 0x80000;
/** Bit 52: Contiguous (never set by KVM stage 2). */
export const S2_HI_CONT = 0x100000;
/** Bit 54: XN (execute never), single-bit form. */
export const S2_HI_XN = 0x400000;
/** Bits [58:55]: software bits SW0..SW3. */
export const S2_SW_SHIFT = 23;
export const S2_SW_MASK = 0x7800000;
/** Bits [63:50]: the HI attribute field a leaf may carry (architectural [63:50] − 32). */
export const S2_HI_ATTR_MASK = 0xfffc0000;

/** Invalid entries: owner annotation in bits [9:2] (facts §2.4). */
export const S2_OWNER_SHIFT = 2;
export const S2_OWNER_MASK = 0x3fc;
/** Largest owner id the 8-bit field holds; KVM_MAX_OWNER_ID (mainline) is 1. */
export const S2_OWNER_FIELD_MAX = 0xff;
/** Invalid entries: bit 10, KVM_INVALID_PTE_LOCKED, transient during break-before-make. */
export const S2_LO_LOCKED = 0x400;
