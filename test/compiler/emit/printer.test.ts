/**
 * The string printer of contract modules (compiler/emit/ts/contracts.ts) prints exactly what the
 * former ts-morph emitter printed (bench/generate/ts-morph-contracts.ts, kept as the oracle):
 * on the example catalog and on comments and keys chosen to trip a hand-written printer
 * (quotes, backticks, comment terminators, blank and indented lines, CRLF sources, oneof keys,
 * name clashes across packages, events without key or sink).
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { contractNames, emitContractModule, type ContractEmitOptions, type ContractModuleInput } from "../../../compiler/emit/ts/contracts.js";
import { loadCatalog, type LoadedContracts } from "../../../compiler/model/build-catalog.js";
import { createTsMorphPrinter, emitContractModuleTsMorph } from "../../../bench/generate/ts-morph-contracts.js";
import { compileProto, REPO_ROOT } from "../../helpers/compile-proto.js";

function modulesOf(loaded: LoadedContracts): ContractModuleInput[] {
  const byFile = new Map<string, (typeof loaded.catalog.events)[number][]>();
  for (const e of loaded.catalog.events) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  return [...byFile].map(([file, events]) => ({ file, package: events[0]!.message.package, events }));
}

function bothWays(loaded: LoadedContracts, runtimeImport = "@evt/runtime"): { printer: string[]; tsMorph: string[] } {
  const options: ContractEmitOptions = {
    runtimeImport,
    names: contractNames(loaded.catalog),
    sinkTables: new Map(loaded.catalog.events.map((e) => [e.fullName, e.sinks.map((s) => ({ table: s.table, mode: s.mode }))])),
  };
  const project = createTsMorphPrinter();
  const modules = modulesOf(loaded);
  return {
    printer: modules.map((m) => emitContractModule(m, loaded.catalog, options)),
    tsMorph: modules.map((m) => emitContractModuleTsMorph(project, m, loaded.catalog, options)),
  };
}

const TRICKY = `syntax = "proto3";

package shop.v1;

import "evt/v1/options.proto";

// Quotes "double" and 'single', a \`backtick\` and a template \${x}; a comment end */ and start /*.
//
//    indented line, trailing spaces   
// \ttab, unicode: café — ✓, backslash \\ and a lone * star
message OrderPlaced {
  option (evt.v1.event) = {
    topic: "shop.order_placed.v1"
    key: "order_id"
    owner: "team-\\"quoted\\""
    sink: { table: "SHOP.ORDERS" mode: APPEND }
    sink: { table: "SHOP.ORDERS_LATEST" mode: UPSERT }
  };
  string order_id = 1 [(evt.v1.field) = { required: true }];
  Payer payer = 2 [(evt.v1.field) = { required: true }];
}

message Payer {
  oneof who {
    string email = 1;
    int64 account_id = 2 [(evt.v1.field) = { required: true }];
  }
  string name = 3 [(evt.v1.field) = { required: true }];
}

message PaymentTaken {
  option (evt.v1.event) = { topic: "shop.payment_taken.v1" key: "payer.account_id" };
  Payer payer = 1;
  string legacy_ref = 2 [deprecated = true];
}

// No key, no sink, no owner; deprecated.
message Ping {
  option deprecated = true;
  option (evt.v1.event) = { topic: "shop.ping.v1" };
}
`;

const CLASH = `syntax = "proto3";\r\n\r\npackage billing.v2;\r\n\r\nimport "evt/v1/options.proto";\r\n\r\n// Same message name as in shop.v1;\r\n// CRLF line ends in the source.\r\nmessage OrderPlaced {\r\n  option (evt.v1.event) = { topic: "billing.order_placed.v2" key: "id" owner: "team-billing" };\r\n  string id = 1;\r\n}\r\n`;

describe("contract module printer", () => {
  it("prints the example catalog exactly as ts-morph did", async () => {
    const loaded = await loadCatalog(path.join(REPO_ROOT, "proto"), "");
    const { printer, tsMorph } = bothWays(loaded);
    expect(printer.length).toBeGreaterThan(3);
    expect(printer).toEqual(tsMorph);
  });

  it("prints tricky comments, oneof and nested keys, clashing names and another runtime import exactly as ts-morph did", async () => {
    const loaded = await compileProto({ "shop/v1/shop.proto": TRICKY, "billing/v2/billing.proto": CLASH });
    for (const runtimeImport of ["@evt/runtime", "@acme/evt/runtime"]) {
      const { printer, tsMorph } = bothWays(loaded, runtimeImport);
      expect(printer).toEqual(tsMorph);
      const shop = printer.find((t) => t.includes("shop/v1/shop.proto"))!;
      // The cases are really exercised: escaped comment end, package-prefixed clash, oneof key.
      expect(shop).toContain("a comment end *\\/ and start /*.");
      expect(shop).toContain("export const ShopV1OrderPlacedContract = /*@__PURE__*/ defineEvent({");
      expect(shop).toContain(" * @generated from message shop.v1.Ping\n * @deprecated\n */\nexport const PingContract");
      expect(shop).toContain("Deprecated fields (do not set them in new code): `legacy_ref`.");
      expect(shop).toContain('keyOf: (e) => (e.payer?.who.case === "accountId" ? e.payer?.who.value : undefined),');
      expect(shop).toContain(`from ${JSON.stringify(runtimeImport)};`);
    }
  });
});
