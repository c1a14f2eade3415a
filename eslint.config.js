// @ts-check
// Flat ESLint config for the whole workspace. One TypeScript program (the root tsconfig.json, via
// the project service) backs the type-aware rules; nx module boundaries read the tags in each
// project.json. eslint-config-prettier comes last so formatting is Prettier's alone.
import js from '@eslint/js';
import { createProjectGraphAsync } from '@nx/devkit';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// @nx/enforce-module-boundaries reads nx's cached project graph and silently skips itself when
// there is none (a fresh clone). Inside an nx task the graph is fresh already; for a plain
// `eslint` run (npm run lint, an editor), compute it here, which also writes the cache.
if (!process.env['NX_TASK_TARGET_PROJECT']) {
  await createProjectGraphAsync({ exitOnError: false });
}

const tsFiles = ['**/*.ts', '**/*.mts', '**/*.cts'];
const jsFiles = ['**/*.js', '**/*.mjs', '**/*.cjs'];

export default defineConfig(
  {
    ignores: [
      '**/gen/**',
      '**/gen-es/**',
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      '.nx/**',
      '.drover/**',
      'release/**',
      'bench/results/**',
      '**/bench/results/**',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX, '@nx': nx },
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    settings: {
      'import-x/extensions': ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'],
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts', '.cts'] },
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.node'],
          extensionAlias: { '.js': ['.ts', '.js'], '.mjs': ['.mts', '.mjs'] },
        }),
      ],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib'] },
            // libs/state is the pure core: nothing from the workspace.
            { sourceTag: 'scope:state', onlyDependOnLibsWithTags: [] },
          ],
        },
      ],
    },
  },
  {
    files: tsFiles,
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
      ],
      // With noUncheckedIndexedAccess, `xs[i]!` after a bounds check is the honest spelling.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    // bin/*.js launchers, tools/bin scripts and this file: plain JS, no type information.
    files: jsFiles,
    extends: [tseslint.configs.disableTypeChecked],
    rules: {
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    // A checkout's bins start the sources through one shared launcher (tools/bin/run-sources.js):
    // they are not the app's code, which keeps to the project boundaries above.
    files: ['apps/*/bin/*.js'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    // The dashboard's browser modules: served as they are, no build step.
    files: ['apps/coordinator/src/dashboard/static/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
  prettier,
);
