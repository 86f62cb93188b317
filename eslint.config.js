// Lint rules: typescript-eslint's recommended set, with focused and skipped tests banned because
// they are easy to miss in review.
const tseslint = require("typescript-eslint");

module.exports = tseslint.config(
    { ignores: ["dist/**", "node_modules/**", "coverage/**"] },
    ...tseslint.configs.recommended,
    {
        rules: {
            "@typescript-eslint/no-require-imports": "off",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
            "no-restricted-properties": [
                "error",
                { object: "describe", property: "only", message: "Focused tests hide the rest of the suite." },
                { object: "it", property: "only", message: "Focused tests hide the rest of the suite." },
                { object: "describe", property: "skip", message: "Skip inside the test with a printed reason instead." },
                { object: "it", property: "skip", message: "Skip inside the test with a printed reason instead." },
            ],
        },
    },
);
