/** The repository's top-level layout of the design card: data/ is there, with its README, and its cache is ignored. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");
const git = (...args: string[]) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });

test("data/ is in the repository with a README saying where each dataset is looked for; what it caches is ignored", () => {
  const readme = fs.readFileSync(path.join(ROOT, "data", "README.md"), "utf8");
  for (const name of ["mnist-embedded", "mnist", "fashion-mnist", "cifar10", "/usr/share/datasets/fashion-mnist", "SHA-256"]) expect(readme).toContain(name);
  expect(git("ls-files", "--error-unmatch", "data/README.md").status).toBe(0);
  for (const cached of ["data/mnist/train-images-idx3-ubyte.gz", "data/cifar10/data_batch_1.bin", "data/fashion-mnist/x"]) {
    expect(git("check-ignore", "-q", cached).status).toBe(0);
  }
  expect(git("check-ignore", "-q", "data/README.md").status).toBe(1);
});
