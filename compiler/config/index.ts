/** evt.yaml: typed configuration and its loader. */
export * from "./schema.js";
export { defaultConfig, loadConfig, parseConfig, type LoadConfigOptions } from "./load-config.js";
