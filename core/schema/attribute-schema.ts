/**
 * The vocabulary the keyform schemas are written in. It is deliberately close to Terraform's own
 * provider schema (`terraform providers schema -json`) so that a provider plugin can be generated from
 * it, while carrying what that format cannot: the camelCase name the cdktf constructs use, whether a
 * change forces replacement, and validation rules.
 */

/** Terraform attribute types keyform uses, written as in HCL type constraints. */
export type AttributeType = "string" | "number" | "list(string)";

export type AttributeValidation =
  /** The value (each element, for lists) must match this ECMAScript/RE2-compatible pattern. */
  | { readonly kind: "pattern"; readonly pattern: string; readonly description: string }
  /** The value must be one of these strings. */
  | { readonly kind: "one_of"; readonly values: readonly string[] }
  /** A positive duration such as `90d`, `12h`, `1y` (units s m h d y; `1y` = 365 days), at most `max` if given. */
  | { readonly kind: "duration"; readonly pattern: string; readonly max?: string }
  /** An RFC 3339 date-time, e.g. `2027-01-31T00:00:00Z`. */
  | { readonly kind: "rfc3339" }
  /** An absolute http(s) URL. */
  | { readonly kind: "url" }
  /** A list holds at most this many elements. */
  | { readonly kind: "max_items"; readonly max: number }
  /** A string (each element, for lists) is at most this long. */
  | { readonly kind: "max_length"; readonly max: number };

export interface AttributeSchema {
  /** Terraform (snake_case) name, as written in `*.tf.json` and in state. */
  readonly tfName: string;
  /** Property name on the cdktf Config interface and construct. */
  readonly camelName: string;
  readonly type: AttributeType;
  /** Must be set in configuration. */
  readonly required: boolean;
  /** May be set in configuration. */
  readonly optional: boolean;
  /** The provider sets or fills in the value (for optional + computed: when configuration leaves it out). */
  readonly computed: boolean;
  /** Never shown in plans or logs (`(sensitive value)`). */
  readonly sensitive: boolean;
  /** A change to this argument replaces the key instead of updating it in place. */
  readonly forcesReplacement: boolean;
  /**
   * Write-only (Terraform 1.11, protocol 6.8): Terraform sends the value in configuration and never keeps
   * it in plan or state; always null there.
   */
  readonly writeOnly?: boolean;
  readonly description: string;
  /** Value the server assumes when configuration leaves the argument out. */
  readonly default?: string;
  /** Other arguments (tf names) that must not be set together with this one. */
  readonly conflictsWith?: readonly string[];
  readonly validations: readonly AttributeValidation[];
}

export interface BlockSchema {
  /** `keyform_api_key` for the resource and data source, `keyform` for the provider. */
  readonly typeName: string;
  readonly description: string;
  /** Schema version, as Terraform records it in state (`schema_version`). */
  readonly version: number;
  readonly attributes: readonly AttributeSchema[];
  /** Groups of arguments (tf names) of which exactly one must be set. */
  readonly exactlyOneOf?: readonly (readonly string[])[];
  /** Arguments that must be left out while another argument has a given value. */
  readonly forbiddenWhen?: readonly ConditionalRule[];
  /** Arguments (tf names) that may only be set together with another one. */
  readonly requiredWith?: readonly { readonly attribute: string; readonly requires: string }[];
}

export interface ConditionalRule {
  /** tf name of the argument whose value decides. */
  readonly attribute: string;
  readonly equals: string;
  /** tf names of the arguments that must then be left out. */
  readonly forbids: readonly string[];
  readonly reason: string;
}

/** Arguments: what configuration may set. */
export function argumentsOf(schema: BlockSchema): AttributeSchema[] {
  return schema.attributes.filter((a) => a.required || a.optional);
}

/** Attributes the provider computes, i.e. readable after apply but never set by configuration alone. */
export function computedOf(schema: BlockSchema): AttributeSchema[] {
  return schema.attributes.filter((a) => a.computed);
}

// ---- type-level views, so the constructs' Config interfaces can be checked against a schema ----

type Attr<S extends BlockSchema> = S["attributes"][number];
/** camelCase names of the arguments of a schema. */
export type ArgumentName<S extends BlockSchema> = Extract<Attr<S>, { optional: true } | { required: true }>["camelName"];
/** Terraform names of the arguments of a schema. */
export type ArgumentTfName<S extends BlockSchema> = Extract<Attr<S>, { optional: true } | { required: true }>["tfName"];
/** camelCase names of the required arguments of a schema. */
export type RequiredArgumentName<S extends BlockSchema> = Extract<Attr<S>, { required: true }>["camelName"];
/** camelCase names of every attribute readable from a construct. */
export type AttributeName<S extends BlockSchema> = Attr<S>["camelName"];

/** `true` only when A and B are the same type; used for compile-time agreement checks. */
export type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Keys of T that are not optional. */
export type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

type TsTypeOf<T extends AttributeType> = T extends "list(string)" ? string[] : T extends "number" ? number : string;
/** The Config shape a schema implies: every argument, with its TypeScript type (optionality aside). */
export type ArgumentTypes<S extends BlockSchema> = {
  readonly [P in Extract<Attr<S>, { optional: true } | { required: true }> as P["camelName"]]: TsTypeOf<P["type"]>;
};
/** Fails to compile unless T is `true`. */
export type Assert<T extends true> = T;
