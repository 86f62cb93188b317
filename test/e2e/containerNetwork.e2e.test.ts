import { expect } from "chai";
import Docker from "dockerode";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { OwnerLabel } from "../../provider/model/containerNetwork";
import { DriverOptions, DriverResult, runDriver } from "../driver";
import { EngineTarget, realTarget, simulatedTarget } from "../support/targets";

const PROGRAM = path.join(__dirname, "programs", "networks.js");
const PROJECT_ROOT = path.resolve(__dirname, "..", "..", "..");

interface Addressing {
    driver: string;
    subnetA: string;
    gatewayA: string;
    subnetB: string;
    gatewayB: string;
    changedSubnetA: string;
    changedGatewayA: string;
}

/** Lists the networks of one stack prefix that this provider owns, as the engine shows them. */
async function ownedNetworks(docker: Docker, prefix: string): Promise<Docker.NetworkInspectInfo[]> {
    const all = await docker.listNetworks({ filters: { label: [OwnerLabel.managedBy] } });
    return all
        .filter((network) => network.Name.startsWith(`${prefix}-`))
        .sort((a, b) => a.Name.localeCompare(b.Name));
}

function opsByName(result: DriverResult): Record<string, string> {
    return Object.fromEntries(result.steps.map((step) => [step.name, step.op]));
}

function opsOf(result: DriverResult, name: string): string[] {
    return result.steps.filter((step) => step.name === name).map((step) => step.op);
}

function lifecycle(
    label: string,
    makeTarget: (ctx: Mocha.Context) => Promise<EngineTarget>,
    addressing: Addressing,
) {
    describe(`ContainerNetwork lifecycle on the ${label}`, function () {
        this.timeout(180_000);
        const prefix = `e2e-${label.split(" ")[0]}`;
        let target: EngineTarget;
        let workDir: string;
        let config: Record<string, string>;

        before(async function () {
            target = await makeTarget(this);
            workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-e2e-"));
            config = {
                "wcn:prefix": prefix,
                "wcn:hostName": target.host.name,
                "wcn:hostUrl": target.host.docker.url,
                "wcn:driver": addressing.driver,
                "wcn:subnetA": addressing.subnetA,
                "wcn:gatewayA": addressing.gatewayA,
                "wcn:subnetB": addressing.subnetB,
                "wcn:gatewayB": addressing.gatewayB,
            };
            if (target.host.docker.apiVersion) {
                config["wcn:apiVersion"] = target.host.docker.apiVersion;
            }
        });

        after(async () => {
            if (workDir) {
                await run("destroy").catch(() => undefined);
                fs.rmSync(workDir, { recursive: true, force: true });
            }
        });

        function run(
            operation: DriverOptions["operation"],
            extra: Partial<DriverOptions> = {},
        ): Promise<DriverResult> {
            return runDriver({
                operation,
                programPath: PROGRAM,
                statePath: path.join(workDir, "state.json"),
                projectRoot: PROJECT_ROOT,
                project: "wcn-e2e",
                stack: "e2e",
                config,
                ...extra,
            });
        }

        it("creates both networks on up", async () => {
            const result = await run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsByName(result)).to.deep.equal({ [`${prefix}-a`]: "create", [`${prefix}-b`]: "create" });
            const live = await ownedNetworks(target.docker, prefix);
            expect(live.map((network) => network.Name)).to.deep.equal([`${prefix}-a`, `${prefix}-b`]);
            expect(live[0].IPAM?.Config?.[0]?.Subnet).to.equal(addressing.subnetA);
            expect(result.outputs.networkIdA).to.equal(live[0].Id);
        });

        it("shows no changes on a second up", async () => {
            const result = await run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsByName(result)).to.deep.equal({ [`${prefix}-a`]: "same", [`${prefix}-b`]: "same" });
        });

        it("passes the drift gate while the host is unchanged", async () => {
            const result = await run("preview", { refresh: true, expectNoChanges: true });
            expect(result.ok, result.log).to.equal(true);
        });

        it("fails the drift gate after an out-of-band delete", async () => {
            const [networkA] = await ownedNetworks(target.docker, prefix);
            await target.docker.getNetwork(networkA.Id).remove();
            const result = await run("preview", { refresh: true, expectNoChanges: true });
            expect(result.ok).to.equal(false);
            expect(opsOf(result, `${prefix}-a`)).to.deep.equal(["read-gone", "create"]);
        });

        it("shows the deletion on refresh and recreates it on up", async () => {
            const refreshed = await run("refresh");
            expect(refreshed.ok, refreshed.log).to.equal(true);
            expect(opsOf(refreshed, `${prefix}-a`)).to.deep.equal(["read-gone"]);
            const result = await run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsByName(result)).to.deep.equal({ [`${prefix}-a`]: "create", [`${prefix}-b`]: "same" });
            expect((await ownedNetworks(target.docker, prefix)).map((network) => network.Name)).to.deep.equal(
                [`${prefix}-a`, `${prefix}-b`],
            );
        });

        it("replaces a network whose subnet changed", async () => {
            const [before] = await ownedNetworks(target.docker, prefix);
            config["wcn:subnetA"] = addressing.changedSubnetA;
            config["wcn:gatewayA"] = addressing.changedGatewayA;
            const result = await run("up");
            expect(result.ok, result.log).to.equal(true);
            expect(opsByName(result)).to.deep.equal({ [`${prefix}-a`]: "replace", [`${prefix}-b`]: "same" });
            const [after] = await ownedNetworks(target.docker, prefix);
            expect(after.Id).not.to.equal(before.Id);
            expect(after.IPAM?.Config?.[0]?.Subnet).to.equal(addressing.changedSubnetA);
        });

        it("rejects bad input at preview without touching the host", async () => {
            const before = await ownedNetworks(target.docker, prefix);
            const result = await run("up", { config: { ...config, "wcn:subnetB": "172.22.16.0/16" } });
            expect(result.ok).to.equal(false);
            expect(result.failures.map((failure) => failure.property)).to.include("subnet");
            expect(result.failures.map((failure) => failure.reason).join("\n")).to.match(
                /"172\.22\.0\.0\/16"/,
            );
            const after = await ownedNetworks(target.docker, prefix);
            expect(after.map((network) => network.Id)).to.deep.equal(before.map((network) => network.Id));
        });

        it("leaves no network behind on destroy", async () => {
            const result = await run("destroy");
            expect(result.ok, result.log).to.equal(true);
            expect(await ownedNetworks(target.docker, prefix)).to.deep.equal([]);
        });
    });
}

lifecycle("real Docker engine", (ctx) => realTarget(ctx), {
    driver: "bridge",
    subnetA: "10.198.1.0/24",
    gatewayA: "10.198.1.1",
    subnetB: "10.198.2.0/24",
    gatewayB: "10.198.2.1",
    changedSubnetA: "10.198.3.0/24",
    changedGatewayA: "10.198.3.1",
});

lifecycle("simulated Windows host", () => simulatedTarget(), {
    driver: "nat",
    subnetA: "172.29.1.0/24",
    gatewayA: "172.29.1.1",
    subnetB: "172.29.2.0/24",
    gatewayB: "172.29.2.1",
    changedSubnetA: "172.29.3.0/24",
    changedGatewayA: "172.29.3.1",
});
