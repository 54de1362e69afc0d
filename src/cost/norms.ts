/**
 * Norms turn a residual vector r (length k) into a scalar cost; each also returns its gradient.
 * One implementation per norm, checked against finite differences in test/cost/norms.test.ts.
 *
 *   quadratic    ½‖r‖²
 *   l1           Σ|rᵢ|                                  (subgradient sign(rᵢ), 0 at 0)
 *   smooth_abs   p·(√(‖r‖² + p²) − p)                    pseudo-Huber: ½‖r‖² near 0, p‖r‖ far away
 *   log_barrier  Σ f(rᵢ/p),  f(x) = −ln(1 − x) − x      for residuals that measure how far into a margin
 *                band of width p a constraint is pushed (0 = outside the band, p = at the constraint);
 *                beyond x = 0.95 f continues as its second-order expansion so values stay finite.
 */

export type NormKind = 'quadratic' | 'l1' | 'smooth_abs' | 'log_barrier';

export const NORM_KINDS: readonly NormKind[] = ['quadratic', 'l1', 'smooth_abs', 'log_barrier'];

export const BARRIER_X_MAX = 0.95;
export const F_MAX = -Math.log(1 - BARRIER_X_MAX) - BARRIER_X_MAX;
export const DF_MAX = 1 / (1 - BARRIER_X_MAX) - 1;
export const D2F_MAX = 1 / ((1 - BARRIER_X_MAX) * (1 - BARRIER_X_MAX));

/**
 * Value of the norm of r[off .. off+k). When grad is given, ADDS scale·∂norm/∂r into grad[gOff ..].
 * `param` is the norm's parameter (smooth_abs: transition width; log_barrier: band width); it must be > 0
 * for those two.
 */
export function normValue(
  kind: NormKind,
  r: ArrayLike<number>,
  off: number,
  k: number,
  param: number,
  grad?: Float64Array | null,
  gOff = 0,
  scale = 1,
): number {
  switch (kind) {
    case 'quadratic': {
      let s = 0;
      for (let i = 0; i < k; i++) {
        const v = r[off + i]!;
        s += v * v;
        if (grad) grad[gOff + i]! += scale * v;
      }
      return 0.5 * s;
    }
    case 'l1': {
      let s = 0;
      for (let i = 0; i < k; i++) {
        const v = r[off + i]!;
        s += Math.abs(v);
        if (grad) grad[gOff + i]! += scale * (v > 0 ? 1 : v < 0 ? -1 : 0);
      }
      return s;
    }
    case 'smooth_abs': {
      let s = 0;
      for (let i = 0; i < k; i++) {
        const v = r[off + i]!;
        s += v * v;
      }
      const root = Math.sqrt(s + param * param);
      if (grad) {
        const c = (scale * param) / root;
        for (let i = 0; i < k; i++) grad[gOff + i]! += c * r[off + i]!;
      }
      return param * (root - param);
    }
    case 'log_barrier': {
      let s = 0;
      const inv = 1 / param;
      for (let i = 0; i < k; i++) {
        const x = r[off + i]! * inv;
        if (x <= 0) continue;
        let f: number;
        let df: number;
        if (x < BARRIER_X_MAX) {
          f = -Math.log(1 - x) - x;
          df = 1 / (1 - x) - 1;
        } else {
          const d = x - BARRIER_X_MAX;
          f = F_MAX + DF_MAX * d + 0.5 * D2F_MAX * d * d;
          df = DF_MAX + D2F_MAX * d;
        }
        s += f;
        if (grad) grad[gOff + i]! += scale * df * inv;
      }
      return s;
    }
  }
}

/** Scalar shortcut: norm of a single residual value, with its derivative written to out[0] when given. */
export function normScalar(kind: NormKind, r: number, param: number, out?: Float64Array): number {
  switch (kind) {
    case 'quadratic':
      if (out) out[0] = r;
      return 0.5 * r * r;
    case 'l1':
      if (out) out[0] = r > 0 ? 1 : r < 0 ? -1 : 0;
      return Math.abs(r);
    case 'smooth_abs': {
      const root = Math.sqrt(r * r + param * param);
      if (out) out[0] = (param * r) / root;
      return param * (root - param);
    }
    case 'log_barrier': {
      const x = r / param;
      if (x <= 0) {
        if (out) out[0] = 0;
        return 0;
      }
      if (x < BARRIER_X_MAX) {
        if (out) out[0] = (1 / (1 - x) - 1) / param;
        return -Math.log(1 - x) - x;
      }
      const d = x - BARRIER_X_MAX;
      if (out) out[0] = (DF_MAX + D2F_MAX * d) / param;
      return F_MAX + DF_MAX * d + 0.5 * D2F_MAX * d * d;
    }
  }
}

/** Norm kinds as small integers, for hot loops that pick the norm per residual (no string compares). */
export const NORM_CODES: Readonly<Record<NormKind, number>> = { quadratic: 0, l1: 1, smooth_abs: 2, log_barrier: 3 };

/**
 * Value of normValue(kind, r, off, k, param) without a gradient, for the norm with code NORM_CODES[kind]:
 * normFinishCoded of the sum of normElementCoded over the residual. The same arithmetic as normValue,
 * operation for operation, so the two agree to the last bit.
 */
export function normValueCoded(code: number, r: ArrayLike<number>, off: number, k: number, param: number): number {
  const inv = 1 / param;
  let s = 0;
  for (let i = 0; i < k; i++) s += normElementCoded(code, r[off + i]!, inv);
  return normFinishCoded(code, s, param);
}

/**
 * One residual entry's share of the sum a vector norm is made of (v² for quadratic and smooth_abs, |v|
 * for l1, the barrier of v·inv for log_barrier), inv = 1 / param. Lets a caller fuse several vector norms
 * into one loop over the entries and still get normValueCoded exactly.
 */
export function normElementCoded(code: number, v: number, inv: number): number {
  switch (code) {
    case 0:
    case 2:
      return v * v;
    case 1:
      return Math.abs(v);
    default: {
      const x = v * inv;
      if (x <= 0) return 0;
      if (x < BARRIER_X_MAX) return -Math.log(1 - x) - x;
      const d = x - BARRIER_X_MAX;
      return F_MAX + DF_MAX * d + 0.5 * D2F_MAX * d * d;
    }
  }
}

/** The vector norm from the sum of its entries' shares (normElementCoded). */
export function normFinishCoded(code: number, s: number, param: number): number {
  switch (code) {
    case 0:
      return 0.5 * s;
    case 2:
      return param * (Math.sqrt(s + param * param) - param);
    default:
      return s;
  }
}

/** Value of normScalar(kind, r, param) for the norm with code NORM_CODES[kind]; the same arithmetic. */
export function normScalarCoded(code: number, r: number, param: number): number {
  switch (code) {
    case 0:
      return 0.5 * r * r;
    case 1:
      return Math.abs(r);
    case 2:
      return param * (Math.sqrt(r * r + param * param) - param);
    default: {
      const x = r / param;
      if (x <= 0) return 0;
      if (x < BARRIER_X_MAX) return -Math.log(1 - x) - x;
      const d = x - BARRIER_X_MAX;
      return F_MAX + DF_MAX * d + 0.5 * D2F_MAX * d * d;
    }
  }
}
