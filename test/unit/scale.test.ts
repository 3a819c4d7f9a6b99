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
