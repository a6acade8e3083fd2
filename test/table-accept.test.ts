// Accept negotiation of the output form (api/table/accept.ts) for the headers kubectl 1.32 and client-go send, and the includeObject parameter.
import test from 'ava';
import { negotiateOutput, notAcceptableMessage, parseIncludeObject } from '../api/table/index.ts';

const KUBECTL_GET = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const json = { mediaType: 'application/json', as: 'Object', version: 'v1', pretty: false };

const cases: [string, string | undefined, object | undefined][] = [
  ['kubectl get (human output): Table v1 as JSON', KUBECTL_GET, { ...json, as: 'Table' }],
  ['kubectl get -o json / -o yaml / apply: the object as JSON', 'application/json', json],
  ['client-go for built-in kinds: protobuf is skipped, JSON served', 'application/vnd.kubernetes.protobuf,application/json', json],
  ['client-go metadata informer list', 'application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json', { ...json, as: 'PartialObjectMetadataList' }],
  ['client-go metadata get', 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json', { ...json, as: 'PartialObjectMetadata' }],
  ['an older client asking for the v1beta1 Table', 'application/json;as=Table;v=v1beta1;g=meta.k8s.io', { ...json, as: 'Table', version: 'v1beta1' }],
  ['no Accept header', undefined, json],
  ['an empty Accept header', '', json],
  ['*/* (curl)', '*/*', json],
  ['application/* picks JSON', 'application/*', json],
  ['YAML', 'application/yaml', { ...json, mediaType: 'application/yaml' }],
  ['a Table as YAML', 'application/yaml;as=Table;v=v1;g=meta.k8s.io', { ...json, mediaType: 'application/yaml', as: 'Table' }],
  ['q values order the clauses', 'application/json;q=0.5,application/yaml', { ...json, mediaType: 'application/yaml' }],
  ['q=0 refuses a type', 'application/yaml;q=0,application/json', json],
  ['concrete types before wildcards at equal q', '*/*,application/yaml', { ...json, mediaType: 'application/yaml' }],
  ['pretty=1', 'application/json;pretty=1', { ...json, pretty: true }],
  ['unknown parameters are ignored, as upstream', 'application/json; charset=utf-8', json],
  ['a Table of an unknown version falls through to the next clause', 'application/json;as=Table;v=v2;g=meta.k8s.io,application/json', json],
  ['a Table outside meta.k8s.io is skipped', 'application/json;as=Table;v=v1,application/json', json],
  ['an unknown conversion is skipped', 'application/json;as=Scale;v=v1;g=meta.k8s.io,application/json', json],
  ['only unservable types: 406', 'text/html,application/vnd.kubernetes.protobuf', undefined],
  ['only an unservable conversion: 406', 'application/json;as=Table;v=v2;g=meta.k8s.io', undefined],
];

for (const [name, accept, want] of cases) test(`table accept - ${name}`, (t) => t.deepEqual(negotiateOutput(accept), want));

test('table accept - a server of JSON only answers a YAML-only client with 406 and upstream message', (t) => {
  t.is(negotiateOutput('application/yaml', ['application/json']), undefined);
  t.is(notAcceptableMessage(['application/json']), 'only the following media types are accepted: application/json');
  t.is(notAcceptableMessage(), 'only the following media types are accepted: application/json, application/yaml');
});

test('table accept - includeObject: absent or empty is Metadata; None and Object; anything else a 400 message', (t) => {
  t.deepEqual(parseIncludeObject(null), { ok: true, value: 'Metadata' });
  t.deepEqual(parseIncludeObject(''), { ok: true, value: 'Metadata' });
  t.deepEqual(parseIncludeObject('None'), { ok: true, value: 'None' });
  t.deepEqual(parseIncludeObject('Object'), { ok: true, value: 'Object' });
  t.deepEqual(parseIncludeObject('all'), {
    ok: false,
    message: `Unable to convert to Table as requested: includeObject: Invalid value: "all": must be 'Metadata', 'Object', 'None', or empty`,
  });
});
