/**
 * The registry every kernel starts with. Each study adds its magics here, in one place.
 */
import { MagicRegistry } from "./registry";
import { backendMagic } from "./builtin/backend";
import { dataMagic } from "./builtin/data";
import { distancesMagic, stopruleMagic, sweepMagic, trainMagic } from "./builtin/study";
import { jacobianMagic, perturbMagic, spectrumMagic } from "./builtin/stability";
import { alignMagic, dropblocksMagic, unrollMagic } from "./builtin/iterative";
import { gradflowMagic } from "./builtin/gradflow";
import { lsmagicMagic } from "./builtin/lsmagic";
import { memoryMagic } from "./builtin/memory";
import { timeMagic } from "./builtin/time";
import { timeitMagic } from "./builtin/timeit";

export { MagicRegistry } from "./registry";
export * from "./types";

/** A registry with all of ResLab's magics. */
export function defaultRegistry(): MagicRegistry {
  return new MagicRegistry()
    .register(lsmagicMagic)
    .register(timeMagic)
    .register(timeitMagic)
    .register(backendMagic)
    .register(memoryMagic)
    .register(dataMagic)
    .register(trainMagic)
    .register(sweepMagic)
    .register(distancesMagic)
    .register(stopruleMagic)
    .register(jacobianMagic)
    .register(spectrumMagic)
    .register(perturbMagic)
    .register(alignMagic)
    .register(dropblocksMagic)
    .register(unrollMagic)
    .register(gradflowMagic);
}
