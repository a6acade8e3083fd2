// The finalizer that holds a CustomResourceDefinition until its custom objects are gone (upstream's name).
export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';
