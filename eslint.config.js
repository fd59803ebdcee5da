// Lint: typescript-eslint's strict, type-checked rules. The rules that guard this daemon most:
// no floating promises (an unawaited delivery is a lost alert), exhaustive switches over unions
// (a new refusal kind, peer or transport must be handled everywhere), no unsafe casts or `any`
// leaking in from JSON and child processes. Bench and helper scripts in plain JS get the untyped
// rules. Each rule turned down below says why.
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
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, requireDefaultForNonUnion: false },
      ],
      // Numbers and booleans in messages are what a log sentence is made of.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `const { password: _secret, ...rest } = x` is how a field is left out of a copy.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { ignoreRestSiblings: true, varsIgnorePattern: '^_', argsIgnorePattern: '^_' },
      ],
      // The parser and the field rules look for control characters on purpose: they are what an
      // attacker uses to break out of a field.
      'no-control-regex': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // With noUncheckedIndexedAccess, `rows[0]!` in an assertion says "the test already checked
      // the length"; a wrong guess fails the test, which is what a test is for.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Fakes implement async interfaces without awaiting anything.
      '@typescript-eslint/require-await': 'off',
      // vitest's asymmetric matchers (expect.stringMatching...) are typed `any` by vitest itself.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      // Tests destructure helpers ({ dir, cleanup } = await tempDir()) and modules; none uses `this`.
      '@typescript-eslint/unbound-method': 'off',
      // Tests remove environment variables by name before starting a child.
      '@typescript-eslint/no-dynamic-delete': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
