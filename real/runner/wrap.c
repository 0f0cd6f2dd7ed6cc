/*
 * Test harness for exported reproducers (real/export.ts): a static /init that mounts devtmpfs, proc
 * and sysfs, enables the ivshmem BAR, runs /repro with S2_BAR set when the device exists, prints
 * {"t":"exit","code":N} and powers off. Not part of a reproducer.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  mkdir("/dev", 0755); mkdir("/proc", 0755); mkdir("/sys", 0755);
  mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
  mount("proc", "/proc", "proc", 0, NULL);
  mount("sysfs", "/sys", "sysfs", 0, NULL);
  struct stat st;
  if (fstat(1, &st) < 0) { int fd = open("/dev/console", O_RDWR); dup2(fd, 0); dup2(fd, 1); dup2(fd, 2); }
  setvbuf(stdout, NULL, _IOLBF, 0);
  char path[128];
  for (int d = 0; d < 32; d++) {
    char buf[16] = "";
    snprintf(path, sizeof path, "/sys/bus/pci/devices/0000:00:%02x.0/device", d);
    int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0 || strtoul(buf, NULL, 16) != 0x1110) continue;
    snprintf(path, sizeof path, "/sys/bus/pci/devices/0000:00:%02x.0/enable", d);
    fd = open(path, O_WRONLY);
    if (fd >= 0) { if (write(fd, "1", 1) < 0) perror("enable"); close(fd); }
    snprintf(path, sizeof path, "/sys/bus/pci/devices/0000:00:%02x.0", d);
    setenv("S2_BAR", path, 1);
  }
  pid_t pid = fork();
  if (pid == 0) { execl("/repro", "repro", (char *)NULL); _exit(127); }
  int status = 0;
  waitpid(pid, &status, 0);
  printf("{\"t\":\"exit\",\"code\":%d}\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  fflush(stdout);
  sync();
  reboot(RB_POWER_OFF);
  for (;;) pause();
}
