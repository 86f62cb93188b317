import { expect } from "chai";
import type Docker from "dockerode";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as sinon from "sinon";
import { DockerEngine } from "../../provider/docker/engine";
import type { HostSpec } from "../../provider/host/spec";
import { staticEndpointProvider } from "../../provider/resources/staticEndpointProvider";
import { getProfile } from "../../provider/simulator/profiles";
import { setDhcpOverride } from "../../provider/simulator/out-of-band";
import { readHostState } from "../../provider/simulator/state";
import { DriverOptions, DriverResult, runDriver } from "../driver";
import { simulatedTarget } from "../support/targets";

const PROGRAM = path.join(__dirname, "programs", "staticEndpoints.js");
const PROJECT_ROOT = path.resolve(__dirname, "..", "..", "..");
const PREFIX = "e2e-se";
const NETWORK = `${PREFIX}-tlan`;
const IMAGE = getProfile("ws2022").images[1];

interface Attachment {
    IPAMConfig: { IPv4Address: string } | null;
    IPAddress: string;
    MacAddress: string;
}

function opsOf(result: DriverResult, name: string): string[] {
    return result.steps.filter((step) => step.name === name).map((step) => step.op);
}

function reasons(result: DriverResult): string {
    return result.failures.map((failure) => failure.reason).join("\n");
}

describe("StaticEndpoint lifecycle on a simulated ws2022 host", function () {
    this.timeout(240_000);
    let docker: Docker;
    let statePath: string;
    let workDir: string;
    let networkId: string;
    let config: Record<string, string>;

    async function inspect(name: string): Promise<Docker.ContainerInspectInfo> {
        return docker.getContainer(name).inspect();
    }

    async function attachment(name: string): Promise<Attachment | undefined> {
        const networks = (await inspect(name)).NetworkSettings.Networks as unknown as Record<
            string,
            Attachment
        >;
        return networks[NETWORK];
    }

    /** Returns the MAC the host state records as requested for the container's attachment, or null for none. */
    async function requestedMac(name: string): Promise<string | null | undefined> {
        const id = (await inspect(name)).Id;
        const state = await readHostState(statePath);
        const container = state.containers.find((candidate) => candidate.id === id);
        return container?.attachments.find((item) => item.networkName === NETWORK)?.requestedMac;
    }

    /** Returns the address of the container's HNS endpoint on the test network. */
    async function hnsAddress(name: string): Promise<string | undefined> {
        const id = (await inspect(name)).Id;
        const state = await readHostState(statePath);
        return state.hnsEndpoints.find(
            (endpoint) => endpoint.containerId === id && endpoint.virtualNetworkName !== "nat",
        )?.ipAddress;
    }

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

    before(async () => {
        const target = await simulatedTarget("ws2022");
        docker = target.docker;
        statePath = target.statePath;
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "wcn-e2e-"));
        const web = await docker.createContainer({ Image: IMAGE, name: "web" });
        await web.start();
        await docker.createContainer({ Image: IMAGE, name: "db" });
        networkId = (
            await docker.createNetwork({
                Name: NETWORK,
                Driver: "transparent",
                IPAM: { Config: [{ Subnet: "10.30.0.0/24", Gateway: "10.30.0.1" }] },
                Options: { "com.docker.network.windowsshim.interface": "Ethernet 2" },
            })
        ).id;
        config = {
            "wcn:prefix": PREFIX,
            "wcn:hostName": target.host.name,
            "wcn:hostUrl": target.host.docker.url,
            "wcn:network": NETWORK,
            "wcn:containerA": "web",
            "wcn:addressA": "10.30.0.50",
            "wcn:allowStopA": "false",
            "wcn:containerB": "db",
            "wcn:addressB": "10.30.0.51",
            "wcn:macB": "00-15-5D-0A-0B-0C",
            "wcn:containerC": "cache",
            "wcn:addressC": "10.30.0.52",
            "wcn:allowStopC": "true",
        };
    });

    after(async () => {
        if (workDir) {
            await run("destroy").catch(() => undefined);
            fs.rmSync(workDir, { recursive: true, force: true });
        }
    });

    it("rejects one MAC on two endpoints of the stack", async () => {
        const result = await run("preview", {
            config: { ...config, "wcn:allowStopA": "true", "wcn:macA": "00:15:5d:0a:0b:0c" },
        });
        expect(result.ok).to.equal(false);
        const failure = result.failures.find((item) => item.property === "macAddress");
        expect(failure?.reason).to.match(
            /MAC 00:15:5d:0a:0b:0c is also requested by wcn-e2e\/e2e\/e2e-se-ep-[ab] on the same host and network/,
        );
    });

    it("fails on a running container without allowStop before changing it", async () => {
        const result = await run("up");
        expect(result.ok).to.equal(false);
        expect(reasons(result)).to.match(
            /container "web" is running; Windows applies a static address only to a stopped container/,
        );
        expect(reasons(result)).to.match(/allowStop: true/);
        const web = await inspect("web");
        expect(web.State.Running).to.equal(true);
        expect(await attachment("web")).to.equal(undefined);
    });

    it("creates both endpoints once allowStop is set", async () => {
        config["wcn:allowStopA"] = "true";
        const result = await run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(opsOf(result, `${PREFIX}-ep-a`)).to.deep.equal(["create"]);
        expect((await inspect("web")).State.Running).to.equal(true);
        expect((await attachment("web"))?.IPAMConfig?.IPv4Address).to.equal("10.30.0.50");
        expect(await hnsAddress("web")).to.equal("10.30.0.50");
        expect(result.outputs.observedAddressA).to.equal("10.30.0.50");
        expect(result.outputs.observedAddressSourceA).to.equal("hns");
        expect(result.outputs.hnsEndpointIdA).to.match(/^[0-9a-f-]{36}$/);
        expect(result.outputs.networkIdA).to.equal(networkId);
    });

    it("leaves a stopped container stopped with its MAC", async () => {
        const db = await inspect("db");
        expect(db.State.Running).to.equal(false);
        expect((await attachment("db"))?.IPAMConfig?.IPv4Address).to.equal("10.30.0.51");
        expect((await attachment("db"))?.MacAddress).to.equal("00:15:5d:0a:0b:0c");
    });

    it("rejects a misspelt setting before changing anything", async () => {
        const extra = JSON.stringify({ macAdress: "00:15:5d:0a:0b:0d" });
        const result = await run("up", { config: { ...config, "wcn:extraA": extra } });
        expect(result.ok).to.equal(false);
        const failure = result.failures.find((item) => item.property === "macAdress");
        expect(failure?.reason).to.match(/is not a StaticEndpoint setting; use one of host, .*macAddress/);
        expect((await attachment("web"))?.MacAddress).to.not.equal("00:15:5d:0a:0b:0d");
        expect(await requestedMac("web")).to.equal(null);
    });

    it("rejects a MAC a container uses", async () => {
        const before = (await attachment("web"))?.MacAddress;
        const result = await run("up", { config: { ...config, "wcn:macA": "00-15-5D-0A-0B-0C" } });
        expect(result.ok).to.equal(false);
        const macFailures = result.failures
            .filter((item) => item.property === "macAddress" && item.urn.endsWith(`${PREFIX}-ep-a`))
            .map((item) => item.reason);
        expect(macFailures.join("\n")).to.match(
            /MAC 00:15:5d:0a:0b:0c is taken by container "db" \([0-9a-f]{12}\)/,
        );
        expect((await attachment("web"))?.MacAddress).to.equal(before);
    });

    it("shows no changes on a second up", async () => {
        const result = await run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(opsOf(result, `${PREFIX}-ep-a`)).to.deep.equal(["same"]);
        expect(opsOf(result, `${PREFIX}-ep-b`)).to.deep.equal(["same"]);
    });

    it("passes the drift gate while the host is unchanged", async () => {
        const result = await run("preview", { refresh: true, expectNoChanges: true });
        expect(result.ok, result.log).to.equal(true);
    });

    it("changes an address in place", async () => {
        config["wcn:addressA"] = "10.30.0.60";
        const result = await run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(opsOf(result, `${PREFIX}-ep-a`)).to.deep.equal(["update"]);
        expect((await attachment("web"))?.IPAMConfig?.IPv4Address).to.equal("10.30.0.60");
        expect(await hnsAddress("web")).to.equal("10.30.0.60");
        expect((await inspect("web")).State.Running).to.equal(true);
    });

    it("rejects an address a container outside the stack holds", async () => {
        await docker.createContainer({
            Image: IMAGE,
            name: "intruder",
            HostConfig: { NetworkMode: NETWORK },
            NetworkingConfig: {
                EndpointsConfig: { [NETWORK]: { IPAMConfig: { IPv4Address: "10.30.0.70" } } },
            },
        });
        try {
            const result = await run("up", { config: { ...config, "wcn:addressB": "10.30.0.70" } });
            expect(result.ok).to.equal(false);
            const failure = result.failures.find((item) => item.property === "ipv4Address");
            expect(failure?.reason).to.match(/10\.30\.0\.70 is taken by container "intruder"/);
            expect((await attachment("db"))?.IPAMConfig?.IPv4Address).to.equal("10.30.0.51");
        } finally {
            await docker.getContainer("intruder").remove({ force: true });
        }
    });

    it("undoes a create whose address DHCP replaced", async () => {
        const cache = await docker.createContainer({ Image: IMAGE, name: "cache" });
        await cache.start();
        await setDhcpOverride(statePath, NETWORK, true);
        try {
            const result = await run("up", { config: { ...config, "wcn:withC": "true" } });
            expect(result.ok).to.equal(false);
            expect(opsOf(result, `${PREFIX}-ep-c`)).to.deep.equal(["failed"]);
            const reason = reasons(result);
            expect(reason).to.match(
                /requested 10\.30\.0\.52 on network "e2e-se-tlan", but host \S+ shows 10\.30\.0\.\d+/,
            );
            expect(reason).to.match(/DHCP server on the segment/);
            expect(reason).to.match(/change was undone/);
            expect((await inspect("cache")).State.Running).to.equal(true);
            expect(await attachment("cache")).to.equal(undefined);
        } finally {
            await setDhcpOverride(statePath, NETWORK, false);
        }
    });

    it("shows a DHCP override after a restart as drift", async () => {
        await setDhcpOverride(statePath, NETWORK, true);
        await docker.getContainer("web").stop();
        await docker.getContainer("web").start();
        const leased = await hnsAddress("web");
        expect(leased).to.not.equal("10.30.0.60");
        expect((await attachment("web"))?.IPAddress).to.equal("10.30.0.60");

        const gate = await run("preview", { refresh: true, expectNoChanges: true });
        expect(gate.ok).to.equal(false);
        const refreshed = await run("refresh");
        expect(refreshed.ok, refreshed.log).to.equal(true);
        const drift = refreshed.steps.find((step) => step.name === `${PREFIX}-ep-a`);
        expect(drift?.op).to.equal("drift");
        expect(drift?.diffs).to.include("ipv4Address");
        expect(opsOf(refreshed, `${PREFIX}-ep-b`)).to.deep.equal(["refresh"]);
    });

    it("restores the address on up once DHCP no longer overrides it", async () => {
        await setDhcpOverride(statePath, NETWORK, false);
        const result = await run("up");
        expect(result.ok, result.log).to.equal(true);
        expect(opsOf(result, `${PREFIX}-ep-a`)).to.deep.equal(["update"]);
        expect(await hnsAddress("web")).to.equal("10.30.0.60");
        expect(result.outputs.observedAddressA).to.equal("10.30.0.60");
    });

    it("undo leaves the host's MAC unpinned", async () => {
        expect(await requestedMac("web")).to.equal(null);
        await setDhcpOverride(statePath, NETWORK, true);
        try {
            const result = await run("up", { config: { ...config, "wcn:addressA": "10.30.0.61" } });
            expect(result.ok).to.equal(false);
            expect(opsOf(result, `${PREFIX}-ep-a`)).to.deep.equal(["failed"]);
            expect(reasons(result)).to.match(/change was undone/);
            expect((await attachment("web"))?.IPAMConfig?.IPv4Address).to.equal("10.30.0.60");
            expect(await requestedMac("web")).to.equal(null);
            expect((await inspect("web")).State.Running).to.equal(true);
        } finally {
            await setDhcpOverride(statePath, NETWORK, false);
        }
    });

    it("disconnects on destroy and leaves the containers as they were", async () => {
        const result = await run("destroy");
        expect(result.ok, result.log).to.equal(true);
        expect(await attachment("web")).to.equal(undefined);
        expect(await attachment("db")).to.equal(undefined);
        expect((await inspect("web")).State.Running).to.equal(true);
        expect((await inspect("db")).State.Running).to.equal(false);
        expect(Object.keys((await inspect("web")).NetworkSettings.Networks)).to.deep.equal(["nat"]);
        const state = await readHostState(statePath);
        const webId = (await inspect("web")).Id;
        const left = state.hnsEndpoints.filter(
            (endpoint) => endpoint.containerId === webId && endpoint.virtualNetworkName !== "nat",
        );
        expect(left).to.deep.equal([]);
    });
});

describe("StaticEndpoint failures the simulator cannot provoke", function () {
    this.timeout(120_000);
    let docker: Docker;
    let statePath: string;
    let host: HostSpec;

    before(async () => {
        const target = await simulatedTarget("ws2022");
        docker = target.docker;
        statePath = target.statePath;
        host = target.host;
        await docker.createNetwork({
            Name: NETWORK,
            Driver: "transparent",
            IPAM: { Config: [{ Subnet: "10.30.0.0/24", Gateway: "10.30.0.1" }] },
            Options: { "com.docker.network.windowsshim.interface": "Ethernet 2" },
        });
    });

    beforeEach(() => {
        // Silences the provider's warnings (DHCP on a transparent network), which go to stderr.
        sinon.stub(console, "error");
    });

    afterEach(() => {
        sinon.restore();
    });

    /** Runs check and create for a stopped container and returns the recorded outputs. */
    async function createEndpoint(
        container: string,
        changes: Record<string, unknown>,
    ): Promise<{ id: string; inputs: Record<string, unknown>; outs: Record<string, unknown> }> {
        await docker.createContainer({ Image: IMAGE, name: container });
        const raw = {
            host,
            container,
            network: NETWORK,
            owner: `wcn-e2e/e2e/${container}`,
            ...changes,
        };
        const checked = await staticEndpointProvider.check!({}, raw);
        expect(checked.failures ?? []).to.deep.equal([]);
        const created = await staticEndpointProvider.create(checked.inputs);
        return { id: created.id, inputs: checked.inputs, outs: created.outs as Record<string, unknown> };
    }

    async function hostAttachment(container: string) {
        const id = (await docker.getContainer(container).inspect()).Id;
        const state = await readHostState(statePath);
        return state.containers
            .find((candidate) => candidate.id === id)
            ?.attachments.find((item) => item.networkName === NETWORK);
    }

    it("explains a failed delete while running", async () => {
        const created = await createEndpoint("svc", { ipv4Address: "10.30.0.80", allowStop: false });
        await docker.getContainer("svc").start();
        sinon
            .stub(DockerEngine.prototype, "disconnectContainer")
            .rejects(new Error("disconnect container svc from network failed: the container is running"));

        const error = await staticEndpointProvider.delete!(created.id, created.outs).catch(
            (caught: Error) => caught,
        );
        expect(error).to.be.instanceOf(Error);
        const message = (error as Error).message;
        expect(message).to.match(/^disconnect container svc from network failed: the container is running\./);
        expect(message).to.match(/The stack recorded allowStop: false for this endpoint/);
        expect(message).to.match(
            /run `pulumi up` so that the stack records it, and then remove the endpoint/,
        );
        expect((await docker.getContainer("svc").inspect()).State.Running).to.equal(true);
        expect((await hostAttachment("svc"))?.requestedIpv4).to.equal("10.30.0.80");
    });

    it("undo keeps a requested MAC", async () => {
        const mac = "00:15:5d:0a:0b:21";
        const created = await createEndpoint("svc2", {
            ipv4Address: "10.30.0.81",
            macAddress: mac,
            allowStop: false,
        });
        const connect = sinon.stub(DockerEngine.prototype, "connectContainer");
        connect.onFirstCall().rejects(new Error("connect container svc2 failed for the test"));
        connect.callThrough();

        const news = { ...created.inputs, ipv4Address: "10.30.0.82" };
        const checked = await staticEndpointProvider.check!(created.outs, news);
        expect(checked.failures ?? []).to.deep.equal([]);
        const error = await staticEndpointProvider.update!(created.id, created.outs, checked.inputs).catch(
            (caught: Error) => caught,
        );
        expect((error as Error).message).to.match(/failed for the test\. The change was undone/);
        expect(connect.callCount).to.equal(2);
        const attachment = await hostAttachment("svc2");
        expect(attachment?.requestedIpv4).to.equal("10.30.0.81");
        expect(attachment?.requestedMac).to.equal(mac);
    });
});
