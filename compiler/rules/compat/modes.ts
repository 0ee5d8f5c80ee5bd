/**
 * Compatibility modes: which reader directions are checked for an element, and whether the check
 * runs against every earlier version (transitive). An event uses its own `compatibility` option;
 * a message or enum uses the union of the modes of the events that reach it (strictest wins:
 * BACKWARD + FORWARD = FULL), BACKWARD when no event reaches it; `--mode` overrides everything.
 * The after tree decides; an element that no longer exists is judged by the before tree.
 */
import type { Catalog, CompatibilityMode, FieldType } from "../../model/catalog.js";
import type { Direction, Versions } from "./types.js";

export const COMPATIBILITY_MODES: readonly CompatibilityMode[] = [
  "BACKWARD", "FORWARD", "FULL", "NONE", "BACKWARD_TRANSITIVE", "FORWARD_TRANSITIVE", "FULL_TRANSITIVE",
];

export interface ModeSpec {
  readonly directions: ReadonlySet<Direction>;
  readonly transitive: boolean;
}

export function modeSpec(mode: CompatibilityMode): ModeSpec {
  const transitive = mode.endsWith("_TRANSITIVE");
  const base = mode.replace(/_TRANSITIVE$/, "");
  const directions = new Set<Direction>();
  if (base === "BACKWARD" || base === "FULL") directions.add("backward");
  if (base === "FORWARD" || base === "FULL") directions.add("forward");
  return { directions, transitive };
}

function union(a: ModeSpec, b: ModeSpec): ModeSpec {
  return { directions: new Set([...a.directions, ...b.directions]), transitive: a.transitive || b.transitive };
}

/** Whose mode governs a rule's subject. */
export type Scope =
  | { readonly kind: "type"; readonly name: string }
  | { readonly kind: "event"; readonly name: string }
  | { readonly kind: "default" };

export interface ModeResolver {
  (scope: Scope): ModeSpec;
}

export function resolveModes(versions: Versions, override?: CompatibilityMode): ModeResolver {
  if (override !== undefined) {
    const spec = modeSpec(override);
    return () => spec;
  }
  const after = typeModes(versions.after);
  const before = typeModes(versions.before);
  const eventsAfter = new Map(versions.after.events.map((e) => [e.fullName, e.compatibility]));
  const eventsBefore = new Map(versions.before.events.map((e) => [e.fullName, e.compatibility]));
  const byDefault = modeSpec("BACKWARD");
  return (scope) => {
    switch (scope.kind) {
      case "default":
        return byDefault;
      case "event": {
        const mode = eventsAfter.get(scope.name) ?? eventsBefore.get(scope.name);
        return mode ? modeSpec(mode) : byDefault;
      }
      case "type": {
        const inAfter = versions.after.messages[scope.name] !== undefined || versions.after.enums[scope.name] !== undefined;
        const spec = (inAfter ? after : before).get(scope.name);
        return spec ?? byDefault;
      }
    }
  };
}

/** Mode of every message/enum reached by at least one event of the catalog. */
function typeModes(catalog: Catalog): Map<string, ModeSpec> {
  const out = new Map<string, ModeSpec>();
  for (const event of catalog.events) {
    const spec = modeSpec(event.compatibility);
    for (const name of reachedTypes(catalog, event.fullName)) {
      const seen = out.get(name);
      out.set(name, seen ? union(seen, spec) : spec);
    }
  }
  return out;
}

/** The message itself plus every message and enum its fields reach, transitively. */
export function reachedTypes(catalog: Catalog, root: string): Set<string> {
  const seen = new Set<string>();
  const stack = [root];
  const visitType = (t: FieldType): void => {
    if (t.kind === "map") return visitType(t.value);
    if (t.kind === "enum") seen.add(t.typeName);
    if (t.kind === "message" && !seen.has(t.typeName)) stack.push(t.typeName);
  };
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const f of catalog.messages[name]?.fields ?? []) visitType(f.type);
  }
  return seen;
}

