// Program error logging of the recorder.
import { expect } from "chai";

import { Recorder } from "../../driver/recorder";

describe("driver recorder", () => {
    it("logProgramErrors logs each error once", () => {
        const recorder = new Recorder();
        const trace = "Error: boom\n    at main (program.js:3:9)";

        recorder.logProgramErrors([trace, "Error: other", trace, trace]);

        const log = recorder.render("up", "dev", {});
        expect(log).to.contain(`    [program error] (reported 3 times) ${trace}\n`);
        expect(log).to.contain("    [program error] Error: other\n");
        expect(log.split("[program error]")).to.have.length(3);
    });

    it("logProgramErrors logs nothing without errors", () => {
        const recorder = new Recorder();

        recorder.logProgramErrors([]);

        expect(recorder.render("up", "dev", {})).to.not.contain("Log:");
    });
});
