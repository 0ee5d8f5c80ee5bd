/**
 * Optional peer dependencies. @evt/runtime's hard dependencies are only what producing and
 * consuming need (@bufbuild/protobuf, the Kafka client); a package used by one feature — the
 * warehouse drivers (@duckdb/node-api, snowflake-sdk), the HTTP collector (fastify), metrics
 * (prom-client) — is an optional peer: listed in runtime/package.json `peerDependencies` with
 * `peerDependenciesMeta.<name>.optional`, installed by the service that uses the feature (the `evt`
 * CLI depends on all of them), and loaded here on first use:
 *
 *   const sdk = await loadOptionalPeer("snowflake-sdk", "the Snowflake warehouse", () => import("snowflake-sdk"));
 *
 * The import stays a string-literal dynamic import at the call site, so TypeScript types it and
 * bundlers see it. When the package itself is missing the caller gets a MissingPeerError naming
 * it and the install command; any other failure (the package is there but broken) passes through.
 */
import { createRequire } from "node:module";
import { MissingPeerError } from "./errors.js";

const require = createRequire(import.meta.url);

/** The range runtime/package.json declares for `name`, for the install hint ("" when unknown). */
function declaredRange(name: string): string {
  try {
    const pkg = require("@evt/runtime/package.json") as { peerDependencies?: Record<string, string> };
    return pkg.peerDependencies?.[name] ?? "";
  } catch {
    return "";
  }
}

/** Whether `e` says that `name` itself (not something inside it) could not be found. */
export function isMissingModule(e: unknown, name: string): boolean {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (!err || (err.code !== "ERR_MODULE_NOT_FOUND" && err.code !== "MODULE_NOT_FOUND")) return false;
  const message = String(err.message ?? "");
  return message.includes(`'${name}'`) || message.includes(`"${name}"`) || message.includes(`'${name}/`);
}

export function missingPeerError(name: string, forWhat: string, cause?: unknown): MissingPeerError {
  const range = declaredRange(name);
  const spec = range ? `${name}@"${range}"` : name;
  return new MissingPeerError(`${forWhat} needs the package ${name}, which is not installed: run \`npm install ${spec}\``, {
    cause,
    context: { package: name, feature: forWhat },
  });
}

/** Loads an optional peer through `load` (a string-literal dynamic import); the caller caches the result. */
export async function loadOptionalPeer<T>(name: string, forWhat: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (e) {
    throw isMissingModule(e, name) ? missingPeerError(name, forWhat, e) : e;
  }
}
