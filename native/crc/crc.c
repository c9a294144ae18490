/*
 * s3xfer's CRC addon: CRC-32, CRC-32C and CRC-64/NVME (all reflected CRCs) for the part workers.
 *
 * On x86-64 CPUs with carry-less multiply (PCLMULQDQ, checked at run time, so a CPU without it never sees the
 * instruction) the bulk of a buffer is folded 128 bytes at a time; the last 16-byte remainder and any tail go
 * through a slice-by-8 table, as does everything on other CPUs. One folding routine serves the three CRCs: its
 * constants are powers of x reduced modulo each polynomial, computed when the library is loaded.
 *
 * Folding, in short. Read the message as a polynomial D (first bit = highest power). The CRC with a zero
 * register is D * x^w mod P. Split D into 128-bit blocks; a block C that lies 128*d bits before the end of a
 * run of blocks can be replaced by anything congruent to C * x^(128 d) modulo P, and with C = H x^64 + L that is
 * H * (x^(128 d + 64) mod P) + L * (x^(128 d) mod P): two 64 x 64-bit carry-less products, at most 127 bits,
 * which are XORed into the block d positions later. Folding every block into the last one leaves 128 bits X with
 * X == D (mod P), whose CRC (with a zero register) is then the CRC of D. A non-zero starting register is XORed
 * into the first w bits of the message, which is the same as running the register over them.
 *
 * In the reflected bit order these CRCs use, a 16-byte block loaded little-endian holds the highest powers in
 * its low bits, and a carry-less product of two bit-reversed 64-bit values is the bit-reversed product times x;
 * so each constant is stored bit-reversed and divided by x (one power less).
 *
 * The module's init only creates three functions and never aborts: a worker thread torn down while it loads
 * gets an exception or nothing, not a dead process.
 */
#define NAPI_VERSION 8
#include <node_api.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define S3XFER_HAVE_PCLMUL_PATH 1
#include <immintrin.h>
#endif

struct crc_params {
  unsigned width;        /* 32 or 64 */
  uint64_t poly_reflected;
  uint64_t table[8][256]; /* slice-by-8: table[s][b] = register after byte b followed by s zero bytes */
  uint64_t fold_128[2];   /* fold by one 16-byte block: {x^(128+63), x^(128-1)} mod P, bit-reversed */
  uint64_t fold_1024[2];  /* fold by eight blocks (128 bytes) */
};

static struct crc_params CRC32_PARAMS = {32, 0xEDB88320u, {{0}}, {0}, {0}};
static struct crc_params CRC32C_PARAMS = {32, 0x82F63B78u, {{0}}, {0}, {0}};
static struct crc_params CRC64NVME_PARAMS = {64, 0x9A6C9329AC4BC9B5ull, {{0}}, {0}, {0}};

static int use_pclmul = 0;

static uint64_t reverse_bits(uint64_t value, unsigned width) {
  uint64_t out = 0;
  for (unsigned i = 0; i < width; i++) {
    out = (out << 1) | (value & 1);
    value >>= 1;
  }
  return out;
}

/* x^n mod P in normal bit order (bit i = coefficient of x^i). */
static uint64_t x_pow_mod(const struct crc_params *p, unsigned n) {
  const uint64_t poly = reverse_bits(p->poly_reflected, p->width);
  const uint64_t top = (uint64_t)1 << (p->width - 1);
  const uint64_t mask = p->width == 64 ? ~(uint64_t)0 : (((uint64_t)1 << p->width) - 1);
  uint64_t r = 1;
  for (unsigned i = 0; i < n; i++) {
    const uint64_t carry = r & top;
    r = (r << 1) & mask;
    if (carry) r ^= poly;
  }
  return r;
}

static void init_params(struct crc_params *p) {
  for (unsigned b = 0; b < 256; b++) {
    uint64_t r = b;
    for (int bit = 0; bit < 8; bit++) r = (r >> 1) ^ ((r & 1) ? p->poly_reflected : 0);
    p->table[0][b] = r;
  }
  for (unsigned s = 1; s < 8; s++) {
    for (unsigned b = 0; b < 256; b++) {
      const uint64_t prev = p->table[s - 1][b];
      p->table[s][b] = (prev >> 8) ^ p->table[0][prev & 0xff];
    }
  }
  /* Low half of a block (H, the higher powers) moves by 128 d + 64 bits, high half (L) by 128 d bits. */
  p->fold_128[0] = reverse_bits(x_pow_mod(p, 128 + 64 - 1), 64);
  p->fold_128[1] = reverse_bits(x_pow_mod(p, 128 - 1), 64);
  p->fold_1024[0] = reverse_bits(x_pow_mod(p, 1024 + 64 - 1), 64);
  p->fold_1024[1] = reverse_bits(x_pow_mod(p, 1024 - 1), 64);
}

static inline uint64_t load64le(const uint8_t *b) {
  return (uint64_t)b[0] | ((uint64_t)b[1] << 8) | ((uint64_t)b[2] << 16) | ((uint64_t)b[3] << 24) |
         ((uint64_t)b[4] << 32) | ((uint64_t)b[5] << 40) | ((uint64_t)b[6] << 48) | ((uint64_t)b[7] << 56);
}

/* Runs the reflected register `reg` (no pre- or post-inversion) over buf. */
static uint64_t crc_table(const struct crc_params *p, uint64_t reg, const uint8_t *buf, size_t len) {
  const uint64_t(*t)[256] = p->table;
  while (len >= 8) {
    /* The register overlays the first width/8 bytes; a 32-bit register's upper half is zero. */
    const uint64_t v = reg ^ load64le(buf);
    reg = t[7][v & 0xff] ^ t[6][(v >> 8) & 0xff] ^ t[5][(v >> 16) & 0xff] ^ t[4][(v >> 24) & 0xff] ^
          t[3][(v >> 32) & 0xff] ^ t[2][(v >> 40) & 0xff] ^ t[1][(v >> 48) & 0xff] ^ t[0][v >> 56];
    buf += 8;
    len -= 8;
  }
  while (len--) reg = (reg >> 8) ^ t[0][(reg ^ *buf++) & 0xff];
  return reg;
}

#ifdef S3XFER_HAVE_PCLMUL_PATH
__attribute__((target("pclmul,sse2"))) static inline __m128i fold(__m128i x, __m128i k, __m128i next) {
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)),
                       next);
}

/* Needs len >= 128. */
__attribute__((target("pclmul,sse2"))) static uint64_t crc_pclmul(const struct crc_params *p, uint64_t reg,
                                                                   const uint8_t *buf, size_t len) {
  const __m128i k1024 = _mm_set_epi64x((long long)p->fold_1024[1], (long long)p->fold_1024[0]);
  const __m128i k128 = _mm_set_epi64x((long long)p->fold_128[1], (long long)p->fold_128[0]);
  __m128i x[8];
  for (int i = 0; i < 8; i++) x[i] = _mm_loadu_si128((const __m128i *)(buf + 16 * i));
  x[0] = _mm_xor_si128(x[0], _mm_cvtsi64_si128((long long)reg));
  buf += 128;
  len -= 128;
  /* Eight independent chains hide the multiplier's latency. */
  while (len >= 128) {
    for (int i = 0; i < 8; i++) x[i] = fold(x[i], k1024, _mm_loadu_si128((const __m128i *)(buf + 16 * i)));
    buf += 128;
    len -= 128;
  }
  __m128i acc = x[0];
  for (int i = 1; i < 8; i++) acc = fold(acc, k128, x[i]);
  while (len >= 16) {
    acc = fold(acc, k128, _mm_loadu_si128((const __m128i *)buf));
    buf += 16;
    len -= 16;
  }
  uint8_t folded[16];
  _mm_storeu_si128((__m128i *)folded, acc);
  reg = crc_table(p, 0, folded, 16);
  return crc_table(p, reg, buf, len);
}
#endif

static uint64_t crc_update(const struct crc_params *p, uint64_t reg, const uint8_t *buf, size_t len) {
#ifdef S3XFER_HAVE_PCLMUL_PATH
  /* Below a few blocks the table is as fast and the fold's fixed cost is not worth it. */
  if (use_pclmul && len >= 256) return crc_pclmul(p, reg, buf, len);
#endif
  return crc_table(p, reg, buf, len);
}

__attribute__((constructor)) static void init_library(void) {
  /* Runs once when the shared object is loaded, before any thread can call in. */
  init_params(&CRC32_PARAMS);
  init_params(&CRC32C_PARAMS);
  init_params(&CRC64NVME_PARAMS);
#ifdef S3XFER_HAVE_PCLMUL_PATH
  __builtin_cpu_init();
  use_pclmul = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
  /* Lets the tests run the table path, which CPUs without carry-less multiply use, on any machine. */
  const char *force_table = getenv("S3XFER_CRC_FORCE_TABLE");
  if (force_table && strcmp(force_table, "1") == 0) use_pclmul = 0;
#endif
}

/* ---- Node-API glue ---- */

static int get_bytes(napi_env env, napi_value value, const uint8_t **data, size_t *len) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok) return 0;
  if (is_typed) {
    napi_typedarray_type type;
    size_t length;
    void *ptr;
    if (napi_get_typedarray_info(env, value, &type, &length, &ptr, NULL, NULL) != napi_ok) return 0;
    if (type != napi_uint8_array) {
      napi_throw_type_error(env, NULL, "expected a Uint8Array or Buffer");
      return 0;
    }
    *data = length ? (const uint8_t *)ptr : (const uint8_t *)"";
    *len = length;
    return 1;
  }
  napi_throw_type_error(env, NULL, "expected a Uint8Array or Buffer");
  return 0;
}

/* crc32(data, previous = 0) / crc32c(...): zlib-style, `previous` is a finished CRC to continue from. */
static napi_value crc32_style(napi_env env, napi_callback_info info, const struct crc_params *p) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  const uint8_t *data;
  size_t len;
  if (argc < 1 || !get_bytes(env, argv[0], &data, &len)) {
    if (argc < 1) napi_throw_type_error(env, NULL, "expected a Uint8Array or Buffer");
    return NULL;
  }
  uint32_t previous = 0;
  if (argc >= 2) {
    napi_valuetype type;
    if (napi_typeof(env, argv[1], &type) != napi_ok) return NULL;
    if (type == napi_number) {
      if (napi_get_value_uint32(env, argv[1], &previous) != napi_ok) return NULL;
    } else if (type != napi_undefined) {
      napi_throw_type_error(env, NULL, "previous must be a number");
      return NULL;
    }
  }
  const uint64_t reg = crc_update(p, (uint64_t)(~previous), data, len);
  napi_value out;
  if (napi_create_uint32(env, ~(uint32_t)reg, &out) != napi_ok) return NULL;
  return out;
}

static napi_value crc32_fn(napi_env env, napi_callback_info info) { return crc32_style(env, info, &CRC32_PARAMS); }

static napi_value crc32c_fn(napi_env env, napi_callback_info info) {
  return crc32_style(env, info, &CRC32C_PARAMS);
}

/* crc64nvme(data, previous = 0n): a finished CRC-64/NVME as a BigInt, continued over data. */
static napi_value crc64nvme_fn(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  const uint8_t *data;
  size_t len;
  if (argc < 1 || !get_bytes(env, argv[0], &data, &len)) {
    if (argc < 1) napi_throw_type_error(env, NULL, "expected a Uint8Array or Buffer");
    return NULL;
  }
  uint64_t previous = 0;
  if (argc >= 2) {
    napi_valuetype type;
    if (napi_typeof(env, argv[1], &type) != napi_ok) return NULL;
    if (type == napi_bigint) {
      bool lossless;
      if (napi_get_value_bigint_uint64(env, argv[1], &previous, &lossless) != napi_ok) return NULL;
      if (!lossless) {
        napi_throw_range_error(env, NULL, "previous must fit in 64 bits");
        return NULL;
      }
    } else if (type != napi_undefined) {
      napi_throw_type_error(env, NULL, "previous must be a bigint");
      return NULL;
    }
  }
  const uint64_t reg = crc_update(&CRC64NVME_PARAMS, ~previous, data, len);
  napi_value out;
  if (napi_create_bigint_uint64(env, ~reg, &out) != napi_ok) return NULL;
  return out;
}

NAPI_MODULE_INIT() {
  static const struct {
    const char *name;
    napi_callback fn;
  } functions[] = {{"crc32", crc32_fn}, {"crc32c", crc32c_fn}, {"crc64nvme", crc64nvme_fn}};
  for (size_t i = 0; i < sizeof functions / sizeof functions[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].fn, NULL, &fn) != napi_ok)
      return NULL;
    if (napi_set_named_property(env, exports, functions[i].name, fn) != napi_ok) return NULL;
  }
  napi_value accel;
  if (napi_create_string_utf8(env, use_pclmul ? "pclmul" : "table", NAPI_AUTO_LENGTH, &accel) != napi_ok)
    return NULL;
  if (napi_set_named_property(env, exports, "acceleration", accel) != napi_ok) return NULL;
  return exports;
}
