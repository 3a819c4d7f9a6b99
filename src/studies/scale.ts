/**
 * The scale a study runs at: `quick` (seconds per network: what the tests run, and the default),
 * `cpu` (real training that a 2-core laptop finishes in well under an hour per notebook, on the
 * fastest backend present) or `full` (the seeds' own set-ups, for a GPU and days).
 *
 * Chosen by RESLAB_SCALE=quick|cpu|full; RESLAB_FULL=DATASET (e.g. mnist, cifar10) keeps working
 * as an alias of full on that dataset; RESLAB_QUICK=1 (set by the test runner) forces quick.
 */

export type StudyScale = "quick" | "cpu" | "full";
export const STUDY_SCALES: readonly StudyScale[] = ["quick", "cpu", "full"];

/** The scale and, for full, the dataset asked for (undefined: the study's own default). */
export interface ScaleChoice {
  scale: StudyScale;
  fullDataset?: string;
}

/** The scale the environment asks for; a misspelt RESLAB_SCALE is an error that lists the choices. */
export function studyScale(env: NodeJS.ProcessEnv = process.env): ScaleChoice {
  if (env.RESLAB_QUICK === "1") return { scale: "quick" };
  const asked = env.RESLAB_SCALE?.trim().toLowerCase();
  if (asked) {
    if (!(STUDY_SCALES as readonly string[]).includes(asked)) throw new Error(`RESLAB_SCALE="${env.RESLAB_SCALE}" is not a scale: use quick, cpu or full`);
    return { scale: asked as StudyScale, fullDataset: asked === "full" ? env.RESLAB_FULL || undefined : undefined };
  }
  if (env.RESLAB_FULL) return { scale: "full", fullDataset: env.RESLAB_FULL };
  return { scale: "quick" };
}

/**
 * A study's parameters at the environment's scale. `full` may depend on the dataset named by
 * RESLAB_FULL; `resultsSub` names the scale's results folder under RESLAB_RESULTS_DIR (when set).
 */
export function paramsAtScale<T extends { resultsDir: string; dataset: string }>(
  choices: { quick: T; cpu: T; full: (dataset?: string) => T },
  prefix: string,
  env: NodeJS.ProcessEnv = process.env,
): { scale: StudyScale; params: T } {
  const { scale, fullDataset } = studyScale(env);
  const params = scale === "full" ? choices.full(fullDataset) : choices[scale];
  const root = env.RESLAB_RESULTS_DIR;
  const sub = scale === "full" ? params.dataset : scale;
  return { scale, params: root ? { ...params, resultsDir: `${root}/${prefix}${sub}` } : params };
}

/**
 * The sentence a notebook adds under its findings when it ran below the seed's scale: what this run
 * was (`run`) against the seed's set-up (`seed`), and where to look next. Empty at full scale.
 */
export function scaleCaveat(scale: StudyScale, run: string, seed: string): string {
  if (scale === "quick") return `*Quick mode:* ${run}, not ${seed}. Where the numbers above differ from the seed, a larger scale is the comparison that counts (RESLAB_SCALE=cpu on a laptop, full on a GPU).`;
  if (scale === "cpu") return `*cpu scale:* ${run}, not ${seed}. The table of the seed's claims below says which of them this scale decides, and why where it cannot.`;
  return "";
}
