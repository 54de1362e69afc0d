/** "Did you mean" for misspelled parameter names. */

/** Edit distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const sub = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + sub);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
    }
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m]!;
}

function lastSegment(name: string): string {
  const i = name.lastIndexOf('.');
  return i < 0 ? name : name.slice(i + 1);
}

/**
 * The closest candidate to `name`, or undefined when nothing is close. Compares whole dotted names
 * (typos) and also last segments (a right name in the wrong group: `horizon` → `planner.horizon`).
 */
export function suggestName(name: string, candidates: Iterable<string>): string | undefined {
  const last = lastSegment(name);
  let best: string | undefined;
  let bestScore = Infinity;
  let bestWhole = Infinity;
  for (const c of candidates) {
    const whole = editDistance(name, c);
    const cLast = lastSegment(c);
    // a matching last segment in another group costs 1, so a one-letter typo in place still wins ties
    const moved = cLast === last ? 1 : editDistance(last, cLast) + 2;
    const score = Math.min(whole, moved);
    if (score < bestScore || (score === bestScore && whole < bestWhole)) {
      bestScore = score;
      bestWhole = whole;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(last.length / 3));
  return bestScore <= limit ? best : undefined;
}
