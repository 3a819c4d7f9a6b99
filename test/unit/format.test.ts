import { formatDuration, formatG, formatCount, formatClock, formatRate, formatBytes } from "../../src/display/format";

describe("IPython-compatible time formatting", () => {
  // Expected strings worked out by hand from IPython's _format_time (precision 3, µ for micro).
  test.each([
    [0.00123, "1.23 ms"],
    [0.5, "500 ms"],
    [5, "5 s"],
    [12.3456, "12.3 s"],
    [2.5e-6, "2.5 µs"],
    [1e-7, "100 ns"],
    [3.04e-8, "30.4 ns"],
    [0, "0 ns"],
    [65, "1min 5s"],
    [3725, "1h 2min 5s"],
    [90061, "1d 1h 1min 1s"],
  ])("%p s → %p", (s, text) => {
    expect(formatDuration(s)).toBe(text);
  });

  test("%g formatting matches C's printf", () => {
    expect(formatG(1234.5, 3)).toBe("1.23e+03");
    expect(formatG(0.000123, 3)).toBe("0.000123");
    expect(formatG(0.0000123, 3)).toBe("1.23e-05");
    expect(formatG(100, 3)).toBe("100");
    expect(formatG(1.5, 3)).toBe("1.5");
  });

  test("counts, clocks, rates and bytes", () => {
    expect(formatCount(10000000)).toBe("10,000,000");
    expect(formatCount(999)).toBe("999");
    expect(formatClock(65)).toBe("01:05");
    expect(formatClock(3725)).toBe("1:02:05");
    expect(formatClock(NaN)).toBe("?");
    expect(formatRate(2.5)).toBe("2.5 it/s");
    expect(formatRate(0.25, "batch")).toBe("4 s/batch");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(12)).toBe("12 B");
  });
});
