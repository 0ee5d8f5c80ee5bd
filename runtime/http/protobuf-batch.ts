/**
 * The binary batch mobile SDKs may send (`content-type: application/x-protobuf`), read straight
 * from the wire (the collector's runtime does not carry generated code for it):
 *
 *   message IngestBatch { string source = 1; repeated IngestEvent events = 2; }
 *   message IngestEvent { string type = 1; string id = 2; string time = 3; bytes data = 4; }
 *
 * `data` is the event message's own protobuf binary. Unknown fields are skipped.
 */
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import type { RawEvent } from "./validate-event.js";

export interface DecodedBatch {
  readonly source?: string;
  readonly events: (RawEvent & { readonly size: number })[];
}

function readEvent(bytes: Uint8Array): RawEvent & { size: number } {
  const r = new BinaryReader(bytes);
  const e: { type?: string; id?: string; time?: string; binary?: Uint8Array } = {};
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1 && wt === WireType.LengthDelimited) e.type = r.string();
    else if (no === 2 && wt === WireType.LengthDelimited) e.id = r.string();
    else if (no === 3 && wt === WireType.LengthDelimited) e.time = r.string();
    else if (no === 4 && wt === WireType.LengthDelimited) e.binary = r.bytes();
    else r.skip(wt, no);
  }
  return { ...e, binary: e.binary ?? new Uint8Array(0), size: bytes.length };
}

/** Throws on bytes that are not an IngestBatch (the request is answered 400). */
export function decodeProtobufBatch(bytes: Uint8Array): DecodedBatch {
  const r = new BinaryReader(bytes);
  let source: string | undefined;
  const events: (RawEvent & { size: number })[] = [];
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1 && wt === WireType.LengthDelimited) source = r.string();
    else if (no === 2 && wt === WireType.LengthDelimited) events.push(readEvent(r.bytes()));
    else r.skip(wt, no);
  }
  return { ...(source !== undefined ? { source } : {}), events };
}
