// NodeAffinity (score): the sum of the weights of the preferred terms a node matches, scaled to 0..100.
import { SKIP, type ScorePlugin } from '../types.ts';
import { defaultNormalizeScore } from './normalize.ts';

/** Weight 2; skipped for pods without preferred node affinity. */
export const nodeAffinityScore: ScorePlugin<true> = {
  name: 'NodeAffinity',
  weight: 2,
  preScore: (pod) => (pod.preferredNodeAffinity.length ? true : SKIP),
  score(pod, node) {
    let s = 0;
    for (const p of pod.preferredNodeAffinity) if (p.matches(node)) s += p.weight;
    return s;
  },
  normalize: (scores) => defaultNormalizeScore(scores, false),
};
