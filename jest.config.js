/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript", decorators: true }, target: "es2022",
      transform: { legacyDecorator: true, decoratorMetadata: true } }, module: { type: "commonjs" } }],
  },
  testTimeout: 60000,
  maxWorkers: 2,
};
