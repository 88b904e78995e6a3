import { KeyformError } from "../../client/src";

/** tfplugin6 diagnostics, optionally pointing at a top-level attribute. */
export interface Diagnostic {
  severity: "ERROR" | "WARNING";
  summary: string;
  detail?: string;
  attribute?: { steps: { attribute_name: string }[] };
}

export function error(summary: string, detail?: string, attribute?: string): Diagnostic {
  return { severity: "ERROR", summary, detail, ...(attribute ? { attribute: attributePath(attribute) } : {}) };
}

export function warning(summary: string, detail?: string, attribute?: string): Diagnostic {
  return { severity: "WARNING", summary, detail, ...(attribute ? { attribute: attributePath(attribute) } : {}) };
}

export function attributePath(name: string) {
  return { steps: [{ attribute_name: name }] };
}

export const hasErrors = (diags: readonly Diagnostic[]) => diags.some((d) => d.severity === "ERROR");

/** An error as diagnostics: problem+json field errors point at their attribute. */
export function diagnosticsFrom(err: unknown, summary: string): Diagnostic[] {
  if (err instanceof KeyformError) {
    const fields = err.fieldErrors.filter((e) => e.field).map((e) => error(`${summary}: ${err.code}`, `${err.detail} (${e.message ?? "invalid"})`, e.field.replace(/^\//, "").split("/")[0]));
    return fields.length > 0 ? fields : [error(`${summary}: ${err.code}`, err.detail)];
  }
  return [error(summary, (err as Error)?.message ?? String(err))];
}
