// The real kubectl with PriorityClasses over the gateway: the system classes in `get pc`, create
// and describe, a user value above one billion refused, and the Priority admission's 403 and
// resolved priority on pods.
import test from 'ava';
import { startGateway } from './helpers/gateway.ts';

test('gateway kubectl priorityclass - get, create, describe, validation and the admission of pods', async (t) => {
  const g = await startGateway(t);
  const get = await g.kubectl(['get', 'pc']);
  t.is(get.code, 0, get.stderr);
  t.regex(get.stdout, /^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY\nsystem-cluster-critical\s+2000000000\s+false\s+\d+s\s+PreemptLowerPriority\nsystem-node-critical\s+2000001000\s+false\s+\d+s\s+PreemptLowerPriority\n$/);

  const made = await g.kubectl(['create', 'priorityclass', 'high', '--value=1000', '--description=for the important ones', '--preemption-policy=Never']);
  t.is(made.code, 0, made.stderr);
  const described = await g.kubectl(['describe', 'priorityclass', 'high']);
  t.regex(described.stdout, /^Name:\s+high\nValue:\s+1000\nGlobalDefault:\s+false\nPreemptionPolicy:\s+Never\nDescription:\s+for the important ones\nAnnotations:\s+<none>\nEvents:\s+<none>\n$/);

  t.is((await g.kubectl(['patch', 'pc', 'high', '-p', '{"description":"patched"}'])).code, 0);
  const immutable = await g.kubectl(['patch', 'pc', 'high', '-p', '{"value":7}']);
  t.regex(immutable.stderr, /"high" is invalid: value: Forbidden: may not be changed in an update\./);
  const applied = await g.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'batch' }, value: -10, globalDefault: true }));
  t.is(applied.code, 0, applied.stderr);
  const second = await g.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'other' }, value: 1, globalDefault: true }));
  t.regex(second.stderr, /priorityclasses\.scheduling\.k8s\.io "other" is forbidden: PriorityClass batch is already marked as default\. Only one default can exist/);

  const huge = await g.kubectl(['create', 'priorityclass', 'huge', '--value=2000000000']);
  t.not(huge.code, 0);
  t.regex(huge.stderr, /"huge" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000/);
  const sys = await g.kubectl(['create', 'priorityclass', 'system-mine', '--value=5']);
  t.regex(sys.stderr, /metadata\.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only\. error: system-mine is not a known system priority class/);

  const unknown = await g.kubectl(['run', 'p', '--image=app:1', '--overrides={"spec":{"priorityClassName":"nope"}}']);
  t.not(unknown.code, 0);
  t.regex(unknown.stderr, /Error from server \(Forbidden\): pods "p" is forbidden: no PriorityClass with name nope was found/);
  t.is((await g.kubectl(['run', 'ok', '--image=app:1', '--overrides={"spec":{"priorityClassName":"high"}}'])).code, 0);
  const prio = await g.kubectl(['get', 'pod', 'ok', '-o', 'jsonpath={.spec.priority} {.spec.preemptionPolicy}']);
  t.is(prio.stdout, '1000 Never');
  t.is((await g.kubectl(['run', 'plain', '--image=app:1'])).code, 0);
  const dflt = await g.kubectl(['get', 'pod', 'plain', '-o', 'jsonpath={.spec.priorityClassName} {.spec.priority}']);
  t.is(dflt.stdout, 'batch -10', 'the global default class');
});
