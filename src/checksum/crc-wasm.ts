import type { Hasher } from "./hasher.js";
import { crc32ToBuffer } from "./hasher.js";

/**
 * Portable reflected CRC (CRC-64/NVME, CRC-32C) in WebAssembly, for machines where the native addon was not
 * built. WebAssembly has no carry-less multiply, so this is the slice-by-8 table method, but with 64-bit loads
 * and registers it runs several times faster than the same method in JavaScript, which must split the 64-bit
 * register in two 32-bit halves.
 *
 * The module is written out below, instruction by instruction, rather than shipped as a binary: it is one small
 * function, and this way what runs is what is read. Memory layout: bytes 0..16383 hold the eight 256-entry
 * tables of 64-bit values (table s at s * 2048), input is copied to INPUT_OFFSET in CHUNK-sized pieces.
 */

const TABLE_BYTES = 8 * 256 * 8;
const INPUT_OFFSET = TABLE_BYTES;
const CHUNK = 1024 * 1024;
const PAGE = 64 * 1024;
const PAGES = Math.ceil((INPUT_OFFSET + CHUNK) / PAGE);

// Opcodes and types used (WebAssembly core spec, binary format).
const I32 = 0x7f;
const I64 = 0x7e;
const OP = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  i64Load: 0x29,
  i32Load8u: 0x2d,
  i32Const: 0x41,
  i64Const: 0x42,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32And: 0x71,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i64Xor: 0x85,
  i64ShrU: 0x88,
  i32WrapI64: 0xa7,
} as const;
const VOID_BLOCK = 0x40;

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  return [...uleb(text.length), ...Buffer.from(text, "ascii")];
}

// Locals: 0 reg (i64), 1 p (i32), 2 n (i32); then 3 v (i64), 4 end8 (i32), 5 end (i32).
const REG = 0;
const P = 1;
const N = 2;
const V = 3;
const END8 = 4;
const END = 5;

/** Pushes table[slot][byte] where byte is (v >> shift) & 255. */
function lookup(slot: number, shift: number): number[] {
  const byte = [OP.localGet, V];
  if (shift > 0) byte.push(OP.i64Const, ...sleb(shift), OP.i64ShrU);
  byte.push(OP.i32WrapI64);
  if (shift < 56) byte.push(OP.i32Const, ...sleb(255), OP.i32And);
  return [...byte, OP.i32Const, 3, OP.i32Shl, OP.i64Load, 3, ...uleb(slot * 2048)];
}

/** crc(reg: i64, p: i32, n: i32) -> i64: the reflected register run over n bytes at p, no inversions. */
function crcFunctionBody(): number[] {
  // prettier-ignore
  const code: number[] = [
    // end = p + n; end8 = p + (n & ~7)
    OP.localGet, P, OP.localGet, N, OP.i32Add, OP.localSet, END,
    OP.localGet, P, OP.localGet, N, OP.i32Const, ...sleb(-8), OP.i32And, OP.i32Add, OP.localSet, END8,
    OP.block, VOID_BLOCK,
    OP.loop, VOID_BLOCK,
    OP.localGet, P, OP.localGet, END8, OP.i32GeU, OP.brIf, 1,
    // v = reg ^ load64(p): the register overlays the first bytes (a 32-bit one has a zero upper half)
    OP.localGet, REG, OP.localGet, P, OP.i64Load, 0, 0, OP.i64Xor, OP.localSet, V,
    // reg = T7[b0] ^ T6[b1] ^ ... ^ T0[b7]
    ...lookup(7, 0),
  ];
  for (let byte = 1; byte < 8; byte++) code.push(...lookup(7 - byte, byte * 8), OP.i64Xor);
  // prettier-ignore
  code.push(
    OP.localSet, REG,
    OP.localGet, P, OP.i32Const, 8, OP.i32Add, OP.localSet, P,
    OP.br, 0,
    OP.end,
    OP.end,
    // the last n & 7 bytes one at a time: reg = (reg >> 8) ^ T0[(reg ^ byte) & 255]
    OP.block, VOID_BLOCK,
    OP.loop, VOID_BLOCK,
    OP.localGet, P, OP.localGet, END, OP.i32GeU, OP.brIf, 1,
    OP.localGet, REG, OP.i64Const, 8, OP.i64ShrU,
    OP.localGet, REG, OP.i32WrapI64, OP.localGet, P, OP.i32Load8u, 0, 0, OP.i32Xor,
    OP.i32Const, ...sleb(255), OP.i32And, OP.i32Const, 3, OP.i32Shl, OP.i64Load, 3, 0,
    OP.i64Xor, OP.localSet, REG,
    OP.localGet, P, OP.i32Const, 1, OP.i32Add, OP.localSet, P,
    OP.br, 0,
    OP.end,
    OP.end,
    OP.localGet, REG,
    OP.end,
  );
  // Two local groups: one i64 (v), two i32 (end8, end).
  const locals = [2, 1, I64, 2, I32];
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

function moduleBytes(): Uint8Array {
  // prettier-ignore
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, [1, 0x60, 3, I64, I32, I32, 1, I64]), // type 0: (i64, i32, i32) -> i64
    ...section(3, [1, 0]), // function 0 has type 0
    ...section(5, [1, 0x00, ...uleb(PAGES)]), // one memory of PAGES pages, no maximum
    ...section(7, [2, ...name("crc"), 0x00, 0, ...name("memory"), 0x02, 0]), // exports
    ...section(10, [1, ...crcFunctionBody()]),
  ];
  return Uint8Array.from(bytes);
}

// The project's TypeScript libs (no DOM) do not declare the WebAssembly JS API; this is the part used here.
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
}
interface WasmMemory {
  buffer: ArrayBuffer;
}

let compiled: object | undefined;

interface CrcInstance {
  crc(reg: bigint, p: number, n: number): bigint;
  memory: Uint8Array;
}

/** One instance per polynomial, its tables filled in from the reflected polynomial. */
function instantiate(reflectedPoly: bigint): CrcInstance {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  compiled ??= new wasm.Module(moduleBytes());
  const instance = new wasm.Instance(compiled);
  const exports = instance.exports as { crc: CrcInstance["crc"]; memory: WasmMemory };
  const view = new DataView(exports.memory.buffer);
  const table = new BigUint64Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let r = BigInt(b);
    for (let bit = 0; bit < 8; bit++) r = r & 1n ? (r >> 1n) ^ reflectedPoly : r >> 1n;
    table[b] = r;
  }
  for (let i = 256; i < 8 * 256; i++) {
    const prev = table[i - 256]!;
    table[i] = (prev >> 8n) ^ table[Number(prev & 0xffn)]!;
  }
  // WebAssembly memory is little-endian whatever the host is.
  table.forEach((value, i) => view.setBigUint64(i * 8, value, true));
  return { crc: exports.crc, memory: new Uint8Array(exports.memory.buffer) };
}

const instances = new Map<bigint, CrcInstance>();

/** Runs a reflected register over `data` (no pre- or post-inversion) with the tables of `reflectedPoly`. */
function run(reflectedPoly: bigint, reg: bigint, data: Uint8Array): bigint {
  let instance = instances.get(reflectedPoly);
  if (!instance) {
    instance = instantiate(reflectedPoly);
    instances.set(reflectedPoly, instance);
  }
  for (let offset = 0; offset < data.length; offset += CHUNK) {
    const piece = data.subarray(offset, offset + CHUNK);
    instance.memory.set(piece, INPUT_OFFSET);
    reg = instance.crc(reg, INPUT_OFFSET, piece.length);
  }
  return reg;
}

const CRC64NVME_POLY = 0x9a6c9329ac4bc9b5n;
const CRC32C_POLY = 0x82f63b78n;
const MASK64 = 0xffffffffffffffffn;

/** CRC-64/NVME in WebAssembly. */
export class Crc64NvmeWasm implements Hasher {
  private reg = MASK64;

  update(data: Uint8Array): void {
    // The function returns a signed i64 as a BigInt; keep the register unsigned.
    this.reg = BigInt.asUintN(64, run(CRC64NVME_POLY, BigInt.asIntN(64, this.reg), data));
  }

  digest(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeBigUInt64BE(this.reg ^ MASK64, 0);
    return out;
  }
}

/** CRC-32C in WebAssembly. */
export class Crc32cWasm implements Hasher {
  private reg = 0xffffffffn;

  update(data: Uint8Array): void {
    this.reg = BigInt.asUintN(64, run(CRC32C_POLY, this.reg, data));
  }

  digest(): Buffer {
    return crc32ToBuffer(Number(this.reg ^ 0xffffffffn));
  }
}

/** True when this Node can compile and run the module (WebAssembly can be disabled with --jitless). */
export function wasmCrcAvailable(): boolean {
  try {
    const hasher = new Crc64NvmeWasm();
    hasher.update(Buffer.from("123456789"));
    return hasher.digest().toString("hex") === "ae8b14860a799888";
  } catch {
    return false;
  }
}
