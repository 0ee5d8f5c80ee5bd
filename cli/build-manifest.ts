/**
 * The last step of `npm run build` (and `prepare`): writes oclif.manifest.json for the dist/ just
 * built (cli/manifest.ts, decisions D87). Run as `node dist/cli/build-manifest.js`.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { commandManifest, writeManifest } from "./manifest.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const manifest = await commandManifest(root);
const file = writeManifest(root, manifest);
process.stdout.write(`wrote ${path.relative(process.cwd(), file) || file} (${Object.keys(manifest.commands).length} commands)\n`);
