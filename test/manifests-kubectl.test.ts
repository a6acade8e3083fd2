// Differential: the manifest reader against the real kubectl's own decoding (`kubectl create
// --dry-run=client -o json`, which prints the objects it read without sending them), over YAML 1.1
// scalars, goyaml's escapes, duplicate keys, flow and block styles, JSON and Lists.
import test from 'ava';
import { manifestObjects } from '../api/manifests.ts';
import { startGateway } from './helpers/gateway.ts';

const cm = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n${data}`;
const CASES: Array<[string, string]> = [
  ['quote escape', cm('  a: "it\\\'s"\n  "k\\\'ey": "x\\\\\'y"\n')],
  ['goyaml escapes', cm('  a: "\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\e\\0\\a\\v\\t\\ \\"\\\\"\n  b: "line\\\n    folded"\n')],
  ['yaml 1.1 scalars', cm('  a: yes\n  b: on\n  c: Off\n  d: 0755\n  e: 22:22\n  f: 2001-12-14\n  g: "yes"\n  h: ~\n  i: y\n  n: "2"\n  "on": "1"\n  j: 0x1F\n  k: 1_000\n  m: 1e3\n')],
  ['duplicate keys', cm('  a: "1"\n  a: "2"\nmetadata:\n  name: d\n')],
  ['flow and block', cm('  a: |\n    x\n    y\n  b: >-\n    p\n    q\n  c: [1, "2", {k: v}]\n')],
  ['anchors, merge keys, tags', 'base: &b {x: "1", y: "2"}\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: m}\ndata:\n  <<: *b\n  y: "3"\n  z: !!str 4\n  w: *b\n'],
  ['numbers and keys', cm('  a: 0o17\n  b: +12\n  c: .5\n  d: 1.0\n  e: 0b101\n  f: 1:30\n  g: 2001-12-14t21:59:43.10-05:00\n  1: one\n  h: -0\n  i: 012345678\n')],
  ['json', '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "j"}, "data": {"a": "x\\/y", "a": "z"}}'],
  ['list', 'apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: l1}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: l2}\n  data: {x: "1", x: "2"}\n'],
  ['documents', `${cm('  a: "1"\n')}---\n---\n${cm('  b: "2"\n').replace('name: c', 'name: c2')}`],
];

test('manifests kubectl - the reader decodes manifests as kubectl 1.32 does', async (t) => {
  const g = await startGateway(t);
  for (const [name, text] of CASES) {
    const r = await g.kubectl(['create', '--dry-run=client', '--validate=false', '-o', 'json', '-f', '-'], text);
    t.is(r.code, 0, `${name}: ${r.stderr}`);
    // One JSON object per object kubectl would create, one after the other.
    const out = JSON.parse(`[${r.stdout.trim().replace(/\n}\n{/g, '\n},{')}]`) as Array<{ kind: string; items?: unknown[] }>;
    // kubectl fills the namespace it would send to; the reader leaves that to the command.
    const theirs = out.flatMap((o) => (o.kind === 'List' ? o.items! : [o])).map((o) => {
      delete (o as { metadata: { namespace?: string } }).metadata.namespace;
      return o;
    });
    t.deepEqual(manifestObjects(text, 'STDIN').map((o) => JSON.parse(JSON.stringify(o)) as unknown), theirs, name);
  }
});
