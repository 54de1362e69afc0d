// Native build of odra's fused cost kernel (build: npm run build:native, scripts/build-native.mjs).
//
// The same kernel as wasm/fused-fk.ts (read that file first: this one follows it function by function),
// four samples at a time instead of two: the joint-space pass, forward kinematics, the bounding centres,
// ee_position, ee_orientation, keep_out, self_collision and the tip of the last step, plus the sampling
// planners' noisy actions and kinematic rollout. Every value is the IEEE double the JS path computes:
// the same operations in the same order, lane by lane. It is compiled with -ffp-contract=off (no fused
// multiply-add) and without -ffast-math; add, sub, mul, div and sqrt round as JS does, comparisons and
// selects are written out where wasm's min/max semantics matter. Math.log is fdlibm's log (as V8's), here
// as log_fdlibm; the rare angles the JS sincos hands to Math.sin/Math.cos (|x| ≥ 2^19·π/2, ±∞, NaN) are
// handed to those very functions through Node-API.
//
// Memory: src/cost/fused-kernel.ts lays out one ArrayBuffer exactly as it lays out the wasm instance's
// memory (header at 0, the rest at heapBase(); vector scratch sized by vectorBytes()), and passes it
// to every call, and checks every table and area the header places before it reads them. Nothing is
// kept between calls outside that buffer but references to Math.sin and Math.cos (per thread), so any
// number of instances and worker threads can use the module at once. A few calls work on the planner's
// own Float64Arrays in place (noisyActions, latentRows, gatherRows; bounds-checked against their lengths).
//
// GCC/Clang vector extensions: 256-bit vectors of 4 doubles, AVX2 where the build enables it, pairs of
// 128-bit registers otherwise (SSE2, NEON).

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#if defined(__AVX__)
#include <immintrin.h>
#endif

/*
 * Code that runs before the kernel may: the module's registration and the CPU check, compiled for the
 * baseline instruction set, so that a build for AVX2 loaded on a CPU without it says so instead of
 * stopping the process on an illegal instruction.
 */
#if defined(__x86_64__) && defined(__GNUC__)
#define BASELINE __attribute__((target("arch=x86-64")))
#else
#define BASELINE
#endif

typedef double vd __attribute__((vector_size(32)));
typedef int64_t vi __attribute__((vector_size(32)));
typedef uint64_t vu __attribute__((vector_size(32)));

#define LANES 4
#define VB 32 /* bytes per vector */
#define LAYOUT_VERSION 2
#define HEADER_BYTES 512
#define STAMP_SLOT 79 /* the header's i32 slot that keeps the stamp counter between calls */

/* ---------------------------------------------------------------- memory helpers */
typedef uint8_t u8;

static inline double ldf(const u8 *p) { double x; memcpy(&x, p, 8); return x; }
static inline void stf(u8 *p, double x) { memcpy(p, &x, 8); }
static inline int32_t ldi(const u8 *p) { int32_t x; memcpy(&x, p, 4); return x; }
static inline vd ldv(const u8 *p) { vd x; memcpy(&x, p, VB); return x; }
static inline void stv(u8 *p, vd x) { memcpy(p, &x, VB); }
static inline vi ldm(const u8 *p) { vi x; memcpy(&x, p, VB); return x; }
static inline void stm(u8 *p, vi x) { memcpy(p, &x, VB); }
static inline vd spl(double x) { return (vd){x, x, x, x}; }
static inline vd spf(const u8 *p) { return spl(ldf(p)); }
static inline vd gather(const u8 *p0, const u8 *p1, const u8 *p2, const u8 *p3) {
  return (vd){ldf(p0), ldf(p1), ldf(p2), ldf(p3)};
}
/* m ? a : b per lane (m all ones or zero) */
static inline vd sel(vd a, vd b, vi m) { return (vd)(((vi)a & m) | ((vi)b & ~m)); }
static inline vd vabs(vd x) { return (vd)((vi)x & (vi){INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX}); }
static inline int anyv(vi m) { return (m[0] | m[1] | m[2] | m[3]) != 0; }
static inline int maskv(vi m) { return (m[0] != 0) | ((m[1] != 0) << 1) | ((m[2] != 0) << 2) | ((m[3] != 0) << 3); }
static inline vd vsqrt(vd x) {
#if defined(__AVX__)
  return (vd)_mm256_sqrt_pd((__m256d)x);
#else
  return (vd){sqrt(x[0]), sqrt(x[1]), sqrt(x[2]), sqrt(x[3])};
#endif
}
/* wasm's f64x2.max (JS Math.max of two): NaN if either is NaN, +0 over −0 */
static inline vd jsmax(vd a, vd b) {
  vd r = sel(a, b, a > b);
  r = sel((vd)((vi)a & (vi)b), r, a == b);
  return sel(a + b, r, (a != a) | (b != b));
}
/* a + b·x + c·y + d·z, left to right, as JS evaluates it */
static inline vd dot3(vd p, vd a, vd x, vd b, vd y, vd c, vd z) { return ((p + a * x) + b * y) + c * z; }

/* ---------------------------------------------------------------- log (fdlibm e_log.c, as V8's Math.log) */
static const double LN2_HI = 6.93147180369123816490e-01;
static const double LN2_LO = 1.90821492927058770002e-10;
static const double TWO54 = 1.80143985094819840000e+16;
static const double LG1 = 6.666666666666735130e-01;
static const double LG2 = 3.999999999940941908e-01;
static const double LG3 = 2.857142874366239149e-01;
static const double LG4 = 2.222219843214978396e-01;
static const double LG5 = 1.818357216161805012e-01;
static const double LG6 = 1.531383769920937332e-01;
static const double LG7 = 1.479819860511658591e-01;

static inline int32_t hi_word(double x) { uint64_t u; memcpy(&u, &x, 8); return (int32_t)(u >> 32); }
static inline uint32_t lo_word(double x) { uint64_t u; memcpy(&u, &x, 8); return (uint32_t)u; }
static inline double with_hi(double x, int32_t hi) {
  uint64_t u; memcpy(&u, &x, 8);
  u = ((uint64_t)(uint32_t)hi << 32) | (u & 0xffffffffu);
  memcpy(&x, &u, 8);
  return x;
}

static double log_fdlibm(double x) {
  int32_t hx = hi_word(x);
  uint32_t lx = lo_word(x);
  int32_t k = 0;
  if (hx < 0x00100000) {
    if (((hx & 0x7fffffff) | lx) == 0) return -INFINITY;
    if (hx < 0) return NAN;
    k -= 54;
    x *= TWO54;
    hx = hi_word(x);
  }
  if (hx >= 0x7ff00000) return x + x;
  k += (hx >> 20) - 1023;
  hx &= 0x000fffff;
  int32_t i = (hx + 0x95f64) & 0x100000;
  x = with_hi(x, hx | (i ^ 0x3ff00000));
  k += i >> 20;
  double f = x - 1.0;
  if ((0x000fffff & (2 + hx)) < 3) {
    if (f == 0.0) {
      if (k == 0) return 0.0;
      double dk = (double)k;
      return dk * LN2_HI + dk * LN2_LO;
    }
    double R = f * f * (0.5 - 0.33333333333333333 * f);
    if (k == 0) return f - R;
    double dk = (double)k;
    return dk * LN2_HI - ((R - dk * LN2_LO) - f);
  }
  double s = f / (2.0 + f);
  double dk = (double)k;
  double z = s * s;
  i = hx - 0x6147a;
  double w = z * z;
  int32_t j = 0x6b851 - hx;
  double t1 = w * (LG2 + w * (LG4 + w * LG6));
  double t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  i |= j;
  double R = t2 + t1;
  if (i > 0) {
    double hfsq = 0.5 * f * f;
    if (k == 0) return f - (hfsq - s * (hfsq + R));
    return dk * LN2_HI - ((hfsq - (s * (hfsq + R) + dk * LN2_LO)) - f);
  }
  if (k == 0) return f - s * (f - R);
  return dk * LN2_HI - ((s * (f - R) - dk * LN2_LO) - f);
}

/* ---------------------------------------------------------------- the header, decoded per call */
enum { /* i32 slots of HEADER_FIELDS in src/cost/fused-kernel.ts */
  H_DOF, H_NS, H_NG, H_NF, H_NKO, H_NBOX, H_NZONE, H_EP, H_EO, H_KO, H_SC,
  H_KIND, H_PERM, H_SIGN, H_ROT, H_TRANS, H_TIPROT, H_TIPTRANS, H_BC, H_LOCAL, H_RAD, H_BODYSTART,
  H_GA, H_GB, H_GSTART, H_FIRSTS, H_PSTART, H_PARTNERS, H_GNEAR, H_REACH, H_KOB, H_KOREACH,
  H_BOXES, H_ZONES, H_GOALP, H_GOALR, H_PAR, H_F, H_E, H_B, H_SCR, H_NEAR, H_CENT, H_STAMP, H_S, H_ACC,
  H_JDOF, H_ADIM, H_RSB, H_QOB, H_QDOB, H_JG, H_PO, H_JL, H_VL, H_AL, H_SM, H_EF,
  H_GOALJ, H_POST, H_LOM, H_HIM, H_VMAX, H_AMAX, H_A,
};

/* f64 parameters at P_PAR (byte offsets), as PAR_* in wasm/fused-fk.ts */
#define PAR_EP_INV 0
#define PAR_EP_PARAM 8
#define PAR_EO_INV 16
#define PAR_EO_PARAM 24
#define PAR_KO_M 32
#define PAR_SC_M 40
#define PAR_F_MAX 48
#define PAR_DF_MAX 56
#define PAR_D2F_MAX 64
#define PAR_W 72
#define PAR_JG_INV 160
#define PAR_JG_PARAM 168
#define PAR_PO_INV 176
#define PAR_PO_PARAM 184
#define PAR_JL_M 192
#define PAR_VL_PARAM 200
#define PAR_AL_PARAM 208
#define PAR_SM_INV 216
#define PAR_SM_PARAM 224
#define PAR_EF_INV 232
#define PAR_EF_PARAM 240
#define PAR_INV_DT 248

enum { S_EP, S_EO, S_KO, S_SC, S_JG, S_PO, S_JL, S_VL, S_AL, S_SM, S_EF, ACC_SLOTS };
enum { DO_EP = 1, DO_EO = 2, DO_KO = 4, DO_SC = 8, DO_FK = 16, DO_JG = 32, DO_PO = 64, DO_JL = 128, DO_VL = 256, DO_AL = 512, DO_SM = 1024, DO_EF = 2048 };

typedef struct {
  napi_env env; /* for Math.sin / Math.cos of the rare wide angles */
  u8 *mem;
  size_t len; /* bytes of mem */
  int32_t dof, ns, ng, nf, nko, nbox, nzone, ep, eo, ko, sc;
  const u8 *kind, *perm, *sign, *rot, *trans, *tiprot, *tiptrans, *bc, *local, *rad, *bodystart;
  const u8 *ga, *gb, *gstart, *firsts, *pstart, *partners, *gnear, *reach, *kob, *koreach;
  const u8 *boxes, *zones, *goalp, *goalr, *par;
  u8 *F, *E, *B, *SCR, *NEAR, *CENT, *STAMPS, *S, *ACC, *A;
  int32_t stamp;
  int32_t jdof, adim;
  size_t rsb, qob, qdob;
  int32_t jg, po, jl, vl, al, sm, ef;
  const u8 *goalj, *post, *lom, *him, *vmax, *amax;
  size_t accs, sback, aback;
} K;

static inline int32_t hdr(const u8 *m, int i) { return ldi(m + 4 * i); }

static void decode(K *k, napi_env env, u8 *m, size_t len) {
  k->env = env;
  k->mem = m;
  k->len = len;
#define P(i) (m + (uint32_t)hdr(m, i))
  k->dof = hdr(m, H_DOF); k->ns = hdr(m, H_NS); k->ng = hdr(m, H_NG); k->nf = hdr(m, H_NF); k->nko = hdr(m, H_NKO);
  k->nbox = hdr(m, H_NBOX); k->nzone = hdr(m, H_NZONE);
  k->ep = hdr(m, H_EP); k->eo = hdr(m, H_EO); k->ko = hdr(m, H_KO); k->sc = hdr(m, H_SC);
  k->kind = P(H_KIND); k->perm = P(H_PERM); k->sign = P(H_SIGN); k->rot = P(H_ROT); k->trans = P(H_TRANS);
  k->tiprot = P(H_TIPROT); k->tiptrans = P(H_TIPTRANS); k->bc = P(H_BC); k->local = P(H_LOCAL); k->rad = P(H_RAD);
  k->bodystart = P(H_BODYSTART); k->ga = P(H_GA); k->gb = P(H_GB); k->gstart = P(H_GSTART); k->firsts = P(H_FIRSTS);
  k->pstart = P(H_PSTART); k->partners = P(H_PARTNERS); k->gnear = P(H_GNEAR); k->reach = P(H_REACH); k->kob = P(H_KOB);
  k->koreach = P(H_KOREACH); k->boxes = P(H_BOXES); k->zones = P(H_ZONES); k->goalp = P(H_GOALP); k->goalr = P(H_GOALR);
  k->par = P(H_PAR); k->F = P(H_F); k->E = P(H_E); k->B = P(H_B); k->SCR = P(H_SCR); k->NEAR = P(H_NEAR);
  k->CENT = P(H_CENT); k->STAMPS = P(H_STAMP); k->S = P(H_S); k->ACC = P(H_ACC);
  k->jdof = hdr(m, H_JDOF); k->adim = hdr(m, H_ADIM);
  k->rsb = (uint32_t)hdr(m, H_RSB); k->qob = (uint32_t)hdr(m, H_QOB); k->qdob = (uint32_t)hdr(m, H_QDOB);
  k->jg = hdr(m, H_JG); k->po = hdr(m, H_PO); k->jl = hdr(m, H_JL); k->vl = hdr(m, H_VL); k->al = hdr(m, H_AL);
  k->sm = hdr(m, H_SM); k->ef = hdr(m, H_EF);
  k->goalj = P(H_GOALJ); k->post = P(H_POST); k->lom = P(H_LOM); k->him = P(H_HIM); k->vmax = P(H_VMAX);
  k->amax = P(H_AMAX); k->A = P(H_A);
  k->stamp = hdr(m, STAMP_SLOT);
#undef P
}

static inline double par(const K *k, size_t off) { return ldf(k->par + off); }
static inline int32_t i32at(const u8 *p, int32_t i) { return ldi(p + 4 * (size_t)i); }
static inline double f64at(const u8 *p, int32_t i) { return ldf(p + 8 * (size_t)i); }

/* ---------------------------------------------------------------- Math.sin / Math.cos through Node-API */
/* Math.sin and Math.cos as they were when the module loaded (as the wasm kernel imports them), per env */
typedef struct {
  napi_ref sin, cos;
} MathRefs;

static void free_math_refs(napi_env env, void *data, void *hint) {
  (void)hint;
  MathRefs *r = (MathRefs *)data;
  if (r->sin != NULL) napi_delete_reference(env, r->sin);
  if (r->cos != NULL) napi_delete_reference(env, r->cos);
  free(r);
}

/* fn(x) for the rare angles the JS sincos hands to Math.sin / Math.cos; NaN if the call cannot be made */
static double js_math(napi_env env, int cos, double x) {
  MathRefs *r = NULL;
  if (napi_get_instance_data(env, (void **)&r) != napi_ok || r == NULL) return NAN;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return NAN;
  double out = NAN;
  napi_value fn, recv, arg, res;
  if (napi_get_reference_value(env, cos ? r->cos : r->sin, &fn) == napi_ok && fn != NULL && napi_get_undefined(env, &recv) == napi_ok &&
      napi_create_double(env, x, &arg) == napi_ok && napi_call_function(env, recv, fn, 1, &arg, &res) == napi_ok)
    if (napi_get_value_double(env, res, &out) != napi_ok) out = NAN;
  napi_close_handle_scope(env, scope);
  return out;
}

/* ---------------------------------------------------------------- sincos of four angles (src/robot/sincos.ts) */
#define S1 -1.66666666666666324348e-1
#define S2 8.33333333332248946124e-3
#define S3 -1.98412698298579493134e-4
#define S4 2.75573137070700676789e-6
#define S5 -2.50507602534068634195e-8
#define S6 1.58969099521155010221e-10
#define C1 4.16666666666666019037e-2
#define C2 -1.38888888888741095749e-3
#define C3 2.48015872894767294178e-5
#define C4 -2.75573143513906633035e-7
#define C5 2.08757232129817482790e-9
#define C6 -1.13596475577881948265e-11
#define INV_PIO2 6.36619772367581382433e-1
#define RINT 6755399441055744.0
#define PIO2_1 1.57079632673412561417
#define PIO2_1T 6.07710050650619224932e-11
#define PIO2_2 6.07710050630396597660e-11
#define PIO2_2T 2.02226624879595063154e-21
#define PIO2_3 2.02226624871116645580e-21
#define PIO2_3T 8.47842766036889956997e-32
#define TWO_M16 1.52587890625e-5
#define TWO_M49 1.7763568394002505e-15
#define MEDIUM_MAX 823549.6653585

static inline vd ksin4(vd x, vd y) {
  vd z = x * x;
  vd w = z * z;
  vd r = (spl(S2) + z * (spl(S3) + z * spl(S4))) + (z * w) * (spl(S5) + z * spl(S6));
  vd v = z * x;
  return x - ((z * (spl(0.5) * y - v * r) - y) - v * spl(S1));
}

static inline vd kcos4(vd x, vd y) {
  vd z = x * x;
  vd w = z * z;
  vd r = z * (spl(C1) + z * (spl(C2) + z * spl(C3))) + (w * w) * (spl(C4) + z * (spl(C5) + z * spl(C6)));
  vd hz = spl(0.5) * z;
  vd one = spl(1.0);
  w = one - hz;
  return w + (((one - w) - hz) + (z * r - x * y));
}

static void sincos4(const K *k, vd x, vd *so_out, vd *co_out) {
  vd ax = vabs(x);
  vd tt = x * spl(INV_PIO2) + spl(RINT);
  vd fn = tt - spl(RINT);
  vd r = x - fn * spl(PIO2_1);
  vd w = fn * spl(PIO2_1T);
  vd y0 = r - w;
  vi nearAxis = vabs(y0) < ax * spl(TWO_M16);
  if (anyv(nearAxis)) {
    vd t = x - fn * spl(PIO2_1);
    vd w2 = fn * spl(PIO2_2);
    vd r2 = t - w2;
    w2 = fn * spl(PIO2_2T) - ((t - r2) - w2);
    vd y02 = r2 - w2;
    vi third = vabs(y02) < ax * spl(TWO_M49);
    vd t3 = r2;
    vd w3 = fn * spl(PIO2_3);
    vd r3 = t3 - w3;
    w3 = fn * spl(PIO2_3T) - ((t3 - r3) - w3);
    vd y03 = r3 - w3;
    r2 = sel(r3, r2, third);
    w2 = sel(w3, w2, third);
    y02 = sel(y03, y02, third);
    r = sel(r2, r, nearAxis);
    w = sel(w2, w, nearAxis);
    y0 = sel(y02, y0, nearAxis);
  }
  vd y1 = (r - y0) - w;
  vd s = ksin4(y0, y1);
  vd c = kcos4(y0, y1);
  /* quadrant n from the low mantissa bits of tt = 1.5·2^52 + n: odd n swaps, bit 1 negates */
  vi ti = (vi)tt;
  vi odd = (vi){0, 0, 0, 0} - (ti & 1);
  vd sv = sel(c, s, odd);
  vd cv = sel(s, c, odd);
  vi sb = (vi)(((vu)ti >> 1) << 63);
  vi cb = (vi)((((vu)ti + 1) >> 1) << 63);
  vd so = (vd)((vi)sv ^ sb) + spl(0.0);
  vd co = (vd)((vi)cv ^ cb) + spl(0.0);
  vi wide = ~(ax < spl(MEDIUM_MAX));
  if (anyv(wide)) {
    for (int l = 0; l < LANES; l++) {
      if (!wide[l]) continue;
      /* the lanes of a short group repeat the last row: its angle once */
      if (l > 0 && wide[l - 1] && memcmp(&x[l], &x[l - 1], 8) == 0) {
        so[l] = so[l - 1];
        co[l] = co[l - 1];
        continue;
      }
      so[l] = js_math(k->env, 0, x[l]);
      co[l] = js_math(k->env, 1, x[l]);
    }
  }
  *so_out = so;
  *co_out = co;
}

/* ---------------------------------------------------------------- forward kinematics of four rows */
/* frame element e (0..11: r00 r01 r02 r10 r11 r12 r20 r21 r22 px py pz) of frame f */
#define FR(k, f, e) ((k)->F + ((size_t)(f) * 12 + (e)) * VB)

static void fk4(K *k, const u8 *q0, const u8 *q1, const u8 *q2, const u8 *q3) {
  const int dof = k->dof;
  u8 *SCR = k->SCR;
  for (int j = 0; j < dof; j++) {
    size_t o = (size_t)j * 8;
    vd s, c;
    sincos4(k, gather(q0 + o, q1 + o, q2 + o, q3 + o), &s, &c);
    stv(SCR + (size_t)j * 2 * VB, s);
    stv(SCR + (size_t)j * 2 * VB + VB, c);
  }
  const vd one = spl(1.0), zero = spl(0.0);
  vd r00 = one, r01 = zero, r02 = zero, r10 = zero, r11 = one, r12 = zero, r20 = zero, r21 = zero, r22 = one;
  vd px = zero, py = zero, pz = zero;
  stv(FR(k, 0, 0), r00); stv(FR(k, 0, 1), r01); stv(FR(k, 0, 2), r02);
  stv(FR(k, 0, 3), r10); stv(FR(k, 0, 4), r11); stv(FR(k, 0, 5), r12);
  stv(FR(k, 0, 6), r20); stv(FR(k, 0, 7), r21); stv(FR(k, 0, 8), r22);
  stv(FR(k, 0, 9), px); stv(FR(k, 0, 10), py); stv(FR(k, 0, 11), pz);
  stv(k->B, spf(k->bc)); stv(k->B + VB, spf(k->bc + 8)); stv(k->B + 2 * VB, spf(k->bc + 16));
  for (int j = 0; j < dof; j++) {
    vd m00, m01, m02, m10, m11, m12, m20, m21, m22;
    if (i32at(k->kind, j) == 0) {
      /* M = R·A with A a signed permutation: column c of M is ±(column perm[c] of R) */
      int32_t c0 = i32at(k->perm, 3 * j), c1 = i32at(k->perm, 3 * j + 1), c2 = i32at(k->perm, 3 * j + 2);
      const u8 *sg = k->sign + (size_t)j * 24;
      vd s0 = spf(sg), s1 = spf(sg + 8), s2 = spf(sg + 16);
      m00 = s0 * ldv(FR(k, j, c0)); m01 = s1 * ldv(FR(k, j, c1)); m02 = s2 * ldv(FR(k, j, c2));
      m10 = s0 * ldv(FR(k, j, 3 + c0)); m11 = s1 * ldv(FR(k, j, 3 + c1)); m12 = s2 * ldv(FR(k, j, 3 + c2));
      m20 = s0 * ldv(FR(k, j, 6 + c0)); m21 = s1 * ldv(FR(k, j, 6 + c1)); m22 = s2 * ldv(FR(k, j, 6 + c2));
    } else {
      const u8 *a = k->rot + (size_t)j * 72;
      vd a0 = spf(a), a1 = spf(a + 8), a2 = spf(a + 16), a3 = spf(a + 24), a4 = spf(a + 32), a5 = spf(a + 40);
      vd a6 = spf(a + 48), a7 = spf(a + 56), a8 = spf(a + 64);
      m00 = (r00 * a0 + r01 * a3) + r02 * a6;
      m01 = (r00 * a1 + r01 * a4) + r02 * a7;
      m02 = (r00 * a2 + r01 * a5) + r02 * a8;
      m10 = (r10 * a0 + r11 * a3) + r12 * a6;
      m11 = (r10 * a1 + r11 * a4) + r12 * a7;
      m12 = (r10 * a2 + r11 * a5) + r12 * a8;
      m20 = (r20 * a0 + r21 * a3) + r22 * a6;
      m21 = (r20 * a1 + r21 * a4) + r22 * a7;
      m22 = (r20 * a2 + r21 * a5) + r22 * a8;
    }
    const u8 *tp = k->trans + (size_t)j * 24;
    vd t0 = spf(tp), t1 = spf(tp + 8), t2 = spf(tp + 16);
    px = dot3(px, r00, t0, r01, t1, r02, t2);
    py = dot3(py, r10, t0, r11, t1, r12, t2);
    pz = dot3(pz, r20, t0, r21, t1, r22, t2);
    vd s = ldv(SCR + (size_t)j * 2 * VB), co = ldv(SCR + (size_t)j * 2 * VB + VB);
    /* columns of M · Rz(q): x' = x c + y s, y' = y c − x s */
    r00 = m00 * co + m01 * s; r01 = m01 * co - m00 * s;
    r10 = m10 * co + m11 * s; r11 = m11 * co - m10 * s;
    r20 = m20 * co + m21 * s; r21 = m21 * co - m20 * s;
    r02 = m02; r12 = m12; r22 = m22;
    int g = j + 1;
    stv(FR(k, g, 0), r00); stv(FR(k, g, 1), r01); stv(FR(k, g, 2), r02);
    stv(FR(k, g, 3), r10); stv(FR(k, g, 4), r11); stv(FR(k, g, 5), r12);
    stv(FR(k, g, 6), r20); stv(FR(k, g, 7), r21); stv(FR(k, g, 8), r22);
    stv(FR(k, g, 9), px); stv(FR(k, g, 10), py); stv(FR(k, g, 11), pz);
    const u8 *bc = k->bc + (size_t)g * 24;
    vd cx = spf(bc), cy = spf(bc + 8), cz = spf(bc + 16);
    u8 *bo = k->B + (size_t)g * 3 * VB;
    stv(bo, dot3(px, r00, cx, r01, cy, r02, cz));
    stv(bo + VB, dot3(py, r10, cx, r11, cy, r12, cz));
    stv(bo + 2 * VB, dot3(pz, r20, cx, r21, cy, r22, cz));
  }
  const u8 *tt = k->tiptrans;
  vd t0 = spf(tt), t1 = spf(tt + 8), t2 = spf(tt + 16);
  u8 *E = k->E;
  stv(E, dot3(px, r00, t0, r01, t1, r02, t2));
  stv(E + VB, dot3(py, r10, t0, r11, t1, r12, t2));
  stv(E + 2 * VB, dot3(pz, r20, t0, r21, t1, r22, t2));
  const u8 *R = k->tiprot;
  vd b0 = spf(R), b1 = spf(R + 8), b2 = spf(R + 16), b3 = spf(R + 24), b4 = spf(R + 32), b5 = spf(R + 40);
  vd b6 = spf(R + 48), b7 = spf(R + 56), b8 = spf(R + 64);
  stv(E + 3 * VB, (r00 * b0 + r01 * b3) + r02 * b6);
  stv(E + 4 * VB, (r00 * b1 + r01 * b4) + r02 * b7);
  stv(E + 5 * VB, (r00 * b2 + r01 * b5) + r02 * b8);
  stv(E + 6 * VB, (r10 * b0 + r11 * b3) + r12 * b6);
  stv(E + 7 * VB, (r10 * b1 + r11 * b4) + r12 * b7);
  stv(E + 8 * VB, (r10 * b2 + r11 * b5) + r12 * b8);
  stv(E + 9 * VB, (r20 * b0 + r21 * b3) + r22 * b6);
  stv(E + 10 * VB, (r20 * b1 + r21 * b4) + r22 * b7);
  stv(E + 11 * VB, (r20 * b2 + r21 * b5) + r22 * b8);
}

/* ---------------------------------------------------------------- norms (src/cost/norms.ts) */
static inline double barrier_of(const K *k, double x) {
  if (x < 0.95) return -log_fdlibm(1 - x) - x;
  double d = x - 0.95;
  return par(k, PAR_F_MAX) + par(k, PAR_DF_MAX) * d + 0.5 * par(k, PAR_D2F_MAX) * d * d;
}

static inline double barrier_element(const K *k, double v, double inv) {
  double x = v * inv;
  if (x <= 0) return 0;
  return barrier_of(k, x);
}

static double norm_scalar(const K *k, int code, double r, double param) {
  if (code == 0) return 0.5 * r * r;
  if (code == 1) return fabs(r);
  if (code == 2) return param * (sqrt(r * r + param * param) - param);
  double x = r / param;
  if (x <= 0) return 0;
  return barrier_of(k, x);
}

static inline vd finish4(int code, vd s, double param) {
  if (code == 0) return spl(0.5) * s;
  if (code == 2) {
    vd p = spl(param);
    return p * (vsqrt(s + spl(param * param)) - p);
  }
  return s;
}

static vd norm3(const K *k, int code, vd a, vd b, vd c, double inv, double param) {
  if (code == 3) {
    vd out;
    for (int l = 0; l < LANES; l++) {
      double s = barrier_element(k, a[l], inv);
      s += barrier_element(k, b[l], inv);
      s += barrier_element(k, c[l], inv);
      out[l] = s;
    }
    return out;
  }
  vd s = code == 1 ? (vabs(a) + vabs(b)) + vabs(c) : (a * a + b * b) + c * c;
  return finish4(code, s, param);
}

static vd ee_position4(const K *k) {
  vd a = ldv(k->E) - spf(k->goalp);
  vd b = ldv(k->E + VB) - spf(k->goalp + 8);
  vd c = ldv(k->E + 2 * VB) - spf(k->goalp + 16);
  return norm3(k, k->ep, a, b, c, par(k, PAR_EP_INV), par(k, PAR_EP_PARAM));
}

static vd ee_orientation4(const K *k) {
  const vd half = spl(0.5);
  vd e0 = spl(0.0), e1 = spl(0.0), e2 = spl(0.0);
  for (int c = 0; c < 3; c++) {
    vd rx = ldv(k->E + (size_t)(3 + c) * VB), ry = ldv(k->E + (size_t)(6 + c) * VB), rz = ldv(k->E + (size_t)(9 + c) * VB);
    vd gx = spl(f64at(k->goalr, c)), gy = spl(f64at(k->goalr, 3 + c)), gz = spl(f64at(k->goalr, 6 + c));
    e0 = e0 + half * (ry * gz - rz * gy);
    e1 = e1 + half * (rz * gx - rx * gz);
    e2 = e2 + half * (rx * gy - ry * gx);
  }
  return norm3(k, k->eo, e0, e1, e2, par(k, PAR_EO_INV), par(k, PAR_EO_PARAM));
}

/* keepOutRow's narrow phase of body b in lane l, added to c in the JS order */
static double keep_out_body(const K *k, int b, int l, double c) {
  const int code = k->ko;
  const double m = par(k, PAR_KO_M);
  double f[12];
  for (int e = 0; e < 12; e++) f[e] = ldf(FR(k, b, e) + 8 * (size_t)l);
  const int nBox = k->nbox, nSph = k->nzone;
  for (int s = i32at(k->bodystart, b), e = i32at(k->bodystart, b + 1); s < e; s++) {
    const u8 *L = k->local + (size_t)s * 24;
    double cx = ldf(L), cy = ldf(L + 8), cz = ldf(L + 16);
    double x = ((f[9] + f[0] * cx) + f[1] * cy) + f[2] * cz;
    double y = ((f[10] + f[3] * cx) + f[4] * cy) + f[5] * cz;
    double z = ((f[11] + f[6] * cx) + f[7] * cy) + f[8] * cz;
    double rs = f64at(k->rad, s);
    for (int zb = 0; zb < nBox; zb++) {
      const u8 *bo = k->boxes + (size_t)zb * 48;
      double x0 = ldf(bo), y0 = ldf(bo + 8), z0 = ldf(bo + 16);
      double x1 = ldf(bo + 24), y1 = ldf(bo + 32), z1 = ldf(bo + 40);
      double reachS = m + rs;
      if (x < x0 - reachS || x > x1 + reachS || y < y0 - reachS || y > y1 + reachS || z < z0 - reachS || z > z1 + reachS) continue;
      double qx = x < x0 ? x0 : x > x1 ? x1 : x;
      double qy = y < y0 ? y0 : y > y1 ? y1 : y;
      double qz = z < z0 ? z0 : z > z1 ? z1 : z;
      double dx = x - qx, dy = y - qy, dz = z - qz;
      double dist2 = (dx * dx + dy * dy) + dz * dz;
      double dist;
      if (dist2 > 1e-18) dist = sqrt(dist2);
      else {
        /* inside: distance to the first nearest face, negative */
        double best = x - x0;
        double g1 = x1 - x, g2 = y - y0, g3 = y1 - y, g4 = z - z0, g5 = z1 - z;
        if (g1 < best) best = g1;
        if (g2 < best) best = g2;
        if (g3 < best) best = g3;
        if (g4 < best) best = g4;
        if (g5 < best) best = g5;
        dist = -best;
      }
      double r = m - (dist - rs);
      if (r <= 0) continue;
      c += norm_scalar(k, code, r, m);
    }
    for (int zs = 0; zs < nSph; zs++) {
      const u8 *so = k->zones + (size_t)zs * 32;
      double dx = x - ldf(so), dy = y - ldf(so + 8), dz = z - ldf(so + 16);
      double dc = sqrt((dx * dx + dy * dy) + dz * dz);
      double r = m - ((dc - ldf(so + 24)) - rs);
      if (r <= 0) continue;
      c += norm_scalar(k, code, r, m);
    }
  }
  return c;
}

static vd keep_out4(const K *k) {
  double c[LANES] = {0, 0, 0, 0};
  const int nBox = k->nbox, nSph = k->nzone;
  const vd zero = spl(0.0);
  for (int kb = 0; kb < k->nko; kb++) {
    int b = i32at(k->kob, kb);
    double reach = f64at(k->koreach, kb);
    const u8 *bp = k->B + (size_t)b * 3 * VB;
    vd bx = ldv(bp), by = ldv(bp + VB), bz = ldv(bp + 2 * VB);
    vi near = {0, 0, 0, 0};
    vd reach2 = spl(reach * reach);
    for (int zb = 0; zb < nBox; zb++) {
      const u8 *bo = k->boxes + (size_t)zb * 48;
      /* Math.max(lo − b, 0, b − hi) */
      vd dx = jsmax(jsmax(spf(bo) - bx, zero), bx - spf(bo + 24));
      vd dy = jsmax(jsmax(spf(bo + 8) - by, zero), by - spf(bo + 32));
      vd dz = jsmax(jsmax(spf(bo + 16) - bz, zero), bz - spf(bo + 40));
      near |= ((dx * dx + dy * dy) + dz * dz) < reach2;
    }
    for (int zs = 0; zs < nSph; zs++) {
      const u8 *so = k->zones + (size_t)zs * 32;
      double r = reach + ldf(so + 24);
      vd dx = bx - spf(so), dy = by - spf(so + 8), dz = bz - spf(so + 16);
      near |= ((dx * dx + dy * dy) + dz * dz) < spl(r * r);
    }
    if (!anyv(near)) continue;
    for (int l = 0; l < LANES; l++)
      if (near[l]) c[l] = keep_out_body(k, b, l, c[l]);
  }
  return (vd){c[0], c[1], c[2], c[3]};
}

/* centre of sphere s on body b for all lanes, computed once per group of rows */
static inline const u8 *centre4(K *k, int s, int b) {
  u8 *c = k->CENT + (size_t)s * 3 * VB;
  u8 *st = k->STAMPS + 4 * (size_t)s;
  if (ldi(st) != k->stamp) {
    memcpy(st, &k->stamp, 4);
    const u8 *L = k->local + (size_t)s * 24;
    vd cx = spf(L), cy = spf(L + 8), cz = spf(L + 16);
    if (b == 0) {
      stv(c, cx); stv(c + VB, cy); stv(c + 2 * VB, cz);
    } else {
      stv(c, dot3(ldv(FR(k, b, 9)), ldv(FR(k, b, 0)), cx, ldv(FR(k, b, 1)), cy, ldv(FR(k, b, 2)), cz));
      stv(c + VB, dot3(ldv(FR(k, b, 10)), ldv(FR(k, b, 3)), cx, ldv(FR(k, b, 4)), cy, ldv(FR(k, b, 5)), cz));
      stv(c + 2 * VB, dot3(ldv(FR(k, b, 11)), ldv(FR(k, b, 6)), cx, ldv(FR(k, b, 7)), cy, ldv(FR(k, b, 8)), cz));
    }
  }
  return c;
}

static vd self4(K *k) {
  const int code = k->sc;
  const double m = par(k, PAR_SC_M);
  if (k->stamp == 0x3fffffff) {
    memset(k->STAMPS, 0, (size_t)k->ns * 4);
    k->stamp = 0;
  }
  k->stamp++;
  double c[LANES] = {0, 0, 0, 0};
  const int nG = k->ng;
  const int nGF = k->ng + k->nf;
  for (int gi = 0; gi < nG; gi++) {
    int ka = i32at(k->ga, gi), kb = i32at(k->gb, gi);
    const u8 *pa = k->B + (size_t)ka * 3 * VB, *pb = k->B + (size_t)kb * 3 * VB;
    vd ax = ldv(pa), ay = ldv(pa + VB), az = ldv(pa + 2 * VB);
    vd bx = ldv(pb), by = ldv(pb + VB), bz = ldv(pb + 2 * VB);
    vd ex = ax - bx, ey = ay - by, ez = az - bz;
    /* 'not provably far' (NaN passes), as the JS */
    vi gmask = ~(((ex * ex + ey * ey) + ez * ez) >= spl(f64at(k->reach, gi)));
    if (!anyv(gmask)) continue;
    /* B's bounding centre in A's frame: Rᵀ (C_B − p_A) */
    vd vx = bx - ldv(FR(k, ka, 9)), vy = by - ldv(FR(k, ka, 10)), vz = bz - ldv(FR(k, ka, 11));
    vd ux = (ldv(FR(k, ka, 0)) * vx + ldv(FR(k, ka, 3)) * vy) + ldv(FR(k, ka, 6)) * vz;
    vd uy = (ldv(FR(k, ka, 1)) * vx + ldv(FR(k, ka, 4)) * vy) + ldv(FR(k, ka, 7)) * vz;
    vd uz = (ldv(FR(k, ka, 2)) * vx + ldv(FR(k, ka, 5)) * vy) + ldv(FR(k, ka, 8)) * vz;
    int nearDone = 0;
    for (int e = i32at(k->gstart, gi), eEnd = i32at(k->gstart, gi + 1); e < eEnd; e++) {
      int i = i32at(k->firsts, e);
      const u8 *Li = k->local + (size_t)i * 24;
      vd fx = spf(Li) - ux, fy = spf(Li + 8) - uy, fz = spf(Li + 16) - uz;
      vi emask = gmask & ~(((fx * fx + fy * fy) + fz * fz) >= spl(f64at(k->reach, nG + e)));
      if (!anyv(emask)) continue;
      if (!nearDone) {
        nearDone = 1;
        /* A's bounding centre in B's frame, and which spheres of B come within reach of it */
        vd wx0 = ax - ldv(FR(k, kb, 9)), wy0 = ay - ldv(FR(k, kb, 10)), wz0 = az - ldv(FR(k, kb, 11));
        vd wx = (ldv(FR(k, kb, 0)) * wx0 + ldv(FR(k, kb, 3)) * wy0) + ldv(FR(k, kb, 6)) * wz0;
        vd wy = (ldv(FR(k, kb, 1)) * wx0 + ldv(FR(k, kb, 4)) * wy0) + ldv(FR(k, kb, 7)) * wz0;
        vd wz = (ldv(FR(k, kb, 2)) * wx0 + ldv(FR(k, kb, 5)) * wy0) + ldv(FR(k, kb, 8)) * wz0;
        int j0 = i32at(k->bodystart, kb);
        int r0 = nGF + i32at(k->gnear, gi) - j0;
        for (int j = j0, jEnd = i32at(k->bodystart, kb + 1); j < jEnd; j++) {
          const u8 *Lj = k->local + (size_t)j * 24;
          vd dx = spf(Lj) - wx, dy = spf(Lj + 8) - wy, dz = spf(Lj + 16) - wz;
          stm(k->NEAR + (size_t)j * VB, ~(((dx * dx + dy * dy) + dz * dz) >= spl(f64at(k->reach, r0 + j))));
        }
      }
      double mi = m + f64at(k->rad, i);
      for (int q = i32at(k->pstart, e), qEnd = i32at(k->pstart, e + 1); q < qEnd; q++) {
        int j = i32at(k->partners, q);
        vi pm = emask & ldm(k->NEAR + (size_t)j * VB);
        if (!anyv(pm)) continue;
        const u8 *ci = centre4(k, i, ka);
        const u8 *cj = centre4(k, j, kb);
        vd dx = ldv(ci) - ldv(cj);
        vd dy = ldv(ci + VB) - ldv(cj + VB);
        vd dz = ldv(ci + 2 * VB) - ldv(cj + 2 * VB);
        double reach = mi + f64at(k->rad, j);
        vd d2 = (dx * dx + dy * dy) + dz * dz;
        vi hit = pm & ~(d2 >= spl(reach * reach));
        if (!anyv(hit)) continue;
        vd rr = spl(reach) - vsqrt(d2);
        for (int l = 0; l < LANES; l++)
          if (hit[l]) c[l] += norm_scalar(k, code, rr[l], m);
      }
    }
  }
  return (vd){c[0], c[1], c[2], c[3]};
}

/* ---------------------------------------------------------------- per-sample sums */
/* acc[slot][i .. i+3] += weight[slot] · v, the lanes below nbPad (the rest would be the next slot's) */
static inline void acc_add(const K *k, u8 *accP, int slot, vd v, int lanes) {
  u8 *p = accP + (size_t)slot * k->accs;
  vd w = spf(k->par + PAR_W + 8 * (size_t)slot);
  if (lanes == LANES) {
    stv(p, ldv(p) + w * v);
    return;
  }
  vd add = w * v;
  for (int l = 0; l < lanes; l++) stf(p + 8 * (size_t)l, ldf(p + 8 * (size_t)l) + add[l]);
}

/* ---------------------------------------------------------------- joint-space terms, four rows per vector */
/* row i of a block of nb rows of rb bytes; past the block's end its last row (the lanes of a short group) */
static inline const u8 *lane_row(const u8 *rows, int i, int nb, size_t rb) { return rows + (size_t)(i < nb ? i : nb - 1) * rb; }

enum { E_GOAL, E_DIFF, E_ACT };
enum { L_POS, L_VEL, L_ACC };

static vd barrier_elem4(const K *k, vd v, double inv) {
  vd x = v * spl(inv);
  vi live = ~(x <= spl(0.0));
  if (!anyv(live)) return spl(0.0);
  vd r = spl(0.0);
  for (int l = 0; l < LANES; l++)
    if (live[l]) r[l] = barrier_of(k, x[l]);
  return r;
}

static inline __attribute__((always_inline)) vd elem4(const K *k, int code, vd v, double inv) {
  if (code == 1) return vabs(v);
  if (code == 3) return barrier_elem4(k, v, inv);
  return v * v;
}

static inline __attribute__((always_inline)) void elem_rows(const K *k, int kind, int code, int T, int nb, int slot, const u8 *goal, double inv, double param) {
  const int nbPad = (nb + 1) & ~1;
  const int n = kind == E_GOAL ? k->jdof : k->adim;
  const size_t rb = kind == E_GOAL ? k->rsb : (size_t)k->adim * 8;
  const u8 *base = kind == E_GOAL ? k->S + k->qob : k->A;
  const size_t back = kind == E_GOAL ? k->sback : k->aback;
  for (int t = 1; t <= T; t++) {
    const u8 *rows = base + (size_t)t * nb * rb;
    for (int i = 0; i < nb; i += LANES) {
      const u8 *a0 = lane_row(rows, i, nb, rb), *a1 = lane_row(rows, i + 1, nb, rb), *a2 = lane_row(rows, i + 2, nb, rb), *a3 = lane_row(rows, i + 3, nb, rb);
      const u8 *g = goal;
      vd s = spl(0.0);
      for (int j = 0; j < n; j++) {
        vd x = gather(a0, a1, a2, a3);
        vd v;
        if (kind == E_GOAL) v = x - spf(g);
        else if (kind == E_DIFF) v = x - gather(a0 - back, a1 - back, a2 - back, a3 - back);
        else v = x;
        s = s + elem4(k, code, v, inv);
        a0 += 8; a1 += 8; a2 += 8; a3 += 8; g += 8;
      }
      acc_add(k, k->ACC + (size_t)i * 8, slot, finish4(code, s, param), nbPad - i < LANES ? nbPad - i : LANES);
    }
  }
}

static vd barrier_scalar4(const K *k, vd r, double param, vi live) {
  vd out = spl(0.0);
  for (int l = 0; l < LANES; l++)
    if (live[l]) out[l] = norm_scalar(k, 3, r[l], param);
  return out;
}

static inline __attribute__((always_inline)) vd scalar4(int code, vd r, double param, vi live) {
  vd v;
  if (code == 0) v = (spl(0.5) * r) * r;
  else if (code == 1) v = vabs(r);
  else {
    vd p = spl(param);
    v = p * (vsqrt(r * r + spl(param * param)) - p);
  }
  return (vd)((vi)v & live);
}

static inline __attribute__((always_inline)) void limit_rows(const K *k, int kind, int code, int T, int nb, int slot, const u8 *lo, const u8 *hi, double param) {
  const int nbPad = (nb + 1) & ~1;
  const int n = k->jdof;
  const size_t rb = k->rsb;
  const u8 *base = k->S + (kind == L_POS ? k->qob : k->qdob);
  const size_t back = k->sback;
  const vd invDt = spl(par(k, PAR_INV_DT));
  const vd zero = spl(0.0);
  for (int t = 1; t <= T; t++) {
    const u8 *rows = base + (size_t)t * nb * rb;
    for (int i = 0; i < nb; i += LANES) {
      const u8 *a0 = lane_row(rows, i, nb, rb), *a1 = lane_row(rows, i + 1, nb, rb), *a2 = lane_row(rows, i + 2, nb, rb), *a3 = lane_row(rows, i + 3, nb, rb);
      const u8 *l = lo, *h = hi;
      vd c = zero;
      for (int j = 0; j < n; j++) {
        vd x = gather(a0, a1, a2, a3);
        vd r;
        vi live;
        if (kind == L_POS) {
          vd below = spf(l) - x;
          vd above = x - spf(h);
          /* below > 0, else above > 0 (NaN: neither) */
          vi bm = below > zero;
          live = bm | (above > zero);
          r = sel(below, above, bm);
        } else {
          vd e = kind == L_VEL ? vabs(x) : vabs((x - gather(a0 - back, a1 - back, a2 - back, a3 - back)) * invDt);
          r = e - spf(l);
          live = r > zero;
        }
        if (code == 3) {
          if (anyv(live)) c = c + barrier_scalar4(k, r, param, live);
        } else c = c + scalar4(code, r, param, live);
        a0 += 8; a1 += 8; a2 += 8; a3 += 8; l += 8; h += 8;
      }
      acc_add(k, k->ACC + (size_t)i * 8, slot, c, nbPad - i < LANES ? nbPad - i : LANES);
    }
  }
}

/* one specialized copy per (kind, norm code): the literal folds the norm's branches away */
#define ELEM(kind, code) static void elem_##kind##_##code(const K *k, int T, int nb, int slot, const u8 *g, double inv, double param) { elem_rows(k, kind, code, T, nb, slot, g, inv, param); }
#define LIMIT(kind, code) static void limit_##kind##_##code(const K *k, int T, int nb, int slot, const u8 *lo, const u8 *hi, double param) { limit_rows(k, kind, code, T, nb, slot, lo, hi, param); }
ELEM(E_GOAL, 0) ELEM(E_GOAL, 1) ELEM(E_GOAL, 2) ELEM(E_GOAL, 3)
ELEM(E_DIFF, 0) ELEM(E_DIFF, 1) ELEM(E_DIFF, 2) ELEM(E_DIFF, 3)
ELEM(E_ACT, 0) ELEM(E_ACT, 1) ELEM(E_ACT, 2) ELEM(E_ACT, 3)
LIMIT(L_POS, 0) LIMIT(L_POS, 1) LIMIT(L_POS, 2) LIMIT(L_POS, 3)
LIMIT(L_VEL, 0) LIMIT(L_VEL, 1) LIMIT(L_VEL, 2) LIMIT(L_VEL, 3)
LIMIT(L_ACC, 0) LIMIT(L_ACC, 1) LIMIT(L_ACC, 2) LIMIT(L_ACC, 3)

typedef void (*elem_fn)(const K *, int, int, int, const u8 *, double, double);
typedef void (*limit_fn)(const K *, int, int, int, const u8 *, const u8 *, double);
static const elem_fn ELEMS[3][4] = {
  {elem_E_GOAL_0, elem_E_GOAL_1, elem_E_GOAL_2, elem_E_GOAL_3},
  {elem_E_DIFF_0, elem_E_DIFF_1, elem_E_DIFF_2, elem_E_DIFF_3},
  {elem_E_ACT_0, elem_E_ACT_1, elem_E_ACT_2, elem_E_ACT_3},
};
static const limit_fn LIMITS[3][4] = {
  {limit_L_POS_0, limit_L_POS_1, limit_L_POS_2, limit_L_POS_3},
  {limit_L_VEL_0, limit_L_VEL_1, limit_L_VEL_2, limit_L_VEL_3},
  {limit_L_ACC_0, limit_L_ACC_1, limit_L_ACC_2, limit_L_ACC_3},
};
/* norm codes beyond 3 are the barrier, as the wasm kernel's `else` branches */
static inline int code_index(int code) { return code >= 0 && code <= 3 ? code : 3; }

static void joint_rows(const K *k, int T, int nb, int flags) {
  if (flags & DO_JG) ELEMS[E_GOAL][code_index(k->jg)](k, T, nb, S_JG, k->goalj, par(k, PAR_JG_INV), par(k, PAR_JG_PARAM));
  if (flags & DO_PO) ELEMS[E_GOAL][code_index(k->po)](k, T, nb, S_PO, k->post, par(k, PAR_PO_INV), par(k, PAR_PO_PARAM));
  if (flags & DO_JL) LIMITS[L_POS][code_index(k->jl)](k, T, nb, S_JL, k->lom, k->him, par(k, PAR_JL_M));
  if (flags & DO_VL) LIMITS[L_VEL][code_index(k->vl)](k, T, nb, S_VL, k->vmax, k->vmax, par(k, PAR_VL_PARAM));
  if (flags & DO_AL) LIMITS[L_ACC][code_index(k->al)](k, T, nb, S_AL, k->amax, k->amax, par(k, PAR_AL_PARAM));
  if (flags & DO_SM) ELEMS[E_DIFF][code_index(k->sm)](k, T, nb, S_SM, NULL, par(k, PAR_SM_INV), par(k, PAR_SM_PARAM));
  if (flags & DO_EF) ELEMS[E_ACT][code_index(k->ef)](k, T, nb, S_EF, NULL, par(k, PAR_EF_INV), par(k, PAR_EF_PARAM));
}

/* ---------------------------------------------------------------- entry points */
/* evalBlock of wasm/fused-fk.ts, four samples at a time */
static void eval_block(K *k, int T, int nb, int flags) {
  const int nbPad = (nb + 1) & ~1;
  const size_t rsb = k->rsb;
  k->accs = (size_t)nbPad * 8;
  k->sback = (size_t)nb * rsb;
  k->aback = (size_t)nb * (size_t)k->adim * 8;
  memset(k->ACC, 0, ACC_SLOTS * k->accs);
  u8 *tip = k->ACC + ACC_SLOTS * k->accs;
  if (flags & DO_FK) {
    for (int t = (flags & (DO_EP | DO_EO | DO_KO | DO_SC)) != 0 ? 1 : T; t <= T; t++) {
      const u8 *rows = k->S + (size_t)t * nb * rsb;
      for (int i = 0; i < nb; i += LANES) {
        const int lanes = nbPad - i < LANES ? nbPad - i : LANES;
        const u8 *r[LANES];
        for (int l = 0; l < LANES; l++) r[l] = lane_row(rows, i + l, nb, rsb) + k->qob;
        u8 *accP = k->ACC + (size_t)i * 8;
        fk4(k, r[0], r[1], r[2], r[3]);
        if (flags & DO_EP) acc_add(k, accP, S_EP, ee_position4(k), lanes);
        if (flags & DO_EO) acc_add(k, accP, S_EO, ee_orientation4(k), lanes);
        if (flags & DO_KO) acc_add(k, accP, S_KO, keep_out4(k), lanes);
        if (flags & DO_SC) acc_add(k, accP, S_SC, self4(k), lanes);
        if (t == T) {
          vd ex = ldv(k->E), ey = ldv(k->E + VB), ez = ldv(k->E + 2 * VB);
          for (int l = 0; l < lanes; l++) {
            u8 *o = tip + (size_t)(i + l) * 32;
            stf(o, ex[l]); stf(o + 8, ey[l]); stf(o + 16, ez[l]);
          }
        }
      }
    }
  }
  joint_rows(k, T, nb, flags);
}

/* sampleRows of wasm/fused-fk.ts: the block's noisy actions and kinematic rollout */
/* the next sample's noise run starts at a random place in a table larger than the caches: fetch it early */
static inline void prefetch_run(const u8 *pNoise, int noiseLen, int off, int n) {
  if (off >= 0 && off + n <= noiseLen)
    for (int e = 0; e < n; e += 8) __builtin_prefetch(pNoise + (size_t)(off + e) * 8);
}

/*
 * writeNoisySample of src/planner/common.ts for sample b: e the run of the noise table from off (wrapping
 * at noiseLen), AR(1) along t with rho and c where rho > 0 (pPrev: A doubles of scratch), v = mean + s·e
 * or mean + (s·std)·e with s = scale·sampleScale(b), clamped into [lo, hi]; step t's A actions go to
 * out + t·tstride.
 */
static void noisy_sample(u8 *out, size_t tstride, int T, int A, int b, const u8 *pNoise, int noiseLen, int off, const u8 *pMean,
                         const u8 *pStd, const u8 *pLo, const u8 *pHi, u8 *pPrev, double rho, double c, double scale) {
  const size_t ab = (size_t)A * 8;
  const int n = T * A;
  const int corr = rho > 0;
  const vd rhoV = spl(rho), cV = spl(c);
  const int m3 = b % 3;
  const double ss = m3 == 0 ? 1 : m3 == 1 ? 0.25 : 0.0625;
  const double s = scale * ss;
  const u8 *mi = pMean;
  const u8 *si = pStd;
  if (off + n <= noiseLen) {
    const vd sV = spl(s);
    const u8 *ep = pNoise + (size_t)off * 8;
    for (int t = 0; t < T; t++) {
      int j = 0;
      for (; j + LANES <= A; j += LANES) {
        size_t jb = (size_t)j * 8;
        vd e = ldv(ep + jb);
        u8 *pp = pPrev + jb;
        if (corr && t > 0) e = rhoV * ldv(pp) + cV * e;
        stv(pp, e);
        vd v = pStd == NULL ? ldv(mi + jb) + sV * e : ldv(mi + jb) + (sV * ldv(si + jb)) * e;
        vd lo = ldv(pLo + jb), hi = ldv(pHi + jb);
        /* v < lo ? lo : v > hi ? hi : v (NaN stays) */
        stv(out + jb, sel(lo, sel(hi, v, v > hi), v < lo));
      }
      for (; j < A; j++) {
        size_t jb = (size_t)j * 8;
        double e = ldf(ep + jb);
        u8 *pp = pPrev + jb;
        if (corr && t > 0) e = rho * ldf(pp) + c * e;
        stf(pp, e);
        double v = pStd == NULL ? ldf(mi + jb) + s * e : ldf(mi + jb) + (s * ldf(si + jb)) * e;
        double lo = ldf(pLo + jb), hi = ldf(pHi + jb);
        double r = v;
        if (v < lo) r = lo;
        else if (v > hi) r = hi;
        stf(out + jb, r);
      }
      ep += ab;
      mi += ab;
      if (si != NULL) si += ab;
      out += tstride;
    }
    return;
  }
  /* a run that wraps around the end of the table, one action at a time */
  for (int t = 0; t < T; t++) {
    for (int j = 0; j < A; j++) {
      double e = ldf(pNoise + (size_t)off * 8);
      off = off + 1 == noiseLen ? 0 : off + 1;
      u8 *pp = pPrev + (size_t)j * 8;
      if (corr && t > 0) e = rho * ldf(pp) + c * e;
      stf(pp, e);
      double v;
      if (pStd == NULL) v = ldf(mi) + s * e;
      else {
        v = ldf(mi) + (s * ldf(si)) * e;
        si += 8;
      }
      mi += 8;
      double lo = ldf(pLo + (size_t)j * 8), hi = ldf(pHi + (size_t)j * 8);
      double r = v;
      if (v < lo) r = lo;
      else if (v > hi) r = hi;
      stf(out + (size_t)j * 8, r);
    }
    out += tstride;
  }
}

/* sampleRows of wasm/fused-fk.ts: the block's noisy actions and kinematic rollout */
static void sample_rows(K *k, int T, int nb, int c0, const u8 *pNoise, int noiseLen, const u8 *pOff, const u8 *pMean, const u8 *pStd,
                        const u8 *pLo, const u8 *pHi, const u8 *pS0, u8 *pPrev, int latent, double rho, double c, double scale,
                        double alpha, double kk, double dt) {
  const int A = k->adim;
  const size_t ab = (size_t)A * 8;
  const size_t ar = (size_t)nb * ab;
  for (int i = 0; i < nb; i++) {
    const int b = c0 + i;
    if (b < 1) continue;
    if (i + 1 < nb) prefetch_run(pNoise, noiseLen, ldi(pOff + 4 * (size_t)(i + 1)), T * A);
    noisy_sample(k->A + ar + (size_t)i * ab, ar, T, A, b, pNoise, noiseLen, ldi(pOff + 4 * (size_t)i), pMean, pStd, pLo, pHi, pPrev, rho, c, scale);
  }
  const size_t rsb = k->rsb;
  const size_t sr = (size_t)nb * rsb;
  const int dof = k->jdof;
  const vd alphaV = spl(alpha), kV = spl(kk), dtV = spl(dt);
  for (int i = 0; i < nb; i++) {
    u8 *so = k->S + (size_t)i * rsb;
    memcpy(so, pS0, rsb);
    const u8 *a = k->A + ar + (size_t)i * ab;
    for (int t = 0; t < T; t++) {
      u8 *no = so + sr;
      memmove(no, so, (size_t)latent * 8);
      int j = 0;
      for (; j + LANES <= dof; j += LANES) {
        size_t jb = (size_t)j * 8;
        vd qd = ldv(so + k->qdob + jb);
        vd qdn = qd + alphaV * (kV * ldv(a + jb) - qd);
        stv(no + k->qdob + jb, qdn);
        stv(no + k->qob + jb, ldv(so + k->qob + jb) + dtV * qdn);
      }
      for (; j < dof; j++) {
        size_t jb = (size_t)j * 8;
        double qd = ldf(so + k->qdob + jb);
        double qdn = qd + alpha * (kk * ldf(a + jb) - qd);
        stf(no + k->qdob + jb, qdn);
        stf(no + k->qob + jb, ldf(so + k->qob + jb) + dt * qdn);
      }
      so = no;
      a += ar;
    }
  }
}

/* ---------------------------------------------------------------- bounds */
/* whether [p, p + bytes) lies in the memory */
static int inside(const K *k, const u8 *p, double bytes) {
  return p >= k->mem && bytes >= 0 && (double)(p - k->mem) + bytes <= (double)k->len;
}

/* an i32 table of n entries at p lies in the memory and each entry in [lo, hi] (n ≤ 0: nothing) */
static int ints_within(const K *k, const u8 *p, double n, int32_t lo, int32_t hi) {
  if (n <= 0) return 1;
  if (!inside(k, p, n * 4)) return 0;
  for (size_t i = 0; i < (size_t)n; i++) {
    int32_t v = i32at(p, (int32_t)i);
    if (v < lo || v > hi) return 0;
  }
  return 1;
}

/* the same, and non-decreasing */
static int starts_within(const K *k, const u8 *p, double n, int32_t lo, int32_t hi) {
  if (!ints_within(k, p, n, lo, hi)) return 0;
  for (size_t i = 1; i < (size_t)n; i++)
    if (i32at(p, (int32_t)i) < i32at(p, (int32_t)i - 1)) return 0;
  return 1;
}

/*
 * Why the tables the header places (geometry, problem constants, scratch) would reach outside the memory
 * or hold an index out of range, or NULL: checked on every call that reads them (a few hundred integers,
 * next to thousands of state-steps: 0.35 % of a one-thread MPPI 1024 × 32 × 3 plan under perf), so that no
 * header or table the driver got wrong, or that was overwritten after configure(), is followed.
 */
static const char *tables_outside(const K *k) {
  const int dof = k->dof, ns = k->ns, ng = k->ng, nf = k->nf;
  if (dof < 0 || dof > 4096 || ns < 0 || ng < 0 || nf < 0 || k->nko < 0 || k->nbox < 0 || k->nzone < 0 || k->jdof < 0 || k->adim < 0) return "sizes out of range";
  const double jd = 8.0 * k->jdof;
  if (!inside(k, k->par, 32 * 8.0) || !inside(k, k->goalp, 24) || !inside(k, k->goalr, 72)) return "the parameters";
  if (!inside(k, k->goalj, jd) || !inside(k, k->post, jd) || !inside(k, k->lom, jd) || !inside(k, k->him, jd) || !inside(k, k->vmax, jd) || !inside(k, k->amax, jd))
    return "the joint constants";
  const double d1 = dof + 1.0;
  if (!inside(k, k->F, d1 * 12 * VB) || !inside(k, k->E, 12.0 * VB) || !inside(k, k->B, d1 * 3 * VB) || !inside(k, k->SCR, dof * 2.0 * VB) ||
      !inside(k, k->NEAR, ns * (double)VB) || !inside(k, k->CENT, ns * 3.0 * VB) || !inside(k, k->STAMPS, ns * 4.0))
    return "the kernel's scratch";
  if (!ints_within(k, k->kind, dof, 0, 1)) return "the joint kinds";
  for (int j = 0; j < dof; j++)
    if (i32at(k->kind, j) == 0 && !ints_within(k, k->perm + 12 * (size_t)j, 3, 0, 2)) return "the joint permutations";
  if (!inside(k, k->perm, dof * 12.0) || !inside(k, k->sign, dof * 24.0) || !inside(k, k->rot, dof * 72.0) || !inside(k, k->trans, dof * 24.0) ||
      !inside(k, k->tiprot, 72) || !inside(k, k->tiptrans, 24) || !inside(k, k->bc, d1 * 24) || !inside(k, k->local, ns * 24.0) || !inside(k, k->rad, ns * 8.0))
    return "the chain constants";
  if (!starts_within(k, k->bodystart, dof + 2.0, 0, ns)) return "the bodies' spheres";
  if (!ints_within(k, k->ga, ng, 0, dof) || !ints_within(k, k->gb, ng, 0, dof)) return "the self-collision body pairs";
  if (!starts_within(k, k->gstart, ng + 1.0, 0, nf) || !ints_within(k, k->firsts, nf, 0, ns - 1)) return "the self-collision first spheres";
  if (!starts_within(k, k->pstart, nf + 1.0, 0, INT32_MAX)) return "the self-collision partners";
  if (!ints_within(k, k->partners, nf > 0 ? i32at(k->pstart, nf) : 0, 0, ns - 1)) return "the self-collision partners";
  if (!ints_within(k, k->gnear, ng + 1.0, 0, INT32_MAX)) return "the self-collision reaches";
  /* reach[gi], reach[ng + e], reach[ng + nf + gnear[gi] + (j − bodystart[kb])] for the spheres j of body kb = gb[gi] */
  double reachLen = (double)ng + nf;
  for (int gi = 0; gi < ng; gi++) {
    int kb = i32at(k->gb, gi);
    double end = (double)ng + nf + i32at(k->gnear, gi) + (i32at(k->bodystart, kb + 1) - i32at(k->bodystart, kb));
    if (end > reachLen) reachLen = end;
  }
  if (!inside(k, k->reach, reachLen * 8)) return "the self-collision reaches";
  if (!ints_within(k, k->kob, k->nko, 0, dof) || !inside(k, k->koreach, k->nko * 8.0)) return "the keep-out bodies";
  if (!inside(k, k->boxes, k->nbox * 48.0) || !inside(k, k->zones, k->nzone * 32.0)) return "the keep-out zones";
  return NULL;
}

/* Why a block of nb samples over T steps would reach outside the memory, or NULL: its rows and sums. */
static const char *block_outside(const K *k, int T, int nb, int flags) {
  if (T < 0 || nb < 1) return "sizes out of range";
  const double nbPad = (double)nb + (nb & 1);
  const double rows = ((double)T + 1) * nb;
  if (!inside(k, k->S, rows * (double)k->rsb)) return "the state rows";
  if ((double)k->qob + 8.0 * k->jdof > (double)k->rsb || (double)k->qdob + 8.0 * k->jdof > (double)k->rsb) return "q or qd beyond a state row";
  if (!inside(k, k->ACC, (ACC_SLOTS + 4.0) * nbPad * 8)) return "the per-sample sums";
  if ((flags & (DO_SM | DO_EF)) && !inside(k, k->A, rows * k->adim * 8.0)) return "the action rows";
  return NULL;
}

/* ---------------------------------------------------------------- Node-API glue */
#define MAX_ARGS 20

/* the call's arguments; argv[0] the memory (an ArrayBuffer) whose bytes land in *mem */
static int args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, u8 **mem, size_t *len) {
  size_t argc = MAX_ARGS;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < want) {
    napi_throw_type_error(env, NULL, "odra fused kernel: too few arguments");
    return 0;
  }
  void *data = NULL;
  if (napi_get_arraybuffer_info(env, argv[0], &data, len) != napi_ok || data == NULL || *len < HEADER_BYTES) {
    napi_throw_type_error(env, NULL, "odra fused kernel: the first argument must be the kernel's ArrayBuffer");
    return 0;
  }
  *mem = (u8 *)data;
  return 1;
}

/* a RangeError "odra fused kernel: <what>" */
static napi_value throw_range(napi_env env, const char *what) {
  char msg[240];
  snprintf(msg, sizeof msg, "odra fused kernel: %s", what);
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

static napi_value throw_outside(napi_env env, const char *what) {
  char msg[200];
  snprintf(msg, sizeof msg, "%s would lie outside the kernel's memory (a layout error in src/cost/fused-kernel.ts)", what);
  return throw_range(env, msg);
}

/* the arguments and the decoded header of a call on the kernel's memory (argv[0]) */
static int begin(napi_env env, napi_callback_info info, size_t want, napi_value *argv, K *k) {
  u8 *mem;
  size_t len;
  if (!args(env, info, want, argv, &mem, &len)) return 0;
  decode(k, env, mem, len);
  return 1;
}

static int32_t iarg(napi_env env, napi_value v) { int32_t x = 0; napi_get_value_int32(env, v, &x); return x; }
static double darg(napi_env env, napi_value v) { double x = NAN; napi_get_value_double(env, v, &x); return x; }

static napi_value js_configure(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  K k;
  if (!begin(env, info, 1, argv, &k)) return NULL;
  const char *why = tables_outside(&k);
  if (why != NULL) return throw_outside(env, why);
  if (k.ns > 0) memset(k.STAMPS, 0, (size_t)k.ns * 4);
  int32_t zero = 0;
  memcpy(k.mem + 4 * STAMP_SLOT, &zero, 4);
  return NULL;
}

static napi_value js_eval_block(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  K k;
  if (!begin(env, info, 4, argv, &k)) return NULL;
  int T = iarg(env, argv[1]), nb = iarg(env, argv[2]), flags = iarg(env, argv[3]);
  const char *why = tables_outside(&k);
  if (why == NULL) why = block_outside(&k, T, nb, flags);
  if (why != NULL) return throw_outside(env, why);
  eval_block(&k, T, nb, flags);
  memcpy(k.mem + 4 * STAMP_SLOT, &k.stamp, 4);
  return NULL;
}

static napi_value js_sample_rows(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  K k;
  if (!begin(env, info, 20, argv, &k)) return NULL;
  u8 *mem = k.mem;
  int T = iarg(env, argv[1]), nb = iarg(env, argv[2]), c0 = iarg(env, argv[3]), noiseLen = iarg(env, argv[5]), latent = iarg(env, argv[13]);
  const u8 *pNoise = mem + (uint32_t)iarg(env, argv[4]), *pOff = mem + (uint32_t)iarg(env, argv[6]), *pMean = mem + (uint32_t)iarg(env, argv[7]);
  int32_t std = iarg(env, argv[8]);
  const u8 *pStd = std == 0 ? NULL : mem + (uint32_t)std;
  const u8 *pLo = mem + (uint32_t)iarg(env, argv[9]), *pHi = mem + (uint32_t)iarg(env, argv[10]), *pS0 = mem + (uint32_t)iarg(env, argv[11]);
  u8 *pPrev = mem + (uint32_t)iarg(env, argv[12]);
  const double A8 = k.adim * 8.0, n8 = (double)T * A8;
  const char *why = block_outside(&k, T, nb, DO_SM);
  if (why == NULL && (noiseLen < 1 || c0 < 0 || latent < 0 || latent * 8.0 > k.qob || !inside(&k, pNoise, noiseLen * 8.0) || !inside(&k, pOff, nb * 4.0) ||
                      !inside(&k, pMean, n8) || (pStd != NULL && !inside(&k, pStd, n8)) || !inside(&k, pLo, A8) || !inside(&k, pHi, A8) ||
                      !inside(&k, pS0, (double)k.rsb) || !inside(&k, pPrev, A8) || k.jdof > k.adim))
    why = "the sampling areas";
  if (why == NULL)
    for (int i = 0; i < nb; i++) {
      int32_t off = ldi(pOff + 4 * (size_t)i);
      if (off < 0 || off >= noiseLen) {
        why = "a noise offset";
        break;
      }
    }
  if (why != NULL) return throw_outside(env, why);
  sample_rows(&k, T, nb, c0, pNoise, noiseLen, pOff, pMean, pStd, pLo, pHi, pS0, pPrev, latent, darg(env, argv[14]), darg(env, argv[15]),
              darg(env, argv[16]), darg(env, argv[17]), darg(env, argv[18]), darg(env, argv[19]));
  return NULL;
}

/* ---------------------------------------------------------------- operations on the planner's own arrays */
/*
 * These read and write the batch's Float64Arrays (plain or shared) in place, for the paths that do not go
 * through the kernel's memory: the noisy actions of a learned model's batch, the latent goal, and the
 * gather of q and qd into the kernel. Each checks every index it will touch against the arrays' lengths.
 */

/* a typed array argument of the given type: its data and length in elements; NULL for null when nullable */
static int typed_arg(napi_env env, napi_value v, napi_typedarray_type want, void **data, size_t *len, int nullable) {
  napi_valuetype vt;
  if (nullable && napi_typeof(env, v, &vt) == napi_ok && (vt == napi_null || vt == napi_undefined)) {
    *data = NULL;
    *len = 0;
    return 1;
  }
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is || napi_get_typedarray_info(env, v, &type, len, data, &ab, &off) != napi_ok || type != want ||
      (*data == NULL && *len > 0)) {
    napi_throw_type_error(env, NULL, want == napi_int32_array ? "odra fused kernel: an Int32Array was expected" : "odra fused kernel: a Float64Array was expected");
    return 0;
  }
  return 1;
}

/* the arguments of a call that takes `want` of them (fewer: a RangeError naming the function) */
static int call_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, const char *name) {
  size_t argc = MAX_ARGS;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return 0;
  if (argc < want) {
    char msg[80];
    snprintf(msg, sizeof msg, "%s takes %zu arguments", name, want);
    throw_range(env, msg);
    return 0;
  }
  return 1;
}

/*
 * noisyActions(actions, noise, offsets, mean, std | null, lo, hi, T, B, A, b0, b1, rho, c, scale): samples
 * b0 .. b1-1 (b ≥ 1) of actions [T, B, A], each writeNoisySample of the noise run from offsets[b].
 */
static napi_value js_noisy_actions(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  if (!call_args(env, info, 15, argv, "noisyActions")) return NULL;
  void *pa, *pn, *po, *pm, *ps, *plo, *phi;
  size_t na, nn, no, nm, ns, nlo, nhi;
  if (!typed_arg(env, argv[0], napi_float64_array, &pa, &na, 0) || !typed_arg(env, argv[1], napi_float64_array, &pn, &nn, 0) ||
      !typed_arg(env, argv[2], napi_int32_array, &po, &no, 0) || !typed_arg(env, argv[3], napi_float64_array, &pm, &nm, 0) ||
      !typed_arg(env, argv[4], napi_float64_array, &ps, &ns, 1) || !typed_arg(env, argv[5], napi_float64_array, &plo, &nlo, 0) ||
      !typed_arg(env, argv[6], napi_float64_array, &phi, &nhi, 0))
    return NULL;
  int T = iarg(env, argv[7]), B = iarg(env, argv[8]), A = iarg(env, argv[9]), b0 = iarg(env, argv[10]), b1 = iarg(env, argv[11]);
  double rho = darg(env, argv[12]), c = darg(env, argv[13]), scale = darg(env, argv[14]);
  enum { MAX_A = 1024 };
  if (T < 0 || B < 0 || A < 1 || A > MAX_A || b0 < 0 || b1 > B || b0 > b1) return throw_range(env, "noisyActions: sizes out of range");
  const double n = (double)T * A;
  if ((double)T * B * A > (double)na || nn < 1 || nn > INT32_MAX || (double)no < b1 || (double)nm < n || (ps != NULL && (double)ns < n) ||
      (double)nlo < A || (double)nhi < A)
    return throw_range(env, "noisyActions: an array is shorter than the batch");
  for (int b = b0 < 1 ? 1 : b0; b < b1; b++) {
    int32_t off = ((const int32_t *)po)[b];
    if (off < 0 || (size_t)off >= nn) return throw_range(env, "noisyActions: a noise offset outside the table");
  }
  double prev[MAX_A];
  const size_t tstride = (size_t)B * A * 8;
  const int32_t *offs = (const int32_t *)po;
  for (int b = b0 < 1 ? 1 : b0; b < b1; b++) {
    if (b + 1 < b1) prefetch_run((const u8 *)pn, (int)nn, offs[b + 1], T * A);
    noisy_sample((u8 *)pa + (size_t)b * A * 8, tstride, T, A, b, (const u8 *)pn, (int)nn, offs[b], (const u8 *)pm, (const u8 *)ps,
                 (const u8 *)plo, (const u8 *)phi, (u8 *)prev, rho, c, scale);
  }
  return NULL;
}

/*
 * latentRows(states, perTerm, goal, T, B, c0, c1, D, latentDim, slot, code, inv, param, weight, fMax, dfMax,
 * d2fMax): latentPass of src/cost/fused.ts, perTerm[slot + b] += weight · normFinishCoded(code, latentSum(…),
 * param) for t = 1 .. T in order, b = c0 .. c1-1; latentSum's four partial sums are the vector's lanes.
 */
static napi_value js_latent_rows(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  if (!call_args(env, info, 17, argv, "latentRows")) return NULL;
  void *pz, *pp, *pg;
  size_t nz, np, ng;
  if (!typed_arg(env, argv[0], napi_float64_array, &pz, &nz, 0) || !typed_arg(env, argv[1], napi_float64_array, &pp, &np, 0) ||
      !typed_arg(env, argv[2], napi_float64_array, &pg, &ng, 0))
    return NULL;
  int T = iarg(env, argv[3]), B = iarg(env, argv[4]), c0 = iarg(env, argv[5]), c1 = iarg(env, argv[6]), D = iarg(env, argv[7]);
  int n = iarg(env, argv[8]), slot = iarg(env, argv[9]), code = iarg(env, argv[10]);
  double inv = darg(env, argv[11]), param = darg(env, argv[12]), weight = darg(env, argv[13]);
  double parv[32] = {0};
  parv[PAR_F_MAX / 8] = darg(env, argv[14]);
  parv[PAR_DF_MAX / 8] = darg(env, argv[15]);
  parv[PAR_D2F_MAX / 8] = darg(env, argv[16]);
  if (T < 0 || B < 0 || c0 < 0 || c1 > B || c0 > c1 || D < 0 || n < 0 || n > D || slot < 0) return throw_range(env, "latentRows: sizes out of range");
  if (c1 > c0 && T >= 1 && (((double)T * B + (c1 - 1.0)) * D + n > (double)nz || (double)ng < n || (double)slot + c1 > (double)np))
    return throw_range(env, "latentRows: an array is shorter than the batch");
  K k;
  memset(&k, 0, sizeof k);
  k.par = (const u8 *)parv;
  const double *z = (const double *)pz, *g = (const double *)pg;
  double *out = (double *)pp + slot;
  for (int b = c0; b < c1; b++) {
    double acc = out[b];
    for (int t = 1; t <= T; t++) {
      const double *row = z + ((size_t)t * B + b) * D;
      vd s4 = spl(0.0);
      int j = 0;
      if (code == 1)
        for (; j + 3 < n; j += 4) s4 = s4 + vabs(ldv((const u8 *)(row + j)) - ldv((const u8 *)(g + j)));
      else if (code == 0 || code == 2)
        for (; j + 3 < n; j += 4) {
          vd v = ldv((const u8 *)(row + j)) - ldv((const u8 *)(g + j));
          s4 = s4 + v * v;
        }
      double s0 = s4[0];
      for (; j < n; j++) {
        double v = row[j] - g[j];
        s0 += code == 0 || code == 2 ? v * v : code == 1 ? fabs(v) : barrier_element(&k, v, inv);
      }
      double sum = s0 + s4[1] + (s4[2] + s4[3]);
      double f = code == 0 ? 0.5 * sum : code == 2 ? param * (sqrt(sum + param * param) - param) : sum;
      acc += weight * f;
    }
    out[b] = acc;
  }
  return NULL;
}

/*
 * gatherRows(mem, states, dst, T, B, c0, c1, D, qOffset, qdOffset, dof): rows t = 0 .. T of samples
 * c0 .. c1-1 of states [T+1, B, D] into the kernel's memory at byte dst, each as q then qd (2·dof
 * doubles), as FusedFkWasm.run gathers them.
 */
static napi_value js_gather_rows(napi_env env, napi_callback_info info) {
  napi_value argv[MAX_ARGS];
  K k;
  if (!begin(env, info, 11, argv, &k)) return NULL;
  void *ps;
  size_t ns;
  if (!typed_arg(env, argv[1], napi_float64_array, &ps, &ns, 0)) return NULL;
  int dst = iarg(env, argv[2]), T = iarg(env, argv[3]), B = iarg(env, argv[4]), c0 = iarg(env, argv[5]), c1 = iarg(env, argv[6]);
  int D = iarg(env, argv[7]), qo = iarg(env, argv[8]), qdo = iarg(env, argv[9]), dof = iarg(env, argv[10]);
  if (T < 0 || B < 0 || c0 < 0 || c1 > B || c0 > c1 || dof < 0 || qo < 0 || qdo < 0 || (double)qo + dof > D || (double)qdo + dof > D || dst < 0)
    return throw_range(env, "gatherRows: sizes out of range");
  const int nb = c1 - c0;
  if (nb == 0) return NULL;
  if (((double)T * B + (c1 - 1.0)) * D + D > (double)ns) return throw_range(env, "gatherRows: the states are shorter than the batch");
  u8 *o = k.mem + (uint32_t)dst;
  const size_t rowBytes = (size_t)dof * 8;
  if (!inside(&k, o, ((double)T + 1) * nb * 2 * rowBytes)) return throw_outside(env, "the gathered rows");
  const double *st = (const double *)ps;
  for (int t = 0; t <= T; t++)
    for (int b = c0; b < c1; b++) {
      const double *row = st + ((size_t)t * B + b) * D;
      memcpy(o, row + qo, rowBytes);
      memcpy(o + rowBytes, row + qdo, rowBytes);
      o += 2 * rowBytes;
    }
  return NULL;
}

static napi_value int_value(napi_env env, int32_t x) {
  napi_value v;
  napi_create_int32(env, x, &v);
  return v;
}

static napi_value js_layout_version(napi_env env, napi_callback_info info) { (void)info; return int_value(env, LAYOUT_VERSION); }
static napi_value js_vector_bytes(napi_env env, napi_callback_info info) { (void)info; return int_value(env, VB); }
static napi_value js_heap_base(napi_env env, napi_callback_info info) { (void)info; return int_value(env, HEADER_BYTES); }

/* log_fdlibm(x), for the test that compares it with Math.log */
static napi_value js_log(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_value v;
  napi_create_double(env, argc < 1 ? NAN : log_fdlibm(darg(env, argv[0])), &v);
  return v;
}

/* the first 16 hex digits of the SHA-256 of the source this was built from (scripts/build-native.mjs) */
#ifndef ODRA_SOURCE_HASH
#define ODRA_SOURCE_HASH ""
#endif
BASELINE static napi_value js_source_hash(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_string_utf8(env, ODRA_SOURCE_HASH, NAPI_AUTO_LENGTH, &v);
  return v;
}

/* the instruction set the build targets, for reports */
BASELINE static napi_value js_target(napi_env env, napi_callback_info info) {
  (void)info;
#if defined(__AVX2__)
  const char *t = "avx2";
#elif defined(__AVX__)
  const char *t = "avx";
#elif defined(__aarch64__)
  const char *t = "neon";
#elif defined(__SSE2__)
  const char *t = "sse2";
#else
  const char *t = "generic";
#endif
  napi_value v;
  napi_create_string_utf8(env, t, NAPI_AUTO_LENGTH, &v);
  return v;
}

/* whether this CPU runs the instructions the build targets */
BASELINE static napi_value js_cpu_supported(napi_env env, napi_callback_info info) {
  (void)info;
  bool ok = true;
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
#if defined(__AVX2__)
  ok = __builtin_cpu_supports("avx2");
#elif defined(__AVX__)
  ok = __builtin_cpu_supports("avx");
#endif
#endif
  napi_value v;
  napi_get_boolean(env, ok, &v);
  return v;
}

BASELINE NAPI_MODULE_EXPORT napi_value napi_register_module_v1(napi_env env, napi_value exports) {
  struct { const char *name; napi_callback cb; } fns[] = {
    {"cpuSupported", js_cpu_supported}, {"sourceHash", js_source_hash},
    {"configure", js_configure}, {"evalBlock", js_eval_block}, {"sampleRows", js_sample_rows},
    {"layoutVersion", js_layout_version}, {"vectorBytes", js_vector_bytes}, {"heapBase", js_heap_base},
    {"log", js_log}, {"target", js_target},
    {"noisyActions", js_noisy_actions}, {"latentRows", js_latent_rows}, {"gatherRows", js_gather_rows},
  };
  MathRefs *refs = (MathRefs *)calloc(1, sizeof(MathRefs));
  napi_value global, math, fsin, fcos;
  if (refs == NULL || napi_get_global(env, &global) != napi_ok || napi_get_named_property(env, global, "Math", &math) != napi_ok ||
      napi_get_named_property(env, math, "sin", &fsin) != napi_ok || napi_get_named_property(env, math, "cos", &fcos) != napi_ok ||
      napi_create_reference(env, fsin, 1, &refs->sin) != napi_ok || napi_create_reference(env, fcos, 1, &refs->cos) != napi_ok ||
      napi_set_instance_data(env, refs, free_math_refs, NULL) != napi_ok) {
    free(refs);
    napi_throw_error(env, NULL, "odra fused kernel: cannot keep Math.sin and Math.cos");
    return NULL;
  }
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value f;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].cb, NULL, &f) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, fns[i].name, f) != napi_ok) return NULL;
  }
  return exports;
}
