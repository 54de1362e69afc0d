// AssemblyScript source of wasm/fused-fk.wasm (build: npm run build:wasm, scripts/build-wasm.mjs).
//
// The joint-space pass and the FK pass of odra's fused cost kernel (src/cost/fused.ts, jointPass and
// fkPass) for one block of samples, two samples at a time in f64x2 lanes: the joint-space terms
// (joint_goal, posture, joint_limits, velocity_limits, acceleration_limits, smoothness, effort); forward
// kinematics (forwardFrames of src/robot/kinematics.ts, the sincos of src/robot/sincos.ts), bounding-sphere
// centres, ee_position, ee_orientation, keep_out (keepOutRow) and self_collision (selfCollisionRow), plus
// the tip position of the last step for the terminal term. Per sample and term it sums weight · value over
// time from +0, as the JS adds into perTerm. Every value is the same IEEE double the JS computes: the
// same operations in the same order (wasm has no fused multiply-add; f64 add, mul, div, sqrt, min and max
// round as JS does), the branches with the same comparisons (so NaN goes where it goes in JS), Math.log,
// Math.sin and Math.cos imported from JS for the barrier and the rare angles the JS sincos hands to them.
// src/cost/fused-kernel.ts owns the memory layout: it writes the constants and the pointers (header(), then
// configure()), the rows, and reads the sums.
//
// Chains: revolute joints, any rotation (signed permutations by column picks, as forwardFrames); no
// prismatic joints (the TS side runs the FK pass in JS for those, the joint-space pass still here).

// ---------------------------------------------------------------- imports
@external("Math", "log")
declare function jsLog(x: f64): f64;
@external("Math", "sin")
declare function jsSin(x: f64): f64;
@external("Math", "cos")
declare function jsCos(x: f64): f64;

// ---------------------------------------------------------------- header written by the TS side
// i32 fields; the order is HEADER_FIELDS in src/cost/fused-kernel.ts.
const HDR: usize = memory.data(80 * 4, 16);

/** The memory layout version; LAYOUT_VERSION in src/cost/fused-kernel.ts must say the same. */
export function layoutVersion(): i32 {
  return 2;
}

export function header(): usize {
  return HDR;
}

export function heapBase(): usize {
  return __heap_base;
}

let DOF: i32 = 0;
let NS: i32 = 0; // spheres
let NG: i32 = 0; // self-collision body-pair groups
let NF: i32 = 0; // self-collision first spheres
let NKO: i32 = 0; // keep-out bodies
let NBOX: i32 = 0;
let NZONE: i32 = 0;
let EP_CODE: i32 = 0;
let EO_CODE: i32 = 0;
let KO_CODE: i32 = 0;
let SC_CODE: i32 = 0;
let P_KIND: usize = 0; // i32 [dof]: 0 signed permutation, 1 general rotation
let P_PERM: usize = 0; // i32 [dof*3]
let P_SIGN: usize = 0; // f64 [dof*3]
let P_ROT: usize = 0; // f64 [dof*9]
let P_TRANS: usize = 0; // f64 [dof*3]
let P_TIPROT: usize = 0; // f64 [9]
let P_TIPTRANS: usize = 0; // f64 [3]
let P_BC: usize = 0; // f64 [(dof+1)*3] bounding centres in body frames
let P_LOCAL: usize = 0; // f64 [S*3] sphere centres in body frames
let P_RAD: usize = 0; // f64 [S]
let P_BODYSTART: usize = 0; // i32 [dof+2]
let P_GA: usize = 0; // i32 [NG]
let P_GB: usize = 0; // i32 [NG]
let P_GSTART: usize = 0; // i32 [NG+1]
let P_FIRSTS: usize = 0; // i32 [NF]
let P_PSTART: usize = 0; // i32 [NF+1]
let P_PARTNERS: usize = 0; // i32
let P_GNEAR: usize = 0; // i32 [NG+1]
let P_REACH: usize = 0; // f64, collisionReaches layout
let P_KOB: usize = 0; // i32 [NKO] keep-out bodies
let P_KOREACH: usize = 0; // f64 [NKO] boundRadius + m + slack
let P_BOXES: usize = 0; // f64 [NBOX*6]
let P_ZONES: usize = 0; // f64 [NZONE*4]
let P_GOALP: usize = 0; // f64 [3]
let P_GOALR: usize = 0; // f64 [9]
let P_PAR: usize = 0; // f64 [PAR_*]
let P_F: usize = 0; // v128 [(dof+1)*12] frames (scratch)
let P_E: usize = 0; // v128 [12] tip pose (scratch)
let P_B: usize = 0; // v128 [(dof+1)*3] bounding centres (scratch)
let P_SC: usize = 0; // v128 [dof*2] sin, cos (scratch)
let P_NEAR: usize = 0; // v128 [S] lane masks (scratch)
let P_CENT: usize = 0; // v128 [S*3] sphere centres (scratch)
let P_STAMP: usize = 0; // i32 [S] (scratch)
let P_S: usize = 0; // f64 [(T+1)*nb rows of RSB bytes] the block's state rows, t = 0 .. T (input)
let P_A: usize = 0; // f64 [(T+1)*nb*ADIM] the block's actions, t = 0 (prevAction) .. T (input)
let P_ACC: usize = 0; // f64 [ACC_SLOTS*nbPad + nbPad*4] per-sample sums and tip positions (output)
let STAMP: i32 = 0;
// joint-space terms (fused.ts, jointPass)
let JDOF: i32 = 0; // the layout's dof
let ADIM: i32 = 0; // action dim
let RSB: usize = 0; // bytes per state row in P_S
let QOB: usize = 0; // byte offset of q in a state row
let QDOB: usize = 0; // byte offset of qd in a state row
let JG_CODE: i32 = 0;
let PO_CODE: i32 = 0;
let JL_CODE: i32 = 0;
let VL_CODE: i32 = 0;
let AL_CODE: i32 = 0;
let SM_CODE: i32 = 0;
let EF_CODE: i32 = 0;
let P_GOALJ: usize = 0; // f64 [JDOF]
let P_POST: usize = 0; // f64 [JDOF]
let P_LOM: usize = 0; // f64 [JDOF] lower + margin
let P_HIM: usize = 0; // f64 [JDOF] upper − margin
let P_VMAX: usize = 0; // f64 [JDOF]
let P_AMAX: usize = 0; // f64 [JDOF]
// per block (evalBlock)
let ACCS: usize = 0; // bytes between accumulator slots (nbPad·8)
let SBACK: usize = 0; // bytes from a state row to the same sample's row one step earlier
let ABACK: usize = 0; // the same for action rows

// f64 parameters at P_PAR (byte offsets)
// @ts-ignore
@inline const PAR_EP_INV: usize = 0;
// @ts-ignore
@inline const PAR_EP_PARAM: usize = 8;
// @ts-ignore
@inline const PAR_EO_INV: usize = 16;
// @ts-ignore
@inline const PAR_EO_PARAM: usize = 24;
// @ts-ignore
@inline const PAR_KO_M: usize = 32;
// @ts-ignore
@inline const PAR_SC_M: usize = 40;
// @ts-ignore
@inline const PAR_F_MAX: usize = 48;
// @ts-ignore
@inline const PAR_DF_MAX: usize = 56;
// @ts-ignore
@inline const PAR_D2F_MAX: usize = 64;
/** the weights of the accumulator slots, slot s at PAR_W + 8·s */
// @ts-ignore
@inline const PAR_W: usize = 72;
// @ts-ignore
@inline const PAR_JG_INV: usize = 160;
// @ts-ignore
@inline const PAR_JG_PARAM: usize = 168;
// @ts-ignore
@inline const PAR_PO_INV: usize = 176;
// @ts-ignore
@inline const PAR_PO_PARAM: usize = 184;
// @ts-ignore
@inline const PAR_JL_M: usize = 192;
// @ts-ignore
@inline const PAR_VL_PARAM: usize = 200;
// @ts-ignore
@inline const PAR_AL_PARAM: usize = 208;
// @ts-ignore
@inline const PAR_SM_INV: usize = 216;
// @ts-ignore
@inline const PAR_SM_PARAM: usize = 224;
// @ts-ignore
@inline const PAR_EF_INV: usize = 232;
// @ts-ignore
@inline const PAR_EF_PARAM: usize = 240;
// @ts-ignore
@inline const PAR_INV_DT: usize = 248;

// accumulator slots (the weights' order at PAR_W), then the tip positions of t = T
// @ts-ignore
@inline const S_EP: i32 = 0;
// @ts-ignore
@inline const S_EO: i32 = 1;
// @ts-ignore
@inline const S_KO: i32 = 2;
// @ts-ignore
@inline const S_SC: i32 = 3;
// @ts-ignore
@inline const S_JG: i32 = 4;
// @ts-ignore
@inline const S_PO: i32 = 5;
// @ts-ignore
@inline const S_JL: i32 = 6;
// @ts-ignore
@inline const S_VL: i32 = 7;
// @ts-ignore
@inline const S_AL: i32 = 8;
// @ts-ignore
@inline const S_SM: i32 = 9;
// @ts-ignore
@inline const S_EF: i32 = 10;
// @ts-ignore
@inline const ACC_SLOTS: i32 = 11;

// @ts-ignore
@inline function hdr(i: i32): i32 {
  return load<i32>(HDR + (<usize>i << 2));
}

// @ts-ignore
@inline function hp(i: i32): usize {
  return <usize>load<u32>(HDR + (<usize>i << 2));
}

/** Reads the header into the kernel's globals (after the TS side wrote constants and pointers). */
export function configure(): void {
  DOF = hdr(0); NS = hdr(1); NG = hdr(2); NF = hdr(3); NKO = hdr(4); NBOX = hdr(5); NZONE = hdr(6);
  EP_CODE = hdr(7); EO_CODE = hdr(8); KO_CODE = hdr(9); SC_CODE = hdr(10);
  P_KIND = hp(11); P_PERM = hp(12); P_SIGN = hp(13); P_ROT = hp(14); P_TRANS = hp(15);
  P_TIPROT = hp(16); P_TIPTRANS = hp(17); P_BC = hp(18); P_LOCAL = hp(19); P_RAD = hp(20);
  P_BODYSTART = hp(21); P_GA = hp(22); P_GB = hp(23); P_GSTART = hp(24); P_FIRSTS = hp(25);
  P_PSTART = hp(26); P_PARTNERS = hp(27); P_GNEAR = hp(28); P_REACH = hp(29); P_KOB = hp(30);
  P_KOREACH = hp(31); P_BOXES = hp(32); P_ZONES = hp(33); P_GOALP = hp(34); P_GOALR = hp(35);
  P_PAR = hp(36); P_F = hp(37); P_E = hp(38); P_B = hp(39); P_SC = hp(40); P_NEAR = hp(41);
  P_CENT = hp(42); P_STAMP = hp(43); P_S = hp(44); P_ACC = hp(45);
  JDOF = hdr(46); ADIM = hdr(47); RSB = hp(48); QOB = hp(49); QDOB = hp(50);
  JG_CODE = hdr(51); PO_CODE = hdr(52); JL_CODE = hdr(53); VL_CODE = hdr(54); AL_CODE = hdr(55); SM_CODE = hdr(56); EF_CODE = hdr(57);
  P_GOALJ = hp(58); P_POST = hp(59); P_LOM = hp(60); P_HIM = hp(61); P_VMAX = hp(62); P_AMAX = hp(63); P_A = hp(64);
  memory.fill(P_STAMP, 0, <usize>NS << 2);
  STAMP = 0;
}

// ---------------------------------------------------------------- constants as a static table
// (V8 materializes each v128.const with several instructions; a v128.load from here is one)
const KT: usize = memory.data<f64>([
  -1.66666666666666324348e-1, -1.66666666666666324348e-1, // 0 S1
  8.33333333332248946124e-3, 8.33333333332248946124e-3, // 16 S2
  -1.98412698298579493134e-4, -1.98412698298579493134e-4, // 32 S3
  2.75573137070700676789e-6, 2.75573137070700676789e-6, // 48 S4
  -2.50507602534068634195e-8, -2.50507602534068634195e-8, // 64 S5
  1.58969099521155010221e-10, 1.58969099521155010221e-10, // 80 S6
  4.16666666666666019037e-2, 4.16666666666666019037e-2, // 96 C1
  -1.38888888888741095749e-3, -1.38888888888741095749e-3, // 112 C2
  2.48015872894767294178e-5, 2.48015872894767294178e-5, // 128 C3
  -2.75573143513906633035e-7, -2.75573143513906633035e-7, // 144 C4
  2.08757232129817482790e-9, 2.08757232129817482790e-9, // 160 C5
  -1.13596475577881948265e-11, -1.13596475577881948265e-11, // 176 C6
  6.36619772367581382433e-1, 6.36619772367581382433e-1, // 192 INV_PIO2
  6755399441055744.0, 6755399441055744.0, // 208 RINT = 1.5·2^52
  1.57079632673412561417, 1.57079632673412561417, // 224 PIO2_1
  6.07710050650619224932e-11, 6.07710050650619224932e-11, // 240 PIO2_1T
  1.52587890625e-5, 1.52587890625e-5, // 256 2^-16
  0.5, 0.5, // 272
  1.0, 1.0, // 288
  0.0, 0.0, // 304
  6.07710050630396597660e-11, 6.07710050630396597660e-11, // 320 PIO2_2
  2.02226624879595063154e-21, 2.02226624879595063154e-21, // 336 PIO2_2T
  2.02226624871116645580e-21, 2.02226624871116645580e-21, // 352 PIO2_3
  8.47842766036889956997e-32, 8.47842766036889956997e-32, // 368 PIO2_3T
  1.7763568394002505e-15, 1.7763568394002505e-15, // 384 2^-49
  823549.6653585, 823549.6653585, // 400 MEDIUM_MAX = 2^19·π/2
], 16);

// @ts-ignore
@inline function K(off: usize): v128 {
  return v128.load(KT + off);
}

// @ts-ignore
@inline function add(a: v128, b: v128): v128 { return f64x2.add(a, b); }
// @ts-ignore
@inline function sub(a: v128, b: v128): v128 { return f64x2.sub(a, b); }
// @ts-ignore
@inline function mul(a: v128, b: v128): v128 { return f64x2.mul(a, b); }
// @ts-ignore
@inline function spl(x: f64): v128 { return f64x2.splat(x); }
// @ts-ignore
@inline function ld32(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
// @ts-ignore
@inline function ldf(p: usize, i: i32): f64 { return load<f64>(p + (<usize>i << 3)); }
// @ts-ignore
@inline function spf(p: usize, i: i32): v128 { return v128.load64_splat(p + (<usize>i << 3)); }
/** a + b + c + d, left to right, as JS evaluates it */
// @ts-ignore
@inline function dot3(p: v128, a: v128, x: v128, b: v128, y: v128, c: v128, z: v128): v128 {
  return add(add(add(p, mul(a, x)), mul(b, y)), mul(c, z));
}

// ---------------------------------------------------------------- sincos, f64x2 (src/robot/sincos.ts)
// @ts-ignore
@inline function kSin2(x: v128, y: v128): v128 {
  const z = mul(x, x);
  const w = mul(z, z);
  const r = add(add(K(16), mul(z, add(K(32), mul(z, K(48))))), mul(mul(z, w), add(K(64), mul(z, K(80)))));
  const v = mul(z, x);
  // x - ((z * (0.5 * y - v * r) - y) - v * S1)
  return sub(x, sub(sub(mul(z, sub(mul(K(272), y), mul(v, r))), y), mul(v, K(0))));
}

// @ts-ignore
@inline function kCos2(x: v128, y: v128): v128 {
  const z = mul(x, x);
  let w = mul(z, z);
  const r = add(mul(z, add(K(96), mul(z, add(K(112), mul(z, K(128)))))), mul(mul(w, w), add(K(144), mul(z, add(K(160), mul(z, K(176)))))));
  const hz = mul(K(272), z);
  const one = K(288);
  w = sub(one, hz);
  // w + (((1 - w) - hz) + (z * r - x * y))
  return add(w, add(sub(sub(one, w), hz), sub(mul(z, r), mul(x, y))));
}

/** sin and cos of two angles (lanes of x) into out and out + 16, as sincos() computes them */
function sincos2(x: v128, out: usize): void {
  const ax = f64x2.abs(x);
  const tt = add(mul(x, K(192)), K(208));
  const fn = sub(tt, K(208));
  let r = sub(x, mul(fn, K(224)));
  let w = mul(fn, K(240));
  let y0 = sub(r, w);
  const nearAxis = f64x2.lt(f64x2.abs(y0), mul(ax, K(256)));
  if (v128.any_true(nearAxis)) {
    // sincosNearAxis: second (and third) reduction round, both lanes, then picked per lane
    const t = sub(x, mul(fn, K(224)));
    let w2 = mul(fn, K(320));
    let r2 = sub(t, w2);
    w2 = sub(mul(fn, K(336)), sub(sub(t, r2), w2));
    let y02 = sub(r2, w2);
    const third = f64x2.lt(f64x2.abs(y02), mul(ax, K(384)));
    const t3 = r2;
    let w3 = mul(fn, K(352));
    const r3 = sub(t3, w3);
    w3 = sub(mul(fn, K(368)), sub(sub(t3, r3), w3));
    const y03 = sub(r3, w3);
    r2 = v128.bitselect(r3, r2, third);
    w2 = v128.bitselect(w3, w2, third);
    y02 = v128.bitselect(y03, y02, third);
    r = v128.bitselect(r2, r, nearAxis);
    w = v128.bitselect(w2, w, nearAxis);
    y0 = v128.bitselect(y02, y0, nearAxis);
  }
  const y1 = sub(sub(r, y0), w);
  const s = kSin2(y0, y1);
  const c = kCos2(y0, y1);
  // quadrant n from the low mantissa bits of tt = 1.5·2^52 + n: odd n swaps, bit 1 negates
  const odd = i64x2.shr_s(i64x2.shl(tt, 63), 63);
  const sv = v128.bitselect(c, s, odd);
  const cv = v128.bitselect(s, c, odd);
  const sb = i64x2.shl(i64x2.shr_u(tt, 1), 63);
  const cb = i64x2.shl(i64x2.shr_u(i64x2.sub(tt, i64x2.splat(-1)), 1), 63);
  // JS forms the result as ±1·s + 0·c (0·c = +0): adding +0 turns a −0 into +0 as it does there
  const zero = K(304);
  let so = add(v128.xor(sv, sb), zero);
  let co = add(v128.xor(cv, cb), zero);
  // |x| ≥ 2^19·π/2, ±Infinity and NaN: Math.sin / Math.cos, as sincos() hands them over
  const wide = v128.not(f64x2.lt(ax, K(400)));
  if (v128.any_true(wide)) {
    const m = i64x2.bitmask(wide);
    if (m & 1) {
      const x0 = f64x2.extract_lane(x, 0);
      so = f64x2.replace_lane(so, 0, jsSin(x0));
      co = f64x2.replace_lane(co, 0, jsCos(x0));
    }
    if (m & 2) {
      const x1 = f64x2.extract_lane(x, 1);
      so = f64x2.replace_lane(so, 1, jsSin(x1));
      co = f64x2.replace_lane(co, 1, jsCos(x1));
    }
  }
  v128.store(out, so, 0);
  v128.store(out, co, 16);
}

// ---------------------------------------------------------------- forward kinematics of two rows
/** frames (P_F), tip pose (P_E) and bounding centres (P_B) of rows at q0 (lane 0) and q1 (lane 1) */
function fkPair(q0: usize, q1: usize): void {
  const dof = DOF;
  const F = P_F;
  const E = P_E;
  const B = P_B;
  const SCR = P_SC;
  for (let k = 0; k < dof; k++) {
    const o = <usize>k << 3;
    sincos2(v128.load64_lane(q1 + o, v128.load64_zero(q0 + o), 1), SCR + (<usize>k << 5));
  }
  const one = K(288);
  const zero = K(304);
  v128.store(F, one, 0); v128.store(F, zero, 16); v128.store(F, zero, 32);
  v128.store(F, zero, 48); v128.store(F, one, 64); v128.store(F, zero, 80);
  v128.store(F, zero, 96); v128.store(F, zero, 112); v128.store(F, one, 128);
  v128.store(F, zero, 144); v128.store(F, zero, 160); v128.store(F, zero, 176);
  v128.store(B, v128.load64_splat(P_BC, 0), 0);
  v128.store(B, v128.load64_splat(P_BC, 8), 16);
  v128.store(B, v128.load64_splat(P_BC, 16), 32);
  let r00 = one, r01 = zero, r02 = zero, r10 = zero, r11 = one, r12 = zero, r20 = zero, r21 = zero, r22 = one;
  let px = zero, py = zero, pz = zero;
  for (let k = 0; k < dof; k++) {
    const f = F + <usize>(k * 192);
    let m00: v128, m01: v128, m02: v128, m10: v128, m11: v128, m12: v128, m20: v128, m21: v128, m22: v128;
    if (ld32(P_KIND, k) == 0) {
      // M = R·A with A a signed permutation: column c of M is ±(column perm[c] of R)
      const pc = P_PERM + (<usize>(k * 3) << 2);
      const a0 = f + (<usize>load<i32>(pc, 0) << 4);
      const a1 = f + (<usize>load<i32>(pc, 4) << 4);
      const a2 = f + (<usize>load<i32>(pc, 8) << 4);
      const sg = P_SIGN + <usize>(k * 24);
      const s0 = v128.load64_splat(sg, 0), s1 = v128.load64_splat(sg, 8), s2 = v128.load64_splat(sg, 16);
      m00 = mul(s0, v128.load(a0, 0)); m01 = mul(s1, v128.load(a1, 0)); m02 = mul(s2, v128.load(a2, 0));
      m10 = mul(s0, v128.load(a0, 48)); m11 = mul(s1, v128.load(a1, 48)); m12 = mul(s2, v128.load(a2, 48));
      m20 = mul(s0, v128.load(a0, 96)); m21 = mul(s1, v128.load(a1, 96)); m22 = mul(s2, v128.load(a2, 96));
    } else {
      const a = P_ROT + <usize>(k * 72);
      const a0 = v128.load64_splat(a, 0), a1 = v128.load64_splat(a, 8), a2 = v128.load64_splat(a, 16);
      const a3 = v128.load64_splat(a, 24), a4 = v128.load64_splat(a, 32), a5 = v128.load64_splat(a, 40);
      const a6 = v128.load64_splat(a, 48), a7 = v128.load64_splat(a, 56), a8 = v128.load64_splat(a, 64);
      m00 = add(add(mul(r00, a0), mul(r01, a3)), mul(r02, a6));
      m01 = add(add(mul(r00, a1), mul(r01, a4)), mul(r02, a7));
      m02 = add(add(mul(r00, a2), mul(r01, a5)), mul(r02, a8));
      m10 = add(add(mul(r10, a0), mul(r11, a3)), mul(r12, a6));
      m11 = add(add(mul(r10, a1), mul(r11, a4)), mul(r12, a7));
      m12 = add(add(mul(r10, a2), mul(r11, a5)), mul(r12, a8));
      m20 = add(add(mul(r20, a0), mul(r21, a3)), mul(r22, a6));
      m21 = add(add(mul(r20, a1), mul(r21, a4)), mul(r22, a7));
      m22 = add(add(mul(r20, a2), mul(r21, a5)), mul(r22, a8));
    }
    const tp = P_TRANS + <usize>(k * 24);
    const t0 = v128.load64_splat(tp, 0), t1 = v128.load64_splat(tp, 8), t2 = v128.load64_splat(tp, 16);
    px = dot3(px, r00, t0, r01, t1, r02, t2);
    py = dot3(py, r10, t0, r11, t1, r12, t2);
    pz = dot3(pz, r20, t0, r21, t1, r22, t2);
    const scp = SCR + (<usize>k << 5);
    const s = v128.load(scp, 0), co = v128.load(scp, 16);
    // columns of M · Rz(q): x' = x c + y s, y' = y c − x s
    r00 = add(mul(m00, co), mul(m01, s)); r01 = sub(mul(m01, co), mul(m00, s));
    r10 = add(mul(m10, co), mul(m11, s)); r11 = sub(mul(m11, co), mul(m10, s));
    r20 = add(mul(m20, co), mul(m21, s)); r21 = sub(mul(m21, co), mul(m20, s));
    r02 = m02; r12 = m12; r22 = m22;
    const g = f + 192;
    v128.store(g, r00, 0); v128.store(g, r01, 16); v128.store(g, r02, 32);
    v128.store(g, r10, 48); v128.store(g, r11, 64); v128.store(g, r12, 80);
    v128.store(g, r20, 96); v128.store(g, r21, 112); v128.store(g, r22, 128);
    v128.store(g, px, 144); v128.store(g, py, 160); v128.store(g, pz, 176);
    const bc = P_BC + <usize>((k + 1) * 24);
    const cx = v128.load64_splat(bc, 0), cy = v128.load64_splat(bc, 8), cz = v128.load64_splat(bc, 16);
    const bo = B + <usize>((k + 1) * 48);
    v128.store(bo, dot3(px, r00, cx, r01, cy, r02, cz), 0);
    v128.store(bo, dot3(py, r10, cx, r11, cy, r12, cz), 16);
    v128.store(bo, dot3(pz, r20, cx, r21, cy, r22, cz), 32);
  }
  const tt = P_TIPTRANS;
  const t0 = v128.load64_splat(tt, 0), t1 = v128.load64_splat(tt, 8), t2 = v128.load64_splat(tt, 16);
  v128.store(E, dot3(px, r00, t0, r01, t1, r02, t2), 0);
  v128.store(E, dot3(py, r10, t0, r11, t1, r12, t2), 16);
  v128.store(E, dot3(pz, r20, t0, r21, t1, r22, t2), 32);
  const R = P_TIPROT;
  const b0 = v128.load64_splat(R, 0), b1 = v128.load64_splat(R, 8), b2 = v128.load64_splat(R, 16);
  const b3 = v128.load64_splat(R, 24), b4 = v128.load64_splat(R, 32), b5 = v128.load64_splat(R, 40);
  const b6 = v128.load64_splat(R, 48), b7 = v128.load64_splat(R, 56), b8 = v128.load64_splat(R, 64);
  v128.store(E, add(add(mul(r00, b0), mul(r01, b3)), mul(r02, b6)), 48);
  v128.store(E, add(add(mul(r00, b1), mul(r01, b4)), mul(r02, b7)), 64);
  v128.store(E, add(add(mul(r00, b2), mul(r01, b5)), mul(r02, b8)), 80);
  v128.store(E, add(add(mul(r10, b0), mul(r11, b3)), mul(r12, b6)), 96);
  v128.store(E, add(add(mul(r10, b1), mul(r11, b4)), mul(r12, b7)), 112);
  v128.store(E, add(add(mul(r10, b2), mul(r11, b5)), mul(r12, b8)), 128);
  v128.store(E, add(add(mul(r20, b0), mul(r21, b3)), mul(r22, b6)), 144);
  v128.store(E, add(add(mul(r20, b1), mul(r21, b4)), mul(r22, b7)), 160);
  v128.store(E, add(add(mul(r20, b2), mul(r21, b5)), mul(r22, b8)), 176);
}

// ---------------------------------------------------------------- norms (src/cost/norms.ts)
/** the log barrier f(x) of normElementCoded / normScalarCoded for x > 0 */
// @ts-ignore
@inline function barrierOf(x: f64): f64 {
  if (x < 0.95) return -jsLog(1 - x) - x;
  const d = x - 0.95;
  return load<f64>(P_PAR, PAR_F_MAX) + load<f64>(P_PAR, PAR_DF_MAX) * d + 0.5 * load<f64>(P_PAR, PAR_D2F_MAX) * d * d;
}

/** normElementCoded(3, v, inv): the log barrier of v·inv, 0 where that is ≤ 0 */
function barrierElement(v: f64, inv: f64): f64 {
  const x = v * inv;
  if (x <= 0) return 0;
  return barrierOf(x);
}

/** normScalarCoded(code, r, param) */
function normScalar(code: i32, r: f64, param: f64): f64 {
  if (code == 0) return 0.5 * r * r;
  if (code == 1) return Math.abs(r);
  if (code == 2) return param * (Math.sqrt(r * r + param * param) - param);
  const x = r / param;
  if (x <= 0) return 0;
  return barrierOf(x);
}

// ---------------------------------------------------------------- per-lane terms
/**
 * normFinishCoded(code, Σ normElementCoded(code, v_i, inv), param) of the residual (a, b, c) in each lane,
 * summed a, then b, then c as fkPass does; the barrier (code 3) per lane, the others in f64x2.
 */
function norm3(code: i32, a: v128, b: v128, c: v128, inv: f64, param: f64): v128 {
  if (code == 3) {
    let s0 = barrierElement(f64x2.extract_lane(a, 0), inv);
    s0 += barrierElement(f64x2.extract_lane(b, 0), inv);
    s0 += barrierElement(f64x2.extract_lane(c, 0), inv);
    let s1 = barrierElement(f64x2.extract_lane(a, 1), inv);
    s1 += barrierElement(f64x2.extract_lane(b, 1), inv);
    s1 += barrierElement(f64x2.extract_lane(c, 1), inv);
    return f64x2.replace_lane(f64x2.splat(s0), 1, s1);
  }
  const s = code == 1 ? add(add(f64x2.abs(a), f64x2.abs(b)), f64x2.abs(c)) : add(add(mul(a, a), mul(b, b)), mul(c, c));
  return finish2(code, s, param);
}

/** ee_position's norm of both lanes, as fkPass */
function eePositionPair(): v128 {
  const a = sub(v128.load(P_E, 0), v128.load64_splat(P_GOALP, 0));
  const b = sub(v128.load(P_E, 16), v128.load64_splat(P_GOALP, 8));
  const c = sub(v128.load(P_E, 32), v128.load64_splat(P_GOALP, 16));
  return norm3(EP_CODE, a, b, c, load<f64>(P_PAR, PAR_EP_INV), load<f64>(P_PAR, PAR_EP_PARAM));
}

/** ee_orientation's norm of both lanes, as fkPass */
function eeOrientationPair(): v128 {
  const half = K(272);
  let e0 = K(304), e1 = K(304), e2 = K(304);
  for (let c = 0; c < 3; c++) {
    const rx = v128.load(P_E + (<usize>(3 + c) << 4)), ry = v128.load(P_E + (<usize>(6 + c) << 4)), rz = v128.load(P_E + (<usize>(9 + c) << 4));
    const gx = spf(P_GOALR, c), gy = spf(P_GOALR, 3 + c), gz = spf(P_GOALR, 6 + c);
    e0 = add(e0, mul(half, sub(mul(ry, gz), mul(rz, gy))));
    e1 = add(e1, mul(half, sub(mul(rz, gx), mul(rx, gz))));
    e2 = add(e2, mul(half, sub(mul(rx, gy), mul(ry, gx))));
  }
  return norm3(EO_CODE, e0, e1, e2, load<f64>(P_PAR, PAR_EO_INV), load<f64>(P_PAR, PAR_EO_PARAM));
}

/** keepOutRow's narrow phase of body k in lane l (byte offset 0 or 8), added to c in the JS order */
function keepOutBody(k: i32, l: usize, c: f64): f64 {
  const code = KO_CODE;
  const m = load<f64>(P_PAR, PAR_KO_M);
  const f = P_F + <usize>(k * 192) + l;
  const f0 = load<f64>(f, 0), f1 = load<f64>(f, 16), f2 = load<f64>(f, 32);
  const f3 = load<f64>(f, 48), f4 = load<f64>(f, 64), f5 = load<f64>(f, 80);
  const f6 = load<f64>(f, 96), f7 = load<f64>(f, 112), f8 = load<f64>(f, 128);
  const f9 = load<f64>(f, 144), f10 = load<f64>(f, 160), f11 = load<f64>(f, 176);
  const nBox = NBOX, nSph = NZONE;
  for (let s = ld32(P_BODYSTART, k), e = ld32(P_BODYSTART, k + 1); s < e; s++) {
    const L = P_LOCAL + <usize>(s * 24);
    const cx = load<f64>(L, 0), cy = load<f64>(L, 8), cz = load<f64>(L, 16);
    const x = f9 + f0 * cx + f1 * cy + f2 * cz;
    const y = f10 + f3 * cx + f4 * cy + f5 * cz;
    const z = f11 + f6 * cx + f7 * cy + f8 * cz;
    const rs = ldf(P_RAD, s);
    for (let zb = 0; zb < nBox; zb++) {
      const bo = P_BOXES + <usize>(zb * 48);
      const x0 = load<f64>(bo, 0), y0 = load<f64>(bo, 8), z0 = load<f64>(bo, 16);
      const x1 = load<f64>(bo, 24), y1 = load<f64>(bo, 32), z1 = load<f64>(bo, 40);
      const reachS = m + rs;
      if (x < x0 - reachS || x > x1 + reachS || y < y0 - reachS || y > y1 + reachS || z < z0 - reachS || z > z1 + reachS) continue;
      const qx = x < x0 ? x0 : x > x1 ? x1 : x;
      const qy = y < y0 ? y0 : y > y1 ? y1 : y;
      const qz = z < z0 ? z0 : z > z1 ? z1 : z;
      const dx = x - qx, dy = y - qy, dz = z - qz;
      const dist2 = dx * dx + dy * dy + dz * dz;
      let dist: f64;
      if (dist2 > 1e-18) dist = Math.sqrt(dist2);
      else {
        // inside: distance to the first nearest face, negative
        let best = x - x0;
        const g1 = x1 - x, g2 = y - y0, g3 = y1 - y, g4 = z - z0, g5 = z1 - z;
        if (g1 < best) best = g1;
        if (g2 < best) best = g2;
        if (g3 < best) best = g3;
        if (g4 < best) best = g4;
        if (g5 < best) best = g5;
        dist = -best;
      }
      const r = m - (dist - rs);
      if (r <= 0) continue;
      c += normScalar(code, r, m);
    }
    for (let zs = 0; zs < nSph; zs++) {
      const so = P_ZONES + <usize>(zs * 32);
      const dx = x - load<f64>(so, 0), dy = y - load<f64>(so, 8), dz = z - load<f64>(so, 16);
      const dc = Math.sqrt(dx * dx + dy * dy + dz * dz);
      const r = m - (dc - load<f64>(so, 24) - rs);
      if (r <= 0) continue;
      c += normScalar(code, r, m);
    }
  }
  return c;
}

/** keepOutRow of both lanes: the bounding-sphere broad phase in f64x2, the narrow phase per lane */
function keepOutPair(): v128 {
  let c0: f64 = 0, c1: f64 = 0;
  const nBox = NBOX, nSph = NZONE;
  const zero = K(304);
  for (let kb = 0; kb < NKO; kb++) {
    const k = ld32(P_KOB, kb);
    const reach = ldf(P_KOREACH, kb);
    const bp = P_B + <usize>(k * 48);
    const bx = v128.load(bp, 0), by = v128.load(bp, 16), bz = v128.load(bp, 32);
    let near = v128.xor(zero, zero);
    const reach2 = spl(reach * reach);
    for (let zb = 0; zb < nBox; zb++) {
      const bo = P_BOXES + <usize>(zb * 48);
      // Math.max(lo − b, 0, b − hi): f64 max propagates NaN and orders −0 < +0 as Math.max does
      const dx = f64x2.max(f64x2.max(sub(v128.load64_splat(bo, 0), bx), zero), sub(bx, v128.load64_splat(bo, 24)));
      const dy = f64x2.max(f64x2.max(sub(v128.load64_splat(bo, 8), by), zero), sub(by, v128.load64_splat(bo, 32)));
      const dz = f64x2.max(f64x2.max(sub(v128.load64_splat(bo, 16), bz), zero), sub(bz, v128.load64_splat(bo, 40)));
      near = v128.or(near, f64x2.lt(add(add(mul(dx, dx), mul(dy, dy)), mul(dz, dz)), reach2));
    }
    for (let zs = 0; zs < nSph; zs++) {
      const so = P_ZONES + <usize>(zs * 32);
      const r = reach + load<f64>(so, 24);
      const dx = sub(bx, v128.load64_splat(so, 0)), dy = sub(by, v128.load64_splat(so, 8)), dz = sub(bz, v128.load64_splat(so, 16));
      near = v128.or(near, f64x2.lt(add(add(mul(dx, dx), mul(dy, dy)), mul(dz, dz)), spl(r * r)));
    }
    const bm = i64x2.bitmask(near);
    if (bm == 0) continue;
    if (bm & 1) c0 = keepOutBody(k, 0, c0);
    if (bm & 2) c1 = keepOutBody(k, 8, c1);
  }
  return f64x2.replace_lane(f64x2.splat(c0), 1, c1);
}

/** centre of sphere s on body k for both lanes, computed once per pair of rows */
// @ts-ignore
@inline function centre2(s: i32, k: i32): usize {
  const c = P_CENT + <usize>(s * 48);
  if (ld32(P_STAMP, s) != STAMP) {
    store<i32>(P_STAMP + (<usize>s << 2), STAMP);
    const L = P_LOCAL + <usize>(s * 24);
    const cx = v128.load64_splat(L, 0), cy = v128.load64_splat(L, 8), cz = v128.load64_splat(L, 16);
    if (k == 0) {
      v128.store(c, cx, 0); v128.store(c, cy, 16); v128.store(c, cz, 32);
    } else {
      const f = P_F + <usize>(k * 192);
      v128.store(c, dot3(v128.load(f, 144), v128.load(f, 0), cx, v128.load(f, 16), cy, v128.load(f, 32), cz), 0);
      v128.store(c, dot3(v128.load(f, 160), v128.load(f, 48), cx, v128.load(f, 64), cy, v128.load(f, 80), cz), 16);
      v128.store(c, dot3(v128.load(f, 176), v128.load(f, 96), cx, v128.load(f, 112), cy, v128.load(f, 128), cz), 32);
    }
  }
  return c;
}

/** selfCollisionRow of both lanes: broad phases in f64x2 with per-lane masks, norms per lane */
function selfPair(): v128 {
  const code = SC_CODE;
  const m = load<f64>(P_PAR, PAR_SC_M);
  const F = P_F;
  const B = P_B;
  if (STAMP == 0x3fffffff) {
    memory.fill(P_STAMP, 0, <usize>NS << 2);
    STAMP = 0;
  }
  STAMP++;
  let c0: f64 = 0, c1: f64 = 0;
  const nG = NG;
  const nGF = NG + NF;
  for (let gi = 0; gi < nG; gi++) {
    const ka = ld32(P_GA, gi), kb = ld32(P_GB, gi);
    const pa = B + <usize>(ka * 48), pb = B + <usize>(kb * 48);
    const ax = v128.load(pa, 0), ay = v128.load(pa, 16), az = v128.load(pa, 32);
    const bx = v128.load(pb, 0), by = v128.load(pb, 16), bz = v128.load(pb, 32);
    const ex = sub(ax, bx), ey = sub(ay, by), ez = sub(az, bz);
    // 'not provably far' (NaN passes), as the JS
    const gmask = v128.not(f64x2.ge(add(add(mul(ex, ex), mul(ey, ey)), mul(ez, ez)), spf(P_REACH, gi)));
    if (!v128.any_true(gmask)) continue;
    // B's bounding centre in A's frame: Rᵀ (C_B − p_A)
    const fa = F + <usize>(ka * 192);
    const vx = sub(bx, v128.load(fa, 144)), vy = sub(by, v128.load(fa, 160)), vz = sub(bz, v128.load(fa, 176));
    const ux = add(add(mul(v128.load(fa, 0), vx), mul(v128.load(fa, 48), vy)), mul(v128.load(fa, 96), vz));
    const uy = add(add(mul(v128.load(fa, 16), vx), mul(v128.load(fa, 64), vy)), mul(v128.load(fa, 112), vz));
    const uz = add(add(mul(v128.load(fa, 32), vx), mul(v128.load(fa, 80), vy)), mul(v128.load(fa, 128), vz));
    let nearDone = false;
    for (let e = ld32(P_GSTART, gi), eEnd = ld32(P_GSTART, gi + 1); e < eEnd; e++) {
      const i = ld32(P_FIRSTS, e);
      const Li = P_LOCAL + <usize>(i * 24);
      const fx = sub(v128.load64_splat(Li, 0), ux), fy = sub(v128.load64_splat(Li, 8), uy), fz = sub(v128.load64_splat(Li, 16), uz);
      const emask = v128.andnot(gmask, f64x2.ge(add(add(mul(fx, fx), mul(fy, fy)), mul(fz, fz)), spf(P_REACH, nG + e)));
      if (!v128.any_true(emask)) continue;
      if (!nearDone) {
        nearDone = true;
        // A's bounding centre in B's frame, and which spheres of B come within reach of it
        const fb = F + <usize>(kb * 192);
        const wx0 = sub(ax, v128.load(fb, 144)), wy0 = sub(ay, v128.load(fb, 160)), wz0 = sub(az, v128.load(fb, 176));
        const wx = add(add(mul(v128.load(fb, 0), wx0), mul(v128.load(fb, 48), wy0)), mul(v128.load(fb, 96), wz0));
        const wy = add(add(mul(v128.load(fb, 16), wx0), mul(v128.load(fb, 64), wy0)), mul(v128.load(fb, 112), wz0));
        const wz = add(add(mul(v128.load(fb, 32), wx0), mul(v128.load(fb, 80), wy0)), mul(v128.load(fb, 128), wz0));
        const j0 = ld32(P_BODYSTART, kb);
        const r0 = nGF + ld32(P_GNEAR, gi) - j0;
        for (let j = j0, jEnd = ld32(P_BODYSTART, kb + 1); j < jEnd; j++) {
          const Lj = P_LOCAL + <usize>(j * 24);
          const dx = sub(v128.load64_splat(Lj, 0), wx), dy = sub(v128.load64_splat(Lj, 8), wy), dz = sub(v128.load64_splat(Lj, 16), wz);
          v128.store(P_NEAR + (<usize>j << 4), v128.not(f64x2.ge(add(add(mul(dx, dx), mul(dy, dy)), mul(dz, dz)), spf(P_REACH, r0 + j))));
        }
      }
      const mi = m + ldf(P_RAD, i);
      for (let q = ld32(P_PSTART, e), qEnd = ld32(P_PSTART, e + 1); q < qEnd; q++) {
        const j = ld32(P_PARTNERS, q);
        const pm = v128.and(emask, v128.load(P_NEAR + (<usize>j << 4)));
        if (!v128.any_true(pm)) continue;
        const ci = centre2(i, ka);
        const cj = centre2(j, kb);
        const dx = sub(v128.load(ci, 0), v128.load(cj, 0));
        const dy = sub(v128.load(ci, 16), v128.load(cj, 16));
        const dz = sub(v128.load(ci, 32), v128.load(cj, 32));
        const reach = mi + ldf(P_RAD, j);
        const d2 = add(add(mul(dx, dx), mul(dy, dy)), mul(dz, dz));
        const hit = v128.andnot(pm, f64x2.ge(d2, spl(reach * reach)));
        const bm = i64x2.bitmask(hit);
        if (bm == 0) continue;
        const rr = sub(spl(reach), f64x2.sqrt(d2));
        if (bm & 1) c0 += normScalar(code, f64x2.extract_lane(rr, 0), m);
        if (bm & 2) c1 += normScalar(code, f64x2.extract_lane(rr, 1), m);
      }
    }
  }
  return f64x2.replace_lane(f64x2.splat(c0), 1, c1);
}

// ---------------------------------------------------------------- joint-space terms, two rows per f64x2
/** a double at byte offset i of each of two rows, as the lanes of one v128 */
// @ts-ignore
@inline function lanes(p0: usize, p1: usize): v128 {
  return v128.load64_lane(p1, v128.load64_zero(p0), 1);
}

/** the log barrier of normElementCoded for x = v·inv in each lane: 0 where x ≤ 0, per lane elsewhere */
function barrierElem2(v: v128, inv: f64): v128 {
  const x = mul(v, spl(inv));
  const m = i64x2.bitmask(v128.not(f64x2.le(x, K(304))));
  if (m == 0) return K(304);
  let r0: f64 = 0, r1: f64 = 0;
  if (m & 1) r0 = barrierOf(f64x2.extract_lane(x, 0));
  if (m & 2) r1 = barrierOf(f64x2.extract_lane(x, 1));
  return f64x2.replace_lane(f64x2.splat(r0), 1, r1);
}

/** normElementCoded(code, v, inv) in each lane */
// @ts-ignore
@inline function elem2(code: i32, v: v128, inv: f64): v128 {
  if (code == 1) return f64x2.abs(v);
  if (code == 3) return barrierElem2(v, inv);
  return mul(v, v);
}

/** normFinishCoded(code, s, param) in each lane */
// @ts-ignore
@inline function finish2(code: i32, s: v128, param: f64): v128 {
  if (code == 0) return mul(K(272), s);
  if (code == 2) {
    const p = spl(param);
    return mul(p, sub(f64x2.sqrt(add(s, spl(param * param))), p));
  }
  return s;
}

/** normScalarCoded(3, r, param) in the lanes of `live`, +0 in the others */
function barrierScalar2(r: v128, param: f64, live: v128): v128 {
  const m = i64x2.bitmask(live);
  let r0: f64 = 0, r1: f64 = 0;
  if (m & 1) r0 = normScalar(3, f64x2.extract_lane(r, 0), param);
  if (m & 2) r1 = normScalar(3, f64x2.extract_lane(r, 1), param);
  return f64x2.replace_lane(f64x2.splat(r0), 1, r1);
}

/**
 * normScalarCoded(code, r, param) for code 0, 1, 2 in the lanes of `live` (all ones), +0 in the others;
 * adding +0 to a sum that started at +0 leaves it as it is, as the JS that skips those lanes.
 */
// @ts-ignore
@inline function scalar2(code: i32, r: v128, param: f64, live: v128): v128 {
  let v: v128;
  if (code == 0) v = mul(mul(K(272), r), r);
  else if (code == 1) v = f64x2.abs(r);
  else {
    const p = spl(param);
    v = mul(p, sub(f64x2.sqrt(add(mul(r, r), spl(param * param))), p));
  }
  return v128.and(v, live);
}

/** acc[slot][i, i+1] += weight[slot] · v, both lanes */
// @ts-ignore
@inline function accAdd(accP: usize, slot: i32, v: v128): void {
  const p = accP + <usize>slot * ACCS;
  v128.store(p, add(v128.load(p), mul(v128.load64_splat(P_PAR + PAR_W + (<usize>slot << 3)), v)));
}

// flags of evalBlock
// @ts-ignore
@inline const DO_EP: i32 = 1;
// @ts-ignore
@inline const DO_EO: i32 = 2;
// @ts-ignore
@inline const DO_KO: i32 = 4;
// @ts-ignore
@inline const DO_SC: i32 = 8;
// @ts-ignore
@inline const DO_FK: i32 = 16;
// @ts-ignore
@inline const DO_JG: i32 = 32;
// @ts-ignore
@inline const DO_PO: i32 = 64;
// @ts-ignore
@inline const DO_JL: i32 = 128;
// @ts-ignore
@inline const DO_VL: i32 = 256;
// @ts-ignore
@inline const DO_AL: i32 = 512;
// @ts-ignore
@inline const DO_SM: i32 = 1024;
// @ts-ignore
@inline const DO_EF: i32 = 2048;

// One loop per term over the block (t = 1 .. T, samples two at a time: i in lane 0, i1 in lane 1), each
// instantiated per norm code (the @inline bodies below with literal codes), with pointers carried through
// the joint loop: V8 neither hoists the address arithmetic nor the per-term tests out of a fused loop.
// Every term still sums over the joints in joint order and adds into its own per-sample sum in time order.

// what an elementwise term reads (elemRows)
// @ts-ignore
@inline const E_GOAL: i32 = 0; // q − goal[j] (joint goal, posture)
// @ts-ignore
@inline const E_DIFF: i32 = 1; // a − previous a (smoothness)
// @ts-ignore
@inline const E_ACT: i32 = 2; // a (effort)

/** Σ_j normElementCoded(code, v_j, inv), finished and weighted, into slot's sums (jointPass's vector norms) */
// @ts-ignore
@inline function elemRows(kind: i32, code: i32, T: i32, nb: i32, slot: i32, goal: usize, inv: f64, param: f64): void {
  const zero = K(304);
  const n = kind == E_GOAL ? JDOF : ADIM;
  const rb = kind == E_GOAL ? RSB : <usize>ADIM << 3;
  const base = kind == E_GOAL ? P_S + QOB : P_A;
  const back = kind == E_GOAL ? SBACK : ABACK;
  const w = v128.load64_splat(P_PAR + PAR_W + (<usize>slot << 3));
  const acc = P_ACC + <usize>slot * ACCS;
  for (let t = 1; t <= T; t++) {
    const rows = base + <usize>(t * nb) * rb;
    for (let i = 0; i < nb; i += 2) {
      let a0 = rows + <usize>i * rb;
      let a1 = i + 1 < nb ? a0 + rb : a0;
      let g = goal;
      let s = zero;
      for (let j = 0; j < n; j++) {
        const x = lanes(a0, a1);
        let v: v128;
        if (kind == E_GOAL) v = sub(x, v128.load64_splat(g));
        else if (kind == E_DIFF) v = sub(x, lanes(a0 - back, a1 - back));
        else v = x;
        s = add(s, elem2(code, v, inv));
        a0 += 8;
        a1 += 8;
        g += 8;
      }
      const p = acc + (<usize>i << 3);
      v128.store(p, add(v128.load(p), mul(w, finish2(code, s, param))));
    }
  }
}

// elemRows per kind and norm code, each its own function (a literal code folds away its norm's branches).
// These one-line copies are on purpose: with one function per kind holding four inlined copies, the
// optimizer merged the copies (they differ only in the constant) back into one loop that picks the norm
// at run time, and the joint-space pass ran 20-27 % slower (paired runs, 2026-12-03). The same holds for
// limitRows below.
function elem00(T: i32, nb: i32, slot: i32, goal: usize, inv: f64, param: f64): void { elemRows(E_GOAL, 0, T, nb, slot, goal, inv, param); }
function elem01(T: i32, nb: i32, slot: i32, goal: usize, inv: f64, param: f64): void { elemRows(E_GOAL, 1, T, nb, slot, goal, inv, param); }
function elem02(T: i32, nb: i32, slot: i32, goal: usize, inv: f64, param: f64): void { elemRows(E_GOAL, 2, T, nb, slot, goal, inv, param); }
function elem03(T: i32, nb: i32, slot: i32, goal: usize, inv: f64, param: f64): void { elemRows(E_GOAL, 3, T, nb, slot, goal, inv, param); }
function elem10(T: i32, nb: i32, slot: i32, goal: usize, inv: f64, param: f64): void { elemRows(E_DIFF, 0, T, nb, slot, goal, inv, param); }
function elem11(T: i32, nb: i32, slot: i32, goal: usize, inv: f64, param: f64): void { elemRows(E_DIFF, 1, T, nb, slot, goal, inv, param); }
function elem12(T: i32, nb: i32, slot: i32, goal: usize, inv: f64, param: f64): void { elemRows(E_DIFF, 2, T, nb, slot, goal, inv, param); }
function elem13(T: i32, nb: i32, slot: i32, goal: usize, inv: f64, param: f64): void { elemRows(E_DIFF, 3, T, nb, slot, goal, inv, param); }
function elem20(T: i32, nb: i32, slot: i32, goal: usize, inv: f64, param: f64): void { elemRows(E_ACT, 0, T, nb, slot, goal, inv, param); }
function elem21(T: i32, nb: i32, slot: i32, goal: usize, inv: f64, param: f64): void { elemRows(E_ACT, 1, T, nb, slot, goal, inv, param); }
function elem22(T: i32, nb: i32, slot: i32, goal: usize, inv: f64, param: f64): void { elemRows(E_ACT, 2, T, nb, slot, goal, inv, param); }
function elem23(T: i32, nb: i32, slot: i32, goal: usize, inv: f64, param: f64): void { elemRows(E_ACT, 3, T, nb, slot, goal, inv, param); }

/** elemRows of the given kind (a literal at each call) for the term's norm code */
// @ts-ignore
@inline function elemTerm(kind: i32, code: i32, T: i32, nb: i32, slot: i32, goal: usize, inv: f64, param: f64): void {
  if (kind == E_GOAL) {
    if (code == 0) elem00(T, nb, slot, goal, inv, param);
    else if (code == 1) elem01(T, nb, slot, goal, inv, param);
    else if (code == 2) elem02(T, nb, slot, goal, inv, param);
    else elem03(T, nb, slot, goal, inv, param);
  }
  if (kind == E_DIFF) {
    if (code == 0) elem10(T, nb, slot, goal, inv, param);
    else if (code == 1) elem11(T, nb, slot, goal, inv, param);
    else if (code == 2) elem12(T, nb, slot, goal, inv, param);
    else elem13(T, nb, slot, goal, inv, param);
  }
  if (kind == E_ACT) {
    if (code == 0) elem20(T, nb, slot, goal, inv, param);
    else if (code == 1) elem21(T, nb, slot, goal, inv, param);
    else if (code == 2) elem22(T, nb, slot, goal, inv, param);
    else elem23(T, nb, slot, goal, inv, param);
  }
}

// what a limit term measures (limitRows)
// @ts-ignore
@inline const L_POS: i32 = 0; // joint limits: lower + m − q, else q − (upper − m)
// @ts-ignore
@inline const L_VEL: i32 = 1; // |qd| − maxVel
// @ts-ignore
@inline const L_ACC: i32 = 2; // |(qd − previous qd) / dt| − maxAcc

/** Σ_j normScalarCoded(code, excess_j, param) over the joints beyond the limit, weighted, into slot's sums */
// @ts-ignore
@inline function limitRows(kind: i32, code: i32, T: i32, nb: i32, slot: i32, lo: usize, hi: usize, param: f64): void {
  const zero = K(304);
  const n = JDOF;
  const rb = RSB;
  const base = P_S + (kind == L_POS ? QOB : QDOB);
  const back = SBACK;
  const invDt = v128.load64_splat(P_PAR + PAR_INV_DT);
  const w = v128.load64_splat(P_PAR + PAR_W + (<usize>slot << 3));
  const acc = P_ACC + <usize>slot * ACCS;
  for (let t = 1; t <= T; t++) {
    const rows = base + <usize>(t * nb) * rb;
    for (let i = 0; i < nb; i += 2) {
      let a0 = rows + <usize>i * rb;
      let a1 = i + 1 < nb ? a0 + rb : a0;
      let l = lo, h = hi;
      let c = zero;
      for (let j = 0; j < n; j++) {
        const x = lanes(a0, a1);
        let r: v128, live: v128;
        if (kind == L_POS) {
          const below = sub(v128.load64_splat(l), x);
          const above = sub(x, v128.load64_splat(h));
          // below > 0, else above > 0 (NaN: neither)
          const bm = f64x2.gt(below, zero);
          live = v128.or(bm, f64x2.gt(above, zero));
          r = v128.bitselect(below, above, bm);
        } else {
          const e = kind == L_VEL ? f64x2.abs(x) : f64x2.abs(mul(sub(x, lanes(a0 - back, a1 - back)), invDt));
          r = sub(e, v128.load64_splat(l));
          live = f64x2.gt(r, zero);
        }
        // the barrier per lane and only where a lane is beyond (rare); the others add +0 elsewhere
        if (code == 3) {
          if (v128.any_true(live)) c = add(c, barrierScalar2(r, param, live));
        } else c = add(c, scalar2(code, r, param, live));
        a0 += 8;
        a1 += 8;
        l += 8;
        h += 8;
      }
      const p = acc + (<usize>i << 3);
      v128.store(p, add(v128.load(p), mul(w, c)));
    }
  }
}

// limitRows per kind and norm code, each its own function
function limit00(T: i32, nb: i32, slot: i32, lo: usize, hi: usize, param: f64): void { limitRows(L_POS, 0, T, nb, slot, lo, hi, param); }
function limit01(T: i32, nb: i32, slot: i32, lo: usize, hi: usize, param: f64): void { limitRows(L_POS, 1, T, nb, slot, lo, hi, param); }
function limit02(T: i32, nb: i32, slot: i32, lo: usize, hi: usize, param: f64): void { limitRows(L_POS, 2, T, nb, slot, lo, hi, param); }
function limit03(T: i32, nb: i32, slot: i32, lo: usize, hi: usize, param: f64): void { limitRows(L_POS, 3, T, nb, slot, lo, hi, param); }
function limit10(T: i32, nb: i32, slot: i32, lo: usize, hi: usize, param: f64): void { limitRows(L_VEL, 0, T, nb, slot, lo, hi, param); }
function limit11(T: i32, nb: i32, slot: i32, lo: usize, hi: usize, param: f64): void { limitRows(L_VEL, 1, T, nb, slot, lo, hi, param); }
function limit12(T: i32, nb: i32, slot: i32, lo: usize, hi: usize, param: f64): void { limitRows(L_VEL, 2, T, nb, slot, lo, hi, param); }
function limit13(T: i32, nb: i32, slot: i32, lo: usize, hi: usize, param: f64): void { limitRows(L_VEL, 3, T, nb, slot, lo, hi, param); }
function limit20(T: i32, nb: i32, slot: i32, lo: usize, hi: usize, param: f64): void { limitRows(L_ACC, 0, T, nb, slot, lo, hi, param); }
function limit21(T: i32, nb: i32, slot: i32, lo: usize, hi: usize, param: f64): void { limitRows(L_ACC, 1, T, nb, slot, lo, hi, param); }
function limit22(T: i32, nb: i32, slot: i32, lo: usize, hi: usize, param: f64): void { limitRows(L_ACC, 2, T, nb, slot, lo, hi, param); }
function limit23(T: i32, nb: i32, slot: i32, lo: usize, hi: usize, param: f64): void { limitRows(L_ACC, 3, T, nb, slot, lo, hi, param); }

/** limitRows of the given kind (a literal at each call) for the term's norm code */
// @ts-ignore
@inline function limitTerm(kind: i32, code: i32, T: i32, nb: i32, slot: i32, lo: usize, hi: usize, param: f64): void {
  if (kind == L_POS) {
    if (code == 0) limit00(T, nb, slot, lo, hi, param);
    else if (code == 1) limit01(T, nb, slot, lo, hi, param);
    else if (code == 2) limit02(T, nb, slot, lo, hi, param);
    else limit03(T, nb, slot, lo, hi, param);
  }
  if (kind == L_VEL) {
    if (code == 0) limit10(T, nb, slot, lo, hi, param);
    else if (code == 1) limit11(T, nb, slot, lo, hi, param);
    else if (code == 2) limit12(T, nb, slot, lo, hi, param);
    else limit13(T, nb, slot, lo, hi, param);
  }
  if (kind == L_ACC) {
    if (code == 0) limit20(T, nb, slot, lo, hi, param);
    else if (code == 1) limit21(T, nb, slot, lo, hi, param);
    else if (code == 2) limit22(T, nb, slot, lo, hi, param);
    else limit23(T, nb, slot, lo, hi, param);
  }
}

/** jointPass over the block: each joint-space term of the flags */
function jointRows(T: i32, nb: i32, flags: i32): void {
  const P = P_PAR;
  if (flags & DO_JG) elemTerm(E_GOAL, JG_CODE, T, nb, S_JG, P_GOALJ, load<f64>(P, PAR_JG_INV), load<f64>(P, PAR_JG_PARAM));
  if (flags & DO_PO) elemTerm(E_GOAL, PO_CODE, T, nb, S_PO, P_POST, load<f64>(P, PAR_PO_INV), load<f64>(P, PAR_PO_PARAM));
  if (flags & DO_JL) limitTerm(L_POS, JL_CODE, T, nb, S_JL, P_LOM, P_HIM, load<f64>(P, PAR_JL_M));
  if (flags & DO_VL) limitTerm(L_VEL, VL_CODE, T, nb, S_VL, P_VMAX, P_VMAX, load<f64>(P, PAR_VL_PARAM));
  if (flags & DO_AL) limitTerm(L_ACC, AL_CODE, T, nb, S_AL, P_AMAX, P_AMAX, load<f64>(P, PAR_AL_PARAM));
  if (flags & DO_SM) elemTerm(E_DIFF, SM_CODE, T, nb, S_SM, 0, load<f64>(P, PAR_SM_INV), load<f64>(P, PAR_SM_PARAM));
  if (flags & DO_EF) elemTerm(E_ACT, EF_CODE, T, nb, S_EF, 0, load<f64>(P, PAR_EF_INV), load<f64>(P, PAR_EF_PARAM));
}

// ---------------------------------------------------------------- entry point
/**
 * One block of nb samples over t = 1 .. T. P_S holds the block's state rows for t = 0 .. T (row t·nb + i,
 * RSB bytes each, q at QOB and qd at QDOB), P_A its action rows (row t·nb + i, ADIM doubles: t = 0 is the
 * previous action, t ≥ 1 the action that led to state t). For every sample i, P_ACC gets per slot
 * (S_EP .. S_EF, nbPad = nb rounded up to even doubles apart) Σ_t weight · value, summed from +0 in time
 * order as the JS adds into perTerm, and after the slots the tip position of t = T (4 doubles per
 * sample). Samples go two at a time (i, i + 1) at each t; an odd last sample runs in both lanes and
 * lane 1's sums land in the padding.
 */
export function evalBlock(T: i32, nb: i32, flags: i32): void {
  const nbPad = (nb + 1) & ~1;
  const rsb = RSB;
  ACCS = <usize>nbPad << 3;
  SBACK = <usize>nb * rsb;
  ABACK = <usize>nb * (<usize>ADIM << 3);
  memory.fill(P_ACC, 0, <usize>ACC_SLOTS * ACCS);
  const tip = P_ACC + <usize>ACC_SLOTS * ACCS;
  const doFk = (flags & DO_FK) != 0;
  if (doFk) {
    // FK at every step only for the terms that read it there; the tip alone (terminal term) at t = T
    for (let t = (flags & (DO_EP | DO_EO | DO_KO | DO_SC)) != 0 ? 1 : T; t <= T; t++) {
      const rows = P_S + <usize>(t * nb) * rsb;
      for (let i = 0; i < nb; i += 2) {
        const i1 = i + 1 < nb ? i + 1 : i;
        const r0 = rows + <usize>i * rsb, r1 = rows + <usize>i1 * rsb;
        const accP = P_ACC + (<usize>i << 3);
        fkPair(r0 + QOB, r1 + QOB);
        if (flags & DO_EP) accAdd(accP, S_EP, eePositionPair());
        if (flags & DO_EO) accAdd(accP, S_EO, eeOrientationPair());
        if (flags & DO_KO) accAdd(accP, S_KO, keepOutPair());
        if (flags & DO_SC) accAdd(accP, S_SC, selfPair());
        if (t == T) {
          const o = tip + (<usize>i << 5);
          store<f64>(o, load<f64>(P_E, 0), 0);
          store<f64>(o, load<f64>(P_E, 16), 8);
          store<f64>(o, load<f64>(P_E, 32), 16);
          store<f64>(o, load<f64>(P_E, 8), 32);
          store<f64>(o, load<f64>(P_E, 24), 40);
          store<f64>(o, load<f64>(P_E, 40), 48);
        }
      }
    }
  }
  jointRows(T, nb, flags);
}

// ---------------------------------------------------------------- sampling and kinematic rollout
/**
 * Writes the block's rows for samples c0 .. c0+nb-1 of a sampling planner's batch before evalBlock: the
 * action rows of P_A for t = 1 .. T and the state rows of P_S for t = 0 .. T (whole rows: the latent at
 * 0 .. latent, q at QOB, qd at QDOB). Per sample b ≥ 1 (sample 0's actions are already in P_A), the
 * arithmetic of writeNoisySample (src/planner/common.ts): e read from the noise table at off
 * (pOff[i], wrapping at noiseLen), AR(1) along t with rho and c (c = sqrt(1 − rho²) from JS) where rho > 0,
 * v = mean + s·e or mean + (s·std)·e with s = scale·sampleScale(b), clamped as clampInto; then
 * kinematicRolloutRows (src/world-model/kinematic.ts): row 0 = s0, latent carried, qdn = qd + alpha·(k·a − qd),
 * q' = q + dt·qdn. pStd 0: no std. pPrev: ADIM doubles of scratch.
 */
export function sampleRows(
  T: i32, nb: i32, c0: i32, pNoise: usize, noiseLen: i32, pOff: usize, pMean: usize, pStd: usize, pLo: usize, pHi: usize,
  pS0: usize, pPrev: usize, latent: i32, rho: f64, c: f64, scale: f64, alpha: f64, k: f64, dt: f64,
): void {
  const A = ADIM;
  const ab = <usize>A << 3;
  const ar = <usize>nb * ab; // bytes from one step's action rows to the next
  const n = T * A;
  const corr = rho > 0;
  const rhoV = spl(rho), cV = spl(c);
  for (let i = 0; i < nb; i++) {
    const b = c0 + i;
    if (b < 1) continue;
    const m3 = b % 3;
    const ss: f64 = m3 == 0 ? 1 : m3 == 1 ? 0.25 : 0.0625;
    const s = scale * ss;
    let off = load<i32>(pOff + (<usize>i << 2));
    let out = P_A + ar + <usize>i * ab;
    let mi = pMean;
    let si = pStd;
    if (off + n <= noiseLen) {
      // the run does not wrap: two actions of a step per f64x2, the arithmetic of the loop below
      const sV = spl(s);
      let ep = pNoise + (<usize>off << 3);
      for (let t = 0; t < T; t++) {
        let j = 0;
        for (; j + 2 <= A; j += 2) {
          const jb = <usize>j << 3;
          let e = v128.load(ep + jb);
          const pp = pPrev + jb;
          if (corr && t > 0) e = add(mul(rhoV, v128.load(pp)), mul(cV, e));
          v128.store(pp, e);
          const v = pStd == 0 ? add(v128.load(mi + jb), mul(sV, e)) : add(v128.load(mi + jb), mul(mul(sV, v128.load(si + jb)), e));
          const lo = v128.load(pLo + jb), hi = v128.load(pHi + jb);
          // v < lo ? lo : v > hi ? hi : v (NaN stays)
          v128.store(out + jb, v128.bitselect(lo, v128.bitselect(hi, v, f64x2.gt(v, hi)), f64x2.lt(v, lo)));
        }
        for (; j < A; j++) {
          const jb = <usize>j << 3;
          let e = load<f64>(ep + jb);
          const pp = pPrev + jb;
          if (corr && t > 0) e = rho * load<f64>(pp) + c * e;
          store<f64>(pp, e);
          const v: f64 = pStd == 0 ? load<f64>(mi + jb) + s * e : load<f64>(mi + jb) + s * load<f64>(si + jb) * e;
          const lo = load<f64>(pLo + jb), hi = load<f64>(pHi + jb);
          let r = v;
          if (v < lo) r = lo;
          else if (v > hi) r = hi;
          store<f64>(out + jb, r);
        }
        ep += ab;
        mi += ab;
        si += ab;
        out += ar;
      }
      continue;
    }
    // a run that wraps around the end of the table, one action at a time
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < A; j++) {
        let e = load<f64>(pNoise + (<usize>off << 3));
        off = off + 1 == noiseLen ? 0 : off + 1;
        const pp = pPrev + (<usize>j << 3);
        if (corr && t > 0) e = rho * load<f64>(pp) + c * e;
        store<f64>(pp, e);
        let v: f64;
        if (pStd == 0) v = load<f64>(mi) + s * e;
        else {
          v = load<f64>(mi) + s * load<f64>(si) * e;
          si += 8;
        }
        mi += 8;
        const lo = load<f64>(pLo + (<usize>j << 3));
        const hi = load<f64>(pHi + (<usize>j << 3));
        let r = v;
        if (v < lo) r = lo;
        else if (v > hi) r = hi;
        store<f64>(out + (<usize>j << 3), r);
      }
      out += ar;
    }
  }
  const rsb = RSB;
  const sr = <usize>nb * rsb;
  const dof = JDOF;
  const alphaV = spl(alpha), kV = spl(k), dtV = spl(dt);
  for (let i = 0; i < nb; i++) {
    let so = P_S + <usize>i * rsb;
    memory.copy(so, pS0, rsb);
    let a = P_A + ar + <usize>i * ab;
    for (let t = 0; t < T; t++) {
      const no = so + sr;
      for (let l = 0; l < latent; l++) store<f64>(no + (<usize>l << 3), load<f64>(so + (<usize>l << 3)));
      let j = 0;
      for (; j + 2 <= dof; j += 2) {
        const jb = <usize>j << 3;
        const qd = v128.load(so + QDOB + jb);
        const qdn = add(qd, mul(alphaV, sub(mul(kV, v128.load(a + jb)), qd)));
        v128.store(no + QDOB + jb, qdn);
        v128.store(no + QOB + jb, add(v128.load(so + QOB + jb), mul(dtV, qdn)));
      }
      for (; j < dof; j++) {
        const jb = <usize>j << 3;
        const qd = load<f64>(so + QDOB + jb);
        const qdn = qd + alpha * (k * load<f64>(a + jb) - qd);
        store<f64>(no + QDOB + jb, qdn);
        store<f64>(no + QOB + jb, load<f64>(so + QOB + jb) + dt * qdn);
      }
      so = no;
      a += ar;
    }
  }
}
