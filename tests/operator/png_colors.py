#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the pixels of each flame graph colour family in a PNG screenshot.

Only the Python standard library: zlib inflates the IDAT stream and the
five PNG row filters are undone here.  Prints one "family count" line per
family: zap (blue), install (green), violation (red), match (magenta,
search highlight), grey, other.
"""
import struct
import sys
import zlib


def read_png(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG file")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        sys.exit(f"{path}: only 8-bit non-interlaced RGB(A) is handled")
    bpp = 4 if ctype == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + a) & 255
            elif ftype == 2:
                line[i] = (line[i] + b) & 255
            elif ftype == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def family(r, g, b):
    if r > 200 and b > 200 and g < 80:
        return "match"
    if b > r + 50 and b > g + 15:
        return "zap"
    if g > r + 40 and g > b + 40:
        return "install"
    if r > g + 60 and r > b + 60:
        return "violation"
    if abs(r - g) < 8 and abs(g - b) < 8 and 150 < r < 230:
        return "grey"
    return "other"


def main():
    width, height, bpp, rows = read_png(sys.argv[1])
    counts = dict.fromkeys(
        ("zap", "install", "violation", "match", "grey", "other"), 0)
    for line in rows:
        for x in range(0, width * bpp, bpp):
            counts[family(line[x], line[x + 1], line[x + 2])] += 1
    for name, n in counts.items():
        print(name, n)


if __name__ == "__main__":
    main()
