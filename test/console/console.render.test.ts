import { allowedExpiries, nameProblem } from "../../server/console/web/views/create-key-dialog";
import { diffClass, summaryLine } from "../../server/console/web/views/plan-view";
import { nameViolation } from "../../core/keys/names";

describe("console rules, without a browser", () => {
  it("accepts exactly the names the server accepts", () => {
    const names = ["a", "ci-deploy", "CI_deploy_2", "x".repeat(128), "", "x".repeat(129), "bad name", "naïve", "semi;colon", "dot.name", "-", "_"];
    for (const n of names) expect(nameProblem(n) === null).toBe(nameViolation(n) === null);
    expect(nameProblem("bad name!")).toMatch(/not space, “!”/);
    expect(nameProblem("x".repeat(129))).toMatch(/At most 128/);
  });

  it("offers only the expiries an account's max_expiry allows", () => {
    expect([...allowedExpiries(null)]).toEqual(["30d", "90d", "1y", "2y", "never"]);
    expect([...allowedExpiries("1y")]).toEqual(["30d", "90d", "1y"]);
    expect([...allowedExpiries("30d")]).toEqual(["30d"]);
  });

  it("writes Terraform's summary line from a plan summary", () => {
    expect(summaryLine({ import: 0, add: 1, change: 1, destroy: 0, forget: 0 })).toBe("Plan: 1 to add, 1 to change, 0 to destroy.");
    expect(summaryLine({ import: 2, add: 1, change: 0, destroy: 1, forget: 1 })).toBe("Plan: 2 to import, 1 to add, 0 to change, 1 to destroy, 1 to forget.");
    const noChanges = "\nNo changes. Your infrastructure matches the configuration.\n";
    expect(summaryLine({ import: 0, add: 0, change: 0, destroy: 0, forget: 0 }, noChanges)).toBe("No changes. Your infrastructure matches the configuration.");
    expect(summaryLine("1 to add, 0 to change, 0 to destroy")).toBe("Plan: 1 to add, 0 to change, 0 to destroy.");
    expect(summaryLine("No changes.")).toBe("No changes.");
    expect(summaryLine(undefined, "x\nPlan: 3 to add, 0 to change, 0 to destroy.\n")).toBe("Plan: 3 to add, 0 to change, 0 to destroy.");
  });

  it("colours plan text lines by Terraform's action symbols", () => {
    const lines: Array<[string, string]> = [
      ["  # keyform_api_key.ci will be created", "diff-comment"],
      ["  + resource \"keyform_api_key\" \"ci\" {", "diff-add"],
      ["      ~ name = \"staging\" -> \"staging-eu\"", "diff-change"],
      ["-/+ resource \"keyform_api_key\" \"old\" {", "diff-replace"],
      ["+/- resource \"keyform_api_key\" \"old\" {", "diff-replace"],
      ["  - resource \"keyform_api_key\" \"gone\" {", "diff-destroy"],
      [" <= data \"keyform_api_key\" \"x\" {", "diff-read"],
      ["Plan: 1 to add, 1 to change, 0 to destroy.", "diff-summary"],
      ["    }", ""],
    ];
    for (const [line, cls] of lines) expect(diffClass(line)).toBe(cls);
  });
});
