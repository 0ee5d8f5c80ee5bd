/**
 * protoc's Java names for the contracts' messages (java_package, java_outer_classname and
 * java_multiple_files unset, as in evt catalogs): `<proto package>.<FileOuterClass>$<Msg>[$<Nested>]`,
 * the binary name `Class.forName` takes. Kafka Connect's protobuf converter and Flink's protobuf
 * format both load the class by it. Checked against real protoc output in
 * test/integration/flink-java.test.ts.
 */
import type { EventModel } from "../../model/catalog.js";

/** protoc's UnderscoresToCamelCase: a letter after `_`, `-`, `.` or a digit is upper-cased. */
export function protocCamelCase(name: string): string {
  let out = "";
  let capNext = true;
  for (const c of name) {
    if (c >= "a" && c <= "z") {
      out += capNext ? c.toUpperCase() : c;
      capNext = false;
    } else if (c >= "A" && c <= "Z") {
      out += c;
      capNext = false;
    } else if (c >= "0" && c <= "9") {
      out += c;
      capNext = true;
    } else {
      capNext = true;
    }
  }
  return out;
}

/** The outer class of a .proto file; `OuterClass` is appended when a top-level type has that name. */
export function javaOuterClassName(file: string, fileTypeNames: readonly string[]): string {
  const outer = protocCamelCase(file.split("/").pop()!.replace(/\.proto$/, ""));
  return fileTypeNames.includes(outer) ? `${outer}OuterClass` : outer;
}

export function javaClassName(event: EventModel, fileTypeNames: readonly string[]): string {
  const pkg = event.message.package;
  const relative = pkg ? event.fullName.slice(pkg.length + 1) : event.fullName;
  return `${pkg ? `${pkg}.` : ""}${javaOuterClassName(event.file, fileTypeNames)}$${relative.split(".").join("$")}`;
}
