#!/usr/bin/env python3
# dump2raw.py DUMP OUT - a dial9 dump as a "DIAL9RAW" input of fuzz_dump
# (layout in fuzz_dump.c): its metadata and its events uncompressed, so
# that mutations reach the analysis and the views (a thread table: how many
# threads it names).  Keeps the first 256 events (all fuzz_dump uses).
import struct
import sys
import zlib

data = open(sys.argv[1], "rb").read()
meta, events, nstrings, nthreads = {}, b"", 0, 0
off, end = struct.unpack_from("<I", data, 12)[0], len(data) - 16
while off < end:
    typ, _, slen = struct.unpack_from("<IIQ", data, off)
    body = data[off + 16 : off + 16 + slen]
    off += 16 + slen
    if typ == 1:
        o = 0
        while o < len(body):
            tag, ln = struct.unpack_from("<II", body, o)
            meta[tag] = body[o + 8 : o + 8 + ln]
            o += 8 + ln
    elif typ == 2:
        nstrings = struct.unpack_from("<I", body, 0)[0]
    elif typ == 4:  # the thread table: the raw input names as many threads
        nthreads = struct.unpack_from("<I", body, 0)[0]
    elif typ == 3:
        nblocks = struct.unpack_from("<I", body, 8)[0]
        o = 16
        for _ in range(nblocks):
            count, clen = struct.unpack_from("<II", body, o)
            raw = zlib.decompress(body[o + 8 : o + 8 + clen])
            o += 8 + clen
            for i in range(count):
                events += bytes(raw[b * count + i] for b in range(32))


def u(tag, size):
    v = meta.get(tag, b"\0" * size)
    return int.from_bytes(v[:size].ljust(size, b"\0"), "little")


hdr = b"DIAL9RAW" + struct.pack(
    "<QQQIIIBBBB", u(11, 8), u(12, 8), u(5, 8), u(4, 4), u(17, 4),
    u(14, 8) & 0xFFFFFFFF, u(2, 4) & 0xFF, u(3, 4) & 0xFF, min(nstrings, 15),
    min(nthreads, 16))
open(sys.argv[2], "wb").write(hdr + events[: 256 * 32])
