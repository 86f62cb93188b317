import { expect } from "chai";
import { rebootHost, startDockerService, stopDockerService } from "../../../provider/simulator/daemon";
import { EngineError } from "../../../provider/simulator/errors";
import { deleteHnsNetwork } from "../../../provider/simulator/hns";
import type { HnsNetwork, HostState } from "../../../provider/simulator/model";
import { createNetwork } from "../../../provider/simulator/networks";
import {
    getProfile,
    type NatModel,
    PROFILE_NAMES,
    type ProfileName,
} from "../../../provider/simulator/profiles";
import { seedHostState } from "../../../provider/simulator/seed";
import { postedDaemonError, readFixture } from "./helpers";

/** Posted HNS texts, trimmed. The simulator's texts end in a space, as HNS's do, so tests trim them too. */
const POSTED = {
    unspecified: postedDaemonError("C14-ws2016-second-nat-unspecified-error.txt", "Unspecified"),
    objectExists: postedDaemonError(
        "C13-docker-info-win10-1709-second-nat-object-exists.txt",
        "already exists",
    ),
    win32ParameterIncorrect: postedDaemonError("C18-ws2019-transparent-on-vethernet-0x57.txt", "0x57"),
    legacyParameterIncorrect: (
        readFixture("C07-ws2016-netls-vmswitch-netnat.txt")
            .split("\n")
            .find((line) => line.startsWith("Handler for POST /v1.25/networks/create returned error: ")) ?? ""
    )
        .replace("Handler for POST /v1.25/networks/create returned error: ", "")
        .trimEnd(),
};

/** Creates a network through the engine's rules and returns the trimmed error text, or null on success. */
function createError(state: HostState, body: Record<string, unknown>): string | null {
    try {
        createNetwork(state, body);
        return null;
    } catch (error) {
        if (!(error instanceof EngineError)) {
            throw error;
        }
        return error.message.trimEnd();
    }
}

function natBody(name: string, subnet?: string, gateway?: string): Record<string, unknown> {
    if (subnet === undefined) {
        return { Name: name, Driver: "nat" };
    }
    const config = gateway === undefined ? { Subnet: subnet } : { Subnet: subnet, Gateway: gateway };
    return { Name: name, Driver: "nat", IPAM: { Config: [config] } };
}

function addHostAddress(state: HostState, address: string, prefixLength: number): void {
    state.adapters.push({
        name: "SLOT 1 Port 2",
        interfaceDescription: "Broadcom NetXtreme Gigabit Ethernet",
        ifIndex: 30,
        macAddress: "00-00-5E-00-53-10",
        kind: "physical",
        physicalMediaType: "802.3",
        status: "Up",
        ipv4Addresses: [{ address, prefixLength }],
    });
}

function hnsNetworkNamed(state: HostState, name: string): HnsNetwork {
    const network = state.hnsNetworks.find((candidate) => candidate.name === name);
    if (network === undefined) {
        throw new Error(`no HNS network named ${name}`);
    }
    return network;
}

function natSubnetsOf(state: HostState): string[] {
    return state.hnsNetworks
        .filter((network) => network.type === "nat")
        .map((network) => network.subnets[0]?.addressPrefix ?? "");
}

function winNatPrefixes(state: HostState): string[] {
    return state.winNats.map((winNat) => winNat.internalIPInterfaceAddressPrefix);
}

/** Removes the default nat network's HNS side while docker is stopped, as the documented procedure does. */
function removeDefaultNat(state: HostState): void {
    stopDockerService(state);
    deleteHnsNetwork(state, hnsNetworkNamed(state, "nat").id);
}

interface NatRuleCase {
    name: string;
    subnet: string;
    /** Prepares the seeded host; cases with a setup the model cannot build list their models. */
    setup?: (state: HostState) => void;
    models?: NatModel[];
    /** HNS error text per NAT model, or null when HNS creates the network. */
    expected: Record<NatModel, string | null>;
}

const NAT_RULE_CASES: NatRuleCase[] = [
    {
        name: "documented partition inside 172.16.0.0/12",
        subnet: "172.17.0.0/16",
        expected: { "winnat-single": POSTED.unspecified, "winnat-partitions": null, hns: null },
    },
    {
        name: "posted public subnet outside the WinNAT prefix",
        subnet: "15.16.1.0/24",
        expected: {
            "winnat-single": POSTED.unspecified,
            "winnat-partitions": POSTED.legacyParameterIncorrect,
            hns: null,
        },
    },
    {
        name: "private subnet outside the WinNAT prefix",
        subnet: "10.0.69.0/24",
        expected: {
            "winnat-single": POSTED.unspecified,
            "winnat-partitions": POSTED.legacyParameterIncorrect,
            hns: null,
        },
    },
    {
        name: "subnet overlapping the default nat",
        subnet: "172.25.0.0/16",
        expected: {
            "winnat-single": POSTED.unspecified,
            "winnat-partitions": POSTED.objectExists,
            hns: POSTED.objectExists,
        },
    },
    {
        name: "subnet equal to the WinNAT prefix",
        subnet: "172.16.0.0/12",
        expected: {
            "winnat-single": POSTED.unspecified,
            "winnat-partitions": POSTED.objectExists,
            hns: POSTED.objectExists,
        },
    },
    {
        name: "host address inside the WinNAT prefix",
        subnet: "172.20.0.0/16",
        setup: (state) => addHostAddress(state, "172.20.0.5", 24),
        expected: {
            "winnat-single": POSTED.unspecified,
            "winnat-partitions": POSTED.legacyParameterIncorrect,
            hns: POSTED.win32ParameterIncorrect,
        },
    },
    {
        name: "subnet on a seeded host adapter",
        subnet: "192.168.50.0/24",
        expected: {
            "winnat-single": POSTED.unspecified,
            "winnat-partitions": POSTED.legacyParameterIncorrect,
            hns: POSTED.win32ParameterIncorrect,
        },
    },
    {
        name: "subnet overlapping a custom partition",
        subnet: "172.17.128.0/17",
        setup: (state) => createNetwork(state, natBody("CustomNat2", "172.17.0.0/16", "172.17.0.1")),
        models: ["winnat-partitions", "hns"],
        expected: {
            "winnat-single": null,
            "winnat-partitions": POSTED.objectExists,
            hns: POSTED.objectExists,
        },
    },
    {
        name: "subnet overlapping an l2bridge subnet",
        subnet: "10.50.0.0/25",
        setup: (state) =>
            createNetwork(state, {
                Name: "l2",
                Driver: "l2bridge",
                IPAM: { Config: [{ Subnet: "10.50.0.0/24", Gateway: "10.50.0.1" }] },
                Options: { "com.docker.network.windowsshim.interface": "Ethernet 2" },
            }),
        models: ["winnat-partitions", "hns"],
        expected: {
            "winnat-single": null,
            "winnat-partitions": POSTED.legacyParameterIncorrect,
            hns: POSTED.objectExists,
        },
    },
];

describe("simulated HNS: NAT rules per host generation", () => {
    for (const profile of PROFILE_NAMES) {
        const model = getProfile(profile).natModel;
        for (const entry of NAT_RULE_CASES) {
            if (entry.models !== undefined && !entry.models.includes(model)) {
                continue;
            }
            const expected = entry.expected[model];
            it(`${profile}: ${entry.name} ${expected === null ? "is created" : "is rejected"}`, () => {
                const state = seedHostState(profile);
                entry.setup?.(state);
                const networksBefore = state.hnsNetworks.length;
                const winNatsBefore = JSON.stringify(state.winNats);
                expect(createError(state, natBody("candidate", entry.subnet))).to.equal(expected);
                if (expected === null) {
                    expect(natSubnetsOf(state)).to.include(entry.subnet);
                } else {
                    expect(state.hnsNetworks, "HNS networks after a rejection").to.have.length(
                        networksBefore,
                    );
                    expect(JSON.stringify(state.winNats), "WinNATs after a rejection").to.equal(
                        winNatsBefore,
                    );
                }
            });
        }
    }

    it("ws2016 partition without subnet gets the next free /20", () => {
        const state = seedHostState("ws2016");
        createNetwork(state, natBody("auto"));
        expect(natSubnetsOf(state)).to.deep.equal(["172.25.16.0/20", "172.25.32.0/20"]);
        expect(winNatPrefixes(state)).to.deep.equal(["172.16.0.0/12"]);
    });

    it("ws2016 allocation skips host addresses", () => {
        const state = seedHostState("ws2016");
        addHostAddress(state, "172.25.40.1", 24);
        createNetwork(state, natBody("auto"));
        expect(natSubnetsOf(state)).to.deep.equal(["172.25.16.0/20", "172.25.48.0/20"]);
    });

    it("ws2016 full WinNAT prefix rejects an allocation", () => {
        const state = seedHostState("ws2016");
        removeDefaultNat(state);
        createNetwork(state, natBody("small", "10.99.0.0/24"));
        expect(createError(state, natBody("auto"))).to.equal(POSTED.legacyParameterIncorrect);
    });

    for (const profile of ["ws2019", "ws2022", "ws2025"] as ProfileName[]) {
        it(`${profile} keeps Get-NetNat empty and names an HNS NAT`, () => {
            const state = seedHostState(profile);
            createNetwork(state, natBody("one", "172.17.0.0/16"));
            createNetwork(state, natBody("two", "10.0.69.0/24"));
            expect(state.winNats).to.deep.equal([]);
            for (const network of state.hnsNetworks) {
                expect(network.natName, network.name).to.match(/^NAT[0-9A-F-]{36}$/i);
            }
        });
    }
});

describe("simulated HNS: WinNAT lifecycle", () => {
    for (const profile of ["ws2016", "ws2016-rtm"] as ProfileName[]) {
        it(`${profile} seed has one WinNAT with the default nat`, () => {
            const state = seedHostState(profile);
            expect(state.winNats).to.have.length(1);
            expect(state.winNats[0].name).to.match(/^H[0-9a-f-]{36}$/);
            expect(state.winNats[0].active).to.equal(true);
            expect(winNatPrefixes(state)).to.deep.equal(["172.16.0.0/12"]);
            expect(hnsNetworkNamed(state, "nat").subnets).to.deep.equal([
                { addressPrefix: "172.25.16.0/20", gatewayAddress: "172.25.16.1" },
            ]);
            expect(hnsNetworkNamed(state, "nat").natName).to.equal(null);
        });

        it(`${profile} removes the WinNAT with the last nat network`, () => {
            const state = seedHostState(profile);
            const removed = deleteHnsNetwork(state, hnsNetworkNamed(state, "nat").id);
            expect(removed?.name).to.equal("nat");
            expect(state.winNats).to.deep.equal([]);
        });

        it(`${profile} first nat network makes a WinNAT on its subnet`, () => {
            const state = seedHostState(profile);
            removeDefaultNat(state);
            createNetwork(state, natBody("MyNatNet", "15.16.1.0/24"));
            expect(winNatPrefixes(state)).to.deep.equal(["15.16.1.0/24"]);
        });

        it(`${profile} picked /20 becomes the WinNAT prefix`, () => {
            const state = seedHostState(profile);
            removeDefaultNat(state);
            createNetwork(state, natBody("auto"));
            expect(natSubnetsOf(state)).to.deep.equal(["172.25.16.0/20"]);
            expect(winNatPrefixes(state)).to.deep.equal(["172.25.16.0/20"]);
        });

        it(`${profile} rejected first nat leaves no WinNAT`, () => {
            const state = seedHostState(profile);
            removeDefaultNat(state);
            const message = createError(state, natBody("bad", "10.0.69.0/24", "10.1.0.1"));
            expect(message).to.equal(POSTED.legacyParameterIncorrect);
            expect(state.winNats).to.deep.equal([]);
        });
    }

    it("ws2016 keeps the WinNAT while a partition remains", () => {
        const state = seedHostState("ws2016");
        createNetwork(state, natBody("CustomNat1", "172.16.0.0/16"));
        const winNatName = state.winNats[0].name;
        deleteHnsNetwork(state, hnsNetworkNamed(state, "nat").id);
        expect(state.winNats.map((winNat) => winNat.name)).to.deep.equal([winNatName]);
        const custom = state.hnsNetworks.find((network) => network.type === "nat");
        deleteHnsNetwork(state, custom?.id.toLowerCase() ?? "");
        expect(state.winNats).to.deep.equal([]);
    });

    it("ws2016 partitions the default network that spans the WinNAT", () => {
        const state = seedHostState("ws2016");
        removeDefaultNat(state);
        state.daemonJson = '{ "fixed-cidr": "172.20.0.0/14" }';
        startDockerService(state);
        expect(winNatPrefixes(state)).to.deep.equal(["172.20.0.0/14"]);
        expect(createError(state, natBody("inside", "172.21.0.0/24"))).to.equal(null);
        expect(createError(state, natBody("again", "172.21.0.128/25"))).to.equal(POSTED.objectExists);
    });

    it("ws2016 WinNAT on a partition rejects subnets outside it", () => {
        const state = seedHostState("ws2016");
        removeDefaultNat(state);
        createNetwork(state, natBody("first", "10.0.69.0/24"));
        expect(createError(state, natBody("second", "172.17.0.0/16"))).to.equal(
            POSTED.legacyParameterIncorrect,
        );
    });

    it("ws2016-rtm leftover WinNAT blocks a nat until removed", () => {
        const state = seedHostState("ws2016-rtm");
        const leftover = state.winNats[0];
        removeDefaultNat(state);
        state.winNats.push(leftover);
        expect(createError(state, natBody("MyNatNet", "15.16.1.0/24"))).to.equal(POSTED.unspecified);
        state.winNats = [];
        expect(createError(state, natBody("MyNatNet", "15.16.1.0/24"))).to.equal(null);
        expect(createError(state, natBody("MyNatNet2", "15.16.2.0/24"))).to.equal(POSTED.unspecified);
    });

    it("ws2016 reboot keeps the WinNAT", () => {
        const state = seedHostState("ws2016");
        const before = JSON.stringify(state.winNats);
        rebootHost(state);
        expect(state.bootCount).to.equal(1);
        expect(JSON.stringify(state.winNats)).to.equal(before);
    });

    it("deleting an unknown HNS id changes nothing", () => {
        const state = seedHostState("ws2016");
        const before = JSON.stringify(state);
        expect(deleteHnsNetwork(state, "00000000-0000-0000-0000-000000000000")).to.equal(undefined);
        expect(JSON.stringify(state)).to.equal(before);
    });

    it("deleting an HNS network drops its endpoints only", () => {
        const state = seedHostState("ws2016");
        createNetwork(state, natBody("CustomNat1", "172.16.0.0/16"));
        const nat = hnsNetworkNamed(state, "nat");
        const custom = state.hnsNetworks.find((network) => network !== nat && network.type === "nat");
        const endpoint = {
            name: "ep",
            virtualNetworkName: "",
            ipAddress: "",
            prefixLength: 16,
            gatewayAddress: "",
            macAddress: "00-15-5D-00-00-01",
            dnsServerList: "",
            dnsSuffix: "",
            containerId: "c1",
            isStatic: false,
        };
        state.hnsEndpoints.push(
            { ...endpoint, id: "EP-NAT", virtualNetwork: nat.id },
            { ...endpoint, id: "EP-CUSTOM", virtualNetwork: custom?.id ?? "" },
        );
        deleteHnsNetwork(state, nat.id);
        expect(state.hnsEndpoints.map((candidate) => candidate.id)).to.deep.equal(["EP-CUSTOM"]);
        expect(
            state.adapters.find((adapter) => adapter.name === "vEthernet (nat)")?.ipv4Addresses,
        ).to.deep.equal([{ address: "172.16.0.1", prefixLength: 16 }]);
    });
});

describe("simulated engine: default nat network subnet", () => {
    for (const profile of PROFILE_NAMES) {
        it(`${profile} without fixed-cidr starts at 172.25.16.0/20`, () => {
            const state = seedHostState(profile);
            expect(natSubnetsOf(state)).to.deep.equal(["172.25.16.0/20"]);
            const nat = state.dockerNetworks.find((network) => network.name === "nat");
            expect(nat?.ipamConfig).to.deep.equal([{ subnet: "172.25.16.0/20", gateway: "172.25.16.1" }]);
        });

        it(`${profile} with fixed-cidr uses exactly that subnet`, () => {
            const state = seedHostState(profile);
            removeDefaultNat(state);
            state.daemonJson = '{ "fixed-cidr": "10.99.0.0/24" }';
            startDockerService(state);
            expect(state.services.docker).to.deep.equal({ status: "Running", lastError: null });
            expect(natSubnetsOf(state)).to.deep.equal(["10.99.0.0/24"]);
            const nat = state.dockerNetworks.find((network) => network.name === "nat");
            expect(nat?.ipamConfig).to.deep.equal([{ subnet: "10.99.0.0/24", gateway: "10.99.0.1" }]);
            const model = getProfile(profile).natModel;
            expect(winNatPrefixes(state)).to.deep.equal(model === "hns" ? [] : ["10.99.0.0/24"]);
        });
    }

    for (const profile of ["ws2019", "ws2022", "ws2025"] as ProfileName[]) {
        it(`${profile} moves past a host address in 172.25.16.0/20`, () => {
            const state = seedHostState(profile);
            removeDefaultNat(state);
            addHostAddress(state, "172.25.20.1", 24);
            startDockerService(state);
            expect(state.services.docker.status).to.equal("Running");
            expect(natSubnetsOf(state)).to.deep.equal(["172.25.32.0/20"]);
        });
    }

    for (const profile of ["ws2016", "ws2016-rtm"] as ProfileName[]) {
        it(`${profile} host address in 172.16.0.0/12 fails start`, () => {
            const state = seedHostState(profile);
            removeDefaultNat(state);
            addHostAddress(state, "172.30.1.10", 24);
            startDockerService(state);
            expect(state.services.docker.status).to.equal("Stopped");
            expect(state.services.docker.lastError).to.equal(
                "Error starting daemon: Error initializing network controller: Error creating default network: HNS failed with error : The parameter is incorrect. ",
            );
            expect(state.winNats).to.deep.equal([]);
        });
    }
});
