import { expect } from "chai";
import { deleteNetworkOutOfBand } from "../../../provider/simulator/out-of-band";
import type { ProfileName } from "../../../provider/simulator/profiles";
import { readHostState } from "../../../provider/simulator/state";
import {
    dockerFailure,
    expectDockerError,
    NANOSERVER,
    postedDaemonError,
    rawRequest,
    readFixture,
    type SimulatorFixture,
    startFixture,
} from "./helpers";

const INTERFACE = "com.docker.network.windowsshim.interface";

/** Posted Windows error texts the simulator must reproduce. */
const POSTED = {
    pluginNotFound: postedDaemonError(
        "C30-plugin-not-found-wrong-engine-or-driver.txt",
        'plugin "transparent"',
    ),
    nullIpam: postedDaemonError("C39-ip-range-null-ipam.txt", "null ipam"),
    unspecified: postedDaemonError("C14-ws2016-second-nat-unspecified-error.txt", "Unspecified"),
    win32ParameterIncorrect: postedDaemonError("C18-ws2019-transparent-on-vethernet-0x57.txt", "0x57"),
    objectExists: postedDaemonError(
        "C13-docker-info-win10-1709-second-nat-object-exists.txt",
        "already exists",
    ),
    legacyParameterIncorrect: readFixture("C07-ws2016-netls-vmswitch-netnat.txt")
        .split("\n")
        .find((line) => line.startsWith("Handler for POST /v1.25/networks/create returned error: "))
        ?.replace("Handler for POST /v1.25/networks/create returned error: ", ""),
};

interface CreateCase {
    name: string;
    body: Record<string, unknown>;
    status: number;
    message: string;
}

const WS2022_CASES: CreateCase[] = [
    {
        name: "bridge driver",
        body: { Name: "b", Driver: "bridge" },
        status: 404,
        message: 'plugin "bridge" not found',
    },
    {
        name: "upper-case driver",
        body: { Name: "b", Driver: "NAT" },
        status: 404,
        message: 'plugin "NAT" not found',
    },
    {
        name: "predefined name nat",
        body: { Name: "nat", Driver: "nat" },
        status: 403,
        message: "operation is not permitted on predefined nat network ",
    },
    {
        name: "empty name",
        body: { Name: "", Driver: "nat" },
        status: 400,
        message: "network name must not be empty",
    },
    {
        name: "EnableIPv6",
        body: { Name: "v6", Driver: "nat", EnableIPv6: true },
        status: 500,
        message: "This request is not supported by null ipam driver",
    },
    {
        name: "IPv6 subnet",
        body: { Name: "v6", Driver: "nat", IPAM: { Config: [{ Subnet: "fd00::/64" }] } },
        status: 500,
        message: "This request is not supported by null ipam driver",
    },
    {
        name: "IP range",
        body: {
            Name: "r",
            Driver: "nat",
            IPAM: { Config: [{ Subnet: "172.30.0.0/16", IPRange: "172.30.1.0/24" }] },
        },
        status: 500,
        message: "This request is not supported by null ipam driver",
    },
    {
        name: "internal",
        body: { Name: "i", Driver: "nat", Internal: true },
        status: 400,
        message: "internal networks are not supported on Windows",
    },
    {
        name: "auxiliary addresses",
        body: {
            Name: "a",
            Driver: "nat",
            IPAM: { Config: [{ Subnet: "172.30.0.0/24", AuxiliaryAddresses: { host: "172.30.0.5" } }] },
        },
        status: 400,
        message: "auxiliary addresses are not supported on Windows",
    },
    {
        name: "IPAM driver",
        body: { Name: "d", Driver: "nat", IPAM: { Driver: "infoblox" } },
        status: 404,
        message: 'plugin "infoblox" not found',
    },
    {
        name: "IPAM options",
        body: { Name: "o", Driver: "nat", IPAM: { Options: { a: "b" } } },
        status: 400,
        message: "IPAM options are not supported on Windows",
    },
    {
        name: "malformed subnet",
        body: { Name: "s", Driver: "nat", IPAM: { Config: [{ Subnet: "300.1.1.0/24" }] } },
        status: 400,
        message: "Invalid subnet 300.1.1.0/24 : invalid CIDR address: 300.1.1.0/24",
    },
    {
        name: "null driver",
        body: { Name: "n", Driver: "null" },
        status: 403,
        message: 'only one instance of "null" network is allowed',
    },
    {
        name: "overlay without swarm",
        body: { Name: "o", Driver: "overlay" },
        status: 403,
        message:
            'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.',
    },
    {
        name: "non-numeric vlanid",
        body: {
            Name: "v",
            Driver: "transparent",
            Options: { "com.docker.network.windowsshim.vlanid": "ten" },
        },
        status: 500,
        message: 'strconv.ParseUint: parsing "ten": invalid syntax',
    },
    {
        name: "odd mac pool",
        body: {
            Name: "m",
            Driver: "nat",
            Options: { "com.docker.network.windowsshim.macpool": "00-15-5D-00-00-00" },
        },
        status: 400,
        message: "Invalid mac pool. You must specify both a start range and an end range",
    },
    {
        name: "missing adapter",
        body: { Name: "t", Driver: "transparent", Options: { [INTERFACE]: "SLOT 1 Port 2" } },
        status: 500,
        message: "hnsCall failed in Win32: The parameter is incorrect. (0x57)",
    },
    {
        name: "host vNIC adapter",
        body: { Name: "t", Driver: "transparent", Options: { [INTERFACE]: "vEthernet (nat)" } },
        status: 500,
        message: "hnsCall failed in Win32: The parameter is incorrect. (0x57)",
    },
    {
        name: "Wi-Fi adapter",
        body: {
            Name: "t",
            Driver: "l2bridge",
            IPAM: { Config: [{ Subnet: "192.168.77.0/24", Gateway: "192.168.77.1" }] },
            Options: { [INTERFACE]: "Wi-Fi" },
        },
        status: 500,
        message: "hnsCall failed in Win32: The parameter is incorrect. (0x57)",
    },
    {
        name: "l2bridge without subnet",
        body: { Name: "l2", Driver: "l2bridge", Options: { [INTERFACE]: "Ethernet" } },
        status: 500,
        message: "hnsCall failed in Win32: The parameter is incorrect. (0x57)",
    },
    {
        name: "nat on a host subnet",
        body: { Name: "n", Driver: "nat", IPAM: { Config: [{ Subnet: "192.168.50.0/24" }] } },
        status: 500,
        message: "hnsCall failed in Win32: The parameter is incorrect. (0x57)",
    },
    {
        name: "gateway outside subnet",
        body: {
            Name: "g",
            Driver: "nat",
            IPAM: { Config: [{ Subnet: "172.30.0.0/24", Gateway: "172.31.0.1" }] },
        },
        status: 500,
        message: "hnsCall failed in Win32: The parameter is incorrect. (0x57)",
    },
];

async function createRaw(
    fixture: SimulatorFixture,
    body: Record<string, unknown>,
    apiVersion = "v1.40",
): Promise<{ status: number; json: { message?: string; Id?: string; Warning?: string } }> {
    const reply = await rawRequest(fixture.engine.port, "POST", `/${apiVersion}/networks/create`, body);
    return { status: reply.status, json: JSON.parse(reply.body) };
}

describe("simulated engine: posted Windows error texts", () => {
    it("posted texts were found in the fixtures", () => {
        Object.entries(POSTED).forEach(([key, text]) =>
            expect(text, key).to.be.a("string").and.not.equal(""),
        );
    });

    it("plugin error follows the posted form", () => {
        expect(POSTED.pluginNotFound.replace("transparent", "bridge")).to.equal('plugin "bridge" not found');
    });

    it("IP range text equals the posted one", () => {
        expect(WS2022_CASES.find((entry) => entry.name === "IP range")?.message).to.equal(POSTED.nullIpam);
    });

    it("0x57 text equals the posted one", () => {
        expect(WS2022_CASES.find((entry) => entry.name === "host vNIC adapter")?.message).to.equal(
            POSTED.win32ParameterIncorrect,
        );
    });
});

describe("simulated engine: network create errors on ws2022", () => {
    let fixture: SimulatorFixture;

    beforeEach(async () => {
        fixture = await startFixture("ws2022");
    });

    afterEach(async () => {
        await fixture.close();
    });

    for (const entry of WS2022_CASES) {
        it(`rejects ${entry.name}`, async () => {
            const reply = await createRaw(fixture, entry.body);
            expect(reply.status).to.equal(entry.status);
            expect(reply.json.message).to.equal(entry.message);
        });
    }

    it("rejected create leaves no network behind", async () => {
        await createRaw(fixture, WS2022_CASES[0].body);
        const state = await readHostState(fixture.statePath);
        expect(state.dockerNetworks.map((network) => network.name).sort()).to.deep.equal(["nat", "none"]);
    });

    it("rejects a duplicate name with 409", async () => {
        await fixture.docker.createNetwork({ Name: "dup", Driver: "nat", CheckDuplicate: true });
        const failure = await dockerFailure(
            fixture.docker.createNetwork({ Name: "dup", Driver: "nat", CheckDuplicate: true }),
        );
        expect(failure.statusCode).to.equal(409);
        expect(failure.message).to.equal("network with name dup already exists");
    });

    it("rejects a nat overlapping another with the posted text", async () => {
        const natSubnet = (await readHostState(fixture.statePath)).hnsNetworks.find(
            (network) => network.name === "nat",
        )?.subnets[0].addressPrefix;
        const reply = await createRaw(fixture, {
            Name: "overlap",
            Driver: "nat",
            IPAM: { Config: [{ Subnet: natSubnet }] },
        });
        expect(reply.status).to.equal(500);
        expect(reply.json.message?.trimEnd()).to.equal(POSTED.objectExists);
    });

    it("rejects a second external network on one adapter", async () => {
        const first = await createRaw(fixture, {
            Name: "t1",
            Driver: "transparent",
            Options: { [INTERFACE]: "Ethernet" },
        });
        const second = await createRaw(fixture, {
            Name: "t2",
            Driver: "l2bridge",
            IPAM: { Config: [{ Subnet: "192.168.50.0/24", Gateway: "192.168.50.1" }] },
            Options: { [INTERFACE]: "Ethernet" },
        });
        expect(first.status).to.equal(201);
        expect(second.status).to.equal(500);
        expect(second.json.message).to.equal("HNS failed with error : The object already exists. ");
    });

    it("rejects a transparent network on the new vEthernet vNIC", async () => {
        await createRaw(fixture, { Name: "t1", Driver: "transparent", Options: { [INTERFACE]: "Ethernet" } });
        const state = await readHostState(fixture.statePath);
        const vnic = state.adapters.find(
            (adapter) => adapter.kind === "virtual" && adapter.macAddress === "00-00-5E-00-53-01",
        );
        expect(vnic?.name).to.match(/^vEthernet \(/);
        const reply = await createRaw(fixture, {
            Name: "t2",
            Driver: "transparent",
            Options: { [INTERFACE]: vnic?.name },
        });
        expect(reply.json.message).to.equal(POSTED.win32ParameterIncorrect);
    });

    it("second transparent picks the next adapter", async () => {
        await createRaw(fixture, { Name: "t1", Driver: "transparent" });
        await createRaw(fixture, { Name: "t2", Driver: "transparent" });
        const third = await createRaw(fixture, { Name: "t3", Driver: "transparent" });
        const state = await readHostState(fixture.statePath);
        const adapters = state.hnsNetworks
            .filter((network) => network.type === "transparent")
            .map((network) => network.networkAdapterName);
        expect(adapters.sort()).to.deep.equal(["Ethernet", "Ethernet 2"]);
        expect(third.status).to.equal(500);
        expect(third.json.message).to.equal("HNS failed with error : The object already exists. ");
    });
});

describe("simulated engine: network removal errors", () => {
    let fixture: SimulatorFixture;

    beforeEach(async () => {
        fixture = await startFixture("ws2022");
    });

    afterEach(async () => {
        await fixture.close();
    });

    it("missing network gives 404", async () => {
        await expectDockerError(fixture.docker.getNetwork("ghost").remove(), 404, "network ghost not found");
    });

    it("missing network inspect gives 404", async () => {
        await expectDockerError(fixture.docker.getNetwork("ghost").inspect(), 404, "network ghost not found");
    });

    it("default nat cannot be removed", async () => {
        await expectDockerError(
            fixture.docker.getNetwork("nat").remove(),
            403,
            "nat is a pre-defined network and cannot be removed",
        );
    });

    it("none cannot be removed", async () => {
        await expectDockerError(
            fixture.docker.getNetwork("none").remove(),
            403,
            "none is a pre-defined network and cannot be removed",
        );
    });

    it("network with a container gives 403", async () => {
        const network = await fixture.docker.createNetwork({ Name: "busy", Driver: "nat" });
        await fixture.docker.createContainer({
            Image: NANOSERVER.ws2022,
            name: "c1",
            HostConfig: { NetworkMode: "busy" },
        });
        await expectDockerError(
            fixture.docker.getNetwork("busy").remove(),
            403,
            `error while removing network: network busy id ${network.id} has active endpoints`,
        );
    });

    it("network removal succeeds after the container goes", async () => {
        await fixture.docker.createNetwork({ Name: "busy", Driver: "nat" });
        const container = await fixture.docker.createContainer({
            Image: NANOSERVER.ws2022,
            name: "c1",
            HostConfig: { NetworkMode: "busy" },
        });
        await container.remove({ force: true });
        await fixture.docker.getNetwork("busy").remove();
        const state = await readHostState(fixture.statePath);
        expect(state.hnsNetworks.map((network) => network.name)).to.deep.equal(["nat"]);
    });
});

describe("simulated engine: duplicate names by engine version", () => {
    async function createTwice(
        profile: ProfileName,
    ): Promise<{ first: number; second: number; warning?: string; fixture: SimulatorFixture }> {
        const fixture = await startFixture(profile);
        const first = await createRaw(fixture, { Name: "twin", Driver: "nat" });
        const second = await createRaw(fixture, { Name: "twin", Driver: "nat" });
        return { first: first.status, second: second.status, warning: second.json.Warning, fixture };
    }

    it("ws2019 creates a duplicate without CheckDuplicate", async () => {
        const result = await createTwice("ws2019");
        try {
            expect(result.second).to.equal(201);
            expect(result.warning).to.match(/^Network with name twin \(id : [0-9a-f]{64}\) already exists$/);
            await expectDockerError(
                result.fixture.docker.getNetwork("twin").inspect(),
                400,
                "network twin is ambiguous (2 matches found on name)",
            );
        } finally {
            await result.fixture.close();
        }
    });

    it("ws2025 rejects a duplicate without CheckDuplicate", async () => {
        const result = await createTwice("ws2025");
        try {
            expect(result.first).to.equal(201);
            expect(result.second).to.equal(409);
        } finally {
            await result.fixture.close();
        }
    });
});

describe("simulated engine: WS2016 NAT rules", () => {
    let fixture: SimulatorFixture;

    beforeEach(async () => {
        fixture = await startFixture("ws2016");
    });

    afterEach(async () => {
        await fixture.close();
    });

    it("seeds one WinNAT for 172.16.0.0/12", async () => {
        const state = await readHostState(fixture.statePath);
        expect(state.winNats).to.have.length(1);
        expect(state.winNats[0].name).to.match(/^H[0-9a-f-]{36}$/);
        expect(state.winNats[0].internalIPInterfaceAddressPrefix).to.equal("172.16.0.0/12");
        const nat = state.dockerNetworks.find((network) => network.name === "nat");
        expect(nat?.ipamConfig[0].subnet).to.equal("172.25.16.0/20");
    });

    it("documented partitions of the WinNAT prefix work", async () => {
        const first = await createRaw(fixture, {
            Name: "CustomNat1",
            Driver: "nat",
            IPAM: { Config: [{ Subnet: "172.16.0.0/16", Gateway: "172.16.0.1" }] },
        });
        const second = await createRaw(fixture, {
            Name: "CustomNat2",
            Driver: "nat",
            IPAM: { Config: [{ Subnet: "172.17.0.0/16", Gateway: "172.17.0.1" }] },
        });
        expect(first.status).to.equal(201);
        expect(second.status).to.equal(201);
        const state = await readHostState(fixture.statePath);
        expect(state.winNats.map((winNat) => winNat.internalIPInterfaceAddressPrefix)).to.deep.equal([
            "172.16.0.0/12",
        ]);
        expect(state.hnsNetworks.filter((network) => network.type === "nat")).to.have.length(3);
    });

    it("nat outside the WinNAT prefix gives the legacy 0x57 text", async () => {
        const reply = await createRaw(fixture, {
            Name: "MyNATnetwork",
            Driver: "nat",
            IPAM: { Config: [{ Subnet: "10.0.69.0/24" }] },
        });
        expect(reply.status).to.equal(500);
        expect(reply.json.message).to.equal(POSTED.legacyParameterIncorrect);
    });

    it("overlapping partition gives the posted text", async () => {
        const reply = await createRaw(fixture, {
            Name: "overlap",
            Driver: "nat",
            IPAM: { Config: [{ Subnet: "172.25.0.0/16" }] },
        });
        expect(reply.status).to.equal(500);
        expect(reply.json.message?.trimEnd()).to.equal(POSTED.objectExists);
    });

    it("lone nat network makes its own WinNAT", async () => {
        await deleteNetworkOutOfBand(fixture.statePath, "nat");
        expect((await readHostState(fixture.statePath)).winNats).to.deep.equal([]);
        const reply = await createRaw(fixture, {
            Name: "MyNATnetwork",
            Driver: "nat",
            IPAM: { Config: [{ Subnet: "10.0.69.0/24" }] },
        });
        expect(reply.status).to.equal(201);
        const state = await readHostState(fixture.statePath);
        expect(state.winNats.map((winNat) => winNat.internalIPInterfaceAddressPrefix)).to.deep.equal([
            "10.0.69.0/24",
        ]);
    });

    it("outbound NAT option is rejected on build 14393", async () => {
        const reply = await createRaw(fixture, {
            Name: "o",
            Driver: "transparent",
            Options: { "com.docker.network.windowsshim.enable_outboundnat": "true" },
        });
        expect(reply.status).to.equal(500);
        expect(reply.json.message).to.equal(
            "Invalid network option. OutboundNat is not supported on this OS version",
        );
    });

    it("missing adapter gives the legacy 0x57 text", async () => {
        const reply = await createRaw(fixture, {
            Name: "t",
            Driver: "transparent",
            Options: { [INTERFACE]: "PROD" },
        });
        expect(reply.json.message).to.equal("HNS failed with error : The parameter is incorrect. ");
    });
});

describe("simulated engine: WS2016 NAT rules with Docker 1.12", () => {
    let fixture: SimulatorFixture;

    beforeEach(async () => {
        fixture = await startFixture("ws2016-rtm");
    });

    afterEach(async () => {
        await fixture.close();
    });

    it("second nat network gives the posted Unspecified error", async () => {
        const reply = await createRaw(
            fixture,
            { Name: "MyNatNet", Driver: "nat", IPAM: { Config: [{ Subnet: "15.16.1.0/24" }] } },
            "v1.24",
        );
        expect(reply.status).to.equal(500);
        expect(reply.json.message).to.equal(POSTED.unspecified);
    });

    it("partition inside the WinNAT prefix fails too", async () => {
        const reply = await createRaw(
            fixture,
            { Name: "part", Driver: "nat", IPAM: { Config: [{ Subnet: "172.17.0.0/16" }] } },
            "v1.24",
        );
        expect(reply.status).to.equal(500);
        expect(reply.json.message).to.equal(POSTED.unspecified);
    });

    it("transparent driver is missing", async () => {
        const reply = await createRaw(fixture, { Name: "t", Driver: "transparent" }, "v1.24");
        expect(reply.status).to.equal(404);
        expect(reply.json.message).to.equal(POSTED.pluginNotFound);
    });
});
