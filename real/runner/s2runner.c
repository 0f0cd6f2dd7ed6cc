/*
 * s2check real-kernel runner: the static aarch64 /init of a throwaway initramfs. It reads a batch of
 * traces from /traces.txt (written by real/encode.ts), runs each on a fresh KVM VM through raw ioctls,
 * and prints one JSON object per line on the console (read by real/qemu.ts from the console file), then powers off.
 *
 * Trace encoding (one token list per line, numbers in hex without 0x):
 *   T <index> <iaBits> <nisvToUser 0|1> <thp 0 never|1 always> <window> <l0-count> <l0-index>...   a trace starts:
 *                             the host's transparent_hugepage/enabled set as asked, then a new VM
 *   M <hva> <size> <prot 0 none|1 r|3 rw> <kind a anon|f file|h hugetlb> <hugeSize> <uffd 0|1>
 *                             (uffd: userfaultfd MISSING over the VMA; a handler thread supplies zero pages by UFFDIO_COPY)
 *   M <hva> <size> <prot> p <offset> <wc 0|1>   pfnmap: the PCI BAR's sysfs resource2 (wc: resource2_wc) at offset
 *   U <hva> <size>            munmap
 *   P <hva> <size> <prot>     mprotect
 *   D <hva> <size>            madvise(MADV_DONTNEED)
 *   K <hva>                   madvise(MADV_COLLAPSE) of the 2 MiB range holding hva
 *   W <hva>                   the VMM stores to the 4 KiB page holding hva: every 8-byte word becomes DESC_ARMED
 *                             (a stage-1 page descriptor with AF clear, see below); a SIGSEGV is EFAULT, a SIGBUS sigbus
 *   S <slot> <flags> <gpa> <size> <hva>   KVM_SET_USER_MEMORY_REGION (flags: 1 LOG_DIRTY, 2 READONLY)
 *   G <slot>                  KVM_GET_DIRTY_LOG
 *   C <slot> <first> <count>  KVM_CLEAR_DIRTY_LOG with an all-ones bitmap
 *   A <vcpu> <ipa> <kind> <s1>  a guest access (kind: a snippet name below, or s1ptw_read / s1ptw_write / at: a
 *                             stage-1 walk whose level-3 descriptor read is at <ipa>; s1ptw_write runs with TCR_EL1.HA
 *                             set, so a valid descriptor with AF clear there (a W line wrote it) is written back by the
 *                             walker; s1: n normal, d Device-nGnRE, c Normal-NC, through a TTBR1 alias with that attribute)
 *   E                         the trace ends: VM torn down, host mappings unmapped
 * With an executable /repro in the initramfs (a reproducer under test), /init runs it instead, with S2_BAR
 * set to the BAR's device directory, and prints {"t":"exit","code":N}.
 * Output: {"t":"start",...} once, {"t":"trace","i":N[,"err":...]} per trace, {"t":"step","i":N,"s":K,"k":...}
 * per step, {"t":"end"} last. Outcome k: ok | mmio (a, l, w) | nisv (a) | errno (e) | exc (esr) | timeout | exit (n)
 * | sigbus | noha (s1ptw_write on a CPU without FEAT_HAFDBS). A load (read, ld_preidx) that completes adds
 * "v": the 64-bit value it read (x2), in hex.
 *
 * Guest: one or two vCPUs at EL1 with the stage-1 MMU on: TTBR0 maps every IPA the trace touches
 * 1:1 with 1 GiB Normal write-back blocks; its tables and the code live in a private RW memslot at
 * <window> (2 MiB, id PRIV_SLOT) that the trace never touches. A snippet does its access at x0, then
 * stores to DONE (<window> + 2 MiB, no memslot: an MMIO exit that ends the step). The exception vector
 * stores ESR_EL1 to REPORT, so injected aborts are seen.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/memfd.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef S2_STANDALONE
/* The exported reproducer (npm run real -- export): step lines are checked against S2_EXPECT, not printed. */
#include <stdarg.h>
static int s2_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define printf s2_printf
#endif

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#define PRIV_SLOT 32000u
#define PRIV_SIZE 0x200000UL
#define VEC_OFF 0x800UL
#define L0_OFF 0x1000UL
#define L1_OFF 0x2000UL
/* TTBR1 (VA 0xffff...): rebuilt per access for a Device / Normal-NC alias or a walk through a trace page. */
#define T1_L0_OFF 0x14000UL
#define T1_L1_OFF 0x15000UL
#define T1_L2_OFF 0x16000UL
#define T1_BASE 0xffff000000000000UL
#define MAX_VCPUS 2
#define MAX_MAPS 256
#define STEP_TIMEOUT_US 500000
/* A trace that maps a 1 GiB hugetlb page: the kernel zeroes it on the first fault, which takes
 * seconds under TCG; its steps get this much longer before they count as a livelock. */
#define STEP_TIMEOUT_GIANT_US 5000000
static long step_timeout_us = STEP_TIMEOUT_US;

/* ---- guest code: snippets (x0 = target, x1 = value, x5 = DONE, x7 = REPORT) ---- */
__asm__(".pushsection .rodata.guest,\"a\"\n"
        ".balign 16\n.global g_begin\ng_begin:\n"
#define SNIP(name, body) ".balign 16\n.global " #name "\n" #name ":\n" body "\n"
        SNIP(g_read, "ldr x2, [x0]\n str xzr, [x5]\n b .")
        SNIP(g_write, "str x1, [x0]\n str xzr, [x5]\n b .")
        SNIP(g_ld_preidx, "ldr x2, [x0, #0]!\n str xzr, [x5]\n b .")
        SNIP(g_st_preidx, "str x1, [x0, #0]!\n str xzr, [x5]\n b .")
        SNIP(g_cas, ".arch_extension lse\n cas x1, x2, [x0]\n str xzr, [x5]\n b .")
        SNIP(g_dc_zva, "dc zva, x0\n str xzr, [x5]\n b .")
        SNIP(g_exec, "blr x0\n str xzr, [x5]\n b .")
        SNIP(g_dc_civac, "dc civac, x0\n str xzr, [x5]\n b .")
        SNIP(g_dc_ivac, "dc ivac, x0\n str xzr, [x5]\n b .")
        SNIP(g_dc_cvac, "dc cvac, x0\n str xzr, [x5]\n b .")
        SNIP(g_vec, "mrs x6, esr_el1\n str x6, [x7]\n b .")
        SNIP(g_at, "at s1e1r, x0\n isb\n str xzr, [x5]\n b .")
        /* TTBR1 tables were rewritten: drop stale stage-1 entries, then run the snippet at x3. */
        SNIP(g_tlbi, "tlbi vmalle1\n dsb nsh\n isb\n br x3")
        ".balign 16\n.global g_end\ng_end:\n.popsection\n");
extern const char g_begin[], g_end[], g_read[], g_write[], g_ld_preidx[], g_st_preidx[], g_cas[], g_dc_zva[],
    g_exec[], g_dc_civac[], g_dc_ivac[], g_dc_cvac[], g_vec[], g_at[], g_tlbi[];

static const struct { const char *name; const char *code; } SNIPS[] = {
    {"read", g_read}, {"write", g_write}, {"ld_preidx", g_ld_preidx}, {"st_preidx", g_st_preidx},
    {"cas", g_cas}, {"dc_zva", g_dc_zva}, {"exec", g_exec}, {"dc_civac", g_dc_civac},
    {"dc_ivac", g_dc_ivac}, {"dc_cvac", g_dc_cvac}, {"s1ptw_read", g_read}, {"s1ptw_write", g_read}, {"at", g_at},
};

/* The word a W line stores: a level-3 page descriptor (ARM ARM D8.3) for the runner's own window (so a
 * walk that goes through it reads the runner's code), inner shareable, attr0, AF (bit 10) clear. */
#define DESC_ARMED(win) ((win) | (3UL << 8) | 0x3UL)

static int kvm_fd = -1, vm_fd = -1;
static int vcpu_fd[MAX_VCPUS];
static struct kvm_run *vrun[MAX_VCPUS];
static int run_size;
static unsigned char *priv;
static uint64_t window, done_ipa, report_ipa;
static struct { uint64_t hva, size; } maps[MAX_MAPS];
static int nmaps;
static struct { uint32_t id; uint64_t npages; } slots[64];
/* userfaultfds of the current trace's uffd VMAs (page size each), served by uffd_thread; `ugen` changes at teardown. */
static int uffds[MAX_MAPS];
static uint64_t uffd_psize[MAX_MAPS];
static int nuffd;
static unsigned ugen;
static pthread_mutex_t ulock = PTHREAD_MUTEX_INITIALIZER;
/* Pages the VMM wrote (W lines) in this trace: the uffd handler supplies them as written, as
 * page_fault_test's handler copies the snapshot it took, and every other page as zeros. */
static uint64_t written[MAX_MAPS];
static int nwritten;
/* The ivshmem-plain BAR 2 (QEMU -device ivshmem-plain): a PCI memory BAR whose sysfs resource files mmap as VM_PFNMAP | VM_IO. */
static char bar_dir[256];
static __attribute__((unused)) uint64_t bar_pa; /* BAR2's physical address */
static int nslots;

static const char *errname(int e) {
  switch (e) {
  case EINVAL: return "EINVAL"; case EEXIST: return "EEXIST"; case EFAULT: return "EFAULT";
  case ENOENT: return "ENOENT"; case ENOSYS: return "ENOSYS"; case EINTR: return "EINTR";
  case EPERM: return "EPERM"; case ENOMEM: return "ENOMEM"; case ERANGE: return "ERANGE";
  case EAGAIN: return "EAGAIN"; case ENXIO: return "ENXIO"; case EBUSY: return "EBUSY";
  case E2BIG: return "E2BIG"; case EHWPOISON: return "EHWPOISON"; case ENOEXEC: return "ENOEXEC";
  default: return "E?";
  }
}

static __attribute__((unused)) void power_off(void) {
  fflush(stdout);
  sync();
  reboot(RB_POWER_OFF);
  for (;;) pause();
}

static __attribute__((unused)) void fatal(const char *what, int e) {
  printf("{\"t\":\"fatal\",\"what\":\"%s\",\"errno\":\"%s\"}\n", what, errname(e));
  power_off();
}

static void on_alarm(int sig) { (void)sig; }

#define CORE_REG(x) (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | (offsetof(struct kvm_regs, x) / sizeof(__u32)))
static int set_reg(int fd, uint64_t id, uint64_t val) {
  struct kvm_one_reg r = {.id = id, .addr = (uint64_t)&val};
  return ioctl(fd, KVM_SET_ONE_REG, &r) < 0 ? errno : 0;
}
#define SCTLR_EL1 ARM64_SYS_REG(3, 0, 1, 0, 0)
#define TTBR0_EL1 ARM64_SYS_REG(3, 0, 2, 0, 0)
#define TTBR1_EL1 ARM64_SYS_REG(3, 0, 2, 0, 1)
#define TCR_EL1 ARM64_SYS_REG(3, 0, 2, 0, 2)
#define MAIR_EL1 ARM64_SYS_REG(3, 0, 10, 2, 0)
#define VBAR_EL1 ARM64_SYS_REG(3, 0, 12, 0, 0)

#define ID_AA64MMFR1_EL1 ARM64_SYS_REG(3, 0, 0, 7, 1)
/* 4K granules, 48-bit VAs both halves, walks WBWA inner shareable, IPS 48 bits; TCR_HA (bit 39) is added for s1ptw_write. */
#define TCR_BASE (16UL /* T0SZ */ | (1UL << 8) | (1UL << 10) | (3UL << 12) | (16UL << 16) /* T1SZ */ | (1UL << 24) | \
                  (1UL << 26) | (3UL << 28) | (2UL << 30) /* TG1 4K */ | (5UL << 32))
#define TCR_HA (1UL << 39)
static int vcpu_ha[MAX_VCPUS];
static int vcpu_tcr_ha[MAX_VCPUS]; /* TCR_EL1.HA as last set on each vCPU */

static uint64_t off_of(const char *snip) { return (uint64_t)(snip - g_begin); }

/* Stage 1 (TTBR0): 4K granule, 48-bit VA (walk from level 0), the identity map in 1 GiB Normal WB blocks (MAIR attr0). */
static void build_stage1(int nl0, const uint64_t *l0idx) {
  uint64_t *l0 = (uint64_t *)(priv + L0_OFF);
  memset(l0, 0, 0x1000);
  for (int k = 0; k < nl0; k++) {
    uint64_t i = l0idx[k];
    uint64_t *l1 = (uint64_t *)(priv + L1_OFF + 0x1000UL * k);
    for (uint64_t j = 0; j < 512; j++)
      l1[j] = (i << 39) | (j << 30) | (1UL << 10) /* AF */ | (3UL << 8) /* inner shareable */ | 0x1 /* block */;
    l0[i] = (window + L1_OFF + 0x1000UL * k) | 0x3; /* table */
  }
}

/*
 * The VA a step's snippet uses for `ipa`, rebuilding the TTBR1 tables when it needs them: an alias
 * of the IPA's 512 GiB region with attribute `s1` (1 GiB blocks), or, for a walk (s1ptw_read,
 * s1ptw_write, at), level 0-2 entries leading to ipa's page as a level-3 table, and the VA whose
 * level-3 index makes the walker read the descriptor at ipa (8-byte aligned). Level 3, because
 * QEMU 7.2 reports a stage-2 fault on a stage-1 walk with the stage-1 walk's level (fixed in QEMU
 * 8.1) and KVM sizes a permission fault by its level: a level-3 walk reports what a stage-2 page
 * mapping really faults at. 0: TTBR0's identity map will do.
 */
static uint64_t step_va(uint64_t ipa, int walk, char s1) {
  uint64_t *l0 = (uint64_t *)(priv + T1_L0_OFF), *l1 = (uint64_t *)(priv + T1_L1_OFF), *l2 = (uint64_t *)(priv + T1_L2_OFF);
  if (!walk && s1 != 'd' && s1 != 'c') return 0;
  memset(l0, 0, 0x1000);
  memset(l1, 0, 0x1000);
  if (walk) {
    memset(l2, 0, 0x1000);
    l0[0] = (window + T1_L1_OFF) | 0x3;
    l1[0] = (window + T1_L2_OFF) | 0x3;
    l2[0] = (ipa & ~0xfffUL) | 0x3;
    return T1_BASE + (((ipa & 0xfffUL) >> 3) << 12);
  }
  uint64_t i = (ipa >> 39) & 511, attr = s1 == 'd' ? 1 : 2;
  for (uint64_t j = 0; j < 512; j++) l1[j] = (i << 39) | (j << 30) | (1UL << 10) | (3UL << 8) | (attr << 2) | 0x1;
  l0[i] = (window + T1_L1_OFF) | 0x3;
  return T1_BASE | ipa;
}

static int setup_vcpu(int v) {
  int fd = ioctl(vm_fd, KVM_CREATE_VCPU, v);
  if (fd < 0) return errno;
  struct kvm_vcpu_init init;
  if (ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0 || ioctl(fd, KVM_ARM_VCPU_INIT, &init) < 0) return errno;
  vrun[v] = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (vrun[v] == MAP_FAILED) return errno;
  vcpu_fd[v] = fd;
  int e;
  uint64_t mmfr1 = 0;
  struct kvm_one_reg id = {.id = ID_AA64MMFR1_EL1, .addr = (uint64_t)&mmfr1};
  if (ioctl(fd, KVM_GET_ONE_REG, &id) < 0) return errno;
  vcpu_ha[v] = (mmfr1 & 0xf) != 0; /* HAFDBS: hardware Access flag updates */
  vcpu_tcr_ha[v] = 0;
  /* MAIR: attr0 Normal WB, attr1 Device-nGnRE, attr2 Normal-NC. */
  if ((e = set_reg(fd, MAIR_EL1, 0x4404ff)) || (e = set_reg(fd, TCR_EL1, TCR_BASE)) ||
      (e = set_reg(fd, TTBR0_EL1, window + L0_OFF)) || (e = set_reg(fd, TTBR1_EL1, window + T1_L0_OFF)) ||
      (e = set_reg(fd, VBAR_EL1, window + VEC_OFF)) ||
      (e = set_reg(fd, SCTLR_EL1, 0x30d00800UL | 1 /* M */ | (1UL << 2) /* C */ | (1UL << 12) /* I */)))
    return e;
  return 0;
}

/* Serve MISSING faults of every registered userfaultfd (UFFDIO_COPY: a fresh page, like the model): zeros, or the page as a W line wrote it. */
static void *uffd_thread(void *arg) {
  (void)arg;
  static char src[0x200000] __attribute__((aligned(4096)));
  for (;;) {
    struct pollfd pf[MAX_MAPS];
    pthread_mutex_lock(&ulock);
    int n = nuffd;
    unsigned gen = ugen;
    for (int k = 0; k < n; k++) pf[k] = (struct pollfd){.fd = uffds[k], .events = POLLIN};
    pthread_mutex_unlock(&ulock);
    if (n == 0) { usleep(1000); continue; }
    if (poll(pf, (nfds_t)n, 5) <= 0) continue;
    pthread_mutex_lock(&ulock);
    for (int k = 0; k < n && gen == ugen; k++) {
      if (!(pf[k].revents & POLLIN)) continue;
      struct uffd_msg m;
      if (read(pf[k].fd, &m, sizeof m) != (ssize_t)sizeof m || m.event != UFFD_EVENT_PAGEFAULT) continue;
      uint64_t ps = uffd_psize[k], dst = m.arg.pagefault.address & ~(ps - 1);
      memset(src, 0, ps);
      for (int q = 0; q < nwritten; q++)
        if (written[q] >= dst && written[q] < dst + ps)
          for (uint64_t *d = (uint64_t *)(src + (written[q] - dst)), *e = d + 512; d < e; d++) *d = DESC_ARMED(window);
      struct uffdio_copy c = {.dst = dst, .src = (uint64_t)src, .len = ps, .mode = 0};
      ioctl(pf[k].fd, UFFDIO_COPY, &c); /* EEXIST when another fault raced in first: nothing to do */
    }
    pthread_mutex_unlock(&ulock);
  }
  return NULL;
}

/* Register [hva, hva+size) for MISSING faults; 0 or an errno. */
static int arm_uffd(uint64_t hva, uint64_t size, uint64_t psize) {
  static pthread_t th;
  static int started;
  if (!started) { if (pthread_create(&th, NULL, uffd_thread, NULL)) return EAGAIN; started = 1; }
  int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errno;
  struct uffdio_api api = {.api = UFFD_API};
  struct uffdio_register reg = {.range = {.start = hva, .len = size}, .mode = UFFDIO_REGISTER_MODE_MISSING};
  if (ioctl(fd, UFFDIO_API, &api) < 0 || ioctl(fd, UFFDIO_REGISTER, &reg) < 0) { int e = errno; close(fd); return e; }
  pthread_mutex_lock(&ulock);
  if (nuffd < MAX_MAPS) { uffds[nuffd] = fd; uffd_psize[nuffd] = psize; nuffd++; } else close(fd);
  pthread_mutex_unlock(&ulock);
  return 0;
}

static void teardown(void) {
  pthread_mutex_lock(&ulock);
  for (int k = 0; k < nuffd; k++) close(uffds[k]);
  nuffd = 0;
  ugen++;
  pthread_mutex_unlock(&ulock);
  for (int v = 0; v < MAX_VCPUS; v++) {
    if (vcpu_fd[v] >= 0) { munmap(vrun[v], run_size); close(vcpu_fd[v]); }
    vcpu_fd[v] = -1;
  }
  if (vm_fd >= 0) close(vm_fd);
  vm_fd = -1;
  if (priv) munmap(priv, PRIV_SIZE);
  priv = NULL;
  for (int k = 0; k < nmaps; k++) munmap((void *)maps[k].hva, maps[k].size);
  nmaps = 0;
  nslots = 0;
  nwritten = 0;
}

#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"

/* Set the host's THP policy to `mode` unless it already is; "" when it is, else why not. */
static const char *set_thp(const char *mode) {
  static char why[160];
  char cur[128] = "";
  int fd = open(THP_ENABLED, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { snprintf(why, sizeof why, "cannot read " THP_ENABLED ": %s", errname(errno)); return why; }
  ssize_t n = read(fd, cur, sizeof cur - 1);
  close(fd);
  char want[32];
  snprintf(want, sizeof want, "[%s]", mode);
  if (n > 0 && strstr(cur, want)) return "";
  fd = open(THP_ENABLED, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, mode, strlen(mode)) < 0) {
    snprintf(why, sizeof why, "THP %s: cannot write " THP_ENABLED ": %s (run as root)", mode, errname(errno));
    if (fd >= 0) close(fd);
    return why;
  }
  close(fd);
  return "";
}

/* "T": a fresh VM with the private slot under THP policy `thp`; "" when it worked, else why not. */
static const char *begin_trace(unsigned ia_bits, int nisv, int thp, uint64_t win, int nl0, const uint64_t *l0idx) {
  static char why[96];
  teardown();
  const char *thp_why = set_thp(thp ? "always" : "never");
  if (thp_why[0]) return thp_why;
  step_timeout_us = STEP_TIMEOUT_US;
  vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, ia_bits == 40 ? 0 : KVM_VM_TYPE_ARM_IPA_SIZE(ia_bits));
  if (vm_fd < 0) { snprintf(why, sizeof why, "KVM_CREATE_VM: %s", errname(errno)); return why; }
  if (nisv) {
    struct kvm_enable_cap cap = {.cap = KVM_CAP_ARM_NISV_TO_USER};
    if (ioctl(vm_fd, KVM_ENABLE_CAP, &cap) < 0) { snprintf(why, sizeof why, "KVM_CAP_ARM_NISV_TO_USER: %s", errname(errno)); return why; }
  }
  window = win;
  done_ipa = win + PRIV_SIZE;
  report_ipa = done_ipa + 0x100;
  priv = mmap(NULL, PRIV_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (priv == MAP_FAILED) { priv = NULL; return "mmap of the private window failed"; }
  memcpy(priv, g_begin, (size_t)(g_end - g_begin));
  for (int v = 0; v < 16; v++) memcpy(priv + VEC_OFF + v * 0x80, g_vec, 16);
  build_stage1(nl0, l0idx);
  struct kvm_userspace_memory_region r = {.slot = PRIV_SLOT, .guest_phys_addr = win, .memory_size = PRIV_SIZE, .userspace_addr = (uint64_t)priv};
  if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) { snprintf(why, sizeof why, "private memslot: %s", errname(errno)); return why; }
  return "";
}

static void out_errno(int i, int s, int e) {
  if (e == 0) printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"ok\"}\n", i, s);
  else printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"errno\",\"e\":\"%s\"}\n", i, s, errname(e));
}

/* Find the ivshmem device (vendor 0x1af4, device 0x1110) and enable its memory decoding. */
static __attribute__((unused)) void find_bar(void) {
  char path[512], buf[32];
  for (int d = 0; d < 32 && !bar_dir[0]; d++) {
    snprintf(path, sizeof path, "/sys/bus/pci/devices/0000:00:%02x.0/device", d);
    int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) continue;
    buf[n] = 0;
    if (strtoul(buf, NULL, 16) != 0x1110) continue;
    snprintf(bar_dir, sizeof bar_dir, "/sys/bus/pci/devices/0000:00:%02x.0", d);
    snprintf(path, sizeof path, "%s/enable", bar_dir);
    fd = open(path, O_WRONLY);
    if (fd >= 0) { if (write(fd, "1", 1) < 0) bar_dir[0] = 0; close(fd); }
  }
  if (!bar_dir[0]) return;
  /* BAR2's physical address: the third line of `resource` is "start end flags" */
  char res[1024] = "";
  snprintf(path, sizeof path, "%s/resource", bar_dir);
  int fd = open(path, O_RDONLY);
  ssize_t n = fd >= 0 ? read(fd, res, sizeof res - 1) : -1;
  if (fd >= 0) close(fd);
  if (n > 0) {
    res[n] = 0;
    char *line = res;
    for (int k = 0; k < 2 && line; k++) { line = strchr(line, '\n'); if (line) line++; }
    if (line) bar_pa = strtoull(line, NULL, 16);
  }
}

static void do_mmap(int i, int s, uint64_t hva, uint64_t size, int prot, char kind, uint64_t huge, uint64_t wc) {
  int flags = MAP_FIXED, fd = -1;
  off_t off = 0;
  int pr = (prot & 1 ? PROT_READ : 0) | (prot & 2 ? PROT_WRITE : 0);
  if (kind == 'p') {
    char path[300];
    snprintf(path, sizeof path, "%s/resource2%s", bar_dir, wc ? "_wc" : "");
    fd = bar_dir[0] ? open(path, O_RDWR | O_SYNC) : -1;
    if (fd < 0) { printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"nobar\"}\n", i, s); return; }
    flags |= MAP_SHARED;
    off = (off_t)huge;
  } else if (kind == 'a') flags |= MAP_PRIVATE | MAP_ANONYMOUS;
  else if (kind == 'h') {
    flags |= MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_HUGETLB | ((__builtin_ctzll(huge)) << MAP_HUGE_SHIFT);
    if (huge >= (1ULL << 30)) step_timeout_us = STEP_TIMEOUT_GIANT_US;
  }
  else {
    fd = (int)syscall(SYS_memfd_create, "s2file", 0);
    if (fd < 0 || ftruncate(fd, (off_t)size) < 0) { out_errno(i, s, errno); if (fd >= 0) close(fd); return; }
    flags |= MAP_SHARED;
  }
  void *p = mmap((void *)hva, size, pr, flags, fd, off);
  int e = p == MAP_FAILED ? errno : 0;
  if (fd >= 0) close(fd);
  if (!e && nmaps < MAX_MAPS) { maps[nmaps].hva = hva; maps[nmaps].size = size; nmaps++; }
  if (!e && kind != 'p' && wc) e = arm_uffd(hva, size, kind == 'h' ? huge : 0x1000);
  out_errno(i, s, e);
}

static sigjmp_buf store_jmp;
static volatile sig_atomic_t storing;
static void on_store_fault(int sig) { if (storing) siglongjmp(store_jmp, sig); signal(sig, SIG_DFL); raise(sig); }

/* "W": the VMM's plain stores over the page holding hva, as a VMM loading guest memory does. */
static void do_vmm_write(int i, int s, uint64_t hva) {
  uint64_t page = hva & ~0xfffUL;
  int sig = sigsetjmp(store_jmp, 1);
  if (sig == 0) {
    storing = 1;
    for (volatile uint64_t *d = (volatile uint64_t *)page, *e = d + 512; d < e; d++) *d = DESC_ARMED(window);
  }
  storing = 0;
  if (sig == 0) { /* the handler's copy of what the VMM wrote: a page it stored to in full */
    pthread_mutex_lock(&ulock);
    int k = 0;
    while (k < nwritten && written[k] != page) k++;
    if (k == nwritten && nwritten < MAX_MAPS) written[nwritten++] = page;
    pthread_mutex_unlock(&ulock);
  }
  if (sig == SIGBUS) printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"sigbus\"}\n", i, s);
  else out_errno(i, s, sig ? EFAULT : 0);
}

static uint64_t slot_pages(uint32_t id) {
  for (int k = 0; k < nslots; k++) if (slots[k].id == id) return slots[k].npages;
  return 0;
}

static void do_slot(int i, int s, uint32_t id, uint32_t flags, uint64_t gpa, uint64_t size, uint64_t hva) {
  struct kvm_userspace_memory_region r = {.slot = id, .flags = flags, .guest_phys_addr = gpa, .memory_size = size, .userspace_addr = hva};
  int e = ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? errno : 0;
  if (!e) {
    int k = 0;
    while (k < nslots && slots[k].id != id) k++;
    if (k == nslots && nslots < 64) nslots++;
    if (k < 64) { slots[k].id = id; slots[k].npages = size / 0x1000; }
  }
  out_errno(i, s, e);
}

static void print_bits(int i, int s, const uint64_t *bm, uint64_t npages) {
  printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"ok\",\"d\":[", i, s);
  int first = 1;
  for (uint64_t p = 0; p < npages; p++)
    if (bm[p / 64] >> (p % 64) & 1) { printf(first ? "%llu" : ",%llu", (unsigned long long)p); first = 0; }
  printf("]}\n");
}

static void do_get_log(int i, int s, uint32_t id) {
  uint64_t np = slot_pages(id);
  uint64_t *bm = calloc((np + 63) / 64 + 1, 8);
  struct kvm_dirty_log l = {.slot = id, .dirty_bitmap = bm};
  if (ioctl(vm_fd, KVM_GET_DIRTY_LOG, &l) < 0) out_errno(i, s, errno);
  else print_bits(i, s, bm, np);
  free(bm);
}

static void do_clear_log(int i, int s, uint32_t id, uint64_t first, uint64_t count) {
  uint64_t words = (count + 63) / 64 + 1;
  uint64_t *bm = malloc(words * 8);
  memset(bm, 0xff, words * 8);
  struct kvm_clear_dirty_log c = {.slot = id, .num_pages = (uint32_t)count, .first_page = first, .dirty_bitmap = bm};
  /* The kernel writes back into the bitmap only the bits it cleared. */
  if (ioctl(vm_fd, KVM_CLEAR_DIRTY_LOG, &c) < 0) out_errno(i, s, errno);
  else out_errno(i, s, 0);
  free(bm);
}

/* Complete a pending MMIO (or nothing) so a new PC is not skipped: KVM_RUN with immediate_exit. */
static void settle(int v) {
  vrun[v]->immediate_exit = 1;
  ioctl(vcpu_fd[v], KVM_RUN, 0);
  vrun[v]->immediate_exit = 0;
}

/*
 * Stage-2 faults through tracefs: kvm_handle_guest_abort traces every abort it handles
 * (kvm:kvm_guest_fault); an access step counts those at IPAs of the trace's own memory (not the
 * runner's window, DONE or REPORT) and prints {"t":"faults",...} after its step line.
 */
#define TRACING "/sys/kernel/tracing"
static int tracing_ok, trace_fd = -1;

static __attribute__((unused)) void setup_tracing(void) {
  mkdir(TRACING, 0755);
  mount("tracefs", TRACING, "tracefs", 0, NULL);
  int fd = open(TRACING "/events/kvm/kvm_guest_fault/enable", O_WRONLY | O_CLOEXEC);
  tracing_ok = fd >= 0 && write(fd, "1", 1) == 1;
  if (fd >= 0) close(fd);
  /* trace_pipe, not trace: a consuming non-blocking read costs nothing, while truncating trace resets every CPU's buffer (an RCU grace period) */
  if (tracing_ok) trace_fd = open(TRACING "/trace_pipe", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  tracing_ok = trace_fd >= 0;
}

static uint64_t fault_ipa[8], fault_esr[8]; /* the first IPAs count_faults counted, and their ESRs */

/* Consume the events traced so far; the number of guest faults at the trace's own IPAs, or -1 without tracing. */
static int count_faults(void) {
  static char buf[1 << 16];
  static char part[256];
  if (!tracing_ok) return -1;
  int n = 0;
  ssize_t r;
  size_t keep = strlen(part);
  memcpy(buf, part, keep);
  part[0] = 0;
  while ((r = read(trace_fd, buf + keep, sizeof buf - 1 - keep)) > 0) {
    size_t len = keep + (size_t)r;
    buf[len] = 0;
    char *end = strrchr(buf, '\n');
    if (!end) { keep = len; continue; }
    *end = 0;
    for (char *p = buf; (p = strstr(p, "kvm_guest_fault:")); p++) {
      char *ipa = strstr(p, "ipa ");
      if (!ipa) break;
      uint64_t a = strtoull(ipa + 4, NULL, 16);
      char *esr = strstr(p, "sr 0x");
      if (a < window || a >= window + 2 * PRIV_SIZE) { if (n < 8) { fault_ipa[n] = a; fault_esr[n] = esr ? strtoull(esr + 3, NULL, 16) : 0; } n++; }
    }
    keep = len - (size_t)(end + 1 - buf);
    memmove(buf, end + 1, keep);
  }
  if (keep < sizeof part) { memcpy(part, buf, keep); part[keep] = 0; }
  return n;
}

static int cur_exec; /* the step being run is an exec access (a trap other than an instruction abort then means the fetch worked) */
static int cur_access; /* the step being run is an access: KVM_RUN's ENOSYS / EFAULT are outcomes, not ioctl errnos */
static int cur_walk; /* the step being run is an s1ptw_read: the guest's stage-1 translation or Access flag fault means the walk read its descriptor */

static void do_access(int i, int s, unsigned v, uint64_t ipa, const char *kind, char s1) {
  const char *code = NULL;
  cur_exec = !strcmp(kind, "exec");
  cur_walk = !strcmp(kind, "s1ptw_read");
  cur_access = 1;
  for (size_t k = 0; k < sizeof SNIPS / sizeof SNIPS[0]; k++) if (!strcmp(SNIPS[k].name, kind)) code = SNIPS[k].code;
  if (!code || v >= MAX_VCPUS) { printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"bad\"}\n", i, s); return; }
  if (vcpu_fd[v] < 0) {
    int e = setup_vcpu((int)v);
    if (e) { printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"vcpu\",\"e\":\"%s\"}\n", i, s, errname(e)); return; }
  }
  int fd = vcpu_fd[v];
  struct kvm_run *r = vrun[v];
  int af_update = !strcmp(kind, "s1ptw_write");
  int loads = !strcmp(kind, "read") || !strcmp(kind, "ld_preidx");
  if (af_update && !vcpu_ha[v]) { printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"noha\"}\n", i, s); return; }
  settle((int)v);
  if (vcpu_tcr_ha[v] != af_update) { set_reg(fd, TCR_EL1, TCR_BASE | (af_update ? TCR_HA : 0)); vcpu_tcr_ha[v] = af_update; }
  uint64_t va = step_va(ipa, cur_walk || af_update || !strcmp(kind, "at"), s1);
  set_reg(fd, CORE_REG(regs.pc), window + off_of(va ? g_tlbi : code));
  set_reg(fd, CORE_REG(regs.pstate), 0x3c5); /* EL1h, DAIF masked */
  set_reg(fd, CORE_REG(regs.regs[0]), va ? va : ipa);
  set_reg(fd, CORE_REG(regs.regs[3]), window + off_of(code));
  set_reg(fd, CORE_REG(regs.regs[1]), 0); /* writes store 0: UDF #0, so a later exec of the page traps as undefined */
  set_reg(fd, CORE_REG(regs.regs[2]), 0);
  set_reg(fd, CORE_REG(regs.regs[5]), done_ipa);
  set_reg(fd, CORE_REG(regs.regs[7]), report_ipa);
  int have_mmio = 0;
  uint64_t ma = 0; unsigned ml = 0, mw = 0;
  struct itimerval t = {.it_value = {.tv_sec = step_timeout_us / 1000000, .tv_usec = step_timeout_us % 1000000}};
  setitimer(ITIMER_REAL, &t, NULL);
  for (int n = 0; n < 64; n++) {
    int ret = ioctl(fd, KVM_RUN, 0);
    if (ret < 0) {
      int e = errno;
      struct itimerval z = {0};
      setitimer(ITIMER_REAL, &z, NULL);
      if (e == EINTR) printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"timeout\"}\n", i, s);
      else out_errno(i, s, e);
      return;
    }
    if (r->exit_reason == KVM_EXIT_MMIO) {
      uint64_t a = r->mmio.phys_addr;
      if (a == done_ipa || a == report_ipa) {
        struct itimerval z = {0};
        setitimer(ITIMER_REAL, &z, NULL);
        if (a == report_ipa) {
          uint64_t esr; memcpy(&esr, r->mmio.data, 8);
          printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"exc\",\"esr\":\"0x%llx\"%s}\n", i, s, (unsigned long long)(esr & 0xffffffffULL),
                 have_mmio ? ",\"mmio\":true" : "");
        } else if (have_mmio) {
          printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"mmio\",\"a\":\"0x%llx\",\"l\":%u,\"w\":%u}\n", i, s, (unsigned long long)ma, ml, mw);
        } else if (loads) {
          uint64_t x2 = 0;
          struct kvm_one_reg g = {.id = CORE_REG(regs.regs[2]), .addr = (uint64_t)&x2};
          ioctl(fd, KVM_GET_ONE_REG, &g);
          printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"ok\",\"v\":\"0x%llx\"}\n", i, s, (unsigned long long)x2);
        } else {
          printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"ok\"}\n", i, s);
        }
        return;
      }
      if (!have_mmio) { have_mmio = 1; ma = a; ml = r->mmio.len; mw = r->mmio.is_write; }
      if (!r->mmio.is_write) memset(r->mmio.data, 0, sizeof r->mmio.data);
      continue;
    }
    struct itimerval z = {0};
    setitimer(ITIMER_REAL, &z, NULL);
    if (r->exit_reason == KVM_EXIT_ARM_NISV)
      printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"nisv\",\"a\":\"0x%llx\"}\n", i, s, (unsigned long long)r->arm_nisv.fault_ipa);
    else
      printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"exit\",\"n\":%u}\n", i, s, r->exit_reason);
    return;
  }
  printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"timeout\"}\n", i, s);
}

static uint64_t hx(char **p) { return strtoull(strtok_r(NULL, " \n", p) ?: "0", NULL, 16); }

static void run_lines(FILE *in);

#ifndef S2_STANDALONE
/* Run /repro (a reproducer built from this file with S2_STANDALONE) with S2_BAR set, report its exit code, power off. */
static void run_repro(void) {
  if (bar_dir[0]) setenv("S2_BAR", bar_dir, 1);
  pid_t pid = fork();
  if (pid == 0) { execl("/repro", "repro", (char *)NULL); _exit(127); }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("{\"t\":\"exit\",\"code\":%d}\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  power_off();
}

/* khugepaged would collapse a trace's ranges behind its back under THP=always: scan one PMD range a day, full ones only. */
static void quiet_khugepaged(void) {
  static const struct { const char *file, *value; } K[] = {
    {"pages_to_scan", "1"}, {"max_ptes_none", "0"}, {"scan_sleep_millisecs", "86400000"}, {"alloc_sleep_millisecs", "86400000"}};
  char path[128];
  for (size_t k = 0; k < sizeof K / sizeof K[0]; k++) {
    snprintf(path, sizeof path, "/sys/kernel/mm/transparent_hugepage/khugepaged/%s", K[k].file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, K[k].value, strlen(K[k].value)) < 0) fatal(path, errno);
    close(fd);
  }
}

int main(void) {
  mkdir("/dev", 0755); mkdir("/proc", 0755); mkdir("/sys", 0755);
  mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  mount("proc", "/proc", "proc", 0, NULL);
  mount("sysfs", "/sys", "sysfs", 0, NULL);
  struct stat st;
  if (fstat(1, &st) < 0) { int fd = open("/dev/console", O_RDWR); dup2(fd, 0); dup2(fd, 1); dup2(fd, 2); }
  setvbuf(stdout, NULL, _IOLBF, 0);
  quiet_khugepaged();
  struct sigaction sa = {.sa_handler = on_alarm};
  sigaction(SIGALRM, &sa, NULL); /* no SA_RESTART: KVM_RUN returns EINTR on a guest that never exits */
  struct sigaction sf = {.sa_handler = on_store_fault};
  sigaction(SIGSEGV, &sf, NULL);
  sigaction(SIGBUS, &sf, NULL);
  for (int v = 0; v < MAX_VCPUS; v++) vcpu_fd[v] = -1;
  struct utsname u;
  uname(&u);
  kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm_fd < 0) fatal("open /dev/kvm", errno);
  run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  find_bar();
  setup_tracing();
  if (access("/repro", X_OK) == 0) run_repro(); /* an exported reproducer under test (real/export.ts runReproducer) */
  printf("{\"t\":\"start\",\"kernel\":\"%s\",\"bar\":\"%s\",\"bar_pa\":\"0x%llx\",\"ipa_limit\":%d,\"nisv_cap\":%d,\"manual_dirty\":%d,\"faults\":%d}\n", u.release, bar_dir, (unsigned long long)bar_pa,
         ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_VM_IPA_SIZE), ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_NISV_TO_USER),
         ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2), tracing_ok);
  FILE *in = fopen("/traces.txt", "r");
  if (!in) fatal("open /traces.txt", errno);
  run_lines(in);
  teardown();
  printf("{\"t\":\"end\"}\n");
  power_off();
  return 0;
}
#endif

/* Run every encoded trace line of `in` (header comment). */
static void run_lines(FILE *in) {
  static char line[4096];
  int ti = -1, si = 0, live = 0;
  while (fgets(line, sizeof line, in)) {
    char *p = NULL;
    char *op = strtok_r(line, " \n", &p);
    if (!op) continue;
    if (op[0] == 'T') {
      ti = (int)hx(&p);
      unsigned ia = (unsigned)hx(&p);
      int nisv = (int)hx(&p);
      int thp = (int)hx(&p);
      uint64_t win = hx(&p);
      int nl0 = (int)hx(&p);
      uint64_t l0[16];
      for (int k = 0; k < nl0 && k < 16; k++) l0[k] = hx(&p);
      const char *why = nl0 > 16 ? "too many 512 GiB regions" : begin_trace(ia, nisv, thp, win, nl0, l0);
      live = why[0] == 0;
      si = 0;
      if (live) printf("{\"t\":\"trace\",\"i\":%d}\n", ti);
      else printf("{\"t\":\"trace\",\"i\":%d,\"err\":\"%s\"}\n", ti, why);
      continue;
    }
    if (op[0] == 'E') { teardown(); printf("{\"t\":\"traceEnd\",\"i\":%d}\n", ti); live = 0; continue; }
    int s = si++;
    if (!live) continue;
    cur_exec = 0;
    cur_access = 0;
    switch (op[0]) {
    case 'M': { uint64_t h = hx(&p), z = hx(&p); int pr = (int)hx(&p); char *k = strtok_r(NULL, " \n", &p); uint64_t a4 = hx(&p);
      do_mmap(ti, s, h, z, pr, k ? k[0] : 'a', a4, hx(&p)); break; }
    case 'U': { uint64_t h = hx(&p), z = hx(&p); out_errno(ti, s, munmap((void *)h, z) < 0 ? errno : 0); break; }
    case 'P': { uint64_t h = hx(&p), z = hx(&p); int pr = (int)hx(&p);
      out_errno(ti, s, mprotect((void *)h, z, (pr & 1 ? PROT_READ : 0) | (pr & 2 ? PROT_WRITE : 0)) < 0 ? errno : 0); break; }
    case 'D': { uint64_t h = hx(&p), z = hx(&p); out_errno(ti, s, madvise((void *)h, z, MADV_DONTNEED) < 0 ? errno : 0); break; }
    case 'W': do_vmm_write(ti, s, hx(&p)); break;
    case 'K': { uint64_t h = hx(&p) & ~0x1fffffUL; out_errno(ti, s, madvise((void *)h, 0x200000, 25 /* MADV_COLLAPSE */) < 0 ? errno : 0); break; }
    case 'S': { uint32_t id = (uint32_t)hx(&p), fl = (uint32_t)hx(&p); uint64_t g = hx(&p), z = hx(&p), h = hx(&p); do_slot(ti, s, id, fl, g, z, h); break; }
    case 'G': do_get_log(ti, s, (uint32_t)hx(&p)); break;
    case 'C': { uint32_t id = (uint32_t)hx(&p); uint64_t f = hx(&p), c = hx(&p); do_clear_log(ti, s, id, f, c); break; }
    case 'A': { unsigned v = (unsigned)hx(&p); uint64_t a = hx(&p); char *k = strtok_r(NULL, " \n", &p); char *m = strtok_r(NULL, " \n", &p);
      count_faults(); /* drop what earlier steps traced */
      do_access(ti, s, v, a, k ? k : "", m ? m[0] : 'n');
      int nf = count_faults();
      if (nf >= 0) {
        printf("{\"t\":\"faults\",\"i\":%d,\"s\":%d,\"n\":%d,\"fa\":[", ti, s, nf);
        for (int q = 0; q < nf && q < 8; q++) printf("%s\"0x%llx esr 0x%llx\"", q ? "," : "", (unsigned long long)fault_ipa[q], (unsigned long long)fault_esr[q]);
        printf("]}\n");
      }
      break; }
    default: printf("{\"t\":\"step\",\"i\":%d,\"s\":%d,\"k\":\"bad\"}\n", ti, s);
    }
  }
}

#ifdef S2_STANDALONE
#undef printf
static int mismatches, checked;
static char obuf[8192];
static size_t olen;

/* The value of "key":"..." or "key":N in one of this program's own JSON lines; for "d", the list inside [...]. */
static const char *field(const char *line, const char *key, char *out, size_t n) {
  char pat[16];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(line, pat);
  if (!p) return NULL;
  p += strlen(pat);
  const char *stops = *p == '[' ? "]" : "\",}";
  if (*p == '"' || *p == '[') p++;
  size_t k = 0;
  while (*p && !strchr(stops, *p) && k + 1 < n) out[k++] = *p++;
  out[k] = 0;
  return out;
}

/* One step line in the canonical text real/observe.ts canonicalText() writes for the model. */
static void canonical(const char *line, char *out, size_t n) {
  char k[32] = "", a[32] = "", l[16] = "", w[16] = "", e[32] = "", esr[32] = "", d[4096] = "";
  field(line, "k", k, sizeof k);
  field(line, "a", a, sizeof a);
  field(line, "l", l, sizeof l);
  field(line, "w", w, sizeof w);
  field(line, "e", e, sizeof e);
  field(line, "esr", esr, sizeof esr);
  int has_d = field(line, "d", d, sizeof d) != NULL;
  if (!strcmp(k, "ok")) snprintf(out, n, has_d ? "ok [%s]" : "ok", d);
  else if (!strcmp(k, "mmio")) snprintf(out, n, "mmio %s %s %s", a, l, w[0] == '1' ? "write" : "read");
  else if (!strcmp(k, "nisv")) snprintf(out, n, "nisv %s", a);
  else if (!strcmp(k, "timeout")) snprintf(out, n, "livelock");
  else if (!strcmp(k, "errno") && cur_access && !strcmp(e, "ENOSYS")) snprintf(out, n, "enosys");
  else if (!strcmp(k, "errno") && cur_access && !strcmp(e, "EFAULT")) snprintf(out, n, "efault");
  else if (!strcmp(k, "errno")) snprintf(out, n, "errno %s", e);
  else if (!strcmp(k, "exc")) {
    unsigned ec = (unsigned)((strtoull(esr, NULL, 16) >> 26) & 0x3f);
    unsigned fsc = (unsigned)(strtoull(esr, NULL, 16) & 0x3f); /* KVM injects synchronous external aborts (FSC 0x10) */
    if (cur_exec && ec != 0x20 && ec != 0x21) snprintf(out, n, "ok"); /* the fetched word trapped: the fetch worked */
    else if ((ec == 0x24 || ec == 0x25) && fsc == 0x10) snprintf(out, n, "injectDabt");
    else if ((ec == 0x20 || ec == 0x21) && fsc == 0x10) snprintf(out, n, "injectPabt");
    else if (ec == 0x25 && ((fsc & 0x3c) == 0x04 || (fsc & 0x3c) == 0x08) && cur_walk) snprintf(out, n, "ok"); /* the walk read its descriptor */
    else snprintf(out, n, "exception %s", esr);
  } else snprintf(out, n, "%s", k);
}

static void check_line(const char *line) {
  char sbuf[16];
  if (!strncmp(line, "{\"t\":\"trace\"", 12) && strstr(line, "\"err\"")) {
    fprintf(stderr, "s2check reproducer: cannot run here: %s\n", line);
    exit(2);
  }
  if (strncmp(line, "{\"t\":\"step\"", 11) || !field(line, "s", sbuf, sizeof sbuf)) return;
  int s = atoi(sbuf);
  if (s < 0 || s >= S2_NSTEPS) return;
  if (!strcmp(S2_EXPECT[s], "*")) { printf("steps[%d] %s: not compared (%s)\n", s, S2_STEPS[s], "not observable where it was recorded"); return; }
  char got[4200];
  canonical(line, got, sizeof got);
  checked++;
  if (strcmp(got, S2_EXPECT[s])) { mismatches++; printf("steps[%d] %s: the specification says %s, this kernel did %s\n", s, S2_STEPS[s], S2_EXPECT[s], got); }
  else printf("steps[%d] %s: %s\n", s, S2_STEPS[s], got);
}

static int s2_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = vsnprintf(obuf + olen, sizeof obuf - olen, fmt, ap);
  va_end(ap);
  if (r > 0) olen = olen + (size_t)r < sizeof obuf ? olen + (size_t)r : sizeof obuf - 1;
  char *nl;
  while ((nl = memchr(obuf, '\n', olen))) {
    *nl = 0;
    check_line(obuf);
    size_t rest = olen - (size_t)(nl + 1 - obuf);
    memmove(obuf, nl + 1, rest);
    olen = rest;
  }
  return r;
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct sigaction sa = {.sa_handler = on_alarm};
  sigaction(SIGALRM, &sa, NULL);
  struct sigaction sf = {.sa_handler = on_store_fault};
  sigaction(SIGSEGV, &sf, NULL);
  sigaction(SIGBUS, &sf, NULL);
  for (int v = 0; v < MAX_VCPUS; v++) vcpu_fd[v] = -1;
  kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm_fd < 0) { fprintf(stderr, "s2check reproducer: cannot open /dev/kvm: %s\n", strerror(errno)); return 2; }
  run_size = ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
  const char *bar = getenv("S2_BAR");
  if (bar) snprintf(bar_dir, sizeof bar_dir, "%s", bar);
  else if (S2_NEEDS_BAR) { fprintf(stderr, "s2check reproducer: this trace maps a PCI BAR: set S2_BAR=/sys/bus/pci/devices/<device> (its resource2 is used)\n"); return 2; }
  struct utsname u;
  uname(&u);
  printf("s2check reproducer: %s on Linux %s\n", S2_NAME, u.release);
  FILE *in = fmemopen((void *)S2_TRACES, sizeof S2_TRACES - 1, "r");
  run_lines(in);
  teardown();
  printf("%s: %d step(s) compared, %d differ from the specification\n", mismatches ? "FAIL" : "PASS", checked, mismatches);
  return mismatches ? 1 : 0;
}
#endif
