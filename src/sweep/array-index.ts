/**
 * The index of an array task: `--index I` when given, else the scheduler's variable — Slurm's
 * SLURM_ARRAY_TASK_ID (sbatch --array) or Kubernetes' JOB_COMPLETION_INDEX (an Indexed Job).
 */

/** The array index to run, or a clear error saying where it was looked for. */
export function arrayIndex(explicit: string | number | undefined, env: NodeJS.ProcessEnv = process.env): number {
  const sources: Array<[string, string | undefined]> = [
    ["--index", explicit === undefined ? undefined : String(explicit)],
    ["SLURM_ARRAY_TASK_ID", env.SLURM_ARRAY_TASK_ID],
    ["JOB_COMPLETION_INDEX", env.JOB_COMPLETION_INDEX],
  ];
  const found = sources.find(([, v]) => v !== undefined && v !== "");
  if (!found) throw new Error("no array index: pass --index I, or run under Slurm (sbatch --array sets SLURM_ARRAY_TASK_ID) or as a Kubernetes Indexed Job (JOB_COMPLETION_INDEX)");
  const [name, text] = found;
  if (!/^\d+$/.test(text!.trim())) throw new Error(`${name} must be a whole number ≥ 0, got "${text}"`);
  return Number(text);
}
