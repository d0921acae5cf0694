// Mocha's spec reporter, closed by the plain line CI reads: "N passed, N failed".
const { reporters, Runner } = require('mocha');

class SummaryReporter extends reporters.Spec {
    constructor(runner, options) {
        super(runner, options);
        runner.once(Runner.constants.EVENT_RUN_END, () => {
            const { passes, failures, pending } = runner.stats;
            const skipped = pending ? `, ${pending} skipped` : '';
            process.stdout.write(`\n${passes} passed, ${failures} failed${skipped}\n`);
        });
    }
}

module.exports = SummaryReporter;
