// Arithmetic on CRC values as polynomials over GF(2) modulo the CRC polynomial, in the reflected bit order
// the CRCs use (the most significant bit holds x^0). Appending n zero bytes to a message multiplies its CRC
// register by x^(8n) mod P, which gives crc(A‖B) = crc(A)·x^(8·len(B)) + crc(B) — zlib's crc32_combine —
// in a handful of multiplications instead of re-reading A and B. Because init equals xorout for CRC32,
// CRC32C and CRC64NVME, their contributions cancel and no correction term is needed.

const TWO_POW_32 = 2 ** 32;

/** A byte count split into 32-bit halves so lengths past 4 GiB stay exact. */
export interface SplitLength {
  readonly lo: number;
  readonly hi: number;
}

export function splitLength(length: number | bigint): SplitLength {
  if (typeof length === "bigint") {
    if (length < 0n || length >= 1n << 64n) throw new RangeError(`CRC length out of range: ${length}`);
    return { lo: Number(length & 0xffffffffn), hi: Number(length >> 32n) };
  }
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`CRC length out of range: ${length}`);
  return { lo: length % TWO_POW_32, hi: Math.floor(length / TWO_POW_32) };
}

/** Combines CRCs of one width and polynomial; values are the raw big-endian digest bytes. */
export interface CrcField {
  readonly width: number;
  /** crc(A‖B) given crc(A), crc(B) and the byte length of B. */
  combine(crcA: Uint8Array, crcB: Uint8Array, lengthB: SplitLength): Buffer;
}

function readUInt32BE(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>>
    0
  );
}

abstract class PolynomialField<E> implements CrcField {
  abstract readonly width: number;
  /** x^0 */
  protected abstract one(): E;
  /** x^1 */
  protected abstract x(): E;
  /** a(x)·b(x) mod P; stops after a's highest-order term, so small operators are cheap. */
  protected abstract multiply(a: E, b: E): E;
  protected abstract read(crc: Uint8Array): E;
  /** Writes a + b (XOR) as big-endian bytes. */
  protected abstract writeSum(a: E, b: E): Buffer;

  // rows[j][d] = x^(8·d·256^j): one table lookup per byte of the length instead of one multiplication per
  // bit, so a random 5 GiB length costs 5 multiplications rather than ~18. Built lazily, 255 products a row.
  private readonly rows: E[][] = [];
  // Parts usually share one size, so the last operator is worth keeping.
  private lastLength: SplitLength | undefined;
  private lastOperator: E | undefined;

  private row(j: number): E[] {
    let row = this.rows[j];
    if (!row) {
      // x^(8·256^j) = x^(2^(3+8j)), by repeated squaring of x.
      let base = this.x();
      for (let k = 0; k < 3 + 8 * j; k++) base = this.multiply(base, base);
      row = [this.one(), base];
      for (let d = 2; d < 256; d++) row.push(this.multiply(row[d - 1]!, base));
      this.rows[j] = row;
    }
    return row;
  }

  /** x^(8·length) mod P: multiplying a CRC register by it appends `length` zero bytes. */
  private zeroBytesOperator(length: SplitLength): E {
    const last = this.lastLength;
    if (last && last.lo === length.lo && last.hi === length.hi && this.lastOperator !== undefined) {
      return this.lastOperator;
    }
    let operator: E | undefined;
    for (let j = 0; j < 8; j++) {
      const digit = ((j < 4 ? length.lo : length.hi) >>> (8 * (j % 4))) & 0xff;
      if (digit === 0) continue;
      const factor = this.row(j)[digit]!;
      operator = operator === undefined ? factor : this.multiply(factor, operator);
    }
    operator ??= this.one();
    this.lastLength = length;
    this.lastOperator = operator;
    return operator;
  }

  combine(crcA: Uint8Array, crcB: Uint8Array, lengthB: SplitLength): Buffer {
    for (const crc of [crcA, crcB]) {
      if (crc.length !== this.width) {
        throw new RangeError(`expected a ${this.width}-byte CRC, got ${crc.length} bytes`);
      }
    }
    return this.writeSum(this.multiply(this.zeroBytesOperator(lengthB), this.read(crcA)), this.read(crcB));
  }
}

// Values are held as int32 (top bit = sign) so V8 keeps them in registers instead of boxing them as doubles.

export class Crc32Field extends PolynomialField<number> {
  readonly width = 4;
  private readonly poly: number;

  /** @param poly the reflected polynomial, e.g. 0xedb88320 for CRC32 */
  constructor(poly: number) {
    super();
    this.poly = poly | 0;
  }

  protected one(): number {
    return 0x80000000 | 0;
  }

  protected x(): number {
    return 0x40000000;
  }

  protected multiply(a: number, b: number): number {
    let product = 0;
    // Walk a's terms from x^0 (the sign bit) upwards, multiplying b by x at each step; stop when none are left.
    for (let rest = a; rest !== 0; rest <<= 1) {
      if (rest < 0) product ^= b;
      b = (b >>> 1) ^ (-(b & 1) & this.poly);
    }
    return product;
  }

  protected read(crc: Uint8Array): number {
    return readUInt32BE(crc, 0) | 0;
  }

  protected writeSum(a: number, b: number): Buffer {
    const out = Buffer.allocUnsafe(4);
    out.writeUInt32BE((a ^ b) >>> 0, 0);
    return out;
  }
}

/** A 64-bit polynomial as two int32 halves; BigInt arithmetic would be far slower. */
interface Poly64 {
  readonly hi: number;
  readonly lo: number;
}

export class Crc64Field extends PolynomialField<Poly64> {
  readonly width = 8;
  private readonly polyHi: number;
  private readonly polyLo: number;

  /** @param poly the reflected polynomial, e.g. 0x9a6c9329ac4bc9b5n for CRC64NVME */
  constructor(poly: bigint) {
    super();
    this.polyHi = Number(poly >> 32n) | 0;
    this.polyLo = Number(poly & 0xffffffffn) | 0;
  }

  protected one(): Poly64 {
    return { hi: 0x80000000 | 0, lo: 0 };
  }

  protected x(): Poly64 {
    return { hi: 0x40000000, lo: 0 };
  }

  protected multiply(a: Poly64, b: Poly64): Poly64 {
    const polyHi = this.polyHi;
    const polyLo = this.polyLo;
    let pHi = 0;
    let pLo = 0;
    let bHi = b.hi;
    let bLo = b.lo;
    // As in Crc32Field, with x^0 at the sign bit of hi and x^63 at bit 0 of lo.
    for (let restHi = a.hi, restLo = a.lo; (restHi | restLo) !== 0;) {
      if (restHi < 0) {
        pHi ^= bHi;
        pLo ^= bLo;
      }
      restHi = (restHi << 1) | (restLo >>> 31);
      restLo <<= 1;
      const reduce = -(bLo & 1);
      bLo = ((bLo >>> 1) | (bHi << 31)) ^ (reduce & polyLo);
      bHi = (bHi >>> 1) ^ (reduce & polyHi);
    }
    return { hi: pHi, lo: pLo };
  }

  protected read(crc: Uint8Array): Poly64 {
    return { hi: readUInt32BE(crc, 0) | 0, lo: readUInt32BE(crc, 4) | 0 };
  }

  protected writeSum(a: Poly64, b: Poly64): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32BE((a.hi ^ b.hi) >>> 0, 0);
    out.writeUInt32BE((a.lo ^ b.lo) >>> 0, 4);
    return out;
  }
}
