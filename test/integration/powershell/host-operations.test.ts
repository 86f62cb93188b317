// The host PowerShell channel: facts of a sim: host read through real pwsh and through the
// TypeScript twins, once per process, and the failures of hosts without a usable channel.

import { expect } from "chai";
import { execFile, execFileSync } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { setProviderConfig } from "../../../provider/host/config";
import type { HostFacts } from "../../../provider/host/facts";
import {
    disposeHostRunners,
    hostOperations,
    hostOperationStats,
    readHostFacts,
    SIMULATED_POWERSHELL_ENV,
} from "../../../provider/host/powershell";
import type { HostSpec } from "../../../provider/host/spec";
import { setDaemonJson } from "../../../provider/simulator/out-of-band";
import { readHostState } from "../../../provider/simulator/state";
import type { HostState } from "../../../provider/simulator/model";
import { requireOrSkip } from "../../support/components";
import { findPwsh, REPOSITORY_ROOT } from "../../unit/powershell/pwsh";
import { addHnsEndpoint, createSimulatedHost, type SimulatedHost } from "./simulated-host";

const execFileAsync = promisify(execFile);

const DAEMON_JSON = '{\n  "log-level": "warn",\n  "fixed-cidr": "172.30.0.0/16"\n}';
const SECRET = "s3cret-winrm-password-value";

/** Sets an environment variable for the duration of a suite and restores it afterwards. */
function useEnvironment(name: string, value: string | undefined): void {
    let previous: string | undefined;
    before(function () {
        previous = process.env[name];
        if (value === undefined) {
            delete process.env[name];
        } else {
            process.env[name] = value;
        }
    });
    after(function () {
        if (previous === undefined) {
            delete process.env[name];
        } else {
            process.env[name] = previous;
        }
    });
}

function simHost(host: SimulatedHost): HostSpec {
    return { name: "sim-01", docker: { url: `sim://${host.statePath}` } };
}

/** Returns the PIDs of this process's children whose command line mentions pwsh. */
function pwshChildren(parentPid: number = process.pid): number[] {
    let output: string;
    try {
        output = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(parentPid)], { encoding: "utf8" });
    } catch {
        // ps exits 1 when there is no child.
        return [];
    }
    return output
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => /pwsh/.test(line))
        .map((line) => Number.parseInt(line, 10));
}

function isRunning(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

async function waitUntilGone(pids: number[], timeoutMs: number): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    let running = pids.filter(isRunning);
    while (running.length > 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        running = running.filter(isRunning);
    }
    return running;
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
    try {
        await promise;
    } catch (error) {
        return error as Error;
    }
    throw new Error("expected a rejection");
}

/** Checks facts against the simulator state they were read from. */
function expectFactsMatchState(facts: HostFacts, state: HostState): void {
    expect(
        facts.adapters.map((adapter) => adapter.name),
        "adapters",
    ).to.deep.equal(state.adapters.map((adapter) => adapter.name));
    expect(
        facts.netNat.map((nat) => nat.name),
        "netNat",
    ).to.deep.equal(state.winNats.map((nat) => nat.name));
    expect(
        facts.hnsNetworks.map((network) => network.id),
        "HNS network ids",
    ).to.deep.equal(state.hnsNetworks.map((network) => network.id.toLowerCase()));
    expect(
        facts.hnsNetworks.map((network) => network.name),
        "HNS network names",
    ).to.deep.equal(state.hnsNetworks.map((network) => network.name));
    expect(facts.daemonJson.exists, "daemon.json exists").to.equal(true);
    expect(facts.daemonJson.content, "daemon.json content").to.equal(state.daemonJson);
    expect(facts.services.hns?.status, "hns service").to.equal(state.services.hns.status.toLowerCase());
    expect(facts.services.docker?.status, "docker service").to.equal(
        state.services.docker.status.toLowerCase(),
    );
}

/** Removes what differs between pwsh and the twins by design: the PowerShell edition and version. */
function withoutPowerShell(facts: HostFacts): unknown {
    return { ...facts, powershell: "<powershell>" };
}

describe("host operations", function () {
    let host: SimulatedHost;
    let pwshFacts: HostFacts | undefined;

    before(async function () {
        host = await createSimulatedHost("ws2016");
        await addHnsEndpoint(host, "5e6298c2-4638-494e-be6b-ff6fef942c06", "172.27.148.101");
        await setDaemonJson(host.statePath, DAEMON_JSON);
    });

    after(async function () {
        await disposeHostRunners();
        host?.remove();
    });

    describe("through pwsh", function () {
        useEnvironment(SIMULATED_POWERSHELL_ENV, "pwsh");

        before(async function () {
            const pwsh = findPwsh();
            requireOrSkip(
                this,
                "pwsh",
                pwsh !== undefined,
                "install it with: dotnet tool install --global PowerShell --version 7.6.10",
            );
            await disposeHostRunners();
        });

        it("facts match the state", async function () {
            const facts = await readHostFacts(simHost(host));
            pwshFacts = facts;
            expectFactsMatchState(facts, await readHostState(host.statePath));
            expect(facts.powershell.edition).to.equal("Core");
        });

        it("reads facts once per process", async function () {
            const spec = simHost(host);
            await Promise.all([readHostFacts(spec), readHostFacts(spec)]);
            await readHostFacts({ ...spec });
            const stats = hostOperationStats(spec);
            expect(stats.runner.roundTrips, "scripts run").to.equal(1);
            expect(stats.runner.processesStarted, "pwsh processes").to.equal(1);
            expect(stats.twinCalls, "twin calls").to.equal(0);
        });

        it("reuses the runner for other operations", async function () {
            const spec = simHost(host);
            const file = await hostOperations(spec).run("read-daemon-json", {});
            expect(file.content).to.equal(DAEMON_JSON);
            const stats = hostOperationStats(spec);
            expect(stats.runner.roundTrips, "scripts run").to.equal(2);
            expect(stats.runner.processesStarted, "pwsh processes").to.equal(1);
        });

        it("dispose kills pwsh", async function () {
            const before = pwshChildren();
            expect(before, "pwsh children before dispose").to.not.deep.equal([]);
            await disposeHostRunners();
            expect(await waitUntilGone(before, 10_000), "pwsh still running").to.deep.equal([]);
            expect(pwshChildren(), "pwsh children after dispose").to.deep.equal([]);
        });

        it("leaves no pwsh after process exit", async function () {
            const module = path.join(REPOSITORY_ROOT, "dist", "provider", "host", "powershell.js");
            const script =
                `const channel = require(${JSON.stringify(module)});` +
                `const { execFileSync } = require("node:child_process");` +
                `channel.readHostFacts({ name: "sim-01", docker: { url: ${JSON.stringify(simHost(host).docker.url)} } })` +
                `.then(() => {` +
                `  const children = execFileSync("ps", ["-o", "pid=,args=", "--ppid", String(process.pid)], { encoding: "utf8" });` +
                `  console.log(JSON.stringify(children.split("\\n").filter((line) => /pwsh/.test(line)).map((line) => parseInt(line, 10))));` +
                `  process.exit(0);` +
                `}, (error) => { console.error(error.message); process.exit(1); });`;
            const { stdout } = await execFileAsync(process.execPath, ["-e", script], {
                env: process.env,
                timeout: 60_000,
            });
            const pids = JSON.parse(stdout.trim()) as number[];
            expect(pids, "pwsh children of the exiting process").to.not.deep.equal([]);
            expect(await waitUntilGone(pids, 10_000), "pwsh still running").to.deep.equal([]);
        });
    });

    describe("through the twins", function () {
        useEnvironment(SIMULATED_POWERSHELL_ENV, "twins");

        before(async function () {
            await disposeHostRunners();
        });

        it("facts match the state", async function () {
            const facts = await readHostFacts(simHost(host));
            expectFactsMatchState(facts, await readHostState(host.statePath));
        });

        it("facts equal the pwsh facts", async function () {
            if (pwshFacts === undefined) {
                this.skip();
            }
            const facts = await readHostFacts(simHost(host));
            expect(withoutPowerShell(facts)).to.deep.equal(withoutPowerShell(pwshFacts));
        });

        it("reads facts once per process", async function () {
            const spec = simHost(host);
            await Promise.all([readHostFacts(spec), readHostFacts(spec)]);
            const stats = hostOperationStats(spec);
            expect(stats.twinCalls, "twin calls").to.equal(1);
            expect(stats.runner.processesStarted, "pwsh processes").to.equal(0);
            expect(pwshChildren(), "pwsh children").to.deep.equal([]);
        });
    });

    describe("without a channel", function () {
        afterEach(async function () {
            setProviderConfig({ get: () => undefined });
            await disposeHostRunners();
        });

        it("tcp host needs host.powershell", async function () {
            const spec: HostSpec = { name: "web-01", docker: { url: "tcp://127.0.0.1:2376" } };
            const error = await rejectionOf(readHostFacts(spec));
            expect(error.message).to.contain("host.powershell is required");
            expect(error.message).to.contain('transport: "winrm"');
            const runError = await rejectionOf(hostOperations(spec).run("read-daemon-json", {}));
            expect(runError.message).to.contain("host.powershell");
        });

        it("simulated transport needs a sim url", async function () {
            const spec: HostSpec = {
                name: "web-01",
                docker: { url: "tcp://127.0.0.1:2376" },
                powershell: { transport: "simulated" },
            };
            const error = await rejectionOf(readHostFacts(spec));
            expect(error.message).to.contain("needs a sim: Docker URL");
        });

        it("missing password key names the key", async function () {
            const spec: HostSpec = {
                name: "web-01",
                docker: { url: "tcp://127.0.0.1:2376" },
                powershell: {
                    transport: "winrm",
                    endpoint: "https://127.0.0.1:5986/wsman",
                    auth: "ntlm",
                    username: "wcn",
                    passwordConfigKey: "web01Password",
                },
            };
            const error = await rejectionOf(readHostFacts(spec));
            expect(error.message).to.contain("host.powershell.passwordConfigKey");
            expect(error.message).to.contain('"web01Password"');
            expect(error.message).to.contain("pulumi config set --secret");
        });

        it("connection failure hides the password", async function () {
            setProviderConfig({ get: (key) => (key === "web01Password" ? SECRET : undefined) });
            const spec: HostSpec = {
                name: "web-01",
                docker: { url: "tcp://127.0.0.1:2376" },
                powershell: {
                    // Nothing listens on port 1 of the loopback address, so the connection is refused.
                    transport: "winrm",
                    endpoint: "http://127.0.0.1:1/wsman",
                    auth: "ntlm",
                    username: "wcn",
                    passwordConfigKey: "web01Password",
                },
            };
            const error = await rejectionOf(
                hostOperations(spec).run("get-host-facts", {}, { timeoutMs: 10_000 }),
            );
            expect(error.message).to.not.equal("");
            expect(error.message).to.not.contain(SECRET);
            expect(String(error.stack)).to.not.contain(SECRET);
        });
    });
});
