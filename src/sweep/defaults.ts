/** The default BullMQ queue name of ResLab's sweeps (a module of its own so that naming it loads no Redis client). */
export const DEFAULT_QUEUE = "reslab-sweep";
