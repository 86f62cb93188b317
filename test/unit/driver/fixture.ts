// Per-test workspace for driver tests: a temporary directory with the state file and the fake system's store,
// and a helper that runs the test program with a list of FakeRecords.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

import { DriverOptions, DriverResult, Operation, runDriver, StackState } from "../../driver";
import { FakeStore, readStore } from "../../driver/testdata/fake-record";
import { RecordSpec } from "../../driver/testdata/program";

/** Compiled test program; tests run from dist/test/unit/driver. */
export const PROGRAM_PATH = path.resolve(__dirname, "../../driver/testdata/program.js");

export class DriverFixture {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-driver-"));
    readonly statePath = path.join(this.dir, "state.json");
    readonly storePath = path.join(this.dir, "store.json");

    run(
        operation: Operation,
        records: RecordSpec[],
        extra: Partial<DriverOptions> = {},
    ): Promise<DriverResult> {
        return runDriver({
            operation,
            programPath: PROGRAM_PATH,
            statePath: this.statePath,
            project: "drivertest",
            stack: "dev",
            ...extra,
            config: {
                "fake:storePath": this.storePath,
                "fake:records": JSON.stringify(records),
                "fake:greeting": "hello",
                ...extra.config,
            },
            secretConfig: { "fake:token": "s3cr3t-token", ...extra.secretConfig },
        });
    }

    store(): FakeStore {
        return readStore(this.storePath);
    }

    /** Reads the state file as stored on disk, with secrets still encrypted. */
    rawState(): StackState {
        return JSON.parse(fs.readFileSync(this.statePath, "utf8")) as StackState;
    }

    stateText(): string {
        return fs.existsSync(this.statePath) ? fs.readFileSync(this.statePath, "utf8") : "";
    }

    cleanup(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** Renders steps as "op name" strings, which makes assertion failures easy to read. */
export function stepList(result: DriverResult): string[] {
    return result.steps.map((step) => `${step.op} ${step.name}`);
}

/**
 * Like stepList, but sorted: the SDK sends registrations of independent resources in no guaranteed order, and the
 * driver handles them in arrival order.
 */
export function sortedSteps(result: DriverResult): string[] {
    return stepList(result).sort();
}

/** Renders the fake system's change log as "op id" strings. */
export function changeLog(store: FakeStore): string[] {
    return store.log.map((entry) => `${entry.op} ${entry.id}`);
}

/** Fails with the driver's log when a run that should succeed did not. */
export function expectOk(result: DriverResult): DriverResult {
    if (!result.ok) {
        throw new Error(`driver run failed:\n${result.log}`);
    }
    return result;
}
