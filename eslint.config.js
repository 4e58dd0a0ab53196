// `npm run lint`: ESLint's and typescript-eslint's recommended rules. Types are tsc's job (`npm run typecheck`);
// these catch what it does not (unused bindings, suspicious patterns).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['build/', 'node_modules/', 'test/e2e/screenshots/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Text people typed is cleaned of control characters on purpose: the regular expressions name them.
      'no-control-regex': 'off',
    },
  },
  // The few progressive-enhancement scripts run in browsers, as plain scripts.
  {
    files: ['static/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { window: 'readonly', document: 'readonly', fetch: 'readonly', FormData: 'readonly', Event: 'readonly' },
    },
  },
  // Migrations are frozen in time, so they work on Kysely<any> rather than today's schema types.
  { files: ['migrations/**', 'src/db/migrate.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  // Tests walk parsed XML and JSON documents, whose shape is what they assert.
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
)
