import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      '.bench/',
      '.reliability/',
      '.browser-test/',
      'test-results/',
      'data/',
      'coverage/',
      'src/generated/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
      // Settings are read once, by the config module; everything else receives AppConfig.
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings through AppConfig (src/config).' },
      ],
    },
  },
  {
    // The page's own scripts run in the browser.
    files: ['src/web/public/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['src/config/**/*.ts', 'scripts/**', 'test/**', 'bench/**', '*.config.*', '.ci/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  ...importBoundaries(),
);

/**
 * The few "never" rules between folders, as no-restricted-imports blocks (a later block replaces an earlier
 * one's list for the files it matches, so each block carries its whole list):
 * - each outside system is imported only by its adapter: @aws-sdk by src/storage, @fal-ai/client by
 *   src/providers/fal, child_process by src/media/ffmpeg.runner.ts (tests, bench and scripts may spawn);
 * - providers never import video-gen or the simulators (simulated mode is wired at the composition root;
 *   provider specs may start a simulator to talk to);
 * - credits never imports video-gen;
 * - common is the bottom layer: it imports no other src folder nor the composition root (its error classifier
 *   asks errors what they are, see common/failures/classified.ts); its specs may check the features' errors
 *   against it.
 * The same lists also refuse `import('...')` and `require('...')` of those modules (no-restricted-syntax), so a
 * dynamic import cannot walk around them. (`dynamic` is a regex for esquery, which reads no escaped `/`.)
 */
function importBoundaries() {
  const aws = {
    group: ['@aws-sdk/*'],
    dynamic: '^@aws-sdk.',
    message: 'Only src/storage talks to S3: use ObjectStorage.',
  };
  const fal = {
    group: ['@fal-ai/client', '@fal-ai/client/*'],
    dynamic: '^@fal-ai.client',
    message: 'Only src/providers/fal talks to fal: use the VideoProvider port.',
  };
  const spawn = {
    group: ['child_process', 'node:child_process'],
    dynamic: '^(node:)?child_process$',
    message: 'Only src/media/ffmpeg.runner.ts runs processes: use MediaService.',
  };
  const providers = {
    group: ['**/video-gen/**', '**/simulators/**', '**/simulated-providers.js'],
    dynamic: '(^|.)(video-gen|simulators).|simulated-providers',
    message:
      'Providers never import video-gen or the simulators (simulated mode is wired at the composition root).',
  };
  const credits = {
    group: ['**/video-gen/**'],
    dynamic: '(^|.)video-gen.',
    message: 'credits never imports video-gen.',
  };
  const layers = [
    ...['video-gen', 'providers', 'jobs', 'storage', 'media', 'credits', 'uploads', 'webhooks', 'simulators'],
    ...['auth', 'health', 'metrics', 'web', 'cli', 'config', 'database', 'logging'],
    ...['app.module', 'app.factory', 'main', 'simulated-providers'],
  ];
  // A relative path through any of those names: `[^a-z-]` stands for the path's separators and dots.
  const aboveCommon = `^[.](.*[^a-z-])?(${layers.join('|')})([^a-z-]|$)`;
  const common = {
    regex: aboveCommon,
    dynamic: aboveCommon,
    message:
      'common is the bottom layer and imports no feature folder: move the shared piece into common, or let the ' +
      'feature implement a common interface (as its errors implement Classified).',
  };
  const dynamicImports = ({ dynamic, message }) => [
    { selector: `ImportExpression[source.value=/${dynamic}/]`, message },
    { selector: `CallExpression[callee.name='require'][arguments.0.value=/${dynamic}/]`, message },
  ];
  const block = (files, patterns, ignores = []) => ({
    files,
    ignores,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: patterns.map(({ group, regex, message }) =>
            regex ? { regex, message } : { group, message },
          ),
        },
      ],
      'no-restricted-syntax': ['error', ...patterns.flatMap(dynamicImports)],
    },
  });
  const specs = ['src/**/*.spec.ts'];
  return [
    block(['src/**/*.ts'], [aws, fal, spawn]),
    block(['src/providers/**/*.ts'], [aws, fal, spawn, providers], specs),
    block(['src/providers/**/*.spec.ts'], [aws, fal, spawn]),
    block(['src/providers/fal/**/*.ts'], [aws, spawn, providers], specs),
    block(['src/providers/fal/**/*.spec.ts'], [aws, spawn]),
    block(['src/credits/**/*.ts'], [aws, fal, spawn, credits]),
    block(['src/common/**/*.ts'], [aws, fal, spawn, common], specs),
    block(['src/storage/**/*.ts'], [fal, spawn]),
    block(['src/media/ffmpeg.runner.ts'], [aws, fal]),
  ];
}
