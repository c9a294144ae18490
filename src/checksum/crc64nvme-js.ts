import type { Hasher } from "./hasher.js";

// Reflected CRC-64/NVME polynomial, split into 32-bit halves because BigInt arithmetic is ~50x slower.
const POLY_HI = 0x9a6c9329;
const POLY_LO = 0xac4bc9b5;

// Slice-by-8 tables: entry s*256+i is the CRC register after byte i followed by s zero bytes.
const TABLE_LO = new Int32Array(8 * 256);
const TABLE_HI = new Int32Array(8 * 256);

for (let i = 0; i < 256; i++) {
  let lo = i;
  let hi = 0;
  for (let bit = 0; bit < 8; bit++) {
    const carry = lo & 1;
    lo = (lo >>> 1) | (hi << 31);
    hi >>>= 1;
    if (carry) {
      hi ^= POLY_HI;
      lo ^= POLY_LO;
    }
  }
  TABLE_LO[i] = lo;
  TABLE_HI[i] = hi;
}
for (let i = 256; i < 8 * 256; i++) {
  const lo = TABLE_LO[i - 256]!;
  const hi = TABLE_HI[i - 256]!;
  const idx = lo & 0xff;
  TABLE_LO[i] = ((lo >>> 8) | (hi << 24)) ^ TABLE_LO[idx]!;
  TABLE_HI[i] = (hi >>> 8) ^ TABLE_HI[idx]!;
}

/**
 * Pure-JS CRC-64/NVME. It exists because @aws-sdk/crc64-nvme only offers an async digest, and the engine
 * needs a synchronous reference and last fallback; tests hold it equal to @aws-sdk/crc64-nvme.
 */
export class Crc64NvmeJs implements Hasher {
  private lo = -1;
  private hi = -1;

  update(data: Uint8Array): void {
    const tl = TABLE_LO;
    const th = TABLE_HI;
    const n = data.length;
    let lo = this.lo;
    let hi = this.hi;
    let i = 0;
    for (; i + 8 <= n; i += 8) {
      lo ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
      hi ^= data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24);
      const a = 1792 + (lo & 0xff);
      const b = 1536 + ((lo >>> 8) & 0xff);
      const c = 1280 + ((lo >>> 16) & 0xff);
      const d = 1024 + (lo >>> 24);
      const e = 768 + (hi & 0xff);
      const f = 512 + ((hi >>> 8) & 0xff);
      const g = 256 + ((hi >>> 16) & 0xff);
      const h = hi >>> 24;
      lo = tl[a]! ^ tl[b]! ^ tl[c]! ^ tl[d]! ^ tl[e]! ^ tl[f]! ^ tl[g]! ^ tl[h]!;
      hi = th[a]! ^ th[b]! ^ th[c]! ^ th[d]! ^ th[e]! ^ th[f]! ^ th[g]! ^ th[h]!;
    }
    for (; i < n; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ tl[idx]!;
      hi = (hi >>> 8) ^ th[idx]!;
    }
    this.lo = lo;
    this.hi = hi;
  }

  digest(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32BE(~this.hi >>> 0, 0);
    out.writeUInt32BE(~this.lo >>> 0, 4);
    return out;
  }
}
