/**
 * Number and time formatting shared by magics and progress displays.
 */

/**
 * Formats a duration in seconds the way IPython's `%time`/`%timeit` do: three significant
 * digits with s / ms / µs / ns below a minute ("1.23 ms"), and "1min 5s" style above.
 */
export function formatDuration(seconds: number, precision = 3): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  if (seconds >= 60) {
    const parts: Array<[string, number]> = [
      ["d", 86400],
      ["h", 3600],
      ["min", 60],
      ["s", 1],
    ];
    const out: string[] = [];
    let left = seconds;
    for (const [suffix, len] of parts) {
      const value = Math.floor(left / len);
      if (value > 0) {
        left = left % len;
        out.push(`${value}${suffix}`);
      }
      if (left < 1) break;
    }
    return out.join(" ");
  }
  const units = ["s", "ms", "µs", "ns"];
  const scale = [1, 1e3, 1e6, 1e9];
  const order = seconds > 0 ? Math.min(-Math.floor(Math.floor(Math.log10(seconds)) / 3), 3) : 3;
  return `${formatG(seconds * scale[order], precision)} ${units[order]}`;
}

/** C's `%.{p}g`: `p` significant digits, trailing zeros dropped. */
export function formatG(value: number, precision: number): string {
  if (value === 0) return "0";
  const exp = Math.floor(Math.log10(Math.abs(value)));
  if (exp < -4 || exp >= precision) {
    const [m, e] = value.toExponential(precision - 1).split("e");
    const mant = m.includes(".") ? m.replace(/\.?0+$/, "") : m;
    const en = Number(e);
    return `${mant}e${en < 0 ? "-" : "+"}${String(Math.abs(en)).padStart(2, "0")}`;
  }
  const fixed = value.toFixed(Math.max(0, precision - 1 - exp));
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/** Formats an integer with thousands separators, as Python's `{:,}` ("1,000"). */
export function formatCount(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Formats seconds as a clock, "MM:SS" or "H:MM:SS" (as tqdm does). */
export function formatClock(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(2, "0");
  const ss = String(sec).padStart(2, "0");
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Formats a rate in items per second, switching to s/item below one per second. */
export function formatRate(perSecond: number, unit = "it"): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return `? ${unit}/s`;
  if (perSecond >= 1) return `${formatG(perSecond, 3)} ${unit}/s`;
  return `${formatG(1 / perSecond, 3)} s/${unit}`;
}

/** Formats a byte count with binary units ("1.5 MiB"). */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${formatG(v, 3)} ${units[i]}`;
}
