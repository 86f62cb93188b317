import { expect } from "chai";
import type { ContainerNetworkInputs } from "../../../provider/model/containerNetwork";
import type { ObservedNetwork } from "../../../provider/model/networkInspect";
import {
    buildCreateBody,
    compareForAdoption,
    isOwnedBy,
    sameAddress,
    sameCidr,
    userLabels,
    userOptions,
} from "../../../provider/model/networkSpec";

const OPTION = "com.docker.network.windowsshim.";
const OWNER = "infra/prod/app-l2";

function inputs(changes: Partial<ContainerNetworkInputs> = {}): ContainerNetworkInputs {
    return {
        host: { name: "web-01", docker: { url: "tcp://web-01:2376" } },
        name: "app-l2",
        driver: "l2bridge",
        subnet: "10.20.0.0/24",
        gateway: "10.20.0.1",
        windows: {
            adapterName: "Ethernet 3",
            vlanId: 20,
            dnsServers: ["10.20.0.10", "10.20.0.11"],
            outboundNat: true,
            outboundNatExceptions: ["10.0.0.0/8"],
            macPools: [{ start: "00-15-5D-20-00-00", end: "00-15-5D-20-FF-FF" }],
        },
        driverOptions: { [`${OPTION}routingdomain`]: "rd1" },
        labels: { team: "payments" },
        adopt: true,
        disconnectContainersOnDelete: false,
        owner: OWNER,
        ...changes,
    };
}

/** Returns what a Windows engine reports for the network of `inputs()`, which echoes only some options. */
function observed(changes: Partial<ObservedNetwork> = {}): ObservedNetwork {
    return {
        id: "82cb42b9d3bfbe5847c3736cac7494d9915e474a7d1a3c5068a0d35938456f72",
        name: "app-l2",
        driver: "l2bridge",
        subnet: "10.20.0.0/24",
        gateway: "10.20.0.1",
        options: {
            [`${OPTION}hnsid`]: "404947AC-FC8F-4229-A4B5-595B9161F3A8",
            [`${OPTION}networkname`]: "app-l2",
            [`${OPTION}routingdomain`]: "rd1",
            [`${OPTION}vlanid`]: "20",
        },
        labels: { team: "payments", "io.pulumi-wcn.managed-by": "pulumi-wcn", "io.pulumi-wcn.owner": OWNER },
        hnsId: "404947ac-fc8f-4229-a4b5-595b9161f3a8",
        endpoints: [],
        ...changes,
    };
}

describe("network spec", () => {
    describe("buildCreateBody", () => {
        it("sends IPAM.Config as an array with subnet and gateway", () => {
            expect(buildCreateBody(inputs()).IPAM.Config).to.deep.equal([
                { Subnet: "10.20.0.0/24", Gateway: "10.20.0.1" },
            ]);
        });

        it("sends an empty IPAM.Config without subnet", () => {
            const body = buildCreateBody(
                inputs({ driver: "nat", subnet: undefined, gateway: undefined, windows: undefined }),
            );
            expect(body.IPAM.Config).to.deep.equal([]);
        });

        it("leaves out the gateway key without gateway", () => {
            const body = buildCreateBody(inputs({ gateway: undefined }));
            expect(body.IPAM.Config[0]).to.not.have.property("Gateway");
        });

        it("names the network, driver and IPAM driver", () => {
            const body = buildCreateBody(inputs());
            expect(body.Name).to.equal("app-l2");
            expect(body.Driver).to.equal("l2bridge");
            expect(body.IPAM.Driver).to.equal("default");
            expect(body.CheckDuplicate).to.equal(true);
        });

        it("merges typed and raw options as strings", () => {
            expect(buildCreateBody(inputs()).Options).to.deep.equal({
                [`${OPTION}routingdomain`]: "rd1",
                [`${OPTION}interface`]: "Ethernet 3",
                [`${OPTION}vlanid`]: "20",
                [`${OPTION}dnsservers`]: "10.20.0.10,10.20.0.11",
                [`${OPTION}enable_outboundnat`]: "true",
                [`${OPTION}outboundnat_exceptions`]: "10.0.0.0/8",
                [`${OPTION}macpool`]: "00-15-5D-20-00-00,00-15-5D-20-FF-FF",
            });
        });

        it("sends only string option values", () => {
            const values = Object.values(buildCreateBody(inputs()).Options);
            expect(values.filter((value) => typeof value !== "string")).to.deep.equal([]);
        });

        it("adds ownership labels to the user's", () => {
            expect(buildCreateBody(inputs()).Labels).to.deep.equal({
                team: "payments",
                "io.pulumi-wcn.managed-by": "pulumi-wcn",
                "io.pulumi-wcn.owner": OWNER,
            });
        });

        it("adds ownership labels without user labels", () => {
            expect(buildCreateBody(inputs({ labels: undefined })).Labels).to.deep.equal({
                "io.pulumi-wcn.managed-by": "pulumi-wcn",
                "io.pulumi-wcn.owner": OWNER,
            });
        });
    });

    describe("compareForAdoption", () => {
        it("finds no difference in a matching network", () => {
            expect(compareForAdoption(inputs(), observed())).to.deep.equal([]);
        });

        it("does not count engine-added options", () => {
            const network = observed({
                options: {
                    [`${OPTION}hnsid`]: "X",
                    [`${OPTION}hnsowned`]: "true",
                    [`${OPTION}networkname`]: "x",
                },
            });
            expect(
                compareForAdoption(inputs({ windows: undefined, driverOptions: undefined }), network),
            ).to.deep.equal([]);
        });

        it("does not count options the engine does not echo", () => {
            expect(compareForAdoption(inputs(), observed({ options: {} }))).to.deep.equal([]);
        });

        it("does not count labels the user did not ask for", () => {
            expect(
                compareForAdoption(inputs({ labels: undefined }), observed({ labels: { other: "x" } })),
            ).to.deep.equal([]);
        });

        it("compares CIDRs and addresses canonically", () => {
            expect(
                compareForAdoption(inputs({ subnet: " 10.20.0.0/24", gateway: "10.20.0.1 " }), observed()),
            ).to.deep.equal([]);
        });

        const DIFFERENCES: [string, Partial<ContainerNetworkInputs>, Partial<ObservedNetwork>, RegExp][] = [
            ["driver", {}, { driver: "transparent" }, /^driver is transparent, not l2bridge$/],
            ["subnet", {}, { subnet: "10.20.1.0/24" }, /^subnet is 10\.20\.1\.0\/24, not 10\.20\.0\.0\/24$/],
            [
                "unreported subnet",
                {},
                { subnet: undefined, gateway: undefined },
                /subnet is not reported by the engine, while 10\.20\.0\.0\/24 is requested/,
            ],
            ["gateway", {}, { gateway: "10.20.0.254" }, /^gateway is 10\.20\.0\.254, not 10\.20\.0\.1$/],
            [
                "echoed option",
                {},
                { options: { [`${OPTION}vlanid`]: "30" } },
                /^option com\.docker\.network\.windowsshim\.vlanid is "30", not "20"$/,
            ],
            ["label value", {}, { labels: { team: "billing" } }, /^label team is "billing", not "payments"$/],
            ["missing label", {}, { labels: {} }, /^label team is missing, not "payments"$/],
        ];
        for (const [name, inputChanges, networkChanges, pattern] of DIFFERENCES) {
            it(`lists a different ${name}`, () => {
                const differences = compareForAdoption(inputs(inputChanges), observed(networkChanges));
                expect(differences).to.have.length(1);
                expect(differences[0]).to.match(pattern);
            });
        }

        it("lists every difference", () => {
            const differences = compareForAdoption(
                inputs(),
                observed({ driver: "transparent", gateway: "10.20.0.254", labels: {} }),
            );
            expect(differences).to.have.length(3);
        });
    });

    describe("isOwnedBy", () => {
        it("true with both labels for that owner", () => {
            expect(isOwnedBy(observed(), OWNER)).to.equal(true);
        });

        it("false for another owner", () => {
            expect(isOwnedBy(observed(), "infra/staging/app-l2")).to.equal(false);
        });

        it("false without the managed-by label", () => {
            expect(isOwnedBy(observed({ labels: { "io.pulumi-wcn.owner": OWNER } }), OWNER)).to.equal(false);
        });

        it("false with another managed-by value", () => {
            const labels = { "io.pulumi-wcn.managed-by": "someone-else", "io.pulumi-wcn.owner": OWNER };
            expect(isOwnedBy(observed({ labels }), OWNER)).to.equal(false);
        });
    });

    describe("helpers", () => {
        it("userLabels drops ownership labels", () => {
            expect(userLabels(observed().labels)).to.deep.equal({ team: "payments" });
        });

        it("userOptions drops engine-added options", () => {
            expect(userOptions(observed().options)).to.deep.equal({
                [`${OPTION}networkname`]: "app-l2",
                [`${OPTION}routingdomain`]: "rd1",
                [`${OPTION}vlanid`]: "20",
            });
        });

        it("sameCidr ignores host bits", () => {
            expect(sameCidr("172.31.0.1/20", "172.31.0.0/20")).to.equal(true);
        });

        it("sameCidr tells prefixes apart", () => {
            expect(sameCidr("172.31.0.0/20", "172.31.0.0/21")).to.equal(false);
        });

        it("sameCidr is false for two malformed values", () => {
            expect(sameCidr("x", "x")).to.equal(false);
        });

        it("sameAddress ignores spaces", () => {
            expect(sameAddress(" 10.0.0.1", "10.0.0.1")).to.equal(true);
        });

        it("sameAddress is false for two malformed values", () => {
            expect(sameAddress("router", "router")).to.equal(false);
        });
    });
});
