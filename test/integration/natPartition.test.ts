import { expect } from "chai";
import type * as pulumi from "@pulumi/pulumi";
import * as sinon from "sinon";
import { resetClaims } from "../../provider/host/claims";
import { setProviderConfig } from "../../provider/host/config";
import { providerFor } from "../../provider/runtime/handler";
import { addHostAdapter, deleteNetworkOutOfBand } from "../../provider/simulator/out-of-band";
import { simulatedTarget } from "../support/targets";

type Props = Record<string, unknown>;

const provider = providerFor("NatPartition");

/**
 * The NatPartition provider's calls on simulated hosts, whose PowerShell facts come from the
 * simulated module in a real pwsh.
 */
describe("NatPartition provider", function () {
    this.timeout(120_000);

    afterEach(() => {
        sinon.restore();
        resetClaims();
    });

    async function check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult> {
        return provider.check!(olds, news);
    }

    describe("on a Windows Server 2022 host", () => {
        let target: Awaited<ReturnType<typeof simulatedTarget>>;

        before(async () => {
            target = await simulatedTarget("ws2022");
        });

        function partition(name: string, changes: Props = {}): Props {
            return { host: target.host, name, owner: `itest/nat/${name}`, ...changes };
        }

        it("allocates the same block again for the same inputs", async () => {
            const first = await check({}, partition("alloc-a", { prefixLength: 24 }));
            expect(first.failures).to.deep.equal([]);
            resetClaims();
            const second = await check({}, partition("alloc-a", { prefixLength: 24 }));
            expect((second.inputs as Props).allocatedSubnet).to.equal(
                (first.inputs as Props).allocatedSubnet,
            );
            expect((first.inputs as Props).allocatedSubnet).to.match(/^172\.31\.\d+\.0\/24$/);
        });

        it("gives partitions checked together different blocks", async () => {
            const a = await check({}, partition("alloc-a", { prefixLength: 24 }));
            const b = await check({}, partition("alloc-b", { prefixLength: 24 }));
            expect(a.failures).to.deep.equal([]);
            expect(b.failures).to.deep.equal([]);
            expect((a.inputs as Props).allocatedSubnet).not.to.equal((b.inputs as Props).allocatedSubnet);
        });

        it("keeps the block from the previous state", async () => {
            const olds = { ...partition("alloc-a", { prefixLength: 24 }), allocatedSubnet: "172.20.7.0/24" };
            const result = await check(olds, partition("alloc-a", { prefixLength: 24 }));
            expect((result.inputs as Props).allocatedSubnet).to.equal("172.20.7.0/24");
        });

        it("names the adapter whose address a subnet covers", async () => {
            const result = await check({}, partition("lan-clash", { subnet: "192.168.50.0/24" }));
            const reasons = (result.failures ?? []).map(
                (failure) => `${failure.property}: ${failure.reason}`,
            );
            expect(reasons.join("\n")).to.match(/subnet: .*192\.168\.50\.10\/24.*"Ethernet"/);
        });

        it("creates, reads and deletes a partition, and sees it deleted by hand", async () => {
            const checked = await check({}, partition("life", { prefixLength: 26 }));
            expect(checked.failures).to.deep.equal([]);
            const inputs = checked.inputs as Props;
            const created = await provider.create(inputs);
            const outs = created.outs as Props;
            expect(outs.effectiveSubnet).to.equal(inputs.allocatedSubnet);
            const [network] = String(inputs.allocatedSubnet).split("/");
            const octets = network.split(".");
            octets[3] = String(Number(octets[3]) + 1);
            expect(outs.effectiveGateway).to.equal(octets.join("."));

            const read = await provider.read!(created.id, outs);
            expect(read.id).to.equal(created.id);
            expect((read.inputs as Props).allocatedSubnet).to.equal(inputs.allocatedSubnet);

            await deleteNetworkOutOfBand(target.statePath, "life");
            const gone = await provider.read!(created.id, outs);
            expect(gone.id).to.equal("");
            await provider.delete!(created.id, outs);
        });

        it("finds its own block again when the state lost it", async () => {
            const checked = await check({}, partition("found", { prefixLength: 25 }));
            const created = await provider.create(checked.inputs as Props);
            resetClaims();
            const again = await check({}, partition("found", { prefixLength: 25 }));
            expect((again.inputs as Props).allocatedSubnet).to.equal(
                (checked.inputs as Props).allocatedSubnet,
            );
            expect(again.failures).to.deep.equal([]);
            await provider.delete!(created.id, created.outs as Props);
        });

        it("rejects at create a subnet that became a host address after check", async () => {
            const checked = await check({}, partition("late", { subnet: "172.21.0.0/24" }));
            expect(checked.failures).to.deep.equal([]);
            await addHostAdapter(target.statePath, {
                name: "Ethernet 9",
                interfaceDescription: "Intel(R) Ethernet Connection X722 #9",
                ifIndex: 40,
                macAddress: "00-00-5E-00-53-09",
                kind: "physical",
                physicalMediaType: "802.3",
                status: "Up",
                ipv4Addresses: [{ address: "172.21.0.20", prefixLength: 24 }],
            });
            // The facts are cached for the run, as in one `pulumi up`, so a fresh process is modelled
            // by dropping them.
            const { forgetHostFacts } = await import("../../provider/host/powershell");
            forgetHostFacts(target.host as never);
            const error = await provider.create(checked.inputs as Props).catch((caught: Error) => caught);
            expect((error as Error).message).to.match(/172\.21\.0\.20\/24 of adapter "Ethernet 9"/);
            const live = await target.docker.listNetworks({ filters: { name: ["late"] } });
            expect(live.filter((network) => network.Name === "late")).to.deep.equal([]);
        });
    });

    describe("on Windows Server 2016 hosts", () => {
        it("puts a pool outside the WinNAT prefix on pool", async () => {
            const target = await simulatedTarget("ws2016");
            const result = await check(
                {},
                { host: target.host, name: "p", owner: "itest/nat/p", prefixLength: 24, pool: "10.0.0.0/8" },
            );
            expect(result.failures?.map((failure) => failure.property)).to.deep.equal(["pool"]);
            expect(result.failures?.[0].reason).to.match(
                /outside the WinNAT internal prefix 172\.16\.0\.0\/12/,
            );
        });

        it("says when the block is larger than the pool", async () => {
            const target = await simulatedTarget("ws2016");
            const result = await check(
                {},
                { host: target.host, name: "p", owner: "itest/nat/p", prefixLength: 8 },
            );
            expect(result.failures?.map((failure) => failure.property)).to.deep.equal(["prefixLength"]);
            expect(result.failures?.[0].reason).to.match(/larger than the pool 172\.16\.0\.0\/12/);
        });

        it("gives the one-NAT reason for an allocated second network", async () => {
            const target = await simulatedTarget("ws2016-rtm");
            const host = { ...target.host, docker: { ...target.host.docker, apiVersion: "1.24" } };
            const result = await check({}, { host, name: "p", owner: "itest/nat/p", prefixLength: 24 });
            expect(result.failures?.map((failure) => failure.property)).to.deep.equal(["prefixLength"]);
            expect(result.failures?.[0].reason).to.match(/allows one NAT network per host/);
        });
    });

    describe("when the host's facts cannot be read", () => {
        let target: Awaited<ReturnType<typeof simulatedTarget>>;

        before(async () => {
            target = await simulatedTarget("ws2022");
            setProviderConfig({ get: (key) => (key === "wcn:itestPassword" ? "not-used" : undefined) });
        });

        function unreadable(): Props {
            return {
                host: {
                    ...target.host,
                    powershell: {
                        transport: "winrm",
                        endpoint: "http://127.0.0.1:9/wsman",
                        auth: "ntlm",
                        username: "wcn",
                        passwordConfigKey: "wcn:itestPassword",
                    },
                },
                name: "blind",
                prefixLength: 24,
                owner: "itest/nat/blind",
            };
        }

        it("previews with a warning and leaves the block to create", async () => {
            const warnings = sinon.stub(console, "error");
            const result = await check({}, unreadable());
            sinon.restore();
            expect(result.failures).to.deep.equal([]);
            expect((result.inputs as Props).allocatedSubnet).to.equal(undefined);
            const text = warnings
                .getCalls()
                .map((call) => String(call.args[0]))
                .join("\n");
            expect(text).to.match(/NAT partition "blind": reading the facts of host sim-ws2022 failed/);
            expect(text).to.match(/create checks them again/);
        });

        it("fails create before changing anything", async () => {
            const { inputs } = await check({}, unreadable());
            const error = await provider.create(inputs as Props).catch((caught: Error) => caught);
            expect(error).to.be.instanceOf(Error);
            const live = await target.docker.listNetworks({ filters: { name: ["blind"] } });
            expect(live.filter((network) => network.Name === "blind")).to.deep.equal([]);
        });
    });
});
