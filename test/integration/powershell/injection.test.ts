// Input values reach the scripts as data only: hostile strings go through every operation and
// nothing in them runs.

import { expect } from "chai";
import { existsSync, rmSync } from "node:fs";
import * as path from "node:path";
import type { LocalPowerShellRunner } from "../../../provider/powershell/localRunner";
import { OperationError, runOperation } from "../../../provider/powershell/operation";
import { requireOrSkip } from "../../support/components";
import { findPwsh } from "../../unit/powershell/pwsh";
import { createSimulatedHost, createSimulatedRunner, type SimulatedHost } from "./simulated-host";

const OPERATION_TIMEOUT = { timeoutMs: 60_000 };

/** Values that would run code if they were ever spliced into a script, each creating `marker`. */
function hostileValues(marker: string): string[] {
    const create = `New-Item -ItemType File -Path '${marker}'`;
    return [
        `$(${create})`,
        `'; ${create}; '`,
        `"; ${create}; "`,
        `\`"; ${create}; #`,
        `x\n${create}\n`,
        `'@\n${create}\n@'`,
        `"@\n${create}\n@"`,
        `$(New-Item -ItemType File -Path "${marker}")`,
        `{ ${create} }.Invoke()`,
        `& { ${create} } | Out-Null; && ${create} || ${create}`,
        `Grüße 网络 \u202E ${create} \u{1F600} \u0000 end`,
        `\r\n${create}\r\n# ’‘“” ―`,
    ];
}

describe("hostile operation input", function () {
    let pwsh: string;
    let host: SimulatedHost;
    let runner: LocalPowerShellRunner;
    let marker: string;
    let values: string[];

    before(async function () {
        const found = findPwsh();
        requireOrSkip(
            this,
            "pwsh",
            found !== undefined,
            "install it with: dotnet tool install --global PowerShell --version 7.6.10",
        );
        pwsh = found as string;
        host = await createSimulatedHost("ws2022");
        runner = createSimulatedRunner(pwsh, host);
        marker = path.join(host.folder, "marker-created-by-injected-code");
        values = hostileValues(marker);
    });

    after(async function () {
        await runner?.dispose();
        host?.remove();
    });

    afterEach(function () {
        expect(existsSync(marker), "injected code created the marker file").to.equal(false);
    });

    it("marker detects code that runs", async function () {
        // Control: the same text run as code does create the marker, so the other checks can fail.
        await runner.runScript({ script: values[0].slice(2, -1), timeoutMs: 60_000 });
        expect(existsSync(marker)).to.equal(true);
        rmSync(marker);
    });

    it("get-host-facts ignores it", async function () {
        for (const value of values) {
            const facts = await runOperation(
                runner,
                "get-host-facts",
                { [value]: value } as never,
                OPERATION_TIMEOUT,
            );
            expect(facts.services.docker?.Status).to.equal("Running");
        }
    });

    it("get-hns-endpoints matches nothing", async function () {
        for (const value of values) {
            const result = await runOperation(
                runner,
                "get-hns-endpoints",
                { networkId: value },
                OPERATION_TIMEOUT,
            );
            expect(result.endpoints, JSON.stringify(value)).to.deep.equal([]);
        }
    });

    it("read-daemon-json ignores it", async function () {
        for (const value of values) {
            const file = await runOperation(
                runner,
                "read-daemon-json",
                { [value]: value } as never,
                OPERATION_TIMEOUT,
            );
            expect(file.exists).to.equal(false);
        }
    });

    it("write-daemon-json stores it verbatim", async function () {
        const set: Record<string, string> = {};
        values.forEach((value, index) => {
            set[`key${index}`] = value;
            set[`${value}#${index}`] = String(index);
        });
        const written = await runOperation(runner, "write-daemon-json", { set }, OPERATION_TIMEOUT);
        const stored = JSON.parse(written.newContent) as Record<string, string>;
        values.forEach((value, index) => {
            expect(stored[`key${index}`], `value ${index}`).to.equal(value);
            expect(stored[`${value}#${index}`], `key ${index}`).to.equal(String(index));
        });
        const reread = await runOperation(runner, "read-daemon-json", {}, OPERATION_TIMEOUT);
        expect(reread.content).to.equal(written.newContent);
        const removed = await runOperation(
            runner,
            "write-daemon-json",
            { remove: Object.keys(set) },
            OPERATION_TIMEOUT,
        );
        expect(JSON.parse(removed.newContent)).to.deep.equal({});
    });

    it("apply-host-nat-config matches no network", async function () {
        const removeHnsNetworks = values.map((value) => ({ id: value, name: value }));
        const result = await runOperation(
            runner,
            "apply-host-nat-config",
            { remove: values, removeHnsNetworks },
            OPERATION_TIMEOUT,
        );
        expect(result.changed).to.equal(false);
        expect(result.removedHnsNetworks).to.deep.equal([]);
        expect(result.services.docker?.Status).to.equal("Running");
    });

    it("apply-host-nat-config rejects it as a number", async function () {
        for (const value of values) {
            let caught: unknown;
            try {
                await runOperation(
                    runner,
                    "apply-host-nat-config",
                    { set: { "fixed-cidr": "172.30.0.0/16" }, timeoutSeconds: value as never },
                    OPERATION_TIMEOUT,
                );
            } catch (error) {
                caught = error;
            }
            expect(OperationError.isInstance(caught), JSON.stringify(value)).to.equal(true);
        }
    });

    it("restart rejects it as a number", async function () {
        for (const value of values) {
            let caught: unknown;
            try {
                await runOperation(
                    runner,
                    "restart-container-services",
                    { timeoutSeconds: value as never },
                    OPERATION_TIMEOUT,
                );
            } catch (error) {
                caught = error;
            }
            expect(OperationError.isInstance(caught), JSON.stringify(value)).to.equal(true);
        }
    });
});
