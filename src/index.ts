/**
 * ResLab: a notebook lab for studying how residual networks transform data.
 *
 * Inside the ResLab kernel this module is preloaded as `reslab` (and tfjs as `tf`).
 * Shapes follow tfjs' NHWC convention throughout: [batch, height, width, channels].
 */
import * as tf from "@tensorflow/tfjs";

export { tf };
export { VERSION, PACKAGE_ROOT } from "./version";
export * from "./backend/select";
export * from "./display";
export * from "./runtime/interrupt";
export * as data from "./data";
export { datasetSummary } from "./data/summary";
export { sampleGrid } from "./display/image-grid";
export { buildPreActResNet, forwardFlops, type PreActResNetConfig } from "./models/preact-resnet";
export { buildDenseResidual, type DenseResidualConfig } from "./models/dense-residual";
export { hookPoints, runWithCache, sectionLayout, sectionBoundaries, type ActivationCache, type HookPoint } from "./models/hooks";
export * from "./analysis/perturbation";
export * from "./analysis/stopping-rule";
export { measurePerturbations } from "./analysis/measure";
export { train, scheduledLr, trainingCurves, type TrainOptions, type TrainResult, type EpochRecord, type Schedule } from "./train/train";
export { evaluate, type Evaluation } from "./train/evaluate";
export { saveCheckpoint, loadCheckpoint } from "./train/checkpoint";
export { sweep, sweepTable, readRun, runDir, type SweepOptions, type RunRecord } from "./train/sweep";
export * from "./analysis/figures";
export { fitPowerLaw, type PowerFit } from "./analysis/loglog";
export * from "./studies/perturbation-study";
export { buildBasicResNet, blocksForDepth, basicResNetConfig, type BasicResNetConfig, type BasicResNetActivation } from "./models/basic-resnet";
export { jacobianBetween, unitJacobian, type JacobianOperator } from "./analysis/linearize";
export { denseJacobian, fullSpectrum, topSingularValues, topSingularValuesGram, topSingularValuesBlock, type TopSpectrum } from "./analysis/spectrum";
export { unitSpectrum, screeCurve, spectrumShare, type SpectrumOptions, type UnitSpectrum } from "./analysis/unit-spectrum";
export {
  spectralDensity, densityProportions, spectrumProportions, densityCurve, quantileCurve, rademacherProbes, SEED_BINS, ZERO_TOL,
  type SpectralDensity, type DensityOptions, type SpectrumBin, type BinProportion,
} from "./analysis/slq";
export { tfSeed, layerSeeds } from "./runtime/seeds";
export * from "./analysis/taylor";
export * from "./analysis/propagation";
export * from "./analysis/stability-figures";
export * from "./models/unit-surgery";
export * from "./studies/stability-study";
export * from "./studies/stability-findings";
export * from "./studies/recipe";
export * from "./models/replay";
export * from "./models/blocks";
export * from "./analysis/probe";
export * from "./analysis/iterative-inference";
export * from "./analysis/iterative-figures";
export * from "./studies/iterative-study";
export * from "./studies/iterative-findings";
export * from "./analysis/gradient-norms";
export * from "./analysis/one-node";
export * from "./analysis/ode-view";
export * from "./analysis/gradient-flow-figures";
export * from "./studies/gradient-flow-study";
export * from "./studies/gradient-flow-findings";
export * from "./models/identity-mappings";
export * from "./studies/identity-mappings-study";
export * from "./studies/identity-mappings-paper";
// Sweeps as plans (the queue and worker load on demand: src/sweep/queue.ts, src/sweep/remote.ts)
export { planPerturbationSweep, makePlan, readPlan, writePlan, checkPlan, contentId, studyParamsOfPlan, type SweepPlan, type PlanEntry, type RunConfig } from "./sweep/plan";
export { runPlanEntry, planEntry, InvalidRunError } from "./sweep/run-entry";
export { bindResultsDir } from "./sweep/results-dir";
export { studyScale, paramsAtScale, scaleCaveat, STUDY_SCALES, type StudyScale, type ScaleChoice } from "./studies/scale";
export { claimsDisplay, CLAIMS_MIME, type ClaimRow, type Verdict } from "./studies/claims/claim";
export { seed000Claims } from "./studies/claims/seed000";
export * as claimThresholds from "./studies/claims/thresholds";
export { seed002Claim } from "./studies/claims/seed002";
export { seed004Claim } from "./studies/claims/seed004";
export { seed001PlateauClaim, seed001FgsmClaim, seed001SkipScaleClaim, seed001InterpolationClaim, plateauAt } from "./studies/claims/seed001";
export { seed003Claims, seed003CosineClaim, seed003DropClaim, seed003IntermediateClaim, type IterativeClaimInput } from "./studies/claims/seed003";
