/**
 * What a configuration's author controls cannot forge what a reviewer sees: identifiers are validated
 * at parse time, and the text and markdown renderings show every untrusted character as data.
 * Markdown is checked with a real CommonMark parser (commonmark.js), as GitHub would read it.
 */
import fc from "fast-check";
import { Parser, type Node } from "commonmark";
import { parseConfig } from "../../server/reconciler/tf-config.parser";
import { diffFormat, renderPlanMarkdown } from "../../server/reconciler/render/plan-markdown";
import { renderPlanText } from "../../server/reconciler/render/plan-text";
import { mdCode, mdFence, safeLine } from "../../server/reconciler/render/safe-text";
import type { Plan } from "../../server/reconciler/reconciler.types";
import { currentWith, planFor, tfConfig } from "./fixtures";
import { hostileText } from "../support/hostile";
import { RAW_CONTROL } from "../support/rendering";

const META = { stack: "keys", planId: "plan_abcdefghijklmnopqrstuvwx", applyCommand: "keyform apply --plan plan_abcdefghijklmnopqrstuvwx --stack keys" };
const ALLOWED_HTML = new Set(["<details><summary>Show plan</summary>", "<details><summary>Show output</summary>", "</details>", "<sub>", "</sub>"]);

function nodes(md: string): Node[] {
  const all: Node[] = [];
  const walker = new Parser().parse(md).walker();
  for (let ev = walker.next(); ev; ev = walker.next()) if (ev.entering) all.push(ev.node);
  return all;
}

/** What GitHub would turn into live content, found with a real CommonMark parse. */
function assertInertMarkdown(plan: Plan, md: string): void {
  expect(md).not.toMatch(RAW_CONTROL);
  const all = nodes(md);
  for (const n of all) {
    expect(n.type).not.toBe("link");
    expect(n.type).not.toBe("image");
    if (n.type === "html_block" || n.type === "html_inline") expect(ALLOWED_HTML.has(n.literal!.trim())).toBe(true);
    // Text outside code is keyform's own: nothing that GitHub would autolink.
    if (n.type === "text") expect(n.literal).not.toMatch(/:\/\/|www\.|@|evil/);
  }
  // The folded plan is one fence holding exactly the text plan: nothing inside closed it early.
  const blocks = all.filter((n) => n.type === "code_block");
  expect(blocks[0].info).toBe("diff");
  expect(blocks[0].literal).toBe(diffFormat(renderPlanText(plan)).trimEnd() + "\n");
  expect(blocks.length).toBe(!plan.errored && plan.hasChanges ? 2 : 1);
  // Inline code holds only the stack, the plan id, and each diagnostic's address and first detail line.
  const expected = new Set([META.stack, META.planId, ...plan.diagnostics.flatMap((d) => [d.address, d.detail.split("\n")[0]].filter(Boolean).map((s) => safeLine(s!)))]);
  for (const n of all.filter((x) => x.type === "code")) expect(expected.has(n.literal!)).toBe(true);
  // One fold, opened and closed by keyform.
  expect(all.filter((n) => (n.type === "html_block" || n.type === "html_inline") && n.literal!.trim() === "</details>").length).toBe(1);
}

function assertInertText(text: string, plan: Plan): void {
  expect(text).not.toMatch(RAW_CONTROL);
  const lines = text.split("\n");
  // No forged summary or "No changes" line: at most the one keyform wrote.
  expect(lines.filter((l) => l.startsWith("Plan: ")).length).toBeLessThanOrEqual(1);
  expect(lines.filter((l) => l.startsWith("No changes.")).length).toBeLessThanOrEqual(1);
  const destroyHeaders = lines.filter((l) => /^  # .* will be destroyed$/.test(l)).length;
  const deletes = plan.terraform.resourceChanges.filter((e) => e.change.actions.length === 1 && e.change.actions[0] === "delete").length;
  expect(destroyHeaders).toBe(plan.errored ? 0 : deletes); // a failed plan shows its diagnostics only
}

describe("identifiers are validated as Terraform validates them", () => {
  const bad = "bad\u001b]0;t\u0007\nname";
  const shown = '"bad\\u001b]0;t\\u0007\\nname"';
  const detail = "A name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.";

  test.each([
    ["resource name", { resource: { keyform_api_key: { [bad]: { name: "x" } } } }, `resource "keyform_api_key" ${shown}: ${detail}`],
    ["data source name", { data: { keyform_api_key: { [bad]: { name: "x" } } } }, `data "keyform_api_key" ${shown}: ${detail}`],
    ["resource type name", { resource: { [bad]: { a: {} } } }, `resource ${shown}: ${detail}`],
    ["resource name", { resource: { random_pet: { [bad]: {} } } }, `resource "random_pet" ${shown}: ${detail}`],
    ["output name", { output: { [bad]: { value: "x" } } }, `output ${shown}: ${detail}`],
    ["variable name", { variable: { [bad]: { default: "x" } } }, `variable ${shown}: ${detail}`],
    ["local value name", { locals: { [bad]: "x" } }, `local ${shown}: ${detail}`],
    ["provider name", { provider: { [bad]: [{}], keyform: [{ account: "acme" }] } }, `provider ${shown}: ${detail}`],
    ["provider configuration alias", { provider: { keyform: [{ account: "acme" }, { account: "acme", alias: bad }] } }, `provider "keyform" alias ${shown}: ${detail}`],
  ])("an invalid %s is an error naming the place, escaped", (what, config, expectedDetail) => {
    const c = parseConfig({ ...tfConfig({}), ...config });
    expect(c.diagnostics).toContainEqual({ severity: "error", summary: `Invalid ${what}`, detail: expectedDetail });
    expect(JSON.stringify(c.resources)).not.toContain("bad");
  });

  test("valid names pass: letters, digits, underscores and dashes, not starting with a digit or dash", () => {
    const c = parseConfig(tfConfig({ _a: { name: "a" }, "b-1_x": { name: "b" } }, { output: { "o-1": { value: "x" } } }));
    expect(c.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(c.resources.map((r) => r.name)).toEqual(["_a", "b-1_x"]);
    for (const n of ["1a", "-a", "a.b", "a b", "é", ""]) {
      expect(parseConfig(tfConfig({ [n]: { name: "a" } })).diagnostics.some((d) => d.summary === "Invalid resource name")).toBe(true);
    }
  });

  test("argument names, expressions and values in diagnostics are quoted and escaped", () => {
    const c = parseConfig(tfConfig({ k: { name: "k", "\u001b[2Jx\ny": 1, type: "\u001b]0;t\u0007" } }, { "\u001b[31mblock": {} }));
    const details = c.diagnostics.map((d) => d.detail).join("\n");
    expect(details).toContain('An argument named "\\u001b[2Jx\\ny" is not expected here.');
    expect(details).toContain('keyform does not evaluate "\\u001b[31mblock" blocks');
    expect(details).not.toMatch(/\u001b/);
  });
});

describe("the text plan shows untrusted characters as data", () => {
  test("the attack of issue 12: a name that clears the screen and fakes 'No changes' is an error, shown escaped", () => {
    const name = "x\u001b[2J\u001b[H\rNo changes. Your infrastructure matches the configuration.\u001b]0;ok\u0007";
    const p = planFor({ [name]: { name: "x" } }, currentWith([]));
    const text = renderPlanText(p);
    expect(p.errored).toBe(true);
    expect(text).toContain("Invalid resource name");
    expect(text).toContain("\\u001b[2J\\u001b[H\\rNo changes.");
    assertInertText(text, p);
  });

  test("an address from stored state (written before names were validated) is escaped when it is destroyed", () => {
    const addr = "keyform_api_key.old\u001b[1A\u001b[2K";
    const p = planFor({}, currentWith([{ address: addr, name: "old" }]));
    const text = renderPlanText(p);
    expect(text).toContain("  # keyform_api_key.old\\u001b[1A\\u001b[2K will be destroyed");
    assertInertText(text, p);
    assertInertMarkdown(p, renderPlanMarkdown(p, META));
  });

  test("for_each keys may be any string; they are rendered quoted with control characters escaped", () => {
    const key = "a\u001b]0;t\u0007\u202e\r\n\u0085";
    const p = planFor({ k: { for_each: { [key]: "v" }, name: "svc" } }, currentWith([]));
    expect(p.errored).toBe(false);
    const text = renderPlanText(p);
    expect(text).toContain('  # keyform_api_key.k["a\\u001b]0;t\\u0007\\u202e\\r\\n\\u0085"] will be created');
    assertInertText(text, p);
  });
});

describe("the markdown plan cannot be closed, hidden or linked from inside", () => {
  test("a for_each key holding a fence, </details>, an HTML comment and a link stays inside the folded plan", () => {
    const key = "````\n</details>\n<!--\n[x](https://evil.example) <img src=x>";
    const p = planFor({ k: { for_each: { [key]: "v" }, name: "svc" } }, currentWith([{ address: "keyform_api_key.gone", name: "gone" }]));
    const md = renderPlanMarkdown(p, META);
    expect(md).toContain("\n`````diff\n");
    assertInertMarkdown(p, md);
  });

  test("diagnostics put addresses and details in code spans longer than any backtick run", () => {
    const p = planFor({ k: { name: "k", "a``b": 1 } }, currentWith([]));
    const md = renderPlanMarkdown(p, META);
    expect(md).toContain("- **Error: Unsupported argument** (`keyform_api_key.k`): ```An argument named \"a``b\" is not expected here.```");
    assertInertMarkdown(p, md);
  });

  test("mdCode and mdFence survive any backtick run", () => {
    for (const s of ["`", "``", "a`b", "` x `", "```", "  ", "x ``` y"]) {
      const code = nodes(`p ${mdCode(s)} q`).filter((n) => n.type === "code");
      expect(code.map((n) => n.literal)).toEqual([safeLine(s)]);
    }
    const body = "a\n```\n````\nb";
    const blocks = nodes(mdFence(body, "diff").join("\n")).filter((n) => n.type === "code_block");
    expect(blocks.map((b) => b.literal)).toEqual([body + "\n"]);
  });
});

describe("fuzz: hostile identifiers, for_each keys and values", () => {
  test("text and markdown renderings hold none of them raw", () => {
    fc.assert(
      fc.property(hostileText, hostileText, hostileText, (key, value, name) => {
        const ok = planFor(
          { k: { for_each: { [key]: "v" }, name: "svc" } },
          currentWith([{ address: `keyform_api_key.${name}`, name: "old" }]),
          {},
          { output: { o: { value }, o2: { value: [value] } } },
        );
        const broken = planFor({ [name]: { name: "x" }, k: { name: "k", [key]: value } }, currentWith([]), {}, { output: { [name]: { value } }, variable: { [key]: { default: value } } });
        for (const p of [ok, broken]) {
          assertInertText(renderPlanText(p), p);
          assertInertMarkdown(p, renderPlanMarkdown(p, META));
        }
      }),
      { numRuns: 120 },
    );
  });
});
