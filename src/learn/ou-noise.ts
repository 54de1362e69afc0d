/**
 * Ornstein–Uhlenbeck process per joint: smooth random velocities that wander around a drift target,
 *   v ← v + (μ − v)·dt/τ + σ·√(2·dt/τ)·ε,   stationary std σ, correlation time τ.
 */
import type { Rng } from '../sim/random.ts';

export class OrnsteinUhlenbeck {
  readonly value: Float64Array;
  constructor(
    readonly dim: number,
    public timeConstantS: number,
    public std: Float64Array,
  ) {
    this.value = new Float64Array(dim);
  }

  /** Starts from a draw of the stationary distribution. */
  reset(rng: Rng): void {
    for (let j = 0; j < this.dim; j++) this.value[j] = rng.normal(0, this.std[j]!);
  }

  /** One step of dtS toward the drift targets mu (length dim). */
  step(rng: Rng, dtS: number, mu: Float64Array): Float64Array {
    const a = Math.min(1, dtS / this.timeConstantS);
    const k = Math.sqrt(2 * a);
    for (let j = 0; j < this.dim; j++) {
      const v = this.value[j]!;
      this.value[j] = v + (mu[j]! - v) * a + this.std[j]! * k * rng.normal();
    }
    return this.value;
  }
}
