// Re-exports the validation building blocks (field errors, string formats, metadata, structural check).
export * from './validation/field.ts';
export * from './validation/strings.ts';
export * from './validation/meta.ts';
export * from './validation/structural.ts';
