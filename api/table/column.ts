// Building blocks of column tables: upstream's Name and Age columns and the accessors every kind uses.
import { since } from './age.ts';
import { rec, str, type Obj } from './loose.ts';
import type { ColumnDefinition } from './types.ts';

const NAME_DOC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_DOC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** Returns a column definition; priority 1 makes it a `-o wide` column. */
export const col = (name: string, type: ColumnDefinition['type'], description: string, priority = 0): ColumnDefinition => ({
  name,
  type,
  format: '',
  description,
  priority,
});

/** Returns a `-o wide` column (priority 1). */
export const wideCol = (name: string, type: ColumnDefinition['type'], description: string): ColumnDefinition => col(name, type, description, 1);

/** The Name column: format "name", so clients know which cell names the row's object. */
export const NAME: ColumnDefinition = { name: 'Name', type: 'string', format: 'name', description: NAME_DOC, priority: 0 };
/** The Age column of the built-in printers (creationTimestamp as a human duration). */
export const AGE: ColumnDefinition = col('Age', 'string', AGE_DOC);
/** The Age column of kinds without a printer of their own, typed "date" as upstream's default for custom resources. */
export const AGE_DATE: ColumnDefinition = col('Age', 'date', AGE_DOC);

/** Returns an object's metadata (empty when absent). */
export const meta = (o: unknown): Obj => rec(rec(o).metadata);
/** Returns an object's metadata.name. */
export const nameOf = (o: unknown): string => str(meta(o).name);
/** Returns an object's age at `now`. */
export const ageOf = (o: unknown, now: number): string => since(meta(o).creationTimestamp, now);
