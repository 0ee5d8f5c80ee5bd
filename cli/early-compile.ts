/**
 * `evt check-compat` starts buf on the working tree before oclif is loaded (issue 11: buf is the
 * longest step, and loading the CLI took ~250 ms before it began). bin/run.js calls this for a
 * `check-compat` argv; the command's own `buildDescriptorSetBytes` of the same root takes the
 * running build. Anything unusual (help, a config that does not load) starts nothing: the command
 * then runs and reports as always.
 */
import { loadConfig } from "../compiler/config/index.js";
import { startDescriptorSetBuild } from "../compiler/load/buf-process.js";

export function startCheckCompatBuild(argv: readonly string[]): void {
  if (argv[0] !== "check-compat" || argv.some((a) => a === "--help" || a === "-h")) return;
  const configPath = flagValue(argv, "--config");
  try {
    const config = loadConfig({ cwd: process.cwd(), ...(configPath !== undefined ? { configPath } : {}) });
    startDescriptorSetBuild(config.protoRoot);
  } catch {
    // the command loads the config again and says what is wrong
  }
}

function flagValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 1; i < argv.length; i++) {
    if (argv[i] === name) return argv[i + 1];
    if (argv[i]!.startsWith(`${name}=`)) return argv[i]!.slice(name.length + 1);
  }
  return undefined;
}
