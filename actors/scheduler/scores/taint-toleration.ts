// TaintToleration (score): fewer untolerated PreferNoSchedule taints is better.
import type { Toleration } from '../../../api/kinds/scheduling.ts';
import { toleratesTaint } from '../../../api/kinds/scheduling.ts';
import type { ScorePlugin } from '../types.ts';
import { defaultNormalizeScore } from './normalize.ts';

/** Weight 3: counts PreferNoSchedule taints not tolerated by tolerations with effect PreferNoSchedule or none; reversed. */
export const taintTolerationScore: ScorePlugin<Toleration[]> = {
  name: 'TaintToleration',
  weight: 3,
  preScore: (pod) => pod.tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule'),
  score(_pod, node, tolerations) {
    let n = 0;
    for (const t of node.softTaints) if (!toleratesTaint(tolerations, t)) n++;
    return n;
  },
  normalize: (scores) => defaultNormalizeScore(scores, true),
};
