// Lint: typescript-eslint's strict, type-checked rules. The rules that guard this daemon most:
// no floating promises (an unawaited delivery is a lost alert), exhaustive switches over unions
// (a new refusal kind or transport must be handled everywhere), no unsafe casts or `any` leaking
// in from JSON and child processes. Bench and helper scripts in plain JS get the untyped rules.
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'build/', 'coverage/', 'node_modules/', 'test/bench/out/'] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false }],
      // Numbers and booleans in messages are what a log sentence is made of.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
