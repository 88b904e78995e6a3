import Ajv, { type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { Static, TSchema } from "@sinclair/typebox";
import { AppError, type FieldError } from "../errors/app-error";
import { ErrorCode } from "../errors/error-code";

const bodies = addFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: false }));
const queries = addFormats(new Ajv({ allErrors: true, strict: false, coerceTypes: true }));

function fieldErrors(errors: ErrorObject[] | null | undefined): FieldError[] {
  return (errors ?? []).map((e) => {
    if (e.keyword === "additionalProperties") {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      return { field: `${e.instancePath}/${extra}`, message: "is not a known field" };
    }
    if (e.keyword === "required") {
      return { field: `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`, message: "is required" };
    }
    return { field: e.instancePath || "/", message: e.message ?? "is invalid" };
  });
}

export interface Validator<T extends TSchema> {
  schema: T;
  (data: unknown): Static<T>;
}

function make<T extends TSchema>(ajv: Ajv, schema: T, what: string): Validator<T> {
  const fn: ValidateFunction = ajv.compile(schema);
  const v = ((data: unknown) => {
    if (!fn(data)) {
      const errors = fieldErrors(fn.errors);
      throw new AppError(ErrorCode.VALIDATION_FAILED, `The ${what} is invalid: ${errors.map((e) => `${e.field} ${e.message}`).join("; ")}.`, { errors });
    }
    return data as Static<T>;
  }) as Validator<T>;
  v.schema = schema;
  return v;
}

/** Compiles a request-body schema once; the returned function validates and narrows. */
export const bodyValidator = <T extends TSchema>(schema: T) => make(bodies, schema, "request body");
/** Query strings arrive as text: numbers are coerced, unknown parameters refused. */
export const queryValidator = <T extends TSchema>(schema: T) => make(queries, schema, "query string");
