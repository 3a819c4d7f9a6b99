/**
 * Registering the `reslab` kernelspec with Jupyter.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Where to install: `--user`, `--prefix P`, or (default) system-wide when root, else per user. */
export interface InstallOptions {
  user?: boolean;
  prefix?: string;
  /** Kernel name (default "reslab"). */
  name?: string;
  /** Display name (default "ResLab (TypeScript)"). */
  displayName?: string;
}

/** Jupyter's per-user data directory (honours JUPYTER_DATA_DIR and XDG_DATA_HOME). */
export function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return path.join(os.homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return path.join(process.env.APPDATA ?? os.homedir(), "jupyter");
  return path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), ".local", "share"), "jupyter");
}

/** The kernels directory an install goes to. */
export function kernelsDir(opts: InstallOptions): string {
  if (opts.prefix) return path.join(path.resolve(opts.prefix), "share", "jupyter", "kernels");
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (opts.user || !isRoot || process.platform === "win32") return path.join(userDataDir(), "kernels");
  return path.join("/usr/local/share/jupyter/kernels");
}

/** The kernel.json content: this Node binary runs this package's CLI. */
export function kernelSpec(opts: InstallOptions = {}): Record<string, unknown> {
  const cli = path.resolve(__dirname, "cli.js");
  return {
    argv: [process.execPath, cli, "kernel", "--config-path", "{connection_file}"],
    display_name: opts.displayName ?? "ResLab (TypeScript)",
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { debugger: false },
  };
}

/** Writes the kernelspec; returns the directory written. */
export function installKernelSpec(opts: InstallOptions = {}): string {
  const dir = path.join(kernelsDir(opts), opts.name ?? "reslab");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "kernel.json"), JSON.stringify(kernelSpec(opts), null, 2) + "\n");
  return dir;
}
