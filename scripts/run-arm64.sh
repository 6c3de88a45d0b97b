#!/usr/bin/env bash
# Runs a linux-arm64 program on this x64 machine under qemu-user:  scripts/run-arm64.sh PROGRAM [ARGS...]
# The program gets the arm64 C runtime of Debian's cross packages (libc6-arm64-cross, which the builds link against):
# qemu looks up its absolute paths under /usr/aarch64-linux-gnu first, and LD_LIBRARY_PATH=/lib (there:
# /usr/aarch64-linux-gnu/lib) makes the loader take libc from there too. Without it, on a machine that also has the
# multiarch libc6:arm64 installed, the loader of the cross package follows /etc/ld.so.cache to /lib/aarch64-linux-gnu's
# libc of another build, and every program hangs in its first pthread_create.
exec env QEMU_LD_PREFIX=/usr/aarch64-linux-gnu QEMU_SET_ENV=LD_LIBRARY_PATH=/lib qemu-aarch64-static "$@"
