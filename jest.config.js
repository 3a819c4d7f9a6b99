/**
 * Unit tests run on the TypeScript sources through ts-jest. arquero is ESM-only, which jest's
 * module system cannot require, so its files (and only those) are transpiled to CommonJS too.
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test/unit"],
  testTimeout: 120000,
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
    "node_modules[\\\\/]arquero[\\\\/].+\\.js$": ["ts-jest", { tsconfig: { allowJs: true, module: "commonjs" } }],
  },
  transformIgnorePatterns: ["node_modules[\\\\/](?!arquero[\\\\/])"],
};
