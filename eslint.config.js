// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    { ignores: ['node_modules/', '.local/', 'coverage/'] },
    eslint.configs.recommended,
    tseslint.configs.strictTypeChecked,
    tseslint.configs.stylisticTypeChecked,
    {
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        rules: {
            '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
            // client-node's models are generated classes holding only fields; its own
            // documentation builds them from object literals.
            '@typescript-eslint/no-unsafe-class-instance-assignment': 'off',
        },
    },
    {
        files: ['**/*.js', '**/*.cjs'],
        extends: [tseslint.configs.disableTypeChecked],
    },
    {
        files: ['**/*.cjs'],
        languageOptions: {
            sourceType: 'commonjs',
            globals: { require: 'readonly', module: 'writable', process: 'readonly' },
        },
        // Mocha loads reporters with require().
        rules: { '@typescript-eslint/no-require-imports': 'off' },
    },
    {
        files: ['**/*.test.ts'],
        rules: {
            // chai's property assertions (expect(x).to.be.true) read as unused expressions.
            '@typescript-eslint/no-unused-expressions': 'off',
        },
    },
);
