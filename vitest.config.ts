import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const runtimeDir = fileURLToPath(new URL("./runtime/", import.meta.url));

// Three projects: `unit` runs in-process in seconds with no services; `cli` spawns the built
// `evt` and the tools it drives (buf, tsc, promtool, a pseudo-terminal), which takes minutes on
// 2 cores; `integration` talks to the real Kafka broker and the Snowflake-protocol server, which
// its global setup starts when absent.
const CLI_TESTS = [
  "test/cli/**/*.test.ts",
  "test/**/*-cli.test.ts",
  "test/compiler/compat/buf-agreement.test.ts",
  "test/compiler/compat/buf-suite.test.ts",
  "test/compiler/compat/confluent-suite.test.ts",
  "test/compiler/emit/typecheck.test.ts",
  "test/compiler/emit/ingest-web.test.ts",
  "test/compiler/emit/message-types.test.ts",
  "test/compiler/emit/alert-rules.test.ts",
  "test/compiler/emit/protoc-gen-es-load.test.ts",
  "test/runtime/optional-peer.test.ts",
];

export default defineConfig({
  // `@evt/runtime` (generated code, the CLI) resolves to the runtime's sources, the same modules
  // tests import by relative path; outside vitest it resolves to runtime/dist through the workspace.
  resolve: {
    alias: [
      { find: /^@evt\/runtime$/, replacement: `${runtimeDir}index.ts` },
      { find: /^@evt\/runtime\/(.*)\.js$/, replacement: `${runtimeDir}$1.ts` },
    ],
  },
  test: {
    // Test helpers load snowflake-sdk directly; its AWS SDK prints a multi-line Node-policy notice.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/integration/**", "node_modules/**", ...CLI_TESTS],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "cli",
          include: CLI_TESTS,
          exclude: ["test/integration/**", "node_modules/**"],
          globalSetup: ["test/helpers/global-build.ts"],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          globalSetup: ["test/helpers/global-build.ts", "test/helpers/global-services.ts"],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
