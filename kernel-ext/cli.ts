/**
 * The `reslab` command: `reslab install [--user|--prefix P]`, `reslab kernel --config-path F`, and the
 * sweep commands (`reslab sweep plan|run|enqueue|status`, `reslab worker`; src/sweep/cli.ts).
 */
import { Command } from "commander";
import { VERSION } from "../src/version";
import { installKernelSpec } from "./install";
import { registerSweepCommands } from "../src/sweep/cli";

export function main(argv: string[]): void {
  const program = new Command("reslab").version(VERSION).description("ResLab: a Jupyter kernel for studying residual networks");
  program
    .command("install")
    .description('Register the "reslab" kernel with Jupyter (display name "ResLab (TypeScript)")')
    .option("--user", "install for the current user (default unless root)")
    .option("--prefix <dir>", "install into <dir>/share/jupyter/kernels (e.g. a virtualenv or a test folder)")
    .option("--name <name>", "kernel name", "reslab")
    .action((opts: { user?: boolean; prefix?: string; name: string }) => {
      if (opts.user && opts.prefix) {
        program.error("reslab install: use either --user or --prefix, not both");
      }
      const dir = installKernelSpec(opts);
      process.stdout.write(`Installed kernelspec ${opts.name} in ${dir}\n`);
    });
  program
    .command("kernel")
    .description("Start the kernel (Jupyter runs this; you do not need to)")
    .requiredOption("--config-path <file>", "Jupyter connection file")
    .action(async (opts: { configPath: string }) => {
      const { startKernel } = await import("./kernel");
      await startKernel(opts.configPath);
    });
  registerSweepCommands(program);
  program.parseAsync(argv).catch((e) => {
    process.stderr.write(`reslab: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}

if (require.main === module) main(process.argv);
