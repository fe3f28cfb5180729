/** A JSON value: what item properties, reports and journals may hold. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type JsonObject = { [key: string]: JsonValue };

/**
 * One piece of data-plane content: a secret, a key, a blob, a directory…
 *
 * `key` is unique within the resource and stable across runs: plans, shards and
 * checkpoints are keyed by it. `properties` never holds a secret value.
 */
export interface DataPlaneItem<Kind extends string = string, Props extends JsonObject = JsonObject> {
  readonly kind: Kind;
  readonly key: string;
  readonly name: string;
  readonly properties: Props;
  readonly sizeBytes?: number;
  readonly sourceResourceId: string;
}
