import * as aq from "arquero";
import { isArqueroTable, tableBundle } from "../../src/display/table";
import { toMimeBundle } from "../../src/display/display";

describe("arquero tables as rich output", () => {
  const t = aq.table({ block: [0, 1, 2], ratio: [0.5, 0.25, 0.125] });

  test("a real arquero table is recognised, a plain object is not", () => {
    expect(isArqueroTable(t)).toBe(true);
    expect(isArqueroTable({ numRows: 3 })).toBe(false);
    expect(isArqueroTable(null)).toBe(false);
  });

  test("the bundle has an HTML table and a text/plain fallback with every value", () => {
    const b = toMimeBundle(t);
    const html = String(b["text/html"]);
    expect(html).toContain("<table>");
    expect(html).toContain("3 rows × 2 columns");
    expect((html.match(/<tr>/g) ?? []).length).toBe(4); // header + 3 rows
    const text = String(b["text/plain"]);
    for (const v of ["block", "ratio", "0.125", "0.25"]) expect(text).toContain(v);
  });

  test("long tables are cut at the limit and the caption says so", () => {
    const big = aq.table({ i: Array.from({ length: 120 }, (_, i) => i) });
    const b = tableBundle(big, { limit: 10, caption: "sweep" });
    expect(String(b["text/html"])).toContain("sweep — 120 rows × 1 column (first 10 shown)");
    expect((String(b["text/html"]).match(/<tr>/g) ?? []).length).toBe(11);
  });
});
