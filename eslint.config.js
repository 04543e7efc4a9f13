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
);
