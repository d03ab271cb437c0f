// ESLint for the TypeScript and JavaScript of this repository (`npm run lint` runs it through scripts/lint.sh).
// Formatting is Prettier's job (.prettierrc.json): no rule here is about layout.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  {
    // ESLint does not read .gitignore: build output, caches and Composer's vendor/ folders; PHP (composer-package/,
    // stubs/, fixtures); C++ (native/, clang-format's).
    ignores: [
      'dist/',
      '**/vendor/',
      'native/',
      '.cache/',
      '.ephpm/',
      'composer-package/',
      'stubs/',
      'test/fixtures/',
      'bench/results/',
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      globals: { ...globals.node },
      // Type information from the project the typecheck uses (src/, test/, vitest.config.ts): the whole tree lints in
      // about 25 s on 2 cores. A new .ts file outside it must join tsconfig.test.json (or the last block below).
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      eqeqeq: ['error', 'always'],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true, // `const { raw, ...rest } = x` drops `raw` on purpose
        },
      ],
      // A `return promise` inside try/catch skips the catch: await it there (elsewhere, either is fine).
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      // Best-effort cleanup (kill a process that may be gone, read a /proc file that may vanish) ignores its error.
      'no-empty': ['error', { allowEmptyCatch: true }],
      // The regexes with control characters mean them: terminal escapes, CSV and header sanitizing.
      'no-control-regex': 'off',
      // The casts it flags document intent (`as FrameType`, `'sqlite' as Database`); removing them catches no bug.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // An async function without await is how a callback returns a Promise (oclif's parse, .then/.catch handlers).
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Tests and benchmarks read JSON answers as `any` on purpose, and wrap errors in messages that already carry
    // what they need (command output, the last values seen).
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      'preserve-caught-error': 'off',
    },
  },
  {
    // JavaScript (bench/, scripts/, bin/, .ci/, this file) and the one TypeScript file outside tsconfig.test.json:
    // no type information, so no type-aware rules.
    files: ['**/*.{js,mjs,cjs}', 'bench/**/*.ts'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
