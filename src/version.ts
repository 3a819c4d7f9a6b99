/** The ResLab package version, read from package.json at run time. */
import * as fs from "fs";
import * as path from "path";

function readVersion(): string {
  // dist/src/version.js and src/version.ts both sit two levels below the package root at most.
  for (const up of ["..", "../.."]) {
    const file = path.join(__dirname, up, "package.json");
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
      if (pkg.name === "reslab") return String(pkg.version);
    }
  }
  return "0.0.0-unknown";
}

/** ResLab's version string, e.g. "0.1.0". */
export const VERSION: string = readVersion();

/** Absolute path of the ResLab package root (the folder holding package.json). */
export const PACKAGE_ROOT: string = (() => {
  for (const up of ["..", "../.."]) {
    const dir = path.resolve(__dirname, up);
    if (fs.existsSync(path.join(dir, "package.json"))) return dir;
  }
  return path.resolve(__dirname, "..");
})();
