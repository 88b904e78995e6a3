/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // The Galera suite needs the project's test cluster (test/galera/cluster.sh): `.ci/run` starts it and
  // sets KEYFORM_TEST_GALERA=1.
  testPathIgnorePatterns: ["/node_modules/", ...(process.env.KEYFORM_TEST_GALERA === "1" ? [] : ["/test/galera/"])],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript", decorators: true }, target: "es2022",
      transform: { legacyDecorator: true, decoratorMetadata: true } }, module: { type: "commonjs" } }],
  },
  // The workspace packages by name, as users import them, resolved to their sources.
  moduleNameMapper: { "^@keyform/cdktf$": "<rootDir>/provider/index.ts", "^@keyform/client$": "<rootDir>/client/src/index.ts" },
  testTimeout: 60000,
  maxWorkers: 2,
};
