import { expect } from "chai";
import type * as pulumi from "@pulumi/pulumi";
import * as sinon from "sinon";
import { DockerEngine } from "../../provider/docker/engine";
import { resetEngines } from "../../provider/host/engines";
import { OwnerLabel } from "../../provider/model/containerNetwork";
import { providerFor } from "../../provider/runtime/handler";
import { EngineTarget, realTarget, simulatedTarget } from "../support/targets";

type Props = Record<string, unknown>;

const provider = providerFor("ContainerNetwork");
let counter = 0;

/** Runs the provider's contract cases against one engine. */
function contractCases(
    label: string,
    makeTarget: (ctx: Mocha.Context) => Promise<EngineTarget>,
    subnetBase: string,
) {
    describe(`ContainerNetwork provider on the ${label}`, function () {
        let target: EngineTarget;

        before(async function () {
            target = await makeTarget(this);
        });

        afterEach(async () => {
            sinon.restore();
            await target?.cleanup();
        });

        function inputs(changes: Props = {}): Props {
            counter += 1;
            const name = `wcn-it-${counter}`;
            return {
                host: target.host,
                name,
                driver: target.driver,
                subnet: `${subnetBase}.${counter}.0/24`,
                gateway: `${subnetBase}.${counter}.1`,
                labels: { suite: "contract" },
                owner: `itest/contract/${name}`,
                ...changes,
            };
        }

        async function checked(raw: Props): Promise<Props> {
            const result = await provider.check!({}, raw);
            expect(result.failures, JSON.stringify(result.failures)).to.deep.equal([]);
            return result.inputs as Props;
        }

        async function liveNetworkNamed(name: string) {
            const list = await target.docker.listNetworks({ filters: { name: [name] } });
            return list.filter((network) => network.Name === name);
        }

        async function createOutOfBand(raw: Props, labels: Record<string, string> = {}): Promise<string> {
            const network = await target.docker.createNetwork({
                Name: raw.name as string,
                Driver: target.driver,
                CheckDuplicate: true,
                IPAM: {
                    Driver: "default",
                    Config: [{ Subnet: raw.subnet as string, Gateway: raw.gateway as string }],
                },
                Labels: labels,
            });
            return network.id;
        }

        it("creates a labelled network with the requested subnet", async () => {
            const raw = await checked(inputs());
            const created = await provider.create(raw);
            const live = await target.docker.getNetwork(created.id).inspect();
            expect(live.Labels![OwnerLabel.owner]).to.equal(raw.owner);
            expect(live.Labels!.suite).to.equal("contract");
            expect(live.IPAM!.Config![0].Subnet).to.equal(raw.subnet);
            expect(created.outs.effectiveSubnet).to.equal(raw.subnet);
            expect(created.outs.networkId).to.equal(created.id);
            await provider.delete!(created.id, created.outs);
        });

        it("reads back the same state it created", async () => {
            const raw = await checked(inputs());
            const created = await provider.create(raw);
            const read = (await provider.read!(created.id, created.outs)) as pulumi.dynamic.ReadResult;
            const diff = await provider.diff!(created.id, read.props as Props, raw);
            expect(read.id).to.equal(created.id);
            expect(diff.changes).to.equal(false);
            await provider.delete!(created.id, created.outs);
        });

        it("refuses a same-named network it does not own", async () => {
            const raw = await checked(inputs());
            const foreignId = await createOutOfBand(raw);
            const error = await provider.create(raw).catch((caught: Error) => caught);
            expect((error as Error).message).to.match(
                /on host .* already exists and was not created by pulumi-wcn/,
            );
            expect((error as Error).message).to.match(/adopt: true/);
            expect((await liveNetworkNamed(raw.name as string)).map((network) => network.Id)).to.deep.equal([
                foreignId,
            ]);
            await target.docker.getNetwork(foreignId).remove();
        });

        it("adopts a matching network", async () => {
            const raw = await checked(inputs({ adopt: true }));
            const existingId = await createOutOfBand(raw, { suite: "contract" });
            const adopted = await provider.create(raw);
            expect(adopted.id).to.equal(existingId);
            expect(adopted.outs.adopted).to.equal(true);
            await provider.delete!(adopted.id, adopted.outs);
            expect(await liveNetworkNamed(raw.name as string)).to.deep.equal([]);
        });

        it("never adopts a network of another pulumi-wcn resource", async () => {
            const first = await checked(inputs());
            const created = await provider.create(first);
            const second = { ...first, owner: "itest/other-stack/intruder", adopt: true };
            const error = await provider.create(second).catch((caught: Error) => caught);
            expect((error as Error).message).to.match(
                /belongs to another pulumi-wcn resource, itest\/contract\//,
            );
            expect((await liveNetworkNamed(first.name as string)).map((network) => network.Id)).to.deep.equal(
                [created.id],
            );
            await provider.delete!(created.id, created.outs);
        });

        it("replaces its own leftover that differs", async () => {
            const raw = await checked(inputs());
            const leftover = await provider.create(raw);
            const changed = { ...raw, labels: { suite: "changed" } };
            const warnings = sinon.stub(console, "error");
            const created = await provider.create(changed);
            sinon.restore();
            expect(created.id).not.to.equal(leftover.id);
            expect(warnings.firstCall.args[0]).to.match(/left over from an earlier run of this resource/);
            const live = await target.docker.getNetwork(created.id).inspect();
            expect(live.Labels?.suite).to.equal("changed");
            await provider.delete!(created.id, created.outs);
        });

        it("rejects a subnet overlapping a network on the host at check", async () => {
            const raw = inputs();
            const existingId = await createOutOfBand(raw);
            const overlapping = inputs({ subnet: raw.subnet, gateway: raw.gateway });
            const result = await provider.check!({}, overlapping);
            await target.docker.getNetwork(existingId).remove();
            expect(result.failures?.map((failure) => failure.property)).to.deep.equal(["subnet"]);
            expect(result.failures?.[0].reason).to.match(new RegExp(`overlaps (NAT )?network "${raw.name}"`));
        });

        it("rejects two resources with one name at check", async () => {
            const first = inputs();
            await checked(first);
            const second = { ...inputs(), name: first.name };
            const result = await provider.check!({}, second);
            expect(result.failures?.map((failure) => failure.property)).to.include("name");
            expect(result.failures?.find((failure) => failure.property === "name")?.reason).to.include(
                `also declared by ${first.owner}`,
            );
        });

        it("lists the differences of a network it cannot adopt", async () => {
            const raw = await checked(inputs({ adopt: true }));
            const existingId = await createOutOfBand(raw, { suite: "other" });
            const error = await provider.create(raw).catch((caught: Error) => caught);
            expect((error as Error).message).to.match(/cannot be adopted because it differs/);
            expect((error as Error).message).to.match(/label suite is "other", not "contract"/);
            await target.docker.getNetwork(existingId).remove();
        });

        it("reports a network deleted out of band as gone", async () => {
            const raw = await checked(inputs());
            const created = await provider.create(raw);
            await target.docker.getNetwork(created.id).remove();
            const read = await provider.read!(created.id, created.outs);
            expect(read.id).to.equal("");
        });

        it("finds its network again by name and owner label", async () => {
            const raw = await checked(inputs());
            const created = await provider.create(raw);
            const live = await target.docker.getNetwork(created.id).inspect();
            await target.docker.getNetwork(created.id).remove();
            const newId = await createOutOfBand(raw, live.Labels);
            const read = await provider.read!(created.id, created.outs);
            expect(read.id).to.equal(newId);
            await provider.delete!(newId, read.props as Props);
        });

        it("treats deleting a missing network as done", async () => {
            const raw = await checked(inputs());
            const created = await provider.create(raw);
            await provider.delete!(created.id, created.outs);
            await provider.delete!(created.id, created.outs);
            expect(await liveNetworkNamed(raw.name as string)).to.deep.equal([]);
        });

        it("refuses delete while a container is attached", async () => {
            const raw = await checked(inputs());
            const created = await provider.create(raw);
            const containerId = await target.attachContainer(raw.name as string);
            const error = await provider.delete!(created.id, created.outs).catch((caught: Error) => caught);
            expect((error as Error).message).to.match(/still has containers attached/);
            expect((error as Error).message).to.include(containerId.slice(0, 12));
            expect((error as Error).message).to.match(/disconnectContainersOnDelete: true/);
            expect(await liveNetworkNamed(raw.name as string)).to.have.length(1);
        });

        it("disconnects attached containers when told to", async () => {
            const raw = await checked(inputs({ disconnectContainersOnDelete: true }));
            const created = await provider.create(raw);
            await target.attachContainer(raw.name as string);
            await provider.delete!(created.id, created.outs);
            expect(await liveNetworkNamed(raw.name as string)).to.deep.equal([]);
        });

        it("removes the new network when a later create step fails", async () => {
            const raw = await checked(inputs());
            sinon
                .stub(DockerEngine.prototype, "inspectNetwork")
                .rejects(new Error("inspect failed for the test"));
            const error = await provider.create(raw).catch((caught: Error) => caught);
            sinon.restore();
            expect((error as Error).message).to.equal("inspect failed for the test");
            expect(await liveNetworkNamed(raw.name as string)).to.deep.equal([]);
        });

        it("rejects a driver the engine does not offer at check", async () => {
            const result = await provider.check!({}, inputs({ driver: target.foreignDriver }));
            expect(result.failures?.map((failure) => failure.property)).to.deep.equal(["driver"]);
        });

        it("rejects an API version newer than the engine at check", async () => {
            const raw = inputs();
            const host = raw.host as { name: string; docker: Props };
            const result = await provider.check!(
                {},
                { ...raw, host: { ...host, docker: { ...host.docker, apiVersion: "1.99" } } },
            );
            expect(result.failures?.map((failure) => failure.property)).to.deep.equal([
                "host.docker.apiVersion",
            ]);
        });
    });
}

contractCases("real Docker engine", (ctx) => realTarget(ctx), "10.199");
contractCases("simulated Windows host", () => simulatedTarget(), "172.28");

describe("ContainerNetwork provider on Windows Server 2016 hosts", () => {
    it("rejects a second nat network at check when the engine allows one", async () => {
        const target = await simulatedTarget("ws2016-rtm");
        const host = { ...target.host, docker: { ...target.host.docker, apiVersion: "1.24" } };
        const result = await provider.check!(
            {},
            { host, name: "second-nat", driver: "nat", owner: "itest/ws2016-rtm/second-nat" },
        );
        expect(result.failures?.map((failure) => failure.property)).to.deep.equal(["subnet"]);
        expect(result.failures?.[0].reason).to.match(/allows one NAT network per host, and it has "nat"/);
        expect(result.failures?.[0].reason).to.match(/"bridge": "none"/);
    });

    it("rejects a nat subnet outside the WinNAT prefix at check", async () => {
        const target = await simulatedTarget("ws2016");
        const result = await provider.check!(
            {},
            {
                host: target.host,
                name: "outside",
                driver: "nat",
                subnet: "10.99.0.0/24",
                owner: "itest/ws2016/outside",
            },
        );
        expect(result.failures?.map((failure) => failure.property)).to.deep.equal(["subnet"]);
        expect(result.failures?.[0].reason).to.match(/outside the WinNAT internal prefix 172\.16\.0\.0\/12/);
    });

    it("accepts a partition inside the WinNAT prefix", async () => {
        const target = await simulatedTarget("ws2016");
        const result = await provider.check!(
            {},
            {
                host: target.host,
                name: "inside",
                driver: "nat",
                subnet: "172.17.0.0/16",
                owner: "itest/ws2016/inside",
            },
        );
        expect(result.failures).to.deep.equal([]);
    });
});

describe("ContainerNetwork provider with an unreachable engine", () => {
    const unreachable = {
        name: "gone-host",
        docker: { url: "unix:///nonexistent/wcn-test.sock", timeoutMs: 2000 },
    };
    const raw: Props = { host: unreachable, name: "app", driver: "nat", owner: "itest/unreachable/app" };

    afterEach(() => {
        sinon.restore();
        resetEngines();
    });

    it("previews with a warning instead of failing check", async () => {
        const warnings = sinon.stub(console, "error");
        const result = await provider.check!({}, raw);
        sinon.restore();
        expect(result.failures).to.deep.equal([]);
        expect(warnings.firstCall.args[0]).to.match(/gone-host.*unreachable.*create checks them again/s);
    });

    it("fails create before changing anything", async () => {
        const error = await provider
            .create({ ...raw, adopt: false, disconnectContainersOnDelete: false })
            .catch((caught: Error) => caught);
        expect((error as Error).message).to.match(
            /on host gone-host failed: the Docker engine is unreachable/,
        );
    });

    it("fails refresh instead of reporting the network gone", async () => {
        const error = await provider.read!("0123456789ab", { ...raw, networkId: "0123456789ab" }).catch(
            (caught: Error) => caught,
        );
        expect(error).to.be.instanceOf(Error);
        expect((error as Error).message).to.match(/unreachable/);
    });
});
