/**
 * A canonical file order for a FileDescriptorSet: dependencies first, ties broken by file name.
 * Generation reads descriptors in this order, so output never depends on the order buf (or an
 * image file) happened to list them; protobuf-es registries also need dependencies first.
 */
import { create } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, type FileDescriptorProto, type FileDescriptorSet } from "@bufbuild/protobuf/wkt";

export function canonicalFileOrder(set: FileDescriptorSet): FileDescriptorSet {
  const byName = new Map(set.file.map((f) => [f.name ?? "", f]));
  const done = new Set<string>();
  const out: FileDescriptorProto[] = [];
  const visit = (name: string): void => {
    if (done.has(name)) return;
    done.add(name);
    const f = byName.get(name);
    if (!f) return; // an import outside the set: the registry reports it
    for (const dep of [...f.dependency].sort()) visit(dep);
    out.push(f);
  };
  for (const name of [...byName.keys()].sort()) visit(name);
  return create(FileDescriptorSetSchema, { file: out });
}
