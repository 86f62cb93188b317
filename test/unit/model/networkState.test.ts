import { expect } from "chai";
import type { EngineInfo } from "../../../provider/docker/engine";
import type { ContainerNetworkInputs } from "../../../provider/model/containerNetwork";
import { diffContainerNetwork, NetworkDiff } from "../../../provider/model/networkDiff";
import { normalizeNetworkInspect, ObservedNetwork } from "../../../provider/model/networkInspect";
import {
    networkOutputs,
    NetworkOutputs,
    readNetworkProps,
} from "../../../provider/resources/containerNetworkState";

const OPTION = "com.docker.network.windowsshim.";
const OWNER = "infra/prod/app";
const HNS_ID = "A546A47A-7368-444A-90EC-4599C874DB0B";

const WINDOWS_ENGINE: EngineInfo = {
    osType: "windows",
    operatingSystem: "Windows Server 2022 Datacenter",
    kernelVersion: "10.0 20348 (20348.1.amd64fre.fe_release.210507-1500)",
    serverVersion: "24.0.7",
    apiVersion: "1.43",
    minApiVersion: "1.24",
    networkDrivers: [
        "ics",
        "internal",
        "l2bridge",
        "l2tunnel",
        "nat",
        "null",
        "overlay",
        "private",
        "transparent",
    ],
    swarmActive: false,
};

/** Returns a transparent network that sets typed and raw options, as check returns it. */
function transparentInputs(): ContainerNetworkInputs {
    return {
        host: { name: "web-01", docker: { url: "tcp://web-01:2376" } },
        name: "app-lan",
        driver: "transparent",
        subnet: "192.168.127.0/24",
        gateway: "192.168.127.1",
        windows: { adapterName: "Ethernet 2", vlanId: 20, dnsServers: ["192.168.127.53"] },
        driverOptions: { [`${OPTION}routingdomain`]: "rd1" },
        labels: { team: "payments" },
        adopt: false,
        disconnectContainersOnDelete: false,
        owner: OWNER,
    };
}

/** Returns a nat network without subnet or options, as check returns it. */
function natInputs(): ContainerNetworkInputs {
    return {
        host: { name: "web-01", docker: { url: "tcp://web-01:2376" } },
        name: "app-nat",
        driver: "nat",
        adopt: false,
        disconnectContainersOnDelete: false,
        owner: OWNER,
    };
}

/** Returns the raw inspect output of a network the provider created from these inputs. */
function inspectOf(
    inputs: ContainerNetworkInputs,
    changes: Record<string, unknown> = {},
): Record<string, unknown> {
    const config =
        inputs.subnet === undefined
            ? [{ Subnet: "172.25.16.0/20", Gateway: "172.25.16.1" }]
            : [{ Subnet: inputs.subnet, Gateway: inputs.gateway }];
    return {
        Name: inputs.name,
        Id: "5a169a0de37a351b649612f6e87e4bb399606a8225fbbbd8c06cf877bf2498d9",
        Created: "2025-09-08T10:05:24.0315338+02:00",
        Scope: "local",
        Driver: inputs.driver,
        IPAM: { Driver: "windows", Options: {}, Config: config },
        Containers: {},
        Options: { [`${OPTION}hnsid`]: HNS_ID, ...(inputs.driverOptions ?? {}) },
        Labels: {
            ...(inputs.labels ?? {}),
            "io.pulumi-wcn.managed-by": "pulumi-wcn",
            "io.pulumi-wcn.owner": OWNER,
        },
        ...changes,
    };
}

function observe(raw: Record<string, unknown>): ObservedNetwork {
    return normalizeNetworkInspect(raw);
}

function storedOutputs(inputs: ContainerNetworkInputs): NetworkOutputs {
    return networkOutputs(inputs, observe(inspectOf(inputs)), WINDOWS_ENGINE, false);
}

/**
 * Runs a refresh against the live network and then the diff the engine runs after it: the
 * refreshed state against the program's inputs.
 */
function refreshDiff(inputs: ContainerNetworkInputs, live: Record<string, unknown>): NetworkDiff {
    const { props } = readNetworkProps(storedOutputs(inputs), observe(live));
    return diffContainerNetwork(
        props as unknown as Record<string, unknown>,
        inputs as unknown as Record<string, unknown>,
    );
}

const NO_DRIFT = { replaces: [], updates: [] };

describe("readNetworkProps", () => {
    describe("reports no drift", () => {
        it("for an unchanged network", () => {
            expect(refreshDiff(transparentInputs(), inspectOf(transparentInputs()))).to.deep.equal(NO_DRIFT);
        });

        it("for a new hnsid after a host restart", () => {
            const inputs = transparentInputs();
            const live = inspectOf(inputs, {
                Options: {
                    [`${OPTION}hnsid`]: "FDA768E5-1659-4DEE-9A0E-F33E0FE321B1",
                    [`${OPTION}routingdomain`]: "rd1",
                },
            });
            expect(refreshDiff(inputs, live)).to.deep.equal(NO_DRIFT);
        });

        it("for a networkname the engine added late to a transparent network", () => {
            const inputs = transparentInputs();
            const options = {
                [`${OPTION}hnsid`]: HNS_ID,
                [`${OPTION}networkname`]: "app-lan",
                [`${OPTION}routingdomain`]: "rd1",
            };
            expect(refreshDiff(inputs, inspectOf(inputs, { Options: options }))).to.deep.equal(NO_DRIFT);
        });

        it("for a networkname the engine added late to a nat network", () => {
            const inputs = natInputs();
            const options = { [`${OPTION}hnsid`]: HNS_ID, [`${OPTION}networkname`]: "app-nat" };
            expect(refreshDiff(inputs, inspectOf(inputs, { Options: options }))).to.deep.equal(NO_DRIFT);
        });

        it("for a 0.0.0.0/0 subnet without gateway", () => {
            const inputs = transparentInputs();
            const live = inspectOf(inputs, {
                IPAM: { Driver: "windows", Options: null, Config: [{ Subnet: "0.0.0.0/0" }] },
            });
            expect(refreshDiff(inputs, live)).to.deep.equal(NO_DRIFT);
        });

        it("for a subnet HNS chose for a nat network without one", () => {
            const inputs = natInputs();
            const live = inspectOf(inputs, {
                IPAM: { Config: [{ Subnet: "172.29.0.0/20", Gateway: "172.29.0.1" }] },
            });
            expect(refreshDiff(inputs, live)).to.deep.equal(NO_DRIFT);
        });

        it("for options a Windows engine does not echo", () => {
            const inputs = transparentInputs();
            const live = inspectOf(inputs, { Options: { [`${OPTION}hnsid`]: HNS_ID } });
            expect(refreshDiff(inputs, live)).to.deep.equal(NO_DRIFT);
        });

        it("for Options and Labels null on a network without labels", () => {
            const inputs = natInputs();
            const live = inspectOf(inputs, { Options: null, Labels: null });
            expect(refreshDiff(inputs, live)).to.deep.equal(NO_DRIFT);
        });

        it("for a raw option the user did not set", () => {
            const inputs = transparentInputs();
            const live = inspectOf(inputs, {
                Options: {
                    [`${OPTION}hnsid`]: HNS_ID,
                    [`${OPTION}routingdomain`]: "rd1",
                    "com.docker.network.driver.mtu": "1400",
                },
            });
            expect(refreshDiff(inputs, live)).to.deep.equal(NO_DRIFT);
        });

        it("for a label the user did not set", () => {
            const inputs = transparentInputs();
            const live = inspectOf(inputs, {
                Labels: { team: "payments", "cost-center": "42", "io.pulumi-wcn.managed-by": "pulumi-wcn" },
            });
            expect(refreshDiff(inputs, live)).to.deep.equal(NO_DRIFT);
        });

        it("for the IPAM driver name", () => {
            const inputs = transparentInputs();
            const live = inspectOf(inputs, {
                IPAM: {
                    Driver: "default",
                    Config: [{ Subnet: "192.168.127.0/24", Gateway: "192.168.127.1" }],
                },
            });
            expect(refreshDiff(inputs, live)).to.deep.equal(NO_DRIFT);
        });
    });

    describe("reports drift", () => {
        const CASES: [string, (inputs: ContainerNetworkInputs) => Record<string, unknown>, string][] = [
            [
                "for a changed subnet",
                (inputs) =>
                    inspectOf(inputs, {
                        IPAM: { Config: [{ Subnet: "192.168.128.0/24", Gateway: "192.168.127.1" }] },
                    }),
                "subnet",
            ],
            [
                "for a changed gateway",
                (inputs) =>
                    inspectOf(inputs, {
                        IPAM: { Config: [{ Subnet: "192.168.127.0/24", Gateway: "192.168.127.254" }] },
                    }),
                "gateway",
            ],
            ["for a changed driver", (inputs) => inspectOf(inputs, { Driver: "l2bridge" }), "driver"],
            [
                "for a changed label",
                (inputs) =>
                    inspectOf(inputs, {
                        Labels: { team: "billing", "io.pulumi-wcn.managed-by": "pulumi-wcn" },
                    }),
                'labels["team"]',
            ],
            ["for a removed label", (inputs) => inspectOf(inputs, { Labels: {} }), 'labels["team"]'],
            [
                "for a changed echoed typed option",
                (inputs) =>
                    inspectOf(inputs, {
                        Options: {
                            [`${OPTION}hnsid`]: HNS_ID,
                            [`${OPTION}vlanid`]: "30",
                            [`${OPTION}routingdomain`]: "rd1",
                        },
                    }),
                "windows.vlanId",
            ],
            [
                "for a changed echoed raw option",
                (inputs) =>
                    inspectOf(inputs, {
                        Options: { [`${OPTION}hnsid`]: HNS_ID, [`${OPTION}routingdomain`]: "rd2" },
                    }),
                'driverOptions["com.docker.network.windowsshim.routingdomain"]',
            ],
        ];
        for (const [name, live, property] of CASES) {
            it(name, () => {
                const inputs = transparentInputs();
                expect(refreshDiff(inputs, live(inputs)).replaces).to.deep.equal([property]);
            });
        }

        it("for a changed subnet written in another form", () => {
            const inputs = transparentInputs();
            const live = inspectOf(inputs, {
                IPAM: { Config: [{ Subnet: "192.168.127.0/25", Gateway: "192.168.127.1" }] },
            });
            expect(refreshDiff(inputs, live).replaces).to.deep.equal(["subnet"]);
        });
    });

    describe("refreshed state", () => {
        it("takes the live network id", () => {
            const live = inspectOf(natInputs(), {
                Id: "b7b85981ae2d7f843a9c5fe9535a0bf9f2053dc7de84d825c66e699427b7a275",
            });
            const { props } = readNetworkProps(storedOutputs(natInputs()), observe(live));
            expect(props.networkId).to.equal(
                "b7b85981ae2d7f843a9c5fe9535a0bf9f2053dc7de84d825c66e699427b7a275",
            );
        });

        it("takes the live HNS id in lower case", () => {
            const live = inspectOf(natInputs(), {
                Options: { [`${OPTION}hnsid`]: "FDA768E5-1659-4DEE-9A0E-F33E0FE321B1" },
            });
            const { props } = readNetworkProps(storedOutputs(natInputs()), observe(live));
            expect(props.hnsId).to.equal("fda768e5-1659-4dee-9a0e-f33e0fe321b1");
        });

        it("keeps the stored effective subnet when the engine reports 0.0.0.0/0", () => {
            const live = inspectOf(natInputs(), { IPAM: { Config: [{ Subnet: "0.0.0.0/0" }] } });
            const { props } = readNetworkProps(storedOutputs(natInputs()), observe(live));
            expect(props.effectiveSubnet).to.equal("172.25.16.0/20");
            expect(props).to.not.have.property("subnet");
        });

        it("hands back only input properties as inputs", () => {
            const { inputs } = readNetworkProps(
                storedOutputs(transparentInputs()),
                observe(inspectOf(transparentInputs())),
            );
            expect(inputs).to.deep.equal(transparentInputs());
        });

        it("does not add windows options the user did not set", () => {
            const options = {
                [`${OPTION}hnsid`]: HNS_ID,
                [`${OPTION}networkname`]: "app-nat",
                [`${OPTION}vlanid`]: "5",
            };
            const { props } = readNetworkProps(
                storedOutputs(natInputs()),
                observe(inspectOf(natInputs(), { Options: options })),
            );
            expect(props).to.not.have.property("windows");
            expect(props).to.not.have.property("driverOptions");
        });
    });
});
