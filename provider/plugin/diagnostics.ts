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
