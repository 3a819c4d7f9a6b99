/**
 * Fitting y ∝ L^b on log-log axes: least squares on (log L, log y), with a 95% interval for the
 * slope from Student's t (jStat). The seed's 1/L law is b = −1.
 */
import { jStat } from "jstat";

/** A fitted power law y = a·L^b. */
export interface PowerFit {
  slope: number;
  intercept: number;
  /** 95% confidence interval of the slope (NaN with fewer than 3 points). */
  slopeLow: number;
  slopeHigh: number;
  points: number;
  /** True when −1 lies inside the interval. */
  consistentWithInverseL: boolean;
}

/** Fits log y = intercept + slope·log L over points with L > 0 and y > 0. */
export function fitPowerLaw(L: number[], y: number[]): PowerFit {
  const pts = L.map((l, i) => [l, y[i]]).filter(([l, v]) => l > 0 && v > 0 && Number.isFinite(v));
  const n = pts.length;
  if (n < 2) throw new Error(`a power-law fit needs at least 2 points with positive values, got ${n}`);
  const xs = pts.map(([l]) => Math.log(l));
  const ys = pts.map(([, v]) => Math.log(v));
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0, sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  if (sxx === 0) throw new Error("a power-law fit needs at least two different values of L");
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let low = NaN, high = NaN;
  if (n > 2) {
    const sse = xs.reduce((a, x, i) => a + (ys[i] - intercept - slope * x) ** 2, 0);
    const se = Math.sqrt(sse / (n - 2) / sxx);
    const t = jStat.studentt.inv(0.975, n - 2);
    low = slope - t * se;
    high = slope + t * se;
  }
  return { slope, intercept, slopeLow: low, slopeHigh: high, points: n, consistentWithInverseL: low <= -1 && -1 <= high };
}
