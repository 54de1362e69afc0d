/**
 * A roadmap in latent space over recorded frames, for chaining subgoals toward a far goal image.
 *
 * Straight-line interpolation between two latents leaves the set of latents that images actually
 * produce; a planner asked to reach such a point may find no motion that brings it closer. The
 * roadmap keeps subgoals on that set: its nodes are the latents of recorded camera frames, its edges
 * join each frame to its k nearest frames (L1) and to the next frame of its recording, weighted by
 * the L1 distance; the subgoals toward a goal are recorded latents along the shortest path from the
 * frame nearest the current latent to the frame nearest the goal latent.
 */
import type { LearnedEncoder } from '../world-model/learned.ts';
import type { Dataset } from './dataset.ts';
import { encodeFrames } from './latent-metrics.ts';

function l1(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, dim: number): number {
  let s = 0;
  for (let i = 0; i < dim; i++) s += Math.abs(a[ao + i]! - b[bo + i]!);
  return s;
}

export interface RoadmapOptions {
  /** nearest neighbours per node (default 8) */
  neighbours?: number;
}

export class LatentRoadmap {
  readonly size: number;
  readonly dim: number;
  private readonly z: Float64Array;
  /** adjacency in CSR form */
  private readonly offsets: Int32Array;
  private readonly targets: Int32Array;
  private readonly weights: Float64Array;

  /**
   * latents [n, dim]; `next[i]` = the index of the frame recorded after frame i, or -1.
   */
  constructor(latents: Float64Array, n: number, dim: number, next: Int32Array | null, opts: RoadmapOptions = {}) {
    if (latents.length < n * dim) throw new Error(`LatentRoadmap: ${latents.length} values for ${n} latents of size ${dim}`);
    if (n < 2) throw new Error('LatentRoadmap: needs at least 2 frames');
    this.size = n;
    this.dim = dim;
    this.z = latents;
    const k = Math.min(opts.neighbours ?? 8, n - 1);
    // undirected edge lists: k nearest neighbours of every node, plus recording order
    const adj: Map<number, number>[] = Array.from({ length: n }, () => new Map<number, number>());
    const link = (i: number, j: number, d: number): void => {
      adj[i]!.set(j, d);
      adj[j]!.set(i, d);
    };
    const bestD = new Float64Array(k);
    const bestI = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      bestD.fill(Infinity);
      bestI.fill(-1);
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const d = l1(latents, i * dim, latents, j * dim, dim);
        if (d >= bestD[k - 1]!) continue;
        let p = k - 1;
        while (p > 0 && bestD[p - 1]! > d) {
          bestD[p] = bestD[p - 1]!;
          bestI[p] = bestI[p - 1]!;
          p--;
        }
        bestD[p] = d;
        bestI[p] = j;
      }
      for (let m = 0; m < k; m++) if (bestI[m]! >= 0) link(i, bestI[m]!, bestD[m]!);
      const nx = next?.[i] ?? -1;
      if (nx >= 0 && nx < n) link(i, nx, l1(latents, i * dim, latents, nx * dim, dim));
    }
    this.offsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) this.offsets[i + 1] = this.offsets[i]! + adj[i]!.size;
    this.targets = new Int32Array(this.offsets[n]!);
    this.weights = new Float64Array(this.offsets[n]!);
    for (let i = 0; i < n; i++) {
      let e = this.offsets[i]!;
      for (const [j, d] of adj[i]!) {
        this.targets[e] = j;
        this.weights[e] = d;
        e++;
      }
    }
  }

  /**
   * Encodes up to `maxFrames` frames of a dataset, evenly spaced, with their recording order kept as
   * edges between consecutive chosen frames of the same segment.
   */
  static async fromDataset(ds: Dataset, encoder: LearnedEncoder, latentDim: number, maxFrames = 3000, opts: RoadmapOptions = {}): Promise<LatentRoadmap> {
    const stride = Math.max(1, Math.ceil(ds.frames / maxFrames));
    const chosen: number[] = [];
    const next: number[] = [];
    for (const seg of ds.segments) {
      let prev = -1;
      for (let f = seg.start; f < seg.start + seg.length; f += stride) {
        if (prev >= 0) next[prev] = chosen.length;
        prev = chosen.length;
        chosen.push(f);
        next.push(-1);
      }
    }
    const z = Float64Array.from(await encodeFrames(encoder, latentDim, ds, chosen));
    return new LatentRoadmap(z, chosen.length, latentDim, Int32Array.from(next), opts);
  }

  /** The node whose latent is nearest (L1) to z. */
  nearest(z: ArrayLike<number>): number {
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < this.size; i++) {
      const d = l1(this.z, i * this.dim, z, 0, this.dim);
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    return best;
  }

  latent(i: number): Float64Array {
    return this.z.slice(i * this.dim, (i + 1) * this.dim);
  }

  /** Node indices of the shortest path from `a` to `b` (both included); [] when b is unreachable. */
  shortestPath(a: number, b: number): number[] {
    const n = this.size;
    const dist = new Float64Array(n).fill(Infinity);
    const prev = new Int32Array(n).fill(-1);
    const done = new Uint8Array(n);
    dist[a] = 0;
    for (;;) {
      // dense Dijkstra: a few thousand nodes, no heap needed
      let u = -1;
      let du = Infinity;
      for (let i = 0; i < n; i++) {
        if (!done[i] && dist[i]! < du) {
          du = dist[i]!;
          u = i;
        }
      }
      if (u < 0 || u === b) break;
      done[u] = 1;
      for (let e = this.offsets[u]!; e < this.offsets[u + 1]!; e++) {
        const v = this.targets[e]!;
        const dv = du + this.weights[e]!;
        if (dv < dist[v]!) {
          dist[v] = dv;
          prev[v] = u;
        }
      }
    }
    if (!Number.isFinite(dist[b]!)) return [];
    const path: number[] = [];
    for (let v = b; v >= 0; v = prev[v]!) path.push(v);
    return path.reverse();
  }

  /**
   * Subgoal latents from `from` toward `to`: recorded latents along the shortest path, about `spacing`
   * (L1, summed along the path) apart; the goal itself is not included.
   */
  subgoals(from: ArrayLike<number>, to: ArrayLike<number>, spacing: number): Float64Array[] {
    const path = this.shortestPath(this.nearest(from), this.nearest(to));
    const out: Float64Array[] = [];
    let acc = 0;
    for (let p = 1; p < path.length - 1; p++) {
      acc += l1(this.z, path[p - 1]! * this.dim, this.z, path[p]! * this.dim, this.dim);
      if (acc >= spacing) {
        out.push(this.latent(path[p]!));
        acc = 0;
      }
    }
    return out;
  }
}
