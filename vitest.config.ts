import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const runtimeDir = fileURLToPath(new URL("./runtime/", import.meta.url));

// Two projects: `unit` runs in seconds with no services; `integration` talks to the real
// Kafka broker and the Snowflake-protocol server, which its global setup starts when absent.
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
