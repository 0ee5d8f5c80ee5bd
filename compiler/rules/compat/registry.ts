/**
 * Every compatibility rule, in one table. Order does not matter (findings are sorted once by the
 * report module); IDs are unique and stable. `docs/compat-rules.md` lists the same table.
 */
import { CONTRACT_RULES } from "./rules/contract.js";
import { WAREHOUSE_RULES } from "./rules/warehouse.js";
import { WIRE_FIELD_RULES } from "./rules/wire-fields.js";
import { WIRE_TYPE_RULES } from "./rules/wire-types.js";
import type { AnyCompatRule } from "./types.js";

export const COMPAT_RULES: readonly AnyCompatRule[] = [...WIRE_FIELD_RULES, ...WIRE_TYPE_RULES, ...CONTRACT_RULES, ...WAREHOUSE_RULES];
