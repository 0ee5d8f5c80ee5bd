/** Findings: the model and its renderers (the only place findings are formatted). */
export * from "./finding.js";
export * from "./render.js";
