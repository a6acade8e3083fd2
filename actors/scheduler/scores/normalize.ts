// Score normalization helpers shared by score plugins (upstream plugins/helper/normalize_score.go).
import { MAX_NODE_SCORE } from '../types.ts';

/** Scales scores to 0..100 by the highest one (integer division); `reverse` flips them. All zero: 0, or 100 when reversed. */
export function defaultNormalizeScore(scores: number[], reverse: boolean, max = MAX_NODE_SCORE): void {
  let top = 0;
  for (const s of scores) if (s > top) top = s;
  if (top === 0) {
    if (reverse) scores.fill(max);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    const s = Math.trunc((max * scores[i]) / top);
    scores[i] = reverse ? max - s : s;
  }
}
