/** Datasets: loaders (MNIST, Fashion-MNIST, CIFAR-10, embedded MNIST), transforms, batches. */
export * from "./dataset";
export * from "./catalog";
export * from "./load";
export * from "./embedded";
export * from "./transforms";
export * from "./batches";
export * from "./idx";
export * from "./cifar";
export { Rng } from "./rng";
export { downloadTo, verifyFile, findFile, contentSha256 } from "./files";
