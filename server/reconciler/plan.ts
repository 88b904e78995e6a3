import { overlapNote } from "../../core/keys/rotation";
import { MAX_DIAGNOSTICS } from "./evaluation-limits";
import { compareAddresses, resourceOf } from "./expression";
import { buildConfiguration } from "./plan-configuration";
import { destroyOrder, topoOrder } from "./plan-order";
import { applierNeeds } from "./plan-applier";
import { checkPolicies } from "./plan-policy";
import { planOutputs } from "./plan-outputs";
import { importRefusal, nameReleasers, type PlanNode, planDesired, releasersByName } from "./plan-resource";
import {
  changeEntry,
  differingAttributes,
  DRIFT_ATTRIBUTES,
  knownPart,
  liveValues,
  rotationStateOf,
  sameInstant,
  sensitiveShape,
  storedValues,
  unknownShape,
  valuesResource,
} from "./plan-values";
import type {
  CurrentState,
  DesiredConfig,
  DesiredResource,
  Diagnostic,
  Plan,
  PlannedChange,
  PlanOptions,
  ResourceChangeEntry,
  StateResource,
  ValuesResource,
} from "./reconciler.types";

/**
 * Diffs the desired configuration against the stack's state and the live key rows. Pure: the same
 * arguments always give the same plan, byte for byte.
 *
 * `changes` is the apply script, in the order apply must run it:
 *   1. `forget`  — drop a state entry, touch no key (removed blocks with destroy = false; keys
 *                  deleted outside the stack and no longer configured, `reason: "deleted_outside"`);
 *   2. `delete`  — revoke `keyId`; dependents before their dependencies;
 *   3. the rest in dependency order (ties by address): `create` (new key from `desired`; when
 *      `staleKeyId` is set it supersedes a state entry whose key vanished outside), `update`
 *      (`updates` lists what to change on `keyId`), `replace` (revoke `keyId` and create from
 *      `desired`; `createBeforeDestroy` says which comes first), `import` (adopt `keyId`, then apply
 *      `updates`), `move` (state address change only) and `noop` (rewrite state as refreshed).
 *   `previousAddress` on any step means its state entry moves from there.
 * Renames that free a name run before the step that takes it.
 */
export function plan(desired: DesiredConfig, current: CurrentState, now: number, options: PlanOptions = {}): Plan {
  if (desired.refused) return unevaluatedPlan(current.stack, now, options, desired.diagnostics);
  const opts = planOptions(options);
  const diagnostics: Diagnostic[] = desired.diagnostics.map((d) => ({ ...d }));
  const nodes = new Map<string, PlanNode>();
  const node = (address: string): PlanNode => {
    let n = nodes.get(address);
    if (!n) {
      n = { address, stored: null, before: null, gone: false, driftAttrs: [], regenerated: false, action: "noop", tfActions: ["no-op"], replacePaths: [], updates: [], after: null, unknown: [], dependencies: [], selected: true };
      nodes.set(address, n);
    }
    return n;
  };

  // 1. State, with moved blocks applied (in declaration order, so chains resolve).
  const state = [...(current.state?.resources ?? [])].sort((a, b) => compareAddresses(a.address, b.address));
  const located = new Map<string, { resource: StateResource; previous?: string }>();
  for (const r of state) located.set(r.address, { resource: r });
  // Instances by resource address: a moved block looks up what it moves instead of scanning the state.
  const locatedByResource = new Map<string, Set<string>>();
  const index = (address: string, add: boolean) => {
    const resource = resourceOf(address);
    let set = locatedByResource.get(resource);
    if (!set) locatedByResource.set(resource, (set = new Set()));
    if (add) set.add(address);
    else set.delete(address);
  };
  for (const address of located.keys()) index(address, true);
  for (const move of desired.moves) {
    const fromIsResource = resourceOf(move.from) === move.from;
    const matching = fromIsResource ? [...(locatedByResource.get(move.from) ?? [])].sort(compareAddresses) : located.has(move.from) ? [move.from] : [];
    for (const address of matching) {
      const to = fromIsResource ? move.to + address.slice(move.from.length) : move.to;
      if (located.has(to)) {
        diagnostics.push({
          severity: "warning",
          summary: "Unresolved resource instance address changes",
          detail: `Terraform tried to adjust resource instance addresses in the prior state based on change information recorded in the configuration, but some adjustments did not succeed: cannot move ${address} to ${to}, because that address is already in use.`,
          address: to,
        });
        continue;
      }
      const entry = located.get(address)!;
      located.delete(address);
      located.set(to, { resource: entry.resource, previous: entry.previous ?? address });
      index(address, false);
      index(to, true);
    }
  }

  // Implicit moves, as Terraform makes them: adding count/for_each-less ↔ count keeps instance 0.
  for (const [resource, expansion] of Object.entries(desired.expansion).sort(([a], [b]) => compareAddresses(a, b))) {
    const [from, to] = expansion === "count" ? [resource, `${resource}[0]`] : expansion === "single" ? [`${resource}[0]`, resource] : [null, null];
    if (!from || !to || !located.has(from) || located.has(to)) continue;
    const entry = located.get(from)!;
    located.delete(from);
    located.set(to, { resource: entry.resource, previous: entry.previous ?? from });
  }

  // 2. Refresh.
  for (const [address, { resource, previous }] of located) {
    const n = node(address);
    n.state = resource;
    if (previous) n.previousAddress = previous;
    n.stored = storedValues(resource);
    n.dependencies = [...resource.dependencies];
    if (!opts.refresh) {
      n.before = n.stored;
      continue;
    }
    const live = current.liveKeys[resource.keyId];
    const foreign = live && live.stack !== null && live.stack !== current.stack;
    if (!live || live.revokedAt !== null || live.status === "revoked" || foreign) {
      n.gone = true;
      n.before = null;
      continue;
    }
    n.before = liveValues(live, rotationStateOf(resource), now, resource.attributes.scopes);
    n.driftAttrs = differingAttributes(n.stored, n.before, DRIFT_ATTRIBUTES);
    n.regenerated = live.generation !== resource.generation;
  }

  // 3. Imports.
  const importedIds = new Set<string>();
  const resourceByAddress = new Map(desired.resources.map((r) => [r.address, r]));
  if (!opts.destroy) {
    for (const imp of desired.imports) {
      const existing = nodes.get(imp.to);
      if (existing?.state) {
        if (existing.state.keyId !== imp.id) {
          diagnostics.push({ severity: "error", summary: "Resource already managed by Terraform", detail: `${imp.to} is already managed by this stack as ${existing.state.keyId}; remove it from the stack before importing ${imp.id}.`, address: imp.to });
        }
        continue;
      }
      const target = resourceByAddress.get(imp.to);
      const refusal = importRefusal(imp, target?.account ?? null, current, importedIds, nodes);
      if (refusal) {
        diagnostics.push({ severity: "error", ...refusal, address: imp.to });
        continue;
      }
      importedIds.add(imp.id);
      const live = (current.liveKeys[imp.id] ?? current.lookups.byId[imp.id])!;
      const n = node(imp.to);
      n.importId = imp.id;
      n.before = liveValues(live, null, now);
    }
  }

  // 4. Desired instances.
  const desiredByAddress = new Map<string, DesiredResource>();
  if (!opts.destroy) for (const r of desired.resources) desiredByAddress.set(r.address, r);
  for (const r of desiredByAddress.values()) node(r.address).desired = r;
  // Instances by resource address, so a depends_on on a counted resource is a lookup, not a scan.
  const instancesOf = new Map<string, string[]>();
  for (const a of desiredByAddress.keys()) {
    const list = instancesOf.get(resourceOf(a));
    if (list) list.push(a);
    else instancesOf.set(resourceOf(a), [a]);
  }
  const instanceDeps = (r: DesiredResource): string[] => {
    const out = new Set<string>();
    for (const dep of r.dependsOn) {
      if (dep.startsWith("data.")) continue;
      if (desiredByAddress.has(dep)) out.add(dep);
      else for (const a of instancesOf.get(dep) ?? []) out.add(a);
    }
    out.delete(r.address);
    return [...out].sort(compareAddresses);
  };
  for (const r of desiredByAddress.values()) nodes.get(r.address)!.dependencies = instanceDeps(r);
  const { order: desiredOrder, cycle } = topoOrder([...desiredByAddress.keys()], (a) => nodes.get(a)!.dependencies);
  if (cycle.length) {
    diagnostics.push({ severity: "error", summary: "Cycle", detail: `Cycle: ${cycle.join(", ")}`, address: cycle[0] });
  }

  // 5. Actions for resources in configuration (dependency order, so replace_triggered_by sees its causes).
  const accountOf = (n: PlanNode) => n.desired?.account ?? n.state?.account ?? n.before?.account ?? "";
  for (const address of desiredOrder) planDesired(nodes.get(address)!, nodes, current, now, opts.replace, diagnostics);

  // 6. Objects in state without configuration.
  const removed = new Map(desired.removed.map((r) => [r.from, r.destroy]));
  for (const n of nodes.values()) {
    if (n.desired) continue;
    if (n.gone) {
      n.action = "forget";
      n.reason = "deleted_outside";
      n.tfActions = [];
      continue;
    }
    if (n.importId) continue; // import target without configuration was already reported by the parser
    const keep = removed.get(n.address) ?? removed.get(resourceOf(n.address));
    if (keep === false) {
      n.action = "forget";
      n.tfActions = ["forget"];
      continue;
    }
    n.action = "delete";
    n.tfActions = ["delete"];
    if (!opts.destroy) {
      const expansion = desired.expansion[resourceOf(n.address)];
      n.actionReason =
        expansion === "count" ? "delete_because_count_index" : expansion === "for_each" ? "delete_because_each_key" : "delete_because_no_resource_config";
    }
  }
  // 7. Targeting.
  if (opts.target.length) {
    const selected = new Set<string>();
    const visit = (a: string) => {
      if (selected.has(a)) return;
      selected.add(a);
      for (const d of nodes.get(a)?.dependencies ?? []) if (nodes.get(d)?.desired) visit(d);
    };
    for (const a of nodes.keys()) if (opts.target.some((t) => t === a || t === resourceOf(a))) visit(a);
    for (const n of nodes.values()) n.selected = selected.has(n.address);
    diagnostics.push({
      severity: "warning",
      summary: "Resource targeting is in effect",
      detail: "You are creating a plan with the -target option, which means that the result of this plan may not represent all of the changes requested by the current configuration.\n\nThe -target option is not for routine use, and is provided only for exceptional situations such as recovering from errors or mistakes, or when Terraform specifically suggests to use it as part of an error message.",
    });
  }
  for (const a of opts.replace) {
    if (!nodes.get(a)?.before) {
      diagnostics.push({ severity: "warning", summary: "Replace target not found", detail: `The -replace address ${a} matches no object in this stack; it was ignored.`, address: a });
    }
  }

  // 8. prevent_destroy.
  const configByAddress = new Map(desired.resources.map((r) => [r.address, r]));
  for (const n of [...nodes.values()].sort((a, b) => compareAddresses(a.address, b.address))) {
    if (!n.selected) continue;
    // Destroy plans still honour the configuration's prevent_destroy.
    const lc = configByAddress.get(n.address)?.lifecycle;
    if (lc?.prevent_destroy && (n.action === "delete" || n.action === "replace")) {
      diagnostics.push({
        severity: "error",
        summary: "Instance cannot be destroyed",
        detail: `Resource ${n.address} has lifecycle.prevent_destroy set, but the plan calls for this resource to be destroyed. To avoid this error and continue with the plan, either disable lifecycle.prevent_destroy or reduce the scope of the plan using the --target option.`,
        address: n.address,
      });
    }
  }
  if ([...nodes.values()].some((n) => n.selected && n.tfActions[0] === "forget")) {
    diagnostics.push({
      severity: "warning",
      summary: "Some objects will no longer be managed by Terraform",
      detail: `If you apply this plan, keyform will discard its tracking information for the following objects, but it will not delete them:\n${[...nodes.values()].filter((n) => n.selected && n.tfActions[0] === "forget").map((n) => ` - ${n.address}`).sort().join("\n")}\n\nAfter applying this plan, the stack will no longer manage these keys; they stay active.`,
    });
  }

  // 9. Apply order: forgets, deletes (dependents first), then the rest in dependency order.
  const selected = [...nodes.values()].filter((n) => n.selected);
  const forgets = selected.filter((n) => n.action === "forget").map((n) => n.address).sort(compareAddresses);
  const deletes = destroyOrder(
    selected.filter((n) => n.action === "delete").map((n) => n.address),
    (a) => nodes.get(a)!.dependencies,
  );
  const releasers = releasersByName(selected);
  const rest = topoOrder(
    desiredOrder.filter((a) => nodes.get(a)!.selected),
    (a) => [...nodes.get(a)!.dependencies, ...nameReleasers(nodes.get(a)!, releasers)],
  ).order;
  const ordered = [...forgets, ...deletes, ...rest].map((a) => nodes.get(a)!);

  const changes: PlannedChange[] = ordered.map((n) => toChange(n, accountOf(n)));
  const notes: Record<string, string[]> = {};
  for (const n of ordered) {
    const lines = noteLines(n, now);
    if (lines.length) notes[n.address] = lines;
  }

  // 10. Policy (names, expiry, scopes, accounts, limits) over the ordered steps.
  diagnostics.push(...checkPolicies(ordered, changes, current, now));

  // 11. Data sources and outputs.
  const { dataValues, outputs, outputChanges, plannedOutputs, priorOutputs, diagnostics: outputDiags } = planOutputs(desired, current, nodes, opts, now);
  diagnostics.push(...outputDiags);

  // 12. Terraform JSON pieces.
  const resourceChanges: ResourceChangeEntry[] = [];
  const resourceDrift: ResourceChangeEntry[] = [];
  const plannedResources: ValuesResource[] = [];
  const priorResources: ValuesResource[] = [];
  for (const n of [...nodes.values()].sort((a, b) => compareAddresses(a.address, b.address))) {
    if (n.before && !n.importId) priorResources.push(valuesResource(n.address, n.before, sensitiveShape(n.before) || {}));
    if (!n.selected) continue;
    if (opts.refresh && n.stored && (n.gone || n.driftAttrs.length || n.regenerated)) {
      // The key's status is keyform's, not the provider schema's (the JSON plan leaves it out): the text says it.
      if (!n.gone && n.before && n.before.status !== n.stored.status) {
        notes[`drift:${n.address}`] = [`(status changed outside the stack: ${JSON.stringify(n.stored.status)} -> ${JSON.stringify(n.before.status)})`];
      }
      resourceDrift.push(
        changeEntry(
          n.address,
          {
            actions: n.gone ? ["delete"] : ["update"],
            // last_used_at moves with every use; it is refreshed, never reported as drift.
            before: n.gone || !n.before ? n.stored : { ...n.stored, last_used_at: n.before.last_used_at },
            after: n.gone ? null : n.before,
            after_unknown: n.gone ? false : unknownShape(n.before, []),
            before_sensitive: sensitiveShape(n.stored),
            after_sensitive: sensitiveShape(n.gone ? null : n.before),
          },
          n.previousAddress ? { previous_address: n.previousAddress } : {},
        ),
      );
    }
    if (n.tfActions.length === 0) continue;
    // Nothing to change (no-op, move, import as is): the planned object is the refreshed one, shared.
    const unchanged = n.before && n.tfActions[0] === "no-op" && !n.updates.length && !n.unknown.length;
    const after = unchanged ? n.before : n.after ? knownPart(n.after, n.unknown) : null;
    const change: ResourceChangeEntry["change"] = {
      actions: n.tfActions,
      before: n.before,
      after,
      after_unknown: unknownShape(after, n.after ? n.unknown : []),
      before_sensitive: sensitiveShape(n.before),
      after_sensitive: sensitiveShape(after, n.desired?.sensitiveArgs),
    };
    if (n.replacePaths.length) change.replace_paths = n.replacePaths;
    if (n.importId) change.importing = { id: n.importId };
    resourceChanges.push(changeEntry(n.address, change, { previous_address: n.previousAddress, action_reason: n.actionReason }));
    if (after) plannedResources.push(valuesResource(n.address, after, sensitiveShape(after, n.desired?.sensitiveArgs) || {}));
  }
  for (const [address, values] of Object.entries(dataValues).sort(([a], [b]) => compareAddresses(a, b))) {
    plannedResources.push(valuesResource(address, values, {}));
    priorResources.push(valuesResource(address, values, {}));
  }
  priorResources.sort((a, b) => compareAddresses(a.address, b.address));
  plannedResources.sort((a, b) => compareAddresses(a.address, b.address));

  const summary = { import: 0, add: 0, change: 0, destroy: 0, forget: 0 };
  for (const n of selected) {
    if (n.importId) summary.import++;
    if (n.action === "create") summary.add++;
    if (n.action === "replace") (summary.add++, summary.destroy++);
    if (n.action === "delete") summary.destroy++;
    if (n.action === "update" || (n.action === "import" && n.updates.length)) summary.change++;
    if (n.tfActions[0] === "forget") summary.forget++;
  }
  const errored = diagnostics.some((d) => d.severity === "error");
  const resourceChanged = changes.some((c) => c.action !== "noop");
  const outputChanged = Object.values(outputChanges).some((c) => c.actions[0] !== "no-op");

  return {
    stack: current.stack,
    createdAt: now,
    options: opts,
    changes,
    outputs,
    summary,
    diagnostics: sortDiagnostics(diagnostics),
    errored,
    hasChanges: resourceChanged || outputChanged,
    applier: applierNeeds(ordered),
    terraform: {
      resourceDrift,
      resourceChanges,
      outputChanges,
      plannedValues: { outputs: plannedOutputs, resources: plannedResources },
      priorState: current.state || priorResources.length ? { outputs: priorOutputs, resources: priorResources } : null,
      configuration: buildConfiguration(desired),
    },
    notes,
  };
}


function planOptions(options: PlanOptions): Plan["options"] {
  return {
    refresh: options.refresh !== false,
    destroy: options.destroy === true,
    replace: [...new Set(options.replace ?? [])].sort(compareAddresses),
    target: [...new Set(options.target ?? [])].sort(compareAddresses),
  };
}

/**
 * The plan of a configuration that was not evaluated — it exceeded an evaluation limit, or its
 * evaluation failed — as Terraform answers an invalid configuration: errored, no changes, only the
 * diagnostics saying why.
 */
export function unevaluatedPlan(stack: string, now: number, options: PlanOptions, diagnostics: Diagnostic[]): Plan {
  const ds = sortDiagnostics(diagnostics.map((d) => ({ ...d })));
  return {
    stack,
    createdAt: now,
    options: planOptions(options),
    changes: [],
    outputs: [],
    summary: { import: 0, add: 0, change: 0, destroy: 0, forget: 0 },
    diagnostics: ds,
    errored: true,
    hasChanges: false,
    applier: applierNeeds([]),
    terraform: {
      resourceDrift: [],
      resourceChanges: [],
      outputChanges: {},
      plannedValues: { outputs: {}, resources: [] },
      priorState: null,
      configuration: { provider_config: {}, root_module: {} },
    },
    notes: {},
  };
}

function toChange(n: PlanNode, account: string): PlannedChange {
  const c: PlannedChange = { address: n.address, action: n.action, account } as PlannedChange;
  const keyId = n.importId ?? (n.gone ? undefined : n.state?.keyId);
  if (keyId && n.action !== "create") c.keyId = keyId;
  if (n.gone && n.state) c.staleKeyId = n.state.keyId;
  if (n.previousAddress) c.previousAddress = n.previousAddress;
  if (n.action === "replace") c.createBeforeDestroy = n.tfActions[0] === "create";
  if (n.actionReason) c.actionReason = n.actionReason;
  if (n.reason) c.reason = n.reason;
  if (n.desiredKey && n.action !== "delete" && n.action !== "forget") c.desired = n.desiredKey;
  if (n.action === "update" || n.action === "import") c.updates = n.updates;
  if (n.regenerate) c.regenerate = true;
  c.dependencies = n.dependencies;
  return c;
}

function noteLines(n: PlanNode, now: number): string[] {
  const since = n.secretIssuedAt && n.before?.created_at && !sameInstant(n.secretIssuedAt, n.before.created_at) ? `its secret was regenerated at ${n.secretIssuedAt}` : `the key was created${n.before?.created_at ? ` at ${n.before.created_at}` : ""}`;
  switch (n.reason) {
    case "expired":
      return ["(the key expired; a new key replaces it)"];
    case "regenerated_outside":
      return ["(the key's secret was regenerated outside this stack; a new key replaces it so apply delivers a secret the stack knows)"];
    case "rotate_every_due":
      return [`(rotate_every = ${JSON.stringify(n.desiredKey?.rotate_every)} has passed since ${since})`];
    case "rotation_due":
      return [
        `(rotate_every = ${JSON.stringify(n.desiredKey?.rotate_every)} has passed since ${since}: the secret is regenerated in place, same id;`,
        ` ${overlapNote(n.desiredKey?.rotation_overlap ?? null, now, n.before?.last_used_at ?? null)})`,
      ];
    default:
      return [];
  }
}

/** Errors first, then by address; duplicates dropped; at most MAX_DIAGNOSTICS listed, the rest counted. */
function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const rank = (d: Diagnostic) => (d.severity === "error" ? 0 : 1);
  const seen = new Set<string>();
  const sorted = ds
    .map((d, i) => ({ d, i }))
    .sort((a, b) => rank(a.d) - rank(b.d) || compareAddresses(a.d.address ?? "", b.d.address ?? "") || (a.d.summary < b.d.summary ? -1 : a.d.summary > b.d.summary ? 1 : 0) || (a.d.detail < b.d.detail ? -1 : a.d.detail > b.d.detail ? 1 : 0))
    .map(({ d }) => d)
    .filter((d) => {
      const k = JSON.stringify([d.severity, d.summary, d.detail, d.address ?? null]);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  if (sorted.length <= MAX_DIAGNOSTICS) return sorted;
  const rest = sorted.slice(MAX_DIAGNOSTICS);
  const errors = rest.filter((d) => d.severity === "error").length;
  return [
    ...sorted.slice(0, MAX_DIAGNOSTICS),
    {
      severity: errors > 0 ? "error" : "warning",
      summary: "Too many diagnostics",
      detail: `${rest.length.toLocaleString("en-US")} more diagnostics (${errors} errors, ${rest.length - errors} warnings) were not listed; fix the ones above first.`,
    },
  ];
}

