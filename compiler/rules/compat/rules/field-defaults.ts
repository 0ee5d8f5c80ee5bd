/**
 * The value a reader substitutes for an absent singular field: the declared `default`, else the
 * type's zero (an enum's first value). Compared by value, as buf does: a type change that keeps an
 * equal default (`bool true` → `int32 1`, `float 1.5` → `double 1.5`) is no default change; text
 * (string, bytes) equals only text.
 */
import type { Catalog, FieldModel } from "../../../model/catalog.js";

export type Default =
  | { readonly kind: "text"; readonly value: string; readonly printable: string }
  | { readonly kind: "number"; readonly value: number | bigint; readonly float32: boolean; readonly printable: string };

const INTEGER = new Set(["int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64"]);

/** The default of a field, or undefined when it cannot have one (repeated, map, message). */
export function effectiveDefault(f: FieldModel, catalog: Catalog): Default | undefined {
  if (f.cardinality === "repeated") return undefined;
  const declared = f.defaultValue;
  const t = f.type;
  if (t.kind === "enum") {
    const values = catalog.enums[t.typeName]?.values ?? [];
    const v = declared === undefined ? values[0] : values.find((x) => x.name === declared);
    const name = v?.name ?? declared ?? "?";
    return { kind: "number", value: v?.number ?? 0, float32: false, printable: `${t.typeName.slice(t.typeName.lastIndexOf(".") + 1)}.${name}` };
  }
  if (t.kind !== "scalar") return undefined;
  const s = t.scalar;
  if (s === "string" || s === "bytes") return { kind: "text", value: declared ?? "", printable: JSON.stringify(declared ?? "") };
  if (s === "bool") return { kind: "number", value: declared === "true" ? 1 : 0, float32: false, printable: declared ?? "false" };
  if (INTEGER.has(s)) return { kind: "number", value: BigInt(declared ?? "0"), float32: false, printable: declared ?? "0" };
  return { kind: "number", value: parseFloatText(declared ?? "0"), float32: s === "float", printable: declared ?? "0" };
}

function parseFloatText(text: string): number {
  if (text === "inf") return Infinity;
  if (text === "-inf") return -Infinity;
  if (text === "nan") return NaN;
  return Number(text);
}

const isZero = (d: Default): boolean => (d.kind === "text" ? d.value === "" : d.value === 0 || d.value === 0n);

export function sameDefault(a: Default, b: Default): boolean {
  if (isZero(a) && isZero(b)) return true;
  if (a.kind === "text" || b.kind === "text") return a.kind === b.kind && a.value === b.value;
  if (typeof a.value === "bigint" && typeof b.value === "bigint") return a.value === b.value;
  const x = Number(a.value);
  const y = Number(b.value);
  if (Number.isNaN(x) && Number.isNaN(y)) return true;
  // float ↔ double: compare at float precision, or 1.1f never equals 1.1.
  if (a.float32 || b.float32) return Math.fround(x) === Math.fround(y);
  if (typeof a.value === "bigint" || typeof b.value === "bigint") {
    const [i, f] = typeof a.value === "bigint" ? [a.value, y] : [b.value as bigint, x];
    return Number.isInteger(f) && BigInt(f) === i;
  }
  return x === y;
}
