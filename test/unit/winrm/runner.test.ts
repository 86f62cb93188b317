import { expect } from "chai";
import * as util from "util";
import { RunnerError } from "../../../provider/powershell/runner";
import { setProviderConfig } from "../../../provider/host/config";
import { BasicAuthentication } from "../../../provider/winrm/auth";
import { WinRmRunner, type WinRmRunnerOptions } from "../../../provider/winrm/runner";
import { createWinRmRunner } from "../../../provider/winrm/settings";
import { requireOrSkip } from "../../support/components";
import { opensslAvailable, type TestCertificates } from "../../support/tls";
import {
    clientOptions,
    makeWinRmCertificates,
    startTestEndpoint,
    TEST_ACCOUNT,
    type TestEndpoint,
} from "../../support/winrm";
import { echoScriptExecutor, expectedEcho } from "../../support/winrm-executors";

const FAST_RETRY = { attempts: 4, baseDelayMs: 10, maxDelayMs: 50 };
let hostCounter = 0;

async function runnerRejection(promise: Promise<unknown>): Promise<RunnerError> {
    const error = await promise.then(
        () => undefined,
        (caught: unknown) => caught,
    );
    expect(RunnerError.isInstance(error), `expected a RunnerError, got ${String(error)}`).to.equal(true);
    return error as RunnerError;
}

describe("WinRM runner", function () {
    let certificates: TestCertificates;
    let test: TestEndpoint;
    const runners: WinRmRunner[] = [];
    let logLines: string[];

    function makeRunner(
        overrides: Partial<WinRmRunnerOptions> = {},
        target: TestEndpoint = test,
    ): WinRmRunner {
        hostCounter += 1;
        const runner = new WinRmRunner({
            client: clientOptions(target),
            retry: FAST_RETRY,
            hostKey: `test-host-${hostCounter}`,
            log: (line) => logLines.push(line),
            ...overrides,
        });
        runners.push(runner);
        return runner;
    }

    before(function () {
        requireOrSkip(this, "openssl", opensslAvailable(), "the openssl command is not on PATH");
        certificates = makeWinRmCertificates();
    });

    beforeEach(async () => {
        logLines = [];
        test = await startTestEndpoint(certificates, { executor: echoScriptExecutor() });
    });

    afterEach(async () => {
        for (const runner of runners.splice(0)) {
            await runner.dispose();
        }
        await test.close();
    });

    it("runs a 100 KB script through stdin", async () => {
        const runner = makeRunner();
        const script = `# ${"long line of script text ".repeat(4000)}\nWrite-Output 'end'`;
        expect(script.length).to.be.above(100000);
        const result = await runner.runScript({ script, timeoutMs: 30000 });
        expect(result.stdout).to.equal(expectedEcho(script));
        expect(result.exitCode).to.equal(0);
    });

    it("reuses one shell across scripts", async () => {
        const runner = makeRunner();
        for (const script of ["one", "two", "three"]) {
            const result = await runner.runScript({ script, timeoutMs: 10000 });
            expect(result.stdout).to.equal(expectedEcho(script));
        }
        expect(runner.stats.shellsOpened).to.equal(1);
        expect(runner.stats.processesStarted).to.equal(3);
        expect(test.endpoint.stats.shellsCreated).to.equal(1);
        expect(runner.stats.roundTrips).to.equal(test.endpoint.stats.requests);
    });

    it("deletes the shell on dispose", async () => {
        const runner = makeRunner();
        await runner.runScript({ script: "x", timeoutMs: 10000 });
        expect(test.endpoint.shellIds()).to.have.length(1);
        await runner.dispose();
        await runner.dispose();
        expect(test.endpoint.shellIds()).to.deep.equal([]);
    });

    it("serializes concurrent scripts", async () => {
        const runner = makeRunner();
        const results = await Promise.all(
            ["a", "b", "c"].map((script) => runner.runScript({ script, timeoutMs: 10000 })),
        );
        expect(results.map((result) => result.stdout)).to.deep.equal(["a", "b", "c"].map(expectedEcho));
        expect(runner.stats.shellsOpened).to.equal(1);
    });

    const transientCases: Array<{ action: string; kind: "quota" | "rpc" | "reset" }> = [
        { action: "Create", kind: "quota" },
        { action: "Create", kind: "reset" },
        { action: "Command", kind: "rpc" },
        { action: "Command", kind: "quota" },
    ];
    for (const failure of transientCases) {
        it(`retries ${failure.kind} on ${failure.action}`, async () => {
            const runner = makeRunner();
            test.endpoint.injectFailure(failure);
            const result = await runner.runScript({ script: "retry", timeoutMs: 10000 });
            expect(result.stdout).to.equal(expectedEcho("retry"));
            expect(logLines).to.have.length(1);
            expect(logLines[0]).to.match(/attempt 1 .* failed .* retrying in 10 ms/);
        });
    }

    it("does not retry after the script started", async () => {
        const runner = makeRunner();
        test.endpoint.injectFailure({ action: "Receive", kind: "rpc" });
        const error = await runnerRejection(runner.runScript({ script: "once", timeoutMs: 10000 }));
        expect(error.kind).to.equal("transient");
        expect(error.code).to.equal("2147944126");
        expect(test.endpoint.stats.commandsStarted).to.equal(1);
    });

    it("gives up after the retry limit", async () => {
        const runner = makeRunner({ retry: { ...FAST_RETRY, attempts: 2 } });
        test.endpoint.injectFailure({ action: "Create", kind: "quota" });
        test.endpoint.injectFailure({ action: "Create", kind: "quota" });
        const error = await runnerRejection(runner.runScript({ script: "x", timeoutMs: 10000 }));
        expect(error.kind).to.equal("transient");
        expect(error.message).to.contain("QuotaLimit");
    });

    it("recreates an expired shell", async () => {
        const runner = makeRunner();
        await runner.runScript({ script: "first", timeoutMs: 10000 });
        test.endpoint.expireShell(test.endpoint.shellIds()[0]);
        const result = await runner.runScript({ script: "second", timeoutMs: 10000 });
        expect(result.stdout).to.equal(expectedEcho("second"));
        expect(runner.stats.shellsOpened).to.equal(2);
    });

    it("never retries rejected credentials", async () => {
        const password = "Not-The-Password-789";
        const runner = makeRunner({
            client: clientOptions(test, {}, new BasicAuthentication(TEST_ACCOUNT.username, password)),
        });
        const error = await runnerRejection(runner.runScript({ script: "x", timeoutMs: 10000 }));
        expect(error.kind).to.equal("configuration");
        expect(test.endpoint.stats.rejected).to.equal(1);
        expect(error.message).to.not.contain(password);
        expect(util.inspect(runner, { depth: 10 })).to.not.contain(password);
        expect(JSON.stringify(runner)).to.not.contain(password);
    });

    it("never retries a TLS failure", async () => {
        const runner = makeRunner({ client: clientOptions(test, { tls: {} }) });
        const error = await runnerRejection(runner.runScript({ script: "x", timeoutMs: 10000 }));
        expect(error.kind).to.equal("configuration");
        expect(logLines).to.deep.equal([]);
    });

    it("times out and keeps the shell usable", async () => {
        const runner = makeRunner();
        const error = await runnerRejection(runner.runScript({ script: "sleep 20000", timeoutMs: 500 }));
        expect(error.kind).to.equal("timeout");
        const shellId = test.endpoint.shellIds()[0];
        expect(shellId).to.be.a("string");
        const after = await runner.runScript({ script: "after", timeoutMs: 10000 });
        expect(after.stdout).to.equal(expectedEcho("after"));
    });

    it("stops on abort", async () => {
        const runner = makeRunner();
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 200);
        const error = await runnerRejection(
            runner.runScript({ script: "sleep 20000", timeoutMs: 30000, signal: controller.signal }),
        );
        expect(error.kind).to.equal("aborted");
    });

    it("keeps shells per host below the limit", async () => {
        const limited = await startTestEndpoint(certificates, {
            executor: echoScriptExecutor(),
            maxShellsPerUser: 2,
        });
        try {
            const options = { hostKey: "limited-host", maxShellsPerHost: 2 };
            const [first, second, third] = [1, 2, 3].map(() => makeRunner(options, limited));
            await first.runScript({ script: "1", timeoutMs: 10000 });
            await second.runScript({ script: "2", timeoutMs: 10000 });
            let thirdDone = false;
            const pending = third.runScript({ script: "3", timeoutMs: 10000 }).then((result) => {
                thirdDone = true;
                return result;
            });
            await new Promise((resolve) => setTimeout(resolve, 200));
            expect(thirdDone).to.equal(false);
            await first.dispose();
            const result = await pending;
            expect(result.stdout).to.equal(expectedEcho("3"));
            expect(logLines).to.deep.equal([]);
            expect(limited.endpoint.shellIds()).to.have.length(2);
        } finally {
            for (const runner of runners.splice(0)) {
                await runner.dispose();
            }
            await limited.close();
        }
    });

    it("reads the password from stack configuration", async () => {
        setProviderConfig({ get: (key) => (key === "winrmPassword" ? TEST_ACCOUNT.password : undefined) });
        try {
            const runner = createWinRmRunner({
                endpoint: test.endpoint.url,
                auth: "basic",
                username: TEST_ACCOUNT.username,
                passwordConfigKey: "winrmPassword",
                caFile: certificates.caFile,
            });
            runners.push(runner);
            const result = await runner.runScript({ script: "configured", timeoutMs: 10000 });
            expect(result.stdout).to.equal(expectedEcho("configured"));
            expect(() =>
                createWinRmRunner({
                    endpoint: test.endpoint.url,
                    auth: "basic",
                    username: TEST_ACCOUNT.username,
                    passwordConfigKey: "missingKey",
                }),
            ).to.throw(
                /host\.winrm\.passwordConfigKey names the stack configuration key "missingKey", which is not set/,
            );
        } finally {
            setProviderConfig({ get: () => undefined });
        }
    });
});
