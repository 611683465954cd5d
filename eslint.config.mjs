import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import boundaries from 'eslint-plugin-boundaries';
import tseslint from 'typescript-eslint';

// Every caught error is logged (Nest Logger, or the pino logger in scope) or counted (a prom-client counter).
// These shapes drop it unseen; where dropping is right (an existence check, an optional file, best-effort
// cleanup in a test), say why in an eslint-disable comment on that line. A catch handler or catch clause
// that names the error but never uses it is reported by no-unused-vars.
const DROPPED = 'drops the error unseen: log it (with context) or count it, or say in an eslint-disable comment why dropping it is right.';
const swallowedErrors = [
  { selector: 'CatchClause > BlockStatement[body.length=0]', message: `An empty catch block ${DROPPED}` },
  { selector: 'CatchClause:not([param])', message: `A catch clause without a binding ${DROPPED}` },
  {
    selector: "CallExpression[callee.property.name='catch'] > :matches(ArrowFunctionExpression, FunctionExpression)[params.length=0]",
    message: `A .catch handler that takes no error ${DROPPED}`,
  },
  {
    selector: "CallExpression[callee.property.name='catch'] > :matches(ArrowFunctionExpression, FunctionExpression)[params.0.name=/^_/]",
    message: `A .catch handler that ignores its error ${DROPPED}`,
  },
  {
    selector:
      "CallExpression[callee.property.name='then'][arguments.length=2] > :matches(ArrowFunctionExpression, FunctionExpression)[params.length=0]:last-child",
    message: `A rejection handler that takes no error ${DROPPED}`,
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'src/generated/**', 'node_modules/**', 'coverage/**', '.infra/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Configuration is read in one typed place only (src/modules/config).
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through AppConfig.' }],
    },
  },
  {
    // Type-aware rules: a promise nobody awaits or catches loses its rejection (an unhandled rejection
    // ends the process, or the error vanishes); a promise where a void callback is expected does the same.
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // The service and its tests; bench/ scripts poll, cache and clean up, where the error is the answer.
    files: ['src/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-restricted-syntax': ['error', ...swallowedErrors] },
  },
  // Layers (issue 21): framework-free libraries under src/lib import only each other; Nest
  // modules import libraries, common and other modules' index.ts; the simulated world imports
  // only libraries (the stream format), and only the bootstrap module imports the world.
  // test/architecture/module-graph.spec.ts checks the same graph for cycles.
  {
    files: ['src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { typescript: { project: './tsconfig.json' } },
      'boundaries/include': ['src/**/*.ts'],
      'boundaries/elements': [
        { type: 'lib', pattern: 'src/lib/*', mode: 'folder', capture: ['name'] },
        { type: 'module', pattern: 'src/modules/*', mode: 'folder', capture: ['name'] },
        { type: 'common', pattern: 'src/common', mode: 'folder' },
        { type: 'world', pattern: 'src/world', mode: 'folder' },
        { type: 'cli', pattern: 'src/cli', mode: 'folder' },
        { type: 'generated', pattern: 'src/generated', mode: 'folder' },
        { type: 'app', pattern: 'src/*.ts', mode: 'file' },
      ],
    },
    rules: {
      'boundaries/element-types': [
        'error',
        {
          default: 'disallow',
          rules: [
            { from: ['lib'], allow: ['lib'] },
            { from: ['common'], allow: ['lib', 'common'] },
            { from: ['module'], allow: ['lib', 'common', 'module'] },
            { from: [['module', { name: 'storage' }]], allow: ['generated'] },
            { from: [['module', { name: 'bootstrap' }]], allow: ['world'] },
            { from: ['world'], allow: ['lib', 'world'] },
            { from: ['generated'], allow: ['generated'] },
            { from: ['cli'], allow: ['lib', 'common', 'module', 'world', 'cli', 'app'] },
            { from: ['app'], allow: ['lib', 'common', 'module', 'app'] },
          ],
        },
      ],
      'boundaries/entry-point': [
        'error',
        {
          default: 'disallow',
          rules: [
            { target: ['lib', 'module'], allow: 'index.ts' },
            { target: ['common', 'world', 'cli', 'app', 'generated'], allow: '**' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/modules/config/**', 'test/**', 'scripts/**', 'bench/**', 'src/cli/**', '**/*.spec.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['scripts/**/*.js', '*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
