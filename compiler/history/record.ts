/**
 * The committed contract history that `_TRANSITIVE` compatibility modes check against
 * (decisions D12): buf images `<history.dir>/<NNNN>-<label>.binpb`, oldest first by name.
 * Recording one is a release step: `evt history record --label v1.4.0`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { writeFileAtomically } from "../write-atomically.js";
import { EvtError } from "../errors.js";
import { buildDescriptorSetBytes } from "../load/buf-build.js";

export interface RecordResult {
  /** The image written, or the latest one when nothing changed. */
  readonly file: string;
  readonly recorded: boolean;
}

const IMAGE = /^(\d{4,})-.*\.(binpb|bin)$/;

/** Labels become part of a file name: keep letters, digits, dot, dash and underscore. */
export function historyLabel(label: string): string {
  const safe = label.trim().replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "");
  if (!safe) throw new EvtError(`history label "${label}" has no usable characters (letters, digits, . _ -)`);
  return safe;
}

/** Next `NNNN` after the highest number already in `dir` (0001 for an empty history). */
export function nextHistoryNumber(dir: string): number {
  if (!existsSync(dir)) return 1;
  const numbers = readdirSync(dir).map((f) => IMAGE.exec(f)?.[1]).filter((n): n is string => n !== undefined).map(Number);
  return numbers.length === 0 ? 1 : Math.max(...numbers) + 1;
}

function latestImage(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const images = readdirSync(dir).filter((f) => IMAGE.test(f)).sort();
  return images.length > 0 ? path.join(dir, images[images.length - 1]!) : undefined;
}

/**
 * Compiles `protoRoot` with buf and writes it as the next history image, unless it is
 * byte-identical to the latest one (then nothing is written).
 */
export async function recordHistory(protoRoot: string, dir: string, label: string): Promise<RecordResult> {
  const bytes = await buildDescriptorSetBytes(protoRoot);
  const latest = latestImage(dir);
  if (latest && Buffer.from(bytes).equals(readFileSync(latest))) return { file: latest, recorded: false };
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${String(nextHistoryNumber(dir)).padStart(4, "0")}-${historyLabel(label)}.binpb`);
  writeFileAtomically(file, bytes); // never leave a half-written image that check-compat would read
  return { file, recorded: true };
}
