#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the seed inputs of fuzz_emu (tests/fuzz/fuzz_emu.c) to
tests/fuzz/corpus/emu/seed_*.bin: records [op][request][mode][struct][fix-ups]
in the harness's encoding.  Run from the repository root; the seeds are
committed, regression inputs (regress_*) are the fuzzer's own artifacts."""
import struct

REQ = {n: i for i, n in enumerate(
    "VERSION GET_CAP GEM_CLOSE PRIME_H2FD PRIME_FD2H SYNCOBJ_CREATE SYNCOBJ_DESTROY "
    "SYNCOBJ_WAIT SYNCOBJ_RESET SYNCOBJ_SIGNAL TIMELINE_WAIT SYNCOBJ_QUERY TRANSFER "
    "TIMELINE_SIGNAL CREATE_HWCTX DESTROY_HWCTX CONFIG_HWCTX CREATE_BO GET_BO_INFO "
    "SYNC_BO EXEC_CMD GET_INFO SET_STATE WAIT_CMD GET_ARRAY".split())}
SHARE, HEAP, DEV, CMD = 1, 2, 3, 4


def ioctl(name, mode, st, fix=b""):
    return bytes([0, REQ[name], mode]) + st + fix


def good_ptr(words=(), tail=b""):
    """A pointer to the scratch buffer whose first 16 words are raw values."""
    b = bytes([0])
    w = list(words) + [0] * (16 - len(words))
    for v in w:
        b += bytes([0xf0]) + struct.pack("<Q", v)
    return b + bytes([len(tail)]) + tail


def create_bo(kind, shift):
    return ioctl("CREATE_BO", 1, struct.pack("<QQQII", 0, 0, shift, kind, 0))


def handle(slot):
    return bytes([slot])


seeds = {}
qos = [0, 0, 0, 0, 0, 0x200]
seeds["bringup"] = (
    create_bo(HEAP, 14) +
    bytes([12]) + handle(0) + bytes([14, 0x00]) +            # map the 64 MiB heap
    ioctl("CREATE_HWCTX", 1, struct.pack("<QQQ8I", 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0),
          good_ptr(qos)) +
    create_bo(SHARE, 0) + create_bo(CMD, 0) +
    bytes([12]) + handle(3) + bytes([0, 0x5a]) +              # mmap the share BO, fill
    ioctl("PRIME_H2FD", 0, struct.pack("<III", 0, 0x80002, 0), handle(3)) +
    ioctl("PRIME_FD2H", 0, struct.pack("<III", 0, 0, 0), bytes([0])) +
    ioctl("SYNC_BO", 0, struct.pack("<IIQQ", 0, 0, 0, 4096), handle(3)) +
    ioctl("EXEC_CMD", 3, struct.pack("<QQIIQQIIQ", 0, 0, 0, 0, 0, 0, 1, 1, 0),
          handle(1) + handle(4) + good_ptr([0])) +
    ioctl("WAIT_CMD", 0, struct.pack("<IIQ", 0, 1, 1), handle(1)) +
    ioctl("DESTROY_HWCTX", 0, struct.pack("<II", 0, 0), handle(1)))
seeds["syncobj"] = (
    ioctl("SYNCOBJ_CREATE", 0, struct.pack("<II", 0, 0)) +
    ioctl("TIMELINE_SIGNAL", 0, struct.pack("<QQII", 0, 0, 1, 0),
          good_ptr([0]) + good_ptr([5])) +
    ioctl("SYNCOBJ_QUERY", 0, struct.pack("<QQII", 0, 0, 1, 0),
          good_ptr([0]) + good_ptr([0])) +
    ioctl("TIMELINE_WAIT", 0, struct.pack("<QQqIII", 0, 0, 0, 1, 0, 0),
          good_ptr([0]) + good_ptr([5]) + bytes([40])) +
    ioctl("SYNCOBJ_WAIT", 0, struct.pack("<QqIII", 0, 0, 1, 0, 0),
          good_ptr([0]) + bytes([40])))
seeds["bad_pointers"] = (
    ioctl("VERSION", 0, bytes(64), bytes([0, 0, 8]) + bytes([1]) + bytes([2, 0])) +
    ioctl("VERSION", 0xf0, bytes(64), bytes([1, 1, 1]) + bytes([5, 3])) +
    ioctl("GET_INFO", 0, struct.pack("<IIQ", 0, 64, 0), bytes([5, 0])) +
    ioctl("GET_ARRAY", 0, struct.pack("<IIIIQ", 0, 144, 4, 0, 0), bytes([4, 3])))
# the ioctl trace read CREATE_BO's struct and CONFIG_CU's array through the
# caller's pointers: a crash with tracing on (now the kernel's copies)
seeds["trace_bad_pointers"] = (
    ioctl("CREATE_BO", 0xf0, bytes(32), bytes([2, 0])) +
    ioctl("CONFIG_HWCTX", 1, struct.pack("<IIQII", 0, 0, 0, 0x100, 0), bytes([1, 2, 0])))
for name, data in seeds.items():
    with open(f"tests/fuzz/corpus/emu/seed_{name}.bin", "wb") as f:
        f.write(data)
