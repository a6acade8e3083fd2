// The autoscaling/v1 (alpha annotation) forms of v2 metrics, as upstream pkg/apis/autoscaling/v1/conversion.go
// writes them into autoscaling.alpha.kubernetes.io/metrics and /current-metrics: flat fields
// (metricName, targetAverageValue, ...) where v2 nests a metric identifier and a target or current value.
import { isObj } from './common.ts';

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (isObj(v) ? (v as Rec) : {});

/** Returns the entries that are set (Go's omitempty for pointers). */
const set = (o: Rec): Rec => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

const FIELD: Record<string, string> = { Resource: 'resource', ContainerResource: 'containerResource', Pods: 'pods', Object: 'object', External: 'external' };

/** Converts one metric (spec or status) by its type: `forms(source)` gives each type's converted source; an unknown type is left as is. */
function convert(m: unknown, forms: (s: Rec) => Record<string, () => Rec>): Rec {
  const type = String(rec(m).type ?? '');
  const field = FIELD[type];
  return field ? { type, [field]: forms(rec(rec(m)[field]))[type]() } : rec(m);
}

/** A v2 MetricSpec as a v1 MetricSpec. */
export const metricToV1 = (m: unknown): Rec =>
  convert(m, (s) => {
    const t = rec(s.target);
    const id = rec(s.metric);
    return {
      Resource: () => set({ name: s.name, targetAverageUtilization: t.averageUtilization, targetAverageValue: t.averageValue }),
      ContainerResource: () => set({ name: s.name, targetAverageUtilization: t.averageUtilization, targetAverageValue: t.averageValue, container: s.container }),
      Pods: () => set({ metricName: id.name, targetAverageValue: t.averageValue, selector: id.selector }),
      Object: () => set({ target: s.describedObject, metricName: id.name, targetValue: t.value, selector: id.selector, averageValue: t.averageValue }),
      External: () => set({ metricName: id.name, metricSelector: id.selector, targetValue: t.value, targetAverageValue: t.averageValue }),
    };
  });

/** A v1 MetricSpec as a v2 MetricSpec (the target type as upstream infers it from which values are set). */
export const metricFromV1 = (m: unknown): Rec =>
  convert(m, (s) => {
    const resourceTarget = () => set({ type: s.targetAverageUtilization === undefined ? 'AverageValue' : 'Utilization', averageUtilization: s.targetAverageUtilization, averageValue: s.targetAverageValue });
    return {
      Resource: () => ({ name: s.name, target: resourceTarget() }),
      ContainerResource: () => ({ name: s.name, container: s.container, target: resourceTarget() }),
      Pods: () => ({ metric: set({ name: s.metricName, selector: s.selector }), target: set({ type: 'AverageValue', averageValue: s.targetAverageValue }) }),
      Object: () => ({
        describedObject: s.target, metric: set({ name: s.metricName, selector: s.selector }),
        target: set({ type: s.averageValue === undefined ? 'Value' : 'AverageValue', value: s.targetValue, averageValue: s.averageValue }),
      }),
      External: () => ({
        metric: set({ name: s.metricName, selector: s.metricSelector }),
        target: set({ type: s.targetValue === undefined ? 'AverageValue' : 'Value', value: s.targetValue, averageValue: s.targetAverageValue }),
      }),
    };
  });

/** A v2 MetricStatus as a v1 MetricStatus. */
export const metricStatusToV1 = (m: unknown): Rec =>
  convert(m, (s) => {
    const c = rec(s.current);
    const id = rec(s.metric);
    return {
      Resource: () => set({ name: s.name, currentAverageUtilization: c.averageUtilization, currentAverageValue: c.averageValue }),
      ContainerResource: () => set({ name: s.name, currentAverageUtilization: c.averageUtilization, currentAverageValue: c.averageValue, container: s.container }),
      Pods: () => set({ metricName: id.name, currentAverageValue: c.averageValue, selector: id.selector }),
      Object: () => set({ target: s.describedObject, metricName: id.name, currentValue: c.value, selector: id.selector, averageValue: c.averageValue }),
      External: () => set({ metricName: id.name, metricSelector: id.selector, currentValue: c.value, currentAverageValue: c.averageValue }),
    };
  });

/** A v1 MetricStatus as a v2 MetricStatus. */
export const metricStatusFromV1 = (m: unknown): Rec =>
  convert(m, (s) => ({
    Resource: () => ({ name: s.name, current: set({ averageUtilization: s.currentAverageUtilization, averageValue: s.currentAverageValue }) }),
    ContainerResource: () => ({ name: s.name, container: s.container, current: set({ averageUtilization: s.currentAverageUtilization, averageValue: s.currentAverageValue }) }),
    Pods: () => ({ metric: set({ name: s.metricName, selector: s.selector }), current: set({ averageValue: s.currentAverageValue }) }),
    Object: () => ({ describedObject: s.target, metric: set({ name: s.metricName, selector: s.selector }), current: set({ value: s.currentValue, averageValue: s.averageValue }) }),
    External: () => ({ metric: set({ name: s.metricName, selector: s.metricSelector }), current: set({ value: s.currentValue, averageValue: s.currentAverageValue }) }),
  }));
