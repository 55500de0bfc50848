#!/usr/bin/env python3
"""Shrinks a 64-bit little-endian Linux core file to what dumptool reads.

Keeps the ELF header, the program headers, the notes (threads, registers,
signal, command, auxv, mapped files) and the first page of each mapped ELF
file (its headers and build id); every other segment keeps its address and
size but no bytes (p_filesz 0), as a core written with a narrow
coredump_filter would. So the fixture holds no heap, stack or environment.

    python3 slim_core.py CORE OUT
"""
import struct
import sys

PT_LOAD, PT_NOTE, NT_FILE, PAGE = 1, 4, 0x46494C45, 4096


def notes(data):
    at = 0
    while at + 12 <= len(data):
        namesz, descsz, ntype = struct.unpack_from("<III", data, at)
        name_at = at + 12
        desc_at = name_at + ((namesz + 3) & ~3)
        yield ntype, data[desc_at:desc_at + descsz]
        at = desc_at + ((descsz + 3) & ~3)


def file_starts(desc):
    """Addresses where a file is mapped from its first page (NT_FILE)."""
    count, _page_size = struct.unpack_from("<QQ", desc, 0)
    starts = set()
    for i in range(count):
        start, _end, page = struct.unpack_from("<QQQ", desc, 16 + 24 * i)
        if page == 0:
            starts.add(start)
    return starts


def main(src, dst):
    core = open(src, "rb").read()
    assert core[:4] == b"\x7fELF" and core[4] == 2 and core[5] == 1, "64-bit LE ELF"
    phoff, = struct.unpack_from("<Q", core, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", core, 0x36)
    phdrs = [list(struct.unpack_from("<IIQQQQQQ", core, phoff + i * phentsize)) for i in range(phnum)]
    starts = set()
    for p in phdrs:
        if p[0] == PT_NOTE:
            for ntype, desc in notes(core[p[2]:p[2] + p[5]]):
                if ntype == NT_FILE:
                    starts |= file_starts(desc)
    out = bytearray(core[:phoff + phnum * phentsize])
    for i, p in enumerate(phdrs):
        ptype, _flags, offset, vaddr, _paddr, filesz = p[:6]
        data = core[offset:offset + filesz]
        if ptype == PT_LOAD:
            keep = vaddr in starts and data[:4] == b"\x7fELF"
            data = data[:PAGE] if keep else b""
        p[2], p[5] = len(out), len(data)
        out += data
        struct.pack_into("<IIQQQQQQ", out, phoff + i * phentsize, *p)
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main(*sys.argv[1:3])
