import { expect } from "chai";
import * as sinon from "sinon";
import { RunnerPool, Semaphore } from "../../../provider/powershell/pool";
import {
    PowerShellRunner,
    RunnerError,
    ScriptRequest,
    ScriptResult,
} from "../../../provider/powershell/runner";

/** A runner that records its scripts and finishes each one when the test calls finishNext or failNext. */
class FakeRunner implements PowerShellRunner {
    readonly transport = "winrm" as const;
    readonly stats = { roundTrips: 0, shellsOpened: 1, processesStarted: 0 };
    readonly scripts: string[] = [];
    readonly dispose = sinon.stub().resolves();
    running = 0;
    maxRunning = 0;
    private readonly pending: { resolve: (result: ScriptResult) => void; reject: (error: Error) => void }[] =
        [];

    constructor(readonly id: number) {}

    runScript(request: ScriptRequest): Promise<ScriptResult> {
        this.scripts.push(request.script);
        this.stats.roundTrips++;
        this.running++;
        this.maxRunning = Math.max(this.maxRunning, this.running);
        return new Promise<ScriptResult>((resolve, reject) => this.pending.push({ resolve, reject })).finally(
            () => {
                this.running--;
            },
        );
    }

    finishNext(stdout = "ok"): void {
        this.pending.shift()?.resolve({ stdout, stderr: "", exitCode: 0 });
    }

    failNext(error: Error): void {
        this.pending.shift()?.reject(error);
    }
}

/** Lets pending promise callbacks run. */
async function settle(): Promise<void> {
    for (let round = 0; round < 10; round++) {
        await Promise.resolve();
    }
}

function request(script: string, signal?: AbortSignal): ScriptRequest {
    return { script, timeoutMs: 1_000, signal };
}

describe("RunnerPool", function () {
    let runners: FakeRunner[];
    let createRunner: sinon.SinonSpy<[string], FakeRunner>;
    let logger: { warn: sinon.SinonSpy };
    const noRetry = { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 };

    beforeEach(function () {
        runners = [];
        createRunner = sinon.spy((host: string) => {
            void host;
            const runner = new FakeRunner(runners.length);
            runners.push(runner);
            return runner;
        });
        logger = { warn: sinon.spy() };
    });

    it("reuses one runner for sequential scripts", async function () {
        const pool = new RunnerPool({ createRunner, logger, retry: noRetry });
        for (let index = 0; index < 10; index++) {
            const result = pool.runScript("host-a", request(`script ${index}`));
            await settle();
            runners[0].finishNext(`out ${index}`);
            expect((await result).stdout).to.equal(`out ${index}`);
        }
        expect(createRunner.callCount).to.equal(1);
        expect(runners[0].scripts).to.have.length(10);
        expect(pool.statsFor("host-a")).to.deep.equal({
            roundTrips: 10,
            shellsOpened: 1,
            processesStarted: 0,
        });
        await pool.dispose();
    });

    it("keeps separate runners per host", async function () {
        const pool = new RunnerPool({ createRunner, logger, retry: noRetry });
        const first = pool.runScript("host-a", request("a"));
        const second = pool.runScript("host-b", request("b"));
        await settle();
        expect(createRunner.args.map((args) => args[0])).to.deep.equal(["host-a", "host-b"]);
        runners[0].finishNext("from a");
        runners[1].finishNext("from b");
        expect((await first).stdout).to.equal("from a");
        expect((await second).stdout).to.equal("from b");
        expect(pool.totalStats().shellsOpened).to.equal(2);
        await pool.dispose();
    });

    it("limits concurrent scripts per host", async function () {
        const pool = new RunnerPool({ createRunner, logger, retry: noRetry, maxRunnersPerHost: 2 });
        const results = [0, 1, 2, 3, 4].map((index) => pool.runScript("host-a", request(`s${index}`)));
        await settle();
        expect(runners).to.have.length(2);
        expect(runners.map((runner) => runner.scripts)).to.deep.equal([["s0"], ["s1"]]);

        runners[0].finishNext();
        await settle();
        expect(runners[0].scripts).to.deep.equal(["s0", "s2"]);
        runners[1].finishNext();
        await settle();
        expect(runners[1].scripts).to.deep.equal(["s1", "s3"]);
        runners[0].finishNext();
        await settle();
        expect(runners[0].scripts).to.deep.equal(["s0", "s2", "s4"]);
        runners[1].finishNext();
        runners[0].finishNext();
        await Promise.all(results);

        expect(runners).to.have.length(2);
        expect(runners.map((runner) => runner.maxRunning)).to.deep.equal([1, 1]);
        await pool.dispose();
    });

    it("defaults to four runners per host", async function () {
        const pool = new RunnerPool({ createRunner, logger, retry: noRetry });
        const results = Array.from({ length: 6 }, (_, index) =>
            pool.runScript("host-a", request(`s${index}`)),
        );
        await settle();
        expect(runners).to.have.length(4);
        for (let round = 0; round < 2; round++) {
            for (const runner of runners) {
                runner.finishNext();
            }
            await settle();
        }
        await Promise.all(results);
        expect(runners).to.have.length(4);
        await pool.dispose();
    });

    it("retries a transient failure on a new runner", async function () {
        const pool = new RunnerPool({
            createRunner,
            logger,
            retry: { maxAttempts: 3, initialDelayMs: 0, maxDelayMs: 0 },
        });
        const result = pool.runScript("host-a", request("flaky"));
        await settle();
        runners[0].failNext(new RunnerError("transient", "connection reset"));
        await new Promise((resolve) => setTimeout(resolve, 5));
        expect(runners).to.have.length(2);
        runners[1].finishNext("second try");

        expect((await result).stdout).to.equal("second try");
        expect(runners[0].dispose.callCount).to.equal(1);
        expect(runners[1].dispose.callCount).to.equal(0);
        expect(logger.warn.callCount).to.equal(1);
        expect(logger.warn.args[0][0]).to.contain("connection reset");
        await pool.dispose();
    });

    it("does not retry configuration errors", async function () {
        const pool = new RunnerPool({
            createRunner,
            logger,
            retry: { maxAttempts: 3, initialDelayMs: 0, maxDelayMs: 0 },
        });
        const result = pool.runScript("host-a", request("bad")).catch((caught: unknown) => caught);
        await settle();
        runners[0].failNext(new RunnerError("configuration", "wrong key"));
        const error = (await result) as RunnerError;
        expect(error.kind).to.equal("configuration");
        expect(runners).to.have.length(1);
        expect(runners[0].dispose.callCount).to.equal(1);
        await pool.dispose();
    });

    it("disposes a runner after a failed script", async function () {
        const pool = new RunnerPool({ createRunner, logger, retry: noRetry });
        const failing = pool.runScript("host-a", request("throws")).catch((caught: unknown) => caught);
        await settle();
        runners[0].failNext(new TypeError("bug in the runner"));
        expect(await failing).to.be.instanceOf(TypeError);
        expect(runners[0].dispose.callCount).to.equal(1);

        const next = pool.runScript("host-a", request("next"));
        await settle();
        expect(runners).to.have.length(2);
        runners[1].finishNext();
        await next;
        await pool.dispose();
    });

    it("keeps disposing when one disposal fails", async function () {
        const pool = new RunnerPool({ createRunner, logger, retry: noRetry });
        const results = [pool.runScript("host-a", request("a")), pool.runScript("host-b", request("b"))];
        await settle();
        for (const runner of runners) {
            runner.finishNext();
        }
        await Promise.all(results);
        runners[0].dispose.rejects(new Error("socket already closed"));

        await pool.dispose();
        expect(runners.map((runner) => runner.dispose.callCount)).to.deep.equal([1, 1]);
        expect(logger.warn.callCount).to.equal(1);
        expect(logger.warn.args[0][0]).to.contain("socket already closed");
    });

    it("rejects waiting scripts on dispose", async function () {
        const pool = new RunnerPool({ createRunner, logger, retry: noRetry, maxRunnersPerHost: 1 });
        const running = pool.runScript("host-a", request("running")).catch((caught: unknown) => caught);
        const waiting = pool.runScript("host-a", request("waiting")).catch((caught: unknown) => caught);
        await settle();
        await pool.dispose();
        runners[0].failNext(new RunnerError("aborted", "disposed"));

        expect(((await waiting) as RunnerError).kind).to.equal("aborted");
        expect(((await running) as RunnerError).kind).to.equal("aborted");
        expect(runners[0].dispose.callCount).to.equal(1);
        const late = await pool.runScript("host-a", request("late")).catch((caught: unknown) => caught);
        expect((late as RunnerError).kind).to.equal("aborted");
    });

    it("rejects an aborted waiting script", async function () {
        const pool = new RunnerPool({ createRunner, logger, retry: noRetry, maxRunnersPerHost: 1 });
        const controller = new AbortController();
        const running = pool.runScript("host-a", request("running"));
        const waiting = pool
            .runScript("host-a", request("waiting", controller.signal))
            .catch((caught: unknown) => caught);
        await settle();
        controller.abort();
        expect(((await waiting) as RunnerError).kind).to.equal("aborted");
        runners[0].finishNext();
        await running;
        expect(runners[0].scripts).to.deep.equal(["running"]);
        await pool.dispose();
    });

    it("rejects an invalid limit", function () {
        expect(() => new RunnerPool({ createRunner, maxRunnersPerHost: 0 })).to.throw(
            "invalid maxRunnersPerHost 0",
        );
    });
});

describe("Semaphore", function () {
    it("grants permits in call order", async function () {
        const semaphore = new Semaphore(1);
        const order: number[] = [];
        await semaphore.acquire();
        const waiters = [1, 2, 3].map((index) => semaphore.acquire().then(() => order.push(index)));
        semaphore.release();
        await settle();
        semaphore.release();
        await settle();
        semaphore.release();
        await Promise.all(waiters);
        expect(order).to.deep.equal([1, 2, 3]);
    });
});
