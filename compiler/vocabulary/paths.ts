/** Where the annotation vocabulary lives in a contract tree (no dependencies: the loader and lint import it). */
export const VOCABULARY_PROTO = "evt/v1/options.proto";
