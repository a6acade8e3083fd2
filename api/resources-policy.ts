// The resource table's networking, autoscaling, RBAC, RuntimeClass, admission and flowcontrol kinds (stored and
// validated; admission policies enforced by the API server, ClusterRoles aggregated by their controller).
import type { ResourceDef } from './resource.ts';
import { def } from './resource-def.ts';
import { defaultIngressClass, prepareIngressForCreate, IngressClassSchema, IngressSchema, validateIngress, validateIngressClass, validateIngressClassUpdate, validateIngressUpdate } from './kinds/networking.ts';
import { defaultNetworkPolicy, NetworkPolicySchema, validateNetworkPolicy, validateNetworkPolicyUpdate } from './kinds/networkpolicy.ts';
import { defaultHPA, HorizontalPodAutoscalerSchema, prepareHPAForCreate, validateHPA, validateHPAUpdate } from './kinds/autoscaling.ts';
import { HorizontalPodAutoscalerV1Schema, hpaFromV1, hpaToV1 } from './kinds/autoscaling-v1.ts';
import { ClusterRoleBindingSchema, ClusterRoleSchema, defaultRoleBinding, RoleBindingSchema, RoleSchema, validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding, validateRoleBindingUpdate, validateRoleUpdate, RBAC_GROUP } from './kinds/rbac.ts';
import { RuntimeClassSchema, validateRuntimeClass, validateRuntimeClassUpdate } from './kinds/runtimeclass.ts';
import { defaultWebhookConfiguration, MutatingWebhookConfigurationSchema, ValidatingWebhookConfigurationSchema, validateWebhookConfigurationUpdate, webhookConfigurationValidator } from './kinds/webhook-config.ts';
import { defaultValidatingAdmissionPolicy, defaultValidatingAdmissionPolicyBinding, validateAdmissionPolicyUpdate, ValidatingAdmissionPolicyBindingSchema, ValidatingAdmissionPolicySchema, validateValidatingAdmissionPolicy, validateValidatingAdmissionPolicyBinding } from './kinds/admission-policy.ts';
import { defaultFlowSchema, defaultPriorityLevel, FlowSchemaSchema, PriorityLevelConfigurationSchema, validateFlowcontrolUpdate, validateFlowSchema, validatePriorityLevel } from './kinds/flowcontrol.ts';
import { resetStatus } from './kinds/workload-common.ts';
import { AUTHENTICATION_GROUP as AUTHN, TokenReviewSchema } from './kinds/authentication.ts';
import { AUTHORIZATION_GROUP as AUTHZ, LocalSubjectAccessReviewSchema, SelfSubjectAccessReviewSchema, SelfSubjectRulesReviewSchema, SubjectAccessReviewSchema, validateLocalSubjectAccessReview, validateSelfSubjectAccessReview, validateSubjectAccessReview } from './kinds/authorization.ts';

const NETWORKING = 'networking.k8s.io';
const ADMISSION = 'admissionregistration.k8s.io';
const FLOWCONTROL = 'flowcontrol.apiserver.k8s.io';

/** The ResourceDefs of these kinds, in table order. */
export const POLICY_RESOURCES: readonly ResourceDef[] = [
  def({ kind: 'Ingress', plural: 'ingresses', shortNames: ['ing'], group: NETWORKING, hasStatus: true, generation: 'spec' }, {
    schema: IngressSchema, prepareForCreate: prepareIngressForCreate, validate: validateIngress, validateUpdate: validateIngressUpdate,
  }),
  def({ kind: 'IngressClass', plural: 'ingressclasses', group: NETWORKING, namespaced: false, generation: 'spec' }, {
    schema: IngressClassSchema, defaults: defaultIngressClass, validate: validateIngressClass, validateUpdate: validateIngressClassUpdate,
  }),
  def({ kind: 'NetworkPolicy', plural: 'networkpolicies', shortNames: ['netpol'], group: NETWORKING, generation: 'spec' }, {
    schema: NetworkPolicySchema, defaults: defaultNetworkPolicy, validate: validateNetworkPolicy, validateUpdate: validateNetworkPolicyUpdate,
  }),
  // Upstream's HPAs get a generation only in later releases (1.32: none); kubus keeps it: its HPA controller syncs at once when it moves.
  def({ kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', shortNames: ['hpa'], group: 'autoscaling', version: 'v2', hasStatus: true, generation: 'spec' }, {
    schema: HorizontalPodAutoscalerSchema, defaults: defaultHPA, prepareForCreate: prepareHPAForCreate, validate: validateHPA, validateUpdate: validateHPAUpdate,
  }),
  def({ kind: 'Role', plural: 'roles', group: RBAC_GROUP }, { schema: RoleSchema, validate: validateRole, validateUpdate: validateRoleUpdate }),
  def({ kind: 'ClusterRole', plural: 'clusterroles', group: RBAC_GROUP, namespaced: false }, {
    schema: ClusterRoleSchema, validate: validateClusterRole, validateUpdate: validateRoleUpdate,
  }),
  def({ kind: 'RoleBinding', plural: 'rolebindings', group: RBAC_GROUP }, {
    schema: RoleBindingSchema, defaults: defaultRoleBinding, validate: validateRoleBinding, validateUpdate: validateRoleBindingUpdate,
  }),
  def({ kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', group: RBAC_GROUP, namespaced: false }, {
    schema: ClusterRoleBindingSchema, defaults: defaultRoleBinding, validate: validateClusterRoleBinding, validateUpdate: validateRoleBindingUpdate,
  }),
  // The access reviews: create-only, answered and never stored (actors/apiserver/authz/reviews.ts).
  def({ kind: 'SubjectAccessReview', plural: 'subjectaccessreviews', group: AUTHZ, namespaced: false, createOnly: true }, { schema: SubjectAccessReviewSchema, validate: validateSubjectAccessReview }),
  def({ kind: 'SelfSubjectAccessReview', plural: 'selfsubjectaccessreviews', group: AUTHZ, namespaced: false, createOnly: true }, { schema: SelfSubjectAccessReviewSchema, validate: validateSelfSubjectAccessReview }),
  def({ kind: 'LocalSubjectAccessReview', plural: 'localsubjectaccessreviews', group: AUTHZ, createOnly: true }, { schema: LocalSubjectAccessReviewSchema, validate: validateLocalSubjectAccessReview }),
  def({ kind: 'SelfSubjectRulesReview', plural: 'selfsubjectrulesreviews', group: AUTHZ, namespaced: false, createOnly: true }, { schema: SelfSubjectRulesReviewSchema, validate: () => [] }),
  // TokenReview: create-only, answered and never stored (actors/apiserver/authn/token-review.ts).
  def({ kind: 'TokenReview', plural: 'tokenreviews', group: AUTHN, namespaced: false, createOnly: true }, { schema: TokenReviewSchema, validate: () => [] }),
  def({ kind: 'RuntimeClass', plural: 'runtimeclasses', group: 'node.k8s.io', namespaced: false }, {
    schema: RuntimeClassSchema, validate: validateRuntimeClass, validateUpdate: validateRuntimeClassUpdate,
  }),
  def({ kind: 'ValidatingWebhookConfiguration', plural: 'validatingwebhookconfigurations', group: ADMISSION, namespaced: false, generation: 'body' }, {
    schema: ValidatingWebhookConfigurationSchema, defaults: (c) => defaultWebhookConfiguration(c, false), validate: webhookConfigurationValidator(false), validateUpdate: validateWebhookConfigurationUpdate,
  }),
  def({ kind: 'MutatingWebhookConfiguration', plural: 'mutatingwebhookconfigurations', group: ADMISSION, namespaced: false, generation: 'body' }, {
    schema: MutatingWebhookConfigurationSchema, defaults: (c) => defaultWebhookConfiguration(c, true), validate: webhookConfigurationValidator(true), validateUpdate: validateWebhookConfigurationUpdate,
  }),
  def({ kind: 'ValidatingAdmissionPolicy', plural: 'validatingadmissionpolicies', group: ADMISSION, namespaced: false, hasStatus: true, generation: 'spec' }, {
    schema: ValidatingAdmissionPolicySchema, defaults: defaultValidatingAdmissionPolicy, prepareForCreate: resetStatus, validate: validateValidatingAdmissionPolicy, validateUpdate: validateAdmissionPolicyUpdate,
  }),
  def({ kind: 'ValidatingAdmissionPolicyBinding', plural: 'validatingadmissionpolicybindings', group: ADMISSION, namespaced: false, generation: 'spec' }, {
    schema: ValidatingAdmissionPolicyBindingSchema, defaults: defaultValidatingAdmissionPolicyBinding, validate: validateValidatingAdmissionPolicyBinding, validateUpdate: validateAdmissionPolicyUpdate,
  }),
  def({ kind: 'FlowSchema', plural: 'flowschemas', group: FLOWCONTROL, namespaced: false, hasStatus: true, generation: 'spec' }, {
    schema: FlowSchemaSchema, defaults: defaultFlowSchema, validate: validateFlowSchema, validateUpdate: validateFlowcontrolUpdate,
  }),
  def({ kind: 'PriorityLevelConfiguration', plural: 'prioritylevelconfigurations', group: FLOWCONTROL, namespaced: false, hasStatus: true, generation: 'spec' }, {
    schema: PriorityLevelConfigurationSchema, defaults: defaultPriorityLevel, validate: validatePriorityLevel, validateUpdate: validateFlowcontrolUpdate,
  }),
];

/** Built-in versions served beside their storage version (in the table above): the gateway converts at its edge. */
export const ALSO_SERVED: readonly ResourceDef[] = [
  Object.freeze({
    ...def({ kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', shortNames: ['hpa'], group: 'autoscaling', hasStatus: true, generation: 'spec' }, {
      schema: HorizontalPodAutoscalerV1Schema, validate: () => [],
    }),
    conversion: { toStorage: hpaFromV1, fromStorage: hpaToV1 },
  }),
];
