/** RESLAB_SCALE=quick|cpu|full, RESLAB_FULL as an alias of full, and RESLAB_QUICK=1 forcing quick (the test runner). */
import { studyScale } from "../../src/studies/scale";
import { CPU_STUDY, FULL_STUDY_CIFAR, FULL_STUDY_MNIST, QUICK_STUDY, perturbationStudyAtScale } from "../../src/studies/perturbation-study";

test("the scale from the environment", () => {
  expect(studyScale({})).toEqual({ scale: "quick" });
  expect(studyScale({ RESLAB_SCALE: "cpu" })).toEqual({ scale: "cpu", fullDataset: undefined });
  expect(studyScale({ RESLAB_SCALE: "FULL", RESLAB_FULL: "cifar10" })).toEqual({ scale: "full", fullDataset: "cifar10" });
  expect(studyScale({ RESLAB_FULL: "mnist" })).toEqual({ scale: "full", fullDataset: "mnist" });
  expect(studyScale({ RESLAB_QUICK: "1", RESLAB_SCALE: "cpu", RESLAB_FULL: "mnist" })).toEqual({ scale: "quick" });
  expect(() => studyScale({ RESLAB_SCALE: "laptop" })).toThrow(/RESLAB_SCALE="laptop" is not a scale: use quick, cpu or full/);
});

test("seed 000's study at each scale, its results under RESLAB_RESULTS_DIR/<scale or dataset>", () => {
  expect(perturbationStudyAtScale({})).toEqual({ scale: "quick", params: QUICK_STUDY });
  expect(perturbationStudyAtScale({ RESLAB_SCALE: "cpu" }).params).toBe(CPU_STUDY);
  expect(perturbationStudyAtScale({ RESLAB_FULL: "cifar10" }).params).toBe(FULL_STUDY_CIFAR);
  expect(perturbationStudyAtScale({ RESLAB_SCALE: "full" }).params).toBe(FULL_STUDY_MNIST);
  expect(perturbationStudyAtScale({ RESLAB_QUICK: "1", RESLAB_RESULTS_DIR: "/r" }).params.resultsDir).toBe("/r/quick");
  expect(perturbationStudyAtScale({ RESLAB_SCALE: "cpu", RESLAB_RESULTS_DIR: "/r" }).params.resultsDir).toBe("/r/cpu");
  expect(perturbationStudyAtScale({ RESLAB_FULL: "cifar10", RESLAB_RESULTS_DIR: "/r" }).params.resultsDir).toBe("/r/cifar10");
});

test("the stability (001), iterative (003) and gradient-flow (002/004) studies at each scale", async () => {
  const s = await import("../../src/studies/stability-study");
  const it = await import("../../src/studies/iterative-study");
  const gf = await import("../../src/studies/gradient-flow-study");
  expect(s.stabilityAtScale({}).params).toBe(s.QUICK_STABILITY);
  expect(s.stabilityAtScale({ RESLAB_SCALE: "cpu" })).toEqual({ scale: "cpu", params: s.CPU_STABILITY });
  expect(s.CPU_STABILITY).toMatchObject({ dataset: "cifar10", depth: 20, widths: [16, 32, 64] });
  expect(s.stabilityAtScale({ RESLAB_FULL: "cifar10" }).params).toBe(s.FULL_STABILITY_CIFAR);
  expect(s.stabilityAtScale({ RESLAB_FULL: "cifar10", RESLAB_DEPTH: "110" }).params).toBe(s.FULL_STABILITY_CIFAR_110);
  expect(s.stabilityAtScale({ RESLAB_QUICK: "1", RESLAB_RESULTS_DIR: "/r" }).params.resultsDir).toBe("/r/stability-quick");
  expect(s.stabilityAtScale({ RESLAB_SCALE: "full", RESLAB_DEPTH: "110", RESLAB_RESULTS_DIR: "/r" }).params.resultsDir).toBe("/r/stability-resnet110-cifar10");
  expect(it.iterativeAtScale({ RESLAB_SCALE: "cpu" })).toEqual({ scale: "cpu", params: it.CPU_ITERATIVE });
  expect(it.iterativeAtScale({ RESLAB_SCALE: "cpu", RESLAB_RESULTS_DIR: "/r" }).params.resultsDir).toBe("/r/iterative-cpu");
  expect(it.iterativeAtScale({ RESLAB_FULL: "cifar10" }).params).toBe(it.FULL_ITERATIVE_CIFAR);
  expect(gf.gradientFlowAtScale({ RESLAB_SCALE: "cpu" }).params).toBe(gf.CPU_GRADIENT_FLOW);
  expect(gf.gradientFlowAtScale({ RESLAB_QUICK: "1", RESLAB_RESULTS_DIR: "/r" }).params.resultsDir).toBe("/r/gradient-flow-quick");
});

test("the sentence a notebook adds at a reduced scale", async () => {
  const { scaleCaveat } = await import("../../src/studies/scale");
  expect(scaleCaveat("quick", "a tiny net", "the seed's")).toMatch(/^\*Quick mode:\* a tiny net, not the seed's\. .*RESLAB_SCALE=cpu/);
  expect(scaleCaveat("cpu", "ResNet-20 after 5 epochs", "ResNet-110")).toMatch(/^\*cpu scale:\* ResNet-20 after 5 epochs, not ResNet-110\. The table of the seed's claims below/);
  expect(scaleCaveat("full", "x", "y")).toBe("");
});
