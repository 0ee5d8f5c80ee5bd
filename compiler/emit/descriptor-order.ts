/**
 * A canonical file order for a FileDescriptorSet: dependencies first, ties broken by file name.
 * Generation reads descriptors in this order, so output never depends on the order buf (or an
 * image file) happened to list them; protobuf-es registries also need dependencies first.
 */
import { create } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, type FileDescriptorProto, type FileDescriptorSet } from "@bufbuild/protobuf/wkt";
import type { DecodedDescriptorSet } from "../load/descriptor-set.js";

/** Indexes of `files` in canonical order. */
function canonicalIndexes(files: readonly FileDescriptorProto[]): number[] {
  const byName = new Map(files.map((f, i) => [f.name ?? "", i]));
  const done = new Set<string>();
  const out: number[] = [];
  const visit = (name: string): void => {
    if (done.has(name)) return;
    done.add(name);
    const i = byName.get(name);
    if (i === undefined) return; // an import outside the set: the registry reports it
    for (const dep of [...files[i]!.dependency].sort()) visit(dep);
    out.push(i);
  };
  for (const name of [...byName.keys()].sort()) visit(name);
  return out;
}

export function canonicalFileOrder(set: FileDescriptorSet): FileDescriptorSet {
  return create(FileDescriptorSetSchema, { file: canonicalIndexes(set.file).map((i) => set.file[i]!) });
}

/** The same order for a set decoded for the catalog (its source locations move with their files). */
export function canonicalDecodedOrder(decoded: DecodedDescriptorSet): DecodedDescriptorSet {
  const order = canonicalIndexes(decoded.set.file);
  return {
    set: create(FileDescriptorSetSchema, { file: order.map((i) => decoded.set.file[i]!) }),
    locations: order.map((i) => decoded.locations[i]!),
    bytes: decoded.bytes,
    ...(decoded.contexts ? { contexts: order.map((i) => decoded.contexts![i]!) } : {}),
  };
}
