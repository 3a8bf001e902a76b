// ESLint for the page's browser modules (app/static) and their Node unit tests (tests/js):
// the recommended rules plus a few that catch real bugs rather than taste.
import js from "@eslint/js";
import globals from "globals";

const bugCatchers = {
  eqeqeq: ["error", "always", { null: "ignore" }], // `x == null` is the one meant loose test
  "no-implicit-coercion": ["error", { allow: ["!!"] }],
  "no-shadow": "error",
  // Only same-scope uses: a function may name a later `const` it runs after.
  "no-use-before-define": ["error", { functions: false, variables: false }],
  "no-unused-vars": ["error", { args: "after-used", caughtErrors: "all" }],
  "no-var": "error",
  "prefer-const": "error",
  "no-constant-binary-expression": "error",
  "no-promise-executor-return": "error",
  "no-self-compare": "error",
  "no-template-curly-in-string": "error",
  "no-unmodified-loop-condition": "error",
  "no-unreachable-loop": "error",
  "array-callback-return": "error",
  "default-case-last": "error",
  "no-loss-of-precision": "error",
};

export default [
  { ignores: ["node_modules/", "reports/", ".venv/", ".peers/"] },
  js.configs.recommended,
  {
    files: ["app/static/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
    rules: bugCatchers,
  },
  {
    files: ["tests/js/**/*.js", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
    rules: bugCatchers,
  },
];
