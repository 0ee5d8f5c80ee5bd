/**
 * UUIDv7 (RFC 9562): 48-bit Unix ms timestamp, version 7, 12-bit sub-ms counter (method 1 of
 * RFC 9562 §6.2: monotonic within a process), variant 10, 62 random bits. Random bytes come
 * from a pooled `randomFillSync` buffer: one syscall per 512 ids, not one per event.
 */
import { randomFillSync } from "node:crypto";

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const POOL_IDS = 512;
const pool = Buffer.alloc(POOL_IDS * 8);
let poolOffset = pool.length;

let lastMs = -1;
let counter = 0;

function randomBytes8(): number {
  if (poolOffset >= pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += 8;
  return at;
}

/** A new UUIDv7 string; ids from one process sort in creation order. */
export function uuidv7(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else {
    // same ms (or the clock stepped back): keep order by counting; on overflow borrow the next ms
    counter++;
    if (counter > 0xfff) {
      lastMs++;
      counter = 0;
    }
  }
  const ms = lastMs;
  const r = randomBytes8();
  const hi = Math.floor(ms / 0x100000000);
  const lo = ms >>> 0;
  return (
    HEX[(hi >>> 8) & 0xff]! + HEX[hi & 0xff]! + HEX[lo >>> 24]! + HEX[(lo >>> 16) & 0xff]! + "-" +
    HEX[(lo >>> 8) & 0xff]! + HEX[lo & 0xff]! + "-" +
    HEX[0x70 | (counter >>> 8)]! + HEX[counter & 0xff]! + "-" +
    HEX[0x80 | (pool[r]! & 0x3f)]! + HEX[pool[r + 1]!]! + "-" +
    HEX[pool[r + 2]!]! + HEX[pool[r + 3]!]! + HEX[pool[r + 4]!]! + HEX[pool[r + 5]!]! + HEX[pool[r + 6]!]! + HEX[pool[r + 7]!]!
  );
}

/** The Unix ms timestamp inside a UUIDv7. */
export function uuidv7Time(id: string): number {
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
