// Lint configuration: recommended JS + type-aware TypeScript rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'build/', 'runs/', 'out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // The network's passes take every buffer from a Workspace (counted, allocated once): a typed array
    // made here would escape the allocation test.
    files: [
      'src/nn/{linear,lstm,attention,embedding,softmax,layer-norm}.ts',
      'src/policy/{mlp,seq2seq,lookahead-prior}.ts',
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'NewExpression[callee.name=/^(Float32|Float64|Int32|Uint8)Array$/]',
          message: "take the buffer from the pass's Workspace (src/nn/workspace.ts)",
        },
        {
          selector: "CallExpression[callee.property.name='slice']",
          message: 'copy into a Workspace buffer instead of slice()',
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
