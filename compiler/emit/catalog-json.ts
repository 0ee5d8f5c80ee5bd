/** `catalog.json`: the catalog model, machine-readable, with a format version and sorted keys. */
import { CATALOG_FORMAT_VERSION, type Catalog } from "../model/catalog.js";
import { jsonText, sortKeysDeep } from "./json-text.js";

export const CATALOG_JSON_PATH = "catalog.json";

export function emitCatalogJson(catalog: Catalog): string {
  return jsonText({ formatVersion: CATALOG_FORMAT_VERSION, ...(sortKeysDeep(catalog) as object) });
}
