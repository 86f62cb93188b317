// The driver's child processes end with it. On SIGINT and SIGTERM the command line's handlers kill them. On
// SIGKILL the provider server exits because its stdin pipe from the driver closes, and the program process
// exits because its IPC channel closes.
import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

import { DriverFixture, PROGRAM_PATH } from "./fixture";

const CLI_PATH = path.resolve(__dirname, "../../driver/cli.js");

/** How long the fake create waits after it wrote its marker file, in milliseconds. */
const CREATE_DELAY_MS = 5_000;

/** Bound on the time a child may take to exit after the driver died, in milliseconds. */
const EXIT_WAIT_MS = 5_000;

/** Time for the driver to start its children and reach the create, in milliseconds. */
const START_WAIT_MS = 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Polls `probe` every 50 ms until it returns a value other than undefined; throws after `timeoutMs`.
 */
async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = probe();
        if (value !== undefined) {
            return value;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        }
        await sleep(50);
    }
}

/** Reads the state field of /proc/PID/stat, or undefined where there is no such file. */
function procState(pid: number): string | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2)[0];
    } catch {
        return undefined;
    }
}

/**
 * True while the process exists and is not a zombie. An orphan that has exited stays a zombie until its new
 * parent reaps it, and in a container that parent may never do so.
 */
function isRunning(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch {
        return false;
    }
    if (!fs.existsSync("/proc")) {
        return true;
    }
    const state = procState(pid);
    return state !== undefined && state !== "Z";
}

/** PIDs of the processes whose parent is `parentPid`, from /proc; empty where /proc does not exist. */
function childrenOf(parentPid: number): number[] {
    if (!fs.existsSync("/proc")) {
        return [];
    }
    const children: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            if (Number(fields[1]) === parentPid) {
                children.push(Number(entry));
            }
        } catch {
            // The process exited while the directory was read.
        }
    }
    return children;
}

describe("driver process lifetime", function () {
    this.timeout(120_000);
    let fixture: DriverFixture;
    let driver: ChildProcess | undefined;
    let started: number[] = [];

    beforeEach(() => {
        fixture = new DriverFixture();
        started = [];
    });

    afterEach(() => {
        // Kills only what this test started, by PID, should a check have failed before the processes ended.
        for (const pid of [driver?.pid, ...started]) {
            if (pid !== undefined && isRunning(pid)) {
                process.kill(pid, "SIGKILL");
            }
        }
        driver = undefined;
        fixture.cleanup();
    });

    /**
     * Starts `up` of one record whose create waits CREATE_DELAY_MS, and resolves once the create runs, with the
     * PIDs of the provider server and of every child of the driver.
     */
    async function startSlowCreate(): Promise<{
        providerPid: number;
        children: number[];
        stderr: () => string;
    }> {
        const records = JSON.stringify([
            { name: "alpha", key: "ka", value: "one", createDelayMs: CREATE_DELAY_MS },
        ]);
        const args = [CLI_PATH, "up", "--program", PROGRAM_PATH, "--state", fixture.statePath];
        args.push("--config", `fake:storePath=${fixture.storePath}`, "--config", `fake:records=${records}`);
        driver = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        driver.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        driver.stdout!.resume();
        const markerPath = `${fixture.storePath}.create-started`;
        const providerPid = await waitFor("the fake create to start", START_WAIT_MS, () =>
            fs.existsSync(markerPath) ? Number(fs.readFileSync(markerPath, "utf8")) : undefined,
        );
        const children = childrenOf(driver.pid!);
        started = [providerPid, ...children];
        return { providerPid, children, stderr: () => stderr };
    }

    /** Sends `signal` to the driver and resolves when it has exited and its output streams are closed. */
    async function stopDriver(
        signal: NodeJS.Signals,
    ): Promise<{ code: number | null; signal: string | null }> {
        const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
            driver!.once("close", (code, exitSignal) => resolve({ code, signal: exitSignal })),
        );
        driver!.kill(signal);
        return exited;
    }

    async function expectChildrenGone(pids: number[]): Promise<void> {
        for (const pid of pids) {
            await waitFor(`process ${pid} to exit`, EXIT_WAIT_MS, () => (isRunning(pid) ? undefined : true));
        }
    }

    it("SIGKILL of the driver ends its children", async () => {
        const { providerPid, children } = await startSlowCreate();
        const createStarted = Date.now();
        if (children.length > 0) {
            expect(children).to.include(providerPid);
            expect(children.length, "program process and provider server").to.equal(2);
        }

        const exit = await stopDriver("SIGKILL");

        expect(exit.signal).to.equal("SIGKILL");
        await expectChildrenGone([providerPid, ...children]);
        // The create was cut off: once its delay is over, the fake system still has no object.
        await sleep(createStarted + CREATE_DELAY_MS + 1_000 - Date.now());
        expect(fixture.store().objects).to.deep.equal({});
    });

    for (const [signal, code] of [
        ["SIGTERM", 143],
        ["SIGINT", 130],
    ] as const) {
        it(`${signal} kills the children before the driver exits`, async () => {
            const { providerPid, children, stderr } = await startSlowCreate();
            const createStarted = Date.now();

            const exit = await stopDriver(signal);

            expect(exit.code).to.equal(code);
            expect(stderr()).to.contain(
                `error: up stopped by ${signal}: the provider server and the program were killed`,
            );
            await expectChildrenGone([providerPid, ...children]);
            await sleep(createStarted + CREATE_DELAY_MS + 1_000 - Date.now());
            expect(fixture.store().objects).to.deep.equal({});
        });
    }
});
