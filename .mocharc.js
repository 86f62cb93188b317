// Mocha settings for every suite. WCN_TEST_SUITES picks suites by folder under test/
// (comma-separated: unit, integration, e2e); without it all of them run.
const suites = (process.env.WCN_TEST_SUITES || "unit,integration,e2e").split(",").map((suite) => suite.trim());

module.exports = {
    spec: suites.map((suite) => `dist/test/${suite}/**/*.test.js`),
    require: ["source-map-support/register", "dist/test/support/hooks.js"],
    reporter: "dist/test/support/summary-reporter.js",
    timeout: 60000,
    forbidOnly: true,
};
