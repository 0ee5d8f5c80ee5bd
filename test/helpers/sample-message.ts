/**
 * A fully populated message of any schema, deterministic per `seed`: every scalar non-default,
 * every enum on a non-zero value when it has one, lists and maps with two entries, one oneof
 * member (rotating with the seed), nested messages to a bounded depth (Struct/Value recurse).
 * Used to prove that every field survives produce → consume.
 */
import { create, ScalarType, type DescMessage, type Message } from "@bufbuild/protobuf";
import { reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";

const MAX_DEPTH = 4;

function scalar(type: ScalarType, seed: number): unknown {
  switch (type) {
    case ScalarType.STRING: return `s${seed}`;
    case ScalarType.BYTES: return new Uint8Array([seed & 255, 1, 2]);
    case ScalarType.BOOL: return true;
    case ScalarType.DOUBLE: case ScalarType.FLOAT: return seed + 0.5;
    case ScalarType.INT64: case ScalarType.SINT64: case ScalarType.SFIXED64: return BigInt(seed) * 1_000_000_007n + 1n;
    case ScalarType.UINT64: case ScalarType.FIXED64: return 18_446_744_073_709_551_615n - BigInt(seed);
    case ScalarType.UINT32: case ScalarType.FIXED32: return 4_000_000_000 - seed;
    default: return (seed % 1000) + 1; // int32, sint32, sfixed32 (also a valid Timestamp.nanos)
  }
}

function enumValue(field: { enum: { values: readonly { number: number }[] } }, seed: number): number {
  const values = field.enum.values;
  const nonZero = values.filter((v) => v.number !== 0);
  return (nonZero.length > 0 ? nonZero[seed % nonZero.length]! : values[0]!).number;
}

function fill(r: ReflectMessage, seed: number, depth: number): void {
  for (const field of r.fields) {
    // one member per oneof, rotating with the seed
    if (field.oneof && field.oneof.fields[seed % field.oneof.fields.length] !== field) continue;
    const s = seed + field.number;
    switch (field.fieldKind) {
      case "scalar": r.set(field, scalar(field.scalar, s)); break;
      case "enum": r.set(field, enumValue(field, s)); break;
      case "message":
        if (depth >= MAX_DEPTH) break;
        r.set(field, child(field.message, s, depth + 1));
        break;
      case "list": {
        const list = r.get(field);
        for (let i = 0; i < 2; i++) {
          if (field.listKind === "scalar") list.add(scalar(field.scalar, s + i));
          else if (field.listKind === "enum") list.add(enumValue(field, s + i));
          else if (depth < MAX_DEPTH) list.add(child(field.message, s + i, depth + 1));
        }
        break;
      }
      case "map": {
        const map = r.get(field);
        for (let i = 0; i < 2; i++) {
          const key = scalar(field.mapKey, s + i);
          if (field.mapKind === "scalar") map.set(key, scalar(field.scalar, s + i));
          else if (field.mapKind === "enum") map.set(key, enumValue(field, s + i));
          else if (depth < MAX_DEPTH) map.set(key, child(field.message, s + i, depth + 1));
        }
        break;
      }
    }
  }
}

function child(schema: DescMessage, seed: number, depth: number): ReflectMessage {
  const r = reflect(schema);
  fill(r, seed, depth);
  return r;
}

export function sampleMessage<M extends Message>(schema: DescMessage, seed: number): M {
  const msg = create(schema) as M;
  fill(reflect(schema, msg as never), seed, 0);
  return msg;
}
