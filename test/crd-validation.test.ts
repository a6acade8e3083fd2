// CustomResourceDefinition as a kind (api/apiextensions): defaults, upstream's validation messages and paths,
// update rules, and the status the naming/establishing controllers give it.
import test from 'ava';
import { crdResourceDef, crdStatusFor, defaultCRD, validateCRD, validateCRDUpdate } from '../api/apiextensions/crd.ts';
import type { CustomResourceDefinition, JSONSchemaProps } from '../api/apiextensions/types.ts';
import type { KubeObject } from '../api/meta.ts';

const SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } }, status: { type: 'object', properties: { ready: { type: 'integer' } } } },
};

function crd(over: Partial<CustomResourceDefinition['spec']> = {}, name = 'widgets.example.com'): CustomResourceDefinition {
  const c: CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget', shortNames: ['wd'] },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: structuredClone(SCHEMA) } }],
      ...over,
    },
  };
  return c;
}

/** Runs the CRD through the API server's create steps (defaults, prepareForCreate) and returns `field: message` lines. */
function createErrors(c: CustomResourceDefinition): string[] {
  const o = c as unknown as KubeObject;
  crdResourceDef.defaults!(o);
  crdResourceDef.prepareForCreate!(o);
  return crdResourceDef.validate(o).map((e) => `${e.field}: ${e.message}`);
}

test('crd validation - defaults fill singular, listKind and conversion None', (t) => {
  const c = crd();
  defaultCRD(c);
  t.deepEqual(c.spec.names, { plural: 'widgets', kind: 'Widget', shortNames: ['wd'], singular: 'widget', listKind: 'WidgetList' });
  t.deepEqual(c.spec.conversion, { strategy: 'None' });
});

test('crd validation - a well-formed CRD has no errors and records its storage version', (t) => {
  const c = crd();
  t.deepEqual(createErrors(c), []);
  t.deepEqual(c.status?.storedVersions, ['v1']);
});

test('crd validation - the name must be plural.group', (t) => {
  t.deepEqual(createErrors(crd({}, 'widget.example.com')), ['metadata.name: Invalid value: "widget.example.com": must be spec.names.plural+"."+spec.group']);
});

test('crd validation - group, scope and names as upstream words them', (t) => {
  const errs = createErrors(crd({ group: 'example', scope: 'Global', names: { plural: 'Widgets', kind: 'Widget', shortNames: ['w_d'] } }, 'Widgets.example'));
  t.true(errs.includes('spec.group: Invalid value: "example": should be a domain with at least one dot'));
  t.true(errs.includes('spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"'));
  t.true(errs.some((e) => e.startsWith('spec.names.plural: Invalid value: "Widgets": a DNS-1035 label must consist of lower case alphanumeric characters')));
  t.true(errs.some((e) => e.startsWith('spec.names.shortNames[0]: Invalid value: "w_d": a DNS-1035 label')));
  const missing = createErrors(crd({ group: '', scope: '', names: { plural: '', kind: '' } }, '.'));
  for (const f of ['spec.group', 'spec.scope', 'spec.names.plural', 'spec.names.kind', 'spec.names.listKind']) t.true(missing.includes(`${f}: Required value`), f);
});

test('crd validation - exactly one storage version, unique version names', (t) => {
  const v = (name: string, storage: boolean) => ({ name, served: true, storage, schema: { openAPIV3Schema: structuredClone(SCHEMA) } });
  const none = createErrors(crd({ versions: [v('v1', false), v('v2', false)] }));
  t.true(none.some((e) => e.startsWith('spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{') && e.endsWith(': must have exactly one version marked as storage version')));
  t.true(none.includes('status.storedVersions: Invalid value: []string{}: must have at least one stored version'));
  const two = createErrors(crd({ versions: [v('v1', true), v('v1', true)] }));
  t.true(two.some((e) => e.endsWith(': must contain unique version names')));
  t.true(two.some((e) => e.endsWith(': must have exactly one version marked as storage version')));
});

test('crd validation - v1 requires a schema per version', (t) => {
  const errs = createErrors(crd({ versions: [{ name: 'v1', served: true, storage: true }] }));
  t.deepEqual(errs, ['spec.versions[0].schema.openAPIV3Schema: Required value']);
});

test('crd validation - structural schema: a type at every level, under the hoisted path when versions agree', (t) => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          untyped: { properties: { a: { type: 'string' } } },
          list: { type: 'array', items: { properties: {} } },
          port: { 'x-kubernetes-int-or-string': true },
          free: { 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    },
  };
  const one = createErrors(crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] }));
  t.deepEqual(one, [
    'spec.validation.openAPIV3Schema.properties[spec].properties[list].items.type: Required value: must not be empty for specified array items',
    'spec.validation.openAPIV3Schema.properties[spec].properties[untyped].type: Required value: must not be empty for specified object fields',
  ]);
  // Versions whose schemas differ are reported under their own index.
  const two = createErrors(
    crd({
      versions: [
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: structuredClone(SCHEMA) } },
        { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: { properties: { spec: { type: 'object' } } } } },
      ],
    }),
  );
  t.deepEqual(two, ['spec.versions[1].schema.openAPIV3Schema.type: Required value: must not be empty at the root']);
});

test('crd validation - OpenAPI features CRDs refuse', (t) => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      metadata: { type: 'object', properties: { labels: { type: 'object' } } },
      spec: {
        type: 'object',
        properties: { tags: { type: 'array', items: { type: 'string' }, uniqueItems: true }, n: { type: 'null' }, m: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } } },
      },
    },
  };
  const errs = createErrors(crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] }));
  const p = 'spec.validation.openAPIV3Schema';
  t.true(errs.includes(`${p}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`));
  t.true(errs.includes(`${p}.properties[spec].properties[tags].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`));
  t.true(errs.includes(`${p}.properties[spec].properties[n].type: Forbidden: type cannot be set to null, use nullable as an alternative`));
  t.true(errs.includes(`${p}.properties[spec].properties[m].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`));
});

test('crd validation - scale subresource paths and printer columns', (t) => {
  const errs = createErrors(
    crd({
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: structuredClone(SCHEMA) },
          subresources: { status: {}, scale: { specReplicasPath: '.status.replicas', statusReplicasPath: 'status.ready' } },
          additionalPrinterColumns: [{ name: 'Ready', type: 'bool', jsonPath: 'status.ready' }],
        },
      ],
    }),
  );
  t.deepEqual(errs, [
    'spec.subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec',
    'spec.subresources.scale.statusReplicasPath: Invalid value: "status.ready": must be a simple json path starting with .',
    'spec.additionalPrinterColumns[0].type: Invalid value: "bool": must be one of boolean,date,integer,number,string',
    'spec.additionalPrinterColumns[0].JSONPath: Invalid value: "status.ready": must be a simple json path starting with .',
  ]);
});

test('crd validation - group and plural never change, scope and kind once established', (t) => {
  const old = crd();
  crdResourceDef.defaults!(old as unknown as KubeObject);
  old.status = crdStatusFor(old, () => false, '2024-05-01T12:00:00Z');
  const next = structuredClone(old);
  next.spec.scope = 'Cluster';
  next.spec.names.kind = 'Gadget';
  next.spec.group = 'example.org';
  const errs = validateCRDUpdate(next, old).map((e) => `${e.field}: ${e.message}`);
  t.deepEqual(errs, [
    'spec.scope: Invalid value: "Cluster": field is immutable',
    'spec.names.kind: Invalid value: "Gadget": field is immutable',
    'spec.group: Invalid value: "example.org": field is immutable',
  ]);
  // Before it is established, scope and kind may still change.
  delete old.status;
  t.deepEqual(validateCRDUpdate({ ...next, spec: { ...next.spec, group: 'example.com' } }, old), []);
});

test('crd validation - a storage version stays in storedVersions while it is in spec.versions', (t) => {
  const c = crd();
  crdResourceDef.defaults!(c as unknown as KubeObject);
  c.status = { storedVersions: ['v1', 'v0'] };
  const errs = validateCRD(c).map((e) => `${e.field}: ${e.message}`);
  t.is(errs.length, 1);
  t.true(errs[0].startsWith('status.storedVersions[1]: Invalid value: "v0": missing from spec.versions; v0 was previously a storage version'));
});

test('crd status - names accepted, established, acceptedNames and storedVersions', (t) => {
  const c = crd();
  defaultCRD(c);
  c.status = { storedVersions: ['v1'] };
  const s = crdStatusFor(c, () => false, '2024-05-01T12:00:00Z');
  t.deepEqual(
    s.conditions?.map((x) => [x.type, x.status, x.reason, x.message]),
    [
      ['NamesAccepted', 'True', 'NoConflicts', 'no conflicts found'],
      ['Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted'],
    ],
  );
  t.is(s.acceptedNames?.listKind, 'WidgetList');
  t.deepEqual(s.storedVersions, ['v1']);
  // A later recomputation keeps the transition times of unchanged conditions.
  const again = crdStatusFor({ ...c, status: s }, () => false, '2024-05-02T00:00:00Z');
  t.is(again.conditions?.[0].lastTransitionTime, '2024-05-01T12:00:00Z');
});

test('crd status - a taken plural or kind is refused with upstream reasons', (t) => {
  const c = crd();
  defaultCRD(c);
  const plural = crdStatusFor(c, (p) => p === 'widgets', '2024-05-01T12:00:00Z');
  t.like(plural.conditions?.[0], { type: 'NamesAccepted', status: 'False', reason: 'PluralConflict', message: '"widgets" is already in use' });
  t.like(plural.conditions?.[1], { type: 'Established', status: 'False', reason: 'NotAccepted' });
  t.deepEqual(plural.acceptedNames, { plural: '', kind: '' });
  const kind = crdStatusFor(c, (_p, k) => k === 'Widget', '2024-05-01T12:00:00Z');
  t.like(kind.conditions?.[0], { status: 'False', reason: 'KindConflict', message: '"Widget" is already in use' });
});

test('crd validation - the ResourceDef of customresourcedefinitions', (t) => {
  t.like(crdResourceDef, { group: 'apiextensions.k8s.io', version: 'v1', apiVersion: 'apiextensions.k8s.io/v1', namespaced: false, hasStatus: true, kind: 'CustomResourceDefinition' });
  t.deepEqual(crdResourceDef.shortNames, ['crd', 'crds']);
  // Malformed input is a field error, never a crash.
  const bad = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'x' }, spec: { versions: 'v1' } } as unknown as KubeObject;
  crdResourceDef.defaults!(bad);
  t.notThrows(() => crdResourceDef.validate(bad));
  t.true(crdResourceDef.validate(bad).some((e) => e.field === 'spec.versions'));
});

test('crd validation - defaults must be valid and pruned; patterns must compile', (t) => {
  const schema: JSONSchemaProps = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          replicas: { type: 'integer', default: 'one' },
          color: { type: 'string', enum: ['red'], default: 'blue' },
          box: { type: 'object', properties: { a: { type: 'string' } }, default: { a: 'x', b: 1 } },
          name: { type: 'string', pattern: '(' },
        },
      },
    },
  };
  const errs = createErrors(crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] }));
  const p = 'spec.validation.openAPIV3Schema.properties[spec].properties';
  t.is(errs.length, 1, 'defaults are judged only once the structural schema is sound');
  t.true(errs[0].startsWith(`${p}[name].pattern: Invalid value: "(": must be a valid regular expression, but isn't:`));
  delete schema.properties!.spec.properties!.name;
  const defaults = createErrors(crd({ versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }] }));
  t.deepEqual(defaults, [
    `${p}[replicas].default: Invalid value: "string": ${p}[replicas].default in body must be of type integer: "string"`,
    `${p}[color].default: Unsupported value: "blue": supported values: "red"`,
    `${p}[box].default: Invalid value: {"a":"x","b":1}: must not have unknown fields`,
  ]);
});
