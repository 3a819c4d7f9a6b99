/**
 * The Jacobian (Taylor) test of seed 001 (Appendix A): along a direction δ, for step sizes ε
 * decreasing geometrically, the change ‖R(x + εδ) − R(x)‖ falls as ε while the linearisation
 * error ‖R(x + εδ) − R(x) − ε·J(x)δ‖ falls as ε², an order of magnitude faster per decade, exactly
 * when J(x) is R's derivative at x. Both rates are read off as least-squares slopes on log-log
 * axes. Everything runs in float32, which bounds how small ε can usefully go (see
 * {@link TaylorOptions.epsilons}).
 */
import * as tf from "@tensorflow/tfjs";
import { tfSeed } from "../runtime/seeds";
import { fitPowerLaw } from "./loglog";
import { replaySegment, segment, unitBoundary, unitJacobian } from "./linearize";
import { runWithCache } from "../models/hooks";

type Sym = tf.SymbolicTensor;

/** One step size of the test. Norms are Frobenius norms over the whole output tensor. */
export interface TaylorRow {
  epsilon: number;
  /** ‖R(x + εδ) − R(x)‖. */
  change: number;
  /** ‖R(x + εδ) − R(x) − ε·Jδ‖. */
  residual: number;
  /**
   * The residual is below 10× the float32 rounding level of R(x), 2⁻²³·‖R(x)‖: it measures
   * rounding rather than curvature, and the slope fit leaves the row out.
   */
  rounding: boolean;
}

/** Result of {@link taylorTestOf}. */
export interface TaylorResult {
  rows: TaylorRow[];
  /** Slope of log change against log ε over all rows: ≈ 1 when ε is in R's linear range. */
  changeSlope: number;
  /**
   * Slope of log residual against log ε over the rows not limited by rounding: ≈ 2 for a correct
   * J and a smooth R; NaN with fewer than 2 such rows.
   */
  residualSlope: number;
  /**
   * changeSlope is within `tolerance` of 1 and residualSlope exceeds it by at least 1 − tolerance
   * (the residual falls an order of magnitude per decade faster), or the residual is at rounding
   * level at every ε (R is affine along δ and J·δ reproduces it).
   */
  passed: boolean;
  /** One line: the verdict and what it rests on. */
  explanation: string;
}

/** Options of {@link taylorTestOf}. */
export interface TaylorOptions {
  /**
   * Step sizes, at least 2 (default [1e-1, 3e-2, 1e-2, 3e-3]: 1.5 decades in half decades). In
   * float32, R(x + εδ) − R(x) carries a rounding error of about 1e-7·‖R(x)‖ (measured on small
   * BasicResNet units), which the residual cannot fall below. With ‖δ‖ = ‖x‖ the residual of a
   * smooth unit is 0.5–1.5e-6·‖R(x)‖ at ε = 1e-3, only 3–10× that floor, and at ε = 1e-4 it is
   * all rounding; the defaults stop at 3e-3, 30× or more above it. Rows that do reach 10× the
   * floor are flagged ({@link TaylorRow.rounding}) and left out of the residual slope, so a
   * range of decades down to 1e-4 still gives a verdict, from its larger ε.
   */
  epsilons?: number[];
  /** Allowed deviation of the slopes (default 0.3). */
  tolerance?: number;
}

const DEFAULT_EPSILONS = [1e-1, 3e-2, 1e-2, 3e-3];
/** float32's machine epsilon, 2⁻²³. */
const FLOAT32_EPS = 2 ** -23;

const norm = (t: tf.Tensor) => tf.tidy(() => tf.norm(t).dataSync()[0]);
const fmt = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "NaN");

/**
 * The Taylor test of a function `f` whose derivative at `x` is claimed to be `jvp` (v ↦ J(x)·v,
 * v shaped like x), along `delta` (shaped like x). f and jvp may map to any output shape, the
 * same for both; the tensors they return are disposed here. No batch axis is assumed: ε·δ is
 * added to the whole of x.
 */
export function taylorTestOf(
  f: (x: tf.Tensor) => tf.Tensor,
  jvp: (v: tf.Tensor) => tf.Tensor,
  x: tf.Tensor,
  delta: tf.Tensor,
  opts: TaylorOptions = {},
): TaylorResult {
  const epsilons = opts.epsilons ?? DEFAULT_EPSILONS;
  const tolerance = opts.tolerance ?? 0.3;
  if (epsilons.length < 2 || epsilons.some((e) => !(e > 0) || !Number.isFinite(e)) || new Set(epsilons).size !== epsilons.length) {
    throw new Error(`the Taylor test needs at least 2 different positive step sizes ε, got [${epsilons.join(", ")}]`);
  }
  if (JSON.stringify(x.shape) !== JSON.stringify(delta.shape)) {
    throw new Error(`δ has shape [${delta.shape}] but x has shape [${x.shape}]: the direction must be shaped like the point`);
  }
  const fx = f(x);
  const jd = jvp(delta);
  if (JSON.stringify(fx.shape) !== JSON.stringify(jd.shape)) {
    tf.dispose([fx, jd]);
    throw new Error(`J·δ has shape [${jd.shape}] but f(x) has shape [${fx.shape}]: jvp must map into f's output space`);
  }
  const floor = 10 * FLOAT32_EPS * norm(fx);
  const rows = epsilons.map((epsilon): TaylorRow => {
    const moved = tf.tidy(() => tf.add(x, tf.mul(delta, epsilon)));
    const fe = f(moved);
    const [change, residual] = tf.tidy(() => {
      const diff = tf.sub(fe, fx);
      return [norm(diff), norm(tf.sub(diff, tf.mul(jd, epsilon)))];
    });
    tf.dispose([moved, fe]);
    return { epsilon, change, residual, rounding: residual < floor };
  });
  tf.dispose([fx, jd]);
  return verdict(rows, tolerance);
}

/** Fitted slope of y against ε on log-log axes, NaN when fewer than 2 values are positive. */
function slope(rows: TaylorRow[], y: (r: TaylorRow) => number): number {
  const pts = rows.filter((r) => y(r) > 0);
  return pts.length < 2 ? NaN : fitPowerLaw(pts.map((r) => r.epsilon), pts.map(y)).slope;
}

function verdict(rows: TaylorRow[], tolerance: number): TaylorResult {
  const changeSlope = slope(rows, (r) => r.change);
  const curved = rows.filter((r) => !r.rounding);
  const residualSlope = slope(curved, (r) => r.residual);
  const rates = `change ∝ ε^${fmt(changeSlope)}, residual ∝ ε^${fmt(residualSlope)}`;
  const dropped = rows.length - curved.length;
  const note = dropped ? ` (${dropped} of ${rows.length} residuals at float32 rounding level left out)` : "";
  const result = (passed: boolean, explanation: string): TaylorResult => ({ rows, changeSlope, residualSlope, passed, explanation });
  if (Number.isNaN(changeSlope)) {
    return result(false, `inconclusive: R(x + εδ) = R(x) at all but one ε, so R does not move along δ at these step sizes; use larger ε or another δ`);
  }
  if (curved.length === 0) {
    return result(true, `passed: the residual is at float32 rounding level at every ε while the change ∝ ε^${fmt(changeSlope)}: R is affine along δ here and J·δ reproduces it`);
  }
  if (Number.isNaN(residualSlope)) {
    return result(false, `inconclusive: only one residual is above float32 rounding level, too few for a rate; use larger ε`);
  }
  if (Math.abs(changeSlope - 1) > tolerance) {
    return result(false, `failed: ${rates}${note}; the change should scale as ε (±${tolerance}): ε reaches outside R's linear range (use smaller ε), or J·δ ≈ 0 along this δ`);
  }
  if (residualSlope - changeSlope < 1 - tolerance) {
    return result(false, `failed: ${rates}${note}; the residual should fall an order of magnitude per decade faster than the change: J·δ is not R's derivative along δ, or R is not differentiable there (a non-smooth activation such as ReLU crossing its kink within ε·δ breaks the ε² rate)`);
  }
  return result(true, `passed: ${rates}${note}; the residual falls an order of magnitude per decade faster than the change (within ${tolerance}), so J·δ is R's derivative along δ`);
}

/** A row of {@link taylorTest}: the Taylor test's row plus how many ReLU inputs crossed 0. */
export interface UnitTaylorRow extends TaylorRow {
  /** ReLU inputs of the unit whose sign differs between x and x + εδ (0 with a smooth activation). */
  reluCrossings: number;
}

/** Result of {@link taylorTest}. */
export interface UnitTaylorResult extends TaylorResult {
  unit: string;
  rows: UnitTaylorRow[];
  /** Names of the unit's ReLU layers (empty with a smooth activation). */
  reluLayers: string[];
}

/** Options of {@link taylorTest}. */
export interface UnitTaylorOptions extends TaylorOptions {
  /** Seed of the random direction δ (default 0). */
  seed?: number;
}

const isRelu = (layer: tf.layers.Layer) =>
  layer.getClassName() === "ReLU" || (layer.getClassName() === "Activation" && (layer.getConfig() as { activation?: string }).activation === "relu");

/**
 * The seed's Jacobian test of {@link unitJacobian} for one residual unit ("s0.b1") or a stage
 * ("s1"), at the unit input x ([1, H, W, C], NHWC) that `image` ([1, H, W, C]) produces. The
 * direction δ is seeded Gaussian noise scaled to ‖δ‖ = ‖x‖ (unit norm if x = 0), so ε is the
 * relative size of the perturbation. R(x + εδ) comes from replaying the unit's layers in
 * inference mode, independently of the linearisation.
 *
 * ReLU (the default activation of BasicResNets) is not differentiable at 0. Where εδ carries no
 * ReLU input across 0 the unit is affine along δ and the residual is float32 rounding; where it
 * carries some across, those add a residual that need not fall as ε², and the test can fail
 * although J is right. Each row counts the crossings (`reluCrossings`); build the model with
 * `activation: "softplus"` or `"tanh"` to test the linearisation itself.
 */
export function taylorTest(model: tf.LayersModel, unit: string, image: tf.Tensor, opts: UnitTaylorOptions = {}): UnitTaylorResult {
  if (image.rank !== 4 || image.shape[0] !== 1) throw new Error(`taylorTest takes one image [1, H, W, C], got shape [${image.shape}]: pick one, e.g. images.slice([i], [1])`);
  const J = unitJacobian(model, unit, image); // validates the unit name
  const { from: start, to: end } = unitBoundary(model, unit);
  const from = start.tensor, to = end.tensor, fromName = start.name;
  const layers = segment(model, from, to);
  const relus = layers.filter(isRelu);
  const reluInputs = relus.map((l) => l.input as Sym);
  const cache = runWithCache(model, image, { names: [fromName] });
  const x = cache.activations.get(fromName)!.clone();
  cache.dispose();
  const delta = tf.tidy(() => {
    const d = tf.randomNormal(x.shape, 0, 1, "float32", tfSeed(opts.seed ?? 0));
    const nx = norm(x);
    return tf.mul(d, (nx > 0 ? nx : 1) / norm(d));
  });
  const signs = (xx: tf.Tensor) => tf.tidy(() => replaySegment(layers, from, xx, reluInputs).map((z) => tf.greater(z, 0)));
  const atX = relus.length ? signs(x) : [];
  try {
    const result = taylorTestOf((xx) => replaySegment(layers, from, xx, [to])[0], (v) => J.jvp(v), x, delta, opts);
    const crossings = (epsilon: number) =>
      tf.tidy(() => {
        const moved = signs(tf.add(x, tf.mul(delta, epsilon)));
        return tf.addN(atX.map((s, i) => tf.sum(tf.cast(tf.notEqual(s, moved[i]), "int32")))).arraySync() as number;
      });
    const rows = result.rows.map((row): UnitTaylorRow => ({ ...row, reluCrossings: relus.length ? crossings(row.epsilon) : 0 }));
    let explanation = result.explanation;
    if (relus.length) {
      const crossed = rows.filter((r) => r.reluCrossings > 0);
      const counts = crossed.map((r) => `${r.reluCrossings} at ε=${r.epsilon}`).join(", ");
      if (!crossed.length) explanation += `; no ReLU input crossed 0, so R is affine along εδ and the residual is rounding only`;
      else if (result.passed) explanation += `; ReLU inputs crossing 0 (where R is not differentiable): ${counts}, without spoiling the rate`;
      else explanation += `; ReLU inputs crossing 0 (where R is not differentiable): ${counts}, which can break the ε² rate although J is right: rebuild with activation "softplus" or "tanh" to test the linearisation`;
    }
    return { ...result, explanation, rows, unit, reluLayers: relus.map((l) => l.name) };
  } finally {
    tf.dispose([x, delta, ...atX]);
    J.dispose();
  }
}
