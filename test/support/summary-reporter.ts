// Mocha's spec reporter plus one closing line, "mocha: N passed, N failed, N skipped", in the
// form that CI reads to tell a run that executed tests from one that executed none.
// Use: mocha --reporter dist/test/support/summary-reporter.js

import Mocha = require("mocha");

class SummaryReporter extends Mocha.reporters.Spec {
    constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
        super(runner, options);
        // Registered after Spec's own handler, so the line follows mocha's summary.
        runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
            const stats = runner.stats;
            const passed = stats?.passes ?? 0;
            const failed = stats?.failures ?? 0;
            const skipped = stats?.pending ?? 0;
            console.log(`mocha: ${passed} passed, ${failed} failed, ${skipped} skipped`);
        });
    }
}

export = SummaryReporter;
