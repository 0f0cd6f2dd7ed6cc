#!/bin/sh
# s2check real-kernel prerequisites (Debian 12, as root or with sudo). Idempotent; says what it does.
#   - arm64 as a foreign architecture (for Debian's arm64 kernel packages)
#   - qemu-system-aarch64, the aarch64 cross compiler and libc, cpio
#   - the newest Debian cloud arm64 kernels of the 6.1 and 6.12 series, unpacked under $S2_REAL_CACHE/kernels/<series>/
# usage: setup.sh [series...]   (default: 6.1 6.12)   env: S2_REAL_CACHE (default: <repo>/real/.cache)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cache=${S2_REAL_CACHE:-$here/.cache}
series=${*:-6.1 6.12}
SUDO=
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "real setup: needs root or sudo (apt-get, dpkg)" >&2; exit 2; }
  SUDO=sudo
fi
command -v apt-get >/dev/null 2>&1 || { echo "real setup: needs a Debian-like system with apt-get" >&2; exit 2; }
export DEBIAN_FRONTEND=noninteractive
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "real setup: dpkg --add-architecture arm64; apt-get update"
  $SUDO dpkg --add-architecture arm64
  $SUDO apt-get update -qq
fi
need=
for p in qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross cpio; do
  dpkg -s "$p" >/dev/null 2>&1 || need="$need $p"
done
if [ -n "$need" ]; then
  echo "real setup: apt-get install$need"
  $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null; }
fi
mkdir -p "$cache/kernels"
for s in $series; do
  case "$s" in
    6.1) pat='^linux-image-6\.1\.0-[0-9]+-cloud-arm64-unsigned$' ;;
    6.12) pat='^linux-image-6\.12\.[0-9]+\+deb12-cloud-arm64-unsigned$' ;;
    *) echo "real setup: unknown kernel series '$s' (known: 6.1, 6.12)" >&2; exit 2 ;;
  esac
  pkg=$(apt-cache search --names-only "$pat" | cut -d' ' -f1 | sort -V | tail -1)
  if [ -z "$pkg" ]; then
    $SUDO apt-get update -qq
    pkg=$(apt-cache search --names-only "$pat" | cut -d' ' -f1 | sort -V | tail -1)
  fi
  [ -n "$pkg" ] || { echo "real setup: no Debian package matches $pat" >&2; exit 2; }
  dir="$cache/kernels/$s"
  if [ -f "$dir/PACKAGE" ] && [ "$(cat "$dir/PACKAGE")" = "$pkg" ] && ls "$dir"/boot/vmlinuz-* >/dev/null 2>&1; then
    echo "real setup: kernel $s: $pkg (cached)"
    continue
  fi
  echo "real setup: kernel $s: apt-get download $pkg:arm64"
  tmp=$(mktemp -d) && chmod 1777 "$tmp"  # apt-get download drops privileges to _apt
  (cd "$tmp" && apt-get download -qq "$pkg:arm64" >/dev/null)
  rm -rf "$dir.new" && mkdir -p "$dir.new"
  dpkg-deb -x "$tmp"/*.deb "$dir.new"
  rm -rf "$tmp" "$dir.new/lib/modules" "$dir.new/usr"
  grep -q '^CONFIG_KVM=y' "$dir.new"/boot/config-* || { echo "real setup: $pkg has no CONFIG_KVM=y" >&2; exit 2; }
  echo "$pkg" > "$dir.new/PACKAGE"
  rm -rf "$dir" && mv "$dir.new" "$dir"
done
echo "real setup: done (cache $cache)"
