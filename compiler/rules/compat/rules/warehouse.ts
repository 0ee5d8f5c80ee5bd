/** Warehouse rules: changes the existing sink tables cannot absorb without a migration (filled in below). */
export const WAREHOUSE_RULES = [] as const;
