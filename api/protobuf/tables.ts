// How the field tables read. A message is `{ fieldNumber: 'jsonName type' }`, its numbers those of
// upstream's generated.proto. The type is one of
//   string (the default when left out), int32, int64, bool, bytes — a Go value field: gogo always
//       sends it, and the zero value is left out of the JSON as Go's `omitempty` does;
//   *int32, *string, ... — a Go pointer: in the JSON exactly when sent, zero or not;
//   Quantity, IntOrString, Time, FieldsV1 — apimachinery's own messages, with their JSON forms;
//   a message name from the tables;
//   []T — repeated; {}T — a map with string keys.
// The JSON name `...` marks a Go embedded struct whose fields the JSON inlines (ConfigMapKeySelector's
// LocalObjectReference, Volume's VolumeSource).

/** One message's fields: number → 'jsonName type'. */
export type Table = Readonly<Record<number, string>>;

/** Message name → its table. */
export type Tables = Readonly<Record<string, Table>>;
