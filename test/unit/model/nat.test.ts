import { expect } from "chai";
import type { EngineInfo } from "../../../provider/docker/engine";
import { type HostFacts, normalizeHostFacts } from "../../../provider/host/facts";
import { parseFormatList } from "../../../provider/host/textFormats";
import { type InputFailure, FailureList } from "../../../provider/model/failures";
import {
    allocatePartition,
    allocationPool,
    checkPartition,
    type NatLayout,
    natLayout,
    parseEngineVersion,
    partitionWarnings,
    type PlannedPartition,
} from "../../../provider/model/nat";
import type { ObservedNetwork } from "../../../provider/model/networkInspect";
import { UNKNOWN_VALUE } from "../../../provider/model/unknown";
import type { RawHostFacts } from "../../../provider/powershell/facts";
import { readFixtureSections } from "../host/fixtureSections";
import { readFixture } from "./windowsFixtures";

/** Reads the engine facts the NAT rules use from `docker info` text as posted. */
function infoFromDockerInfo(text: string): EngineInfo {
    const field = (name: string): string => new RegExp(`^${name}: (.*)$`, "m").exec(text)?.[1].trim() ?? "";
    return {
        osType: field("OSType"),
        operatingSystem: field("Operating System"),
        kernelVersion: field("Kernel Version"),
        serverVersion: field("Server Version"),
        apiVersion: "",
        networkDrivers: field(" Network").split(" "),
        swarmActive: false,
    };
}

function engine(build: number, serverVersion: string): EngineInfo {
    return {
        osType: "windows",
        operatingSystem: "Windows Server",
        kernelVersion: `10.0 ${build} (${build}.1.amd64fre.release)`,
        serverVersion,
        apiVersion: "1.40",
        networkDrivers: ["nat", "transparent", "l2bridge"],
        swarmActive: false,
    };
}

const WS2016_OLD_ENGINE = infoFromDockerInfo(readFixture("C14"));
const WIN10_1709 = infoFromDockerInfo(readFixture("C13"));
const WS2016 = engine(14393, "17.06.2-ee-16");
const WS2019 = engine(17763, "19.03.18");
const WS2022 = engine(20348, "24.0.7");

function network(
    name: string,
    driver: string,
    subnet?: string,
    extra: Partial<ObservedNetwork> = {},
): ObservedNetwork {
    return { id: `${name}-id`, name, driver, subnet, options: {}, labels: {}, endpoints: [], ...extra };
}

function ipAddress(alias: string, cidr: string): Record<string, unknown> {
    const [address, length] = cidr.split("/");
    return { InterfaceAlias: alias, InterfaceIndex: 4, IPAddress: address, PrefixLength: Number(length) };
}

/** Returns host facts as the host-facts script prints them, normalized the way the provider does. */
function hostFacts(build: number, overrides: Record<string, unknown> = {}): HostFacts {
    const raw = {
        os: { caption: "Microsoft Windows Server", version: `10.0.${build}`, buildNumber: String(build) },
        powershell: { edition: "Desktop", version: "5.1.17763.1" },
        hypervPresent: true,
        netNat: [],
        vmSwitches: [],
        netAdapters: [],
        ipAddresses: [],
        hnsSource: "Get-HnsNetwork",
        hnsNetworks: [],
        daemonJson: { path: "C:\\ProgramData\\docker\\config\\daemon.json", exists: false, content: null },
        services: { hns: { Status: "Running" }, docker: { Status: "Running" } },
        ...overrides,
    };
    return normalizeHostFacts(raw as unknown as RawHostFacts);
}

/** The WinNAT of the C07 Windows Server 2016 host, from its posted `Get-NetNat` list. */
const C07_NET_NAT = parseFormatList(readFixtureSections("C07")[5]);
/** The WinNAT of the C07b host, whose prefix was printed with host bits (`172.31.0.1/20`). */
const C07B_NET_NAT = parseFormatList(readFixtureSections("C07b")[0]);

/** Parses the two HNS create responses (nat and default_network) the C09 tool printed after `Response: `. */
function c09Networks(): unknown[] {
    return readFixture("C09")
        .split("\n")
        .filter((line) => line.startsWith("Response: "))
        .map((line) => (JSON.parse(line.slice("Response: ".length)) as { Output: unknown }).Output);
}

/** Returns the C09 Docker networks as a fresh Windows Server 2019 engine reports them: subnet 0.0.0.0/0 (C06), so unknown. */
function c09DockerNetworks(): ObservedNetwork[] {
    return [...readFixture("C09").matchAll(/^(\S+) \(ID: ([0-9a-f]{64})\)/gm)].map(([, name, id]) =>
        network(name, "nat", undefined, { id }),
    );
}

/** Parses the ICS network `Default Switch` (192.168.184.176/28) from the complete part of the C25 fragment. */
function c25IcsNetwork(): unknown {
    const fragment = readFixtureSections("C25")[1].replace("\n", "");
    const start = fragment.indexOf('"ID":"C08CB7B8');
    const end = fragment.indexOf(',"Resources"');
    return JSON.parse(`{${fragment.slice(start, end)}}`) as unknown;
}

/**
 * Builds a Windows Server 2016 host shaped like C07: WinNAT 172.25.16.0/20 held by the default `nat`
 * network, a LAN address on `Ethernet`, and the NAT gateway on the HNS internal host vNIC.
 */
function ws2016Host(info: EngineInfo = WS2016, networks: ObservedNetwork[] = []): NatLayout {
    const facts = hostFacts(14393, {
        netNat: C07_NET_NAT,
        ipAddresses: [
            ipAddress("Ethernet", "192.168.50.10/24"),
            ipAddress("vEthernet (HNS Internal NIC)", "172.25.16.1/20"),
            ipAddress("Loopback Pseudo-Interface 1", "127.0.0.1/8"),
        ],
    });
    return natLayout({
        hostName: "web-01",
        info,
        networks: [network("nat", "nat", "172.25.16.0/20", { gateway: "172.25.16.1" }), ...networks],
        facts,
    });
}

/** Builds a Windows Server 2022 host: empty Get-NetNat, the C09 NAT networks in HNS, a LAN address. */
function ws2022Host(networks: ObservedNetwork[] = c09DockerNetworks(), exclude?: string): NatLayout {
    const facts = hostFacts(20348, {
        hnsNetworks: c09Networks(),
        ipAddresses: [
            ipAddress("Ethernet", "192.168.50.10/24"),
            ipAddress("vEthernet (nat)", "172.21.16.1/20"),
            ipAddress("vEthernet (default_network)", "192.168.0.1/22"),
        ],
    });
    return natLayout({ hostName: "web-02", info: WS2022, networks, facts, exclude });
}

function partitionFailures(layout: NatLayout, subnet: string | undefined, name = "app"): InputFailure[] {
    const failures = new FailureList();
    checkPartition(layout, { name, subnet }, failures);
    return failures.items;
}

describe("nat model", () => {
    describe("parseEngineVersion", () => {
        const CASES: [string, [number, number, number] | undefined][] = [
            ["1.12.2-cs2-ws-beta", [1, 12, 2]],
            ["17.06.2-ee-16", [17, 6, 2]],
            ["19.03.18", [19, 3, 18]],
            ["24.0.7", [24, 0, 7]],
            ["17.09.0-ce", [17, 9, 0]],
            ["1.13", [1, 13, 0]],
            ["master-dockerproject-2016", undefined],
            ["", undefined],
        ];
        for (const [text, expected] of CASES) {
            it(`reads ${JSON.stringify(text)}`, () => {
                const parsed = parseEngineVersion(text);
                if (expected === undefined) {
                    expect(parsed).to.equal(undefined);
                } else {
                    expect(parsed).to.deep.equal({
                        major: expected[0],
                        minor: expected[1],
                        patch: expected[2],
                    });
                }
            });
        }
    });

    describe("natLayout generation and NAT count", () => {
        it("C14 host is winnat with one NAT network", () => {
            const layout = natLayout({ hostName: "h", info: WS2016_OLD_ENGINE, networks: [] });
            expect(layout.build).to.equal(14393);
            expect(layout.engineVersion).to.equal("1.12.2-cs2-ws-beta");
            expect(layout.generation).to.equal("winnat");
            expect(layout.singleNatNetwork).to.equal(true);
        });

        it("C13 host is winnat with partitions", () => {
            const layout = natLayout({ hostName: "h", info: WIN10_1709, networks: [] });
            expect(layout.build).to.equal(16299);
            expect(layout.generation).to.equal("winnat");
            expect(layout.singleNatNetwork).to.equal(false);
        });

        const SINGLE: [string, EngineInfo, boolean][] = [
            ["14393 with 1.12.2-cs2-ws-beta", engine(14393, "1.12.2-cs2-ws-beta"), true],
            ["14300 with 1.12.0-dev", engine(14300, "1.12.0-dev"), true],
            ["14393 with 1.13.0", engine(14393, "1.13.0"), false],
            ["14393 with 17.06.2-ee-16", engine(14393, "17.06.2-ee-16"), false],
            ["14393 with an unreadable version", engine(14393, "custom"), false],
            ["17763 with 1.12.2", engine(17763, "1.12.2"), false],
        ];
        for (const [name, info, expected] of SINGLE) {
            it(`one NAT network: ${name} is ${expected}`, () => {
                expect(natLayout({ hostName: "h", info, networks: [] }).singleNatNetwork).to.equal(expected);
            });
        }

        it("Windows Server 2019 is hns", () => {
            expect(natLayout({ hostName: "h", info: WS2019, networks: [] }).generation).to.equal("hns");
        });

        it("prefers the build in host facts", () => {
            const layout = natLayout({ hostName: "h", info: WS2022, networks: [], facts: hostFacts(14393) });
            expect(layout.build).to.equal(14393);
            expect(layout.generation).to.equal("winnat");
        });

        it("treats an unknown build as hns", () => {
            const linux = { ...WS2022, osType: "linux", kernelVersion: "6.1.0" };
            const layout = natLayout({ hostName: "h", info: linux, networks: [] });
            expect(layout.build).to.equal(undefined);
            expect(layout.generation).to.equal("hns");
        });
    });

    describe("natLayout WinNAT", () => {
        it("C07 reads the active WinNAT", () => {
            expect(ws2016Host().winNat).to.deep.equal({
                name: "H86ba7d44-ccf2-4b0c-b6cb-1cf824bd155b",
                prefix: "172.25.16.0/20",
                reportedPrefix: "172.25.16.0/20",
            });
        });

        it("C07b keeps the prefix as printed", () => {
            const facts = hostFacts(14393, { netNat: C07B_NET_NAT });
            const layout = natLayout({ hostName: "h", info: WS2016, networks: [], facts });
            expect(layout.winNat?.prefix).to.equal("172.31.0.0/20");
            expect(layout.winNat?.reportedPrefix).to.equal("172.31.0.1/20");
        });

        it("skips an inactive WinNAT", () => {
            const facts = hostFacts(14393, { netNat: [{ ...C07_NET_NAT[0], Active: "False" }] });
            expect(natLayout({ hostName: "h", info: WS2016, networks: [], facts }).winNat).to.equal(
                undefined,
            );
        });

        it("ignores Get-NetNat on hns hosts", () => {
            const facts = hostFacts(17763, { netNat: C07_NET_NAT });
            expect(natLayout({ hostName: "h", info: WS2019, networks: [], facts }).winNat).to.equal(
                undefined,
            );
        });
    });

    describe("natLayout NAT networks", () => {
        it("C09 learns unknown Docker subnets from HNS", () => {
            const layout = ws2022Host();
            expect(
                layout.natNetworks.map((entry) => [entry.name, entry.subnet, entry.gateway]),
            ).to.deep.equal([
                ["nat", "172.21.16.0/20", "172.21.16.1"],
                ["default_network", "192.168.0.0/22", "192.168.0.1"],
            ]);
        });

        it("C09 lists each network once", () => {
            const layout = ws2022Host();
            expect(layout.natNetworks.map((entry) => entry.source)).to.deep.equal(["docker", "docker"]);
            expect(layout.natNetworks.map((entry) => entry.hnsId)).to.deep.equal([
                "404947ac-fc8f-4229-a4b5-595b9161f3a8",
                "c8026314-fc13-42cc-b41b-4df9873b1d11",
            ]);
        });

        it("matches by the hnsid option", () => {
            const docker = network("mynat", "nat", undefined, {
                hnsId: "404947ac-fc8f-4229-a4b5-595b9161f3a8",
            });
            const layout = ws2022Host([docker]);
            expect(layout.natNetworks.map((entry) => [entry.name, entry.source, entry.subnet])).to.deep.equal(
                [
                    ["mynat", "docker", "172.21.16.0/20"],
                    [
                        "fbe919774495beaca42fb5c5cb4f9a0b913a3e462dc3d604773a2455cbc08e99",
                        "hns",
                        "192.168.0.0/22",
                    ],
                ],
            );
        });

        it("keeps the Docker subnet over HNS", () => {
            const [nat, other] = c09DockerNetworks();
            const layout = ws2022Host([{ ...nat, subnet: "172.21.16.0/24" }, other]);
            expect(layout.natNetworks[0].subnet).to.equal("172.21.16.0/24");
        });

        it("leaves out the excluded network and its HNS twin", () => {
            const layout = ws2022Host(c09DockerNetworks(), "default_network");
            expect(layout.natNetworks.map((entry) => entry.name)).to.deep.equal(["nat"]);
        });

        it("keeps a subnet it cannot learn unknown", () => {
            const layout = natLayout({ hostName: "h", info: WS2019, networks: [network("nat", "nat")] });
            expect(layout.natNetworks).to.deep.equal([{ name: "nat", source: "docker", dockerId: "nat-id" }]);
        });

        it("treats an HNS 0.0.0.0/0 as unknown", () => {
            const pending = {
                ID: "22222222-2222-3333-4444-555555555555",
                Name: "nat",
                Type: "nat",
                Subnets: [{ AddressPrefix: "0.0.0.0/0" }],
            };
            const facts = hostFacts(17763, { hnsNetworks: [pending] });
            const layout = natLayout({ hostName: "h", info: WS2019, networks: [], facts });
            expect(layout.natNetworks).to.deep.equal([
                { name: "nat", source: "hns", hnsId: "22222222-2222-3333-4444-555555555555" },
            ]);
        });

        it("lists other networks once with their kind", () => {
            const transparentHns = {
                ID: "11111111-2222-3333-4444-555555555555",
                Name: "tlan1",
                Type: "Transparent",
                Subnets: [{ AddressPrefix: "192.168.3.0/24", GatewayAddress: "192.168.3.1" }],
            };
            const facts = hostFacts(20348, { hnsNetworks: [transparentHns, c25IcsNetwork()] });
            const tlan1 = network("tlan1", "transparent", "192.168.3.0/24", {
                hnsId: "11111111-2222-3333-4444-555555555555",
            });
            const layout = natLayout({ hostName: "h", info: WS2022, networks: [tlan1], facts });
            expect(layout.otherSubnets).to.deep.equal([
                { name: "tlan1", subnet: "192.168.3.0/24", kind: "transparent" },
                { name: "Default Switch", subnet: "192.168.184.176/28", kind: "ics" },
            ]);
        });
    });

    describe("natLayout host addresses", () => {
        it("drops loopback and the WS2016 NAT gateway", () => {
            expect(ws2016Host().hostAddresses).to.deep.equal([
                { adapter: "Ethernet", address: "192.168.50.10", prefixLength: 24 },
            ]);
        });

        it("drops the WS2019+ NAT gateways", () => {
            expect(ws2022Host().hostAddresses.map((entry) => entry.adapter)).to.deep.equal(["Ethernet"]);
        });

        it("keeps the excluded network's gateway out", () => {
            const layout = ws2022Host(c09DockerNetworks(), "nat");
            expect(layout.hostAddresses.map((entry) => entry.adapter)).to.deep.equal(["Ethernet"]);
        });

        it("keeps a host vNIC address outside NAT", () => {
            const facts = hostFacts(20348, {
                ipAddresses: [ipAddress("vEthernet (External LAN)", "10.1.2.3/16")],
            });
            const layout = natLayout({ hostName: "h", info: WS2022, networks: [], facts });
            expect(layout.hostAddresses).to.deep.equal([
                { adapter: "vEthernet (External LAN)", address: "10.1.2.3", prefixLength: 16 },
            ]);
        });

        it("keeps a physical address inside NAT", () => {
            const facts = hostFacts(20348, { ipAddresses: [ipAddress("Ethernet", "172.21.16.9/24")] });
            const layout = natLayout({ hostName: "h", info: WS2022, networks: c09DockerNetworks(), facts });
            expect(layout.hostAddresses.map((entry) => entry.address)).to.deep.equal(["172.21.16.9"]);
        });

        it("has none without facts", () => {
            const layout = natLayout({ hostName: "h", info: WS2022, networks: [] });
            expect(layout.factsAvailable).to.equal(false);
            expect(layout.hostAddresses).to.deep.equal([]);
        });
    });

    describe("checkPartition on winnat hosts", () => {
        it("accepts a partition inside the WinNAT prefix", () => {
            expect(partitionFailures(ws2016Host(), "172.25.20.0/24")).to.deep.equal([]);
        });

        it("rejects a subnet outside the WinNAT prefix", () => {
            const failures = partitionFailures(ws2016Host(), "172.30.0.0/24");
            expect(failures.map((failure) => failure.property)).to.deep.equal(["subnet"]);
            expect(failures[0].reason).to.include("WinNAT internal prefix 172.25.16.0/20");
            expect(failures[0].reason).to.include("H86ba7d44-ccf2-4b0c-b6cb-1cf824bd155b");
            expect(failures[0].reason).to.include("carved from it");
            expect(failures[0].reason).to.include("HostNatConfig");
        });

        it("C07b names the prefix as the host printed it", () => {
            const facts = hostFacts(14393, { netNat: C07B_NET_NAT });
            const layout = natLayout({ hostName: "h", info: WS2016, networks: [], facts });
            const failures = partitionFailures(layout, "172.25.0.0/24");
            expect(failures[0].reason).to.include("172.31.0.1/20");
            expect(failures[0].reason).to.include("inside 172.31.0.0/20");
        });

        it("C15 rejects a subnet that contains the WinNAT prefix", () => {
            expect(partitionFailures(ws2016Host(), "172.16.0.0/12")).to.have.length(1);
        });

        it("rejects overlap with another partition", () => {
            const layout = ws2016Host(WS2016, [network("CustomNat1", "nat", "172.25.20.0/22")]);
            const failures = partitionFailures(layout, "172.25.21.0/24");
            expect(failures.map((failure) => failure.property)).to.deep.equal(["subnet"]);
            expect(failures[0].reason).to.include('NAT network "CustomNat1" (172.25.20.0/22)');
        });

        it("accepts Microsoft's two partitions of 172.16.0.0/12", () => {
            const facts = hostFacts(14393, {
                netNat: [
                    { Name: "Hdefault", InternalIPInterfaceAddressPrefix: "172.16.0.0/12", Active: true },
                ],
            });
            const networks = [
                network("nat", "nat", "172.16.0.0/12"),
                network("CustomNat1", "nat", "172.16.0.0/16"),
            ];
            const layout = natLayout({ hostName: "h", info: WS2016, networks, facts });
            expect(partitionFailures(layout, "172.17.0.0/16", "CustomNat2")).to.deep.equal([]);
            expect(partitionFailures(layout, "172.16.128.0/17", "CustomNat2")).to.have.length(1);
        });

        it("checks no containment without a WinNAT", () => {
            const facts = hostFacts(14393);
            const layout = natLayout({ hostName: "h", info: WS2016, networks: [], facts });
            expect(partitionFailures(layout, "10.0.69.0/24")).to.deep.equal([]);
        });
    });

    describe("checkPartition on one-NAT hosts", () => {
        it("C14 rejects a second NAT network", () => {
            const failures = partitionFailures(ws2016Host(WS2016_OLD_ENGINE), "172.25.20.0/24");
            expect(failures.map((failure) => failure.property)).to.deep.equal(["subnet"]);
            const [reason] = failures.map((failure) => failure.reason);
            expect(reason).to.include('"nat" (172.25.16.0/20)');
            expect(reason).to.include("build 14393");
            expect(reason).to.include("1.12.2-cs2-ws-beta");
            expect(reason).to.include('HNS would fail with "Unspecified error"');
            expect(reason).to.include('"bridge": "none"');
            expect(reason).to.include("HostNatConfig");
            expect(reason).not.to.include("Remove-NetNat");
        });

        it("rejects it without a subnet", () => {
            expect(partitionFailures(ws2016Host(WS2016_OLD_ENGINE), undefined)).to.have.length(1);
        });

        it("accepts the first NAT network", () => {
            const facts = hostFacts(14393);
            const layout = natLayout({ hostName: "h", info: WS2016_OLD_ENGINE, networks: [], facts });
            expect(partitionFailures(layout, "172.25.16.0/20")).to.deep.equal([]);
        });

        it("accepts the network it replaces", () => {
            const layout = natLayout({
                hostName: "h",
                info: WS2016_OLD_ENGINE,
                networks: [network("nat", "nat", "172.25.16.0/20")],
                exclude: "nat",
            });
            expect(partitionFailures(layout, "172.25.16.0/20", "nat")).to.deep.equal([]);
        });
    });

    describe("checkPartition on hns hosts", () => {
        it("C17 accepts a free subnet with empty Get-NetNat", () => {
            expect(partitionFailures(ws2022Host(), "172.30.0.0/16")).to.deep.equal([]);
        });

        const OVERLAPS: [string, string, string][] = [
            ["inside nat", "172.21.17.0/24", 'NAT network "nat" (172.21.16.0/20)'],
            ["around default_network", "192.168.0.0/16", 'NAT network "default_network" (192.168.0.0/22)'],
            ["equal to nat", "172.21.16.0/20", 'NAT network "nat" (172.21.16.0/20)'],
        ];
        for (const [name, subnet, expected] of OVERLAPS) {
            it(`C09 rejects a subnet ${name}`, () => {
                const reasons = partitionFailures(ws2022Host(), subnet).map((failure) => failure.reason);
                expect(reasons.some((reason) => reason.includes(expected))).to.equal(true);
            });
        }

        it("names a network only HNS has", () => {
            const layout = ws2022Host([]);
            const [failure] = partitionFailures(layout, "172.21.16.0/24");
            expect(failure.reason).to.include(
                'HNS NAT network "82cb42b9d3bfbe5847c3736cac7494d9915e474a7d1a3c5068a0d35938456f72" (172.21.16.0/20)',
            );
        });

        it("rejects overlap with another driver's subnet", () => {
            const layout = natLayout({
                hostName: "h",
                info: WS2022,
                networks: [network("l2", "l2bridge", "10.10.0.0/24")],
            });
            const failures = partitionFailures(layout, "10.10.0.0/16");
            expect(failures[0].reason).to.include('l2bridge network "l2" (10.10.0.0/24)');
        });

        it("rejects overlap with an ICS network", () => {
            const facts = hostFacts(20348, { hnsNetworks: [c25IcsNetwork()] });
            const layout = natLayout({ hostName: "h", info: WS2022, networks: [], facts });
            const failures = partitionFailures(layout, "192.168.184.0/24");
            expect(failures[0].reason).to.include('ics network "Default Switch" (192.168.184.176/28)');
        });

        it("C06 ignores a NAT network with unknown subnet", () => {
            const layout = natLayout({ hostName: "h", info: WS2019, networks: [network("nat", "nat")] });
            expect(partitionFailures(layout, "172.16.0.0/16")).to.deep.equal([]);
        });
    });

    describe("checkPartition host addresses", () => {
        const CASES: [string, () => NatLayout, string][] = [
            ["on WS2016", () => ws2016Host(), "192.168.50.0/24"],
            ["on WS2022", () => ws2022Host(), "192.168.50.0/24"],
            ["containing the address", () => ws2022Host(), "192.168.48.0/21"],
            ["inside the address's prefix", () => ws2022Host(), "192.168.50.128/25"],
        ];
        for (const [name, layout, subnet] of CASES) {
            it(`rejects overlap ${name}`, () => {
                const failures = partitionFailures(layout(), subnet).filter((failure) =>
                    failure.reason.includes("adapter"),
                );
                expect(failures).to.have.length(1);
                expect(failures[0].property).to.equal("subnet");
                expect(failures[0].reason).to.include(
                    'overlaps address 192.168.50.10/24 of adapter "Ethernet"',
                );
                expect(failures[0].reason).to.include("breaks Docker");
            });
        }

        it("does not count a NAT gateway", () => {
            const failures = partitionFailures(ws2016Host(), "172.25.16.0/24");
            expect(failures.filter((failure) => failure.reason.includes("adapter"))).to.deep.equal([]);
        });

        it("cannot run without facts", () => {
            const layout = natLayout({ hostName: "h", info: WS2016, networks: [] });
            expect(partitionFailures(layout, "192.168.50.0/24")).to.deep.equal([]);
        });

        it("reports every conflict at once", () => {
            const layout = ws2022Host();
            const failures = partitionFailures(layout, "192.168.0.0/16");
            expect(failures).to.have.length(2);
        });
    });

    describe("checkPartition input it leaves to the syntax check", () => {
        for (const subnet of ["fd00::/64", "not a subnet", UNKNOWN_VALUE, "0.0.0.0/0"]) {
            it(`skips ${JSON.stringify(subnet)}`, () => {
                expect(partitionFailures(ws2016Host(), subnet)).to.deep.equal([]);
            });
        }

        it("checks host-bit input as its network", () => {
            const failures = partitionFailures(ws2016Host(), "172.30.0.1/24");
            expect(failures).to.have.length(1);
            expect(failures[0].reason).to.include("172.30.0.0/24 lies outside");
        });
    });

    describe("partitionWarnings", () => {
        const planned = (subnet: string): PlannedPartition => ({ name: "MyNatNet", subnet });

        it("C14 warns about a public range", () => {
            const warnings = partitionWarnings(ws2016Host(), planned("15.16.1.0/24"));
            expect(warnings).to.have.length(1);
            expect(warnings[0]).to.include("15.16.1.0/24");
            expect(warnings[0]).to.include("not a private range");
        });

        it("does not warn about a private range", () => {
            expect(partitionWarnings(ws2016Host(), planned("172.25.20.0/24"))).to.deep.equal([]);
        });

        it("warns about a second NAT network on 2022", () => {
            const warnings = partitionWarnings(ws2022Host(), planned("172.30.0.0/16"));
            expect(warnings).to.have.length(1);
            expect(warnings[0]).to.include("publish ports");
        });

        it("does not warn about it on 2019", () => {
            const facts = hostFacts(17763);
            const layout = natLayout({
                hostName: "h",
                info: WS2019,
                networks: [network("nat", "nat")],
                facts,
            });
            expect(partitionWarnings(layout, planned("172.30.0.0/16"))).to.deep.equal([]);
        });

        it("leaves missing host facts to the caller", () => {
            const layout = natLayout({ hostName: "h", info: WS2019, networks: [] });
            expect(layout.factsAvailable).to.equal(false);
            expect(partitionWarnings(layout, planned("172.30.0.0/16"))).to.deep.equal([]);
        });
    });

    describe("allocationPool", () => {
        it("uses the pool given, canonical", () => {
            expect(allocationPool(ws2022Host(), "10.1.0.0/16")).to.equal("10.1.0.0/16");
            expect(allocationPool(ws2022Host(), "10.1.2.3/16")).to.equal("10.1.0.0/16");
        });

        it("uses the WinNAT prefix on winnat hosts", () => {
            expect(allocationPool(ws2016Host())).to.equal("172.25.16.0/20");
        });

        it("C07b uses the canonical WinNAT prefix", () => {
            const facts = hostFacts(14393, { netNat: C07B_NET_NAT });
            const layout = natLayout({ hostName: "h", info: WS2016, networks: [], facts });
            expect(allocationPool(layout)).to.equal("172.31.0.0/20");
        });

        it("uses 172.16.0.0/12 on hns hosts", () => {
            expect(allocationPool(ws2022Host())).to.equal("172.16.0.0/12");
        });

        it("uses 172.16.0.0/12 on winnat hosts without a WinNAT", () => {
            const layout = natLayout({ hostName: "h", info: WS2016, networks: [], facts: hostFacts(14393) });
            expect(allocationPool(layout)).to.equal("172.16.0.0/12");
        });
    });

    describe("allocatePartition", () => {
        const empty = (): NatLayout =>
            natLayout({ hostName: "h", info: WS2022, networks: [], facts: hostFacts(20348) });

        it("takes the top block", () => {
            expect(allocatePartition(empty(), 16, "172.16.0.0/12", [])).to.equal("172.31.0.0/16");
        });

        it("is deterministic", () => {
            const first = allocatePartition(ws2022Host(), 24, "192.168.0.0/16", []);
            const second = allocatePartition(ws2022Host(), 24, "192.168.0.0/16", []);
            expect(first).to.equal("192.168.255.0/24");
            expect(second).to.equal(first);
        });

        it("skips NAT networks, other subnets and host addresses", () => {
            const facts = hostFacts(20348, { ipAddresses: [ipAddress("Ethernet", "172.29.4.10/16")] });
            const networks = [
                network("top", "nat", "172.31.0.0/16"),
                network("t", "transparent", "172.30.128.0/24"),
            ];
            const layout = natLayout({ hostName: "h", info: WS2022, networks, facts });
            expect(allocatePartition(layout, 16, "172.16.0.0/12", [])).to.equal("172.28.0.0/16");
        });

        it("respects reserved siblings", () => {
            const layout = empty();
            const reserved: string[] = [];
            for (let count = 0; count < 3; count += 1) {
                const block = allocatePartition(layout, 20, "172.16.0.0/12", reserved);
                reserved.push(block as string);
            }
            expect(reserved).to.deep.equal(["172.31.240.0/20", "172.31.224.0/20", "172.31.208.0/20"]);
        });

        it("jumps below an unaligned obstacle", () => {
            expect(allocatePartition(empty(), 20, "172.16.0.0/12", ["172.31.255.0/24"])).to.equal(
                "172.31.224.0/20",
            );
        });

        it("fills gaps between obstacles", () => {
            const reserved = ["192.168.0.128/25", "192.168.0.0/26"];
            expect(allocatePartition(empty(), 26, "192.168.0.0/24", reserved)).to.equal("192.168.0.64/26");
        });

        it("returns undefined when full", () => {
            const reserved = ["192.168.0.0/25", "192.168.0.128/25"];
            expect(allocatePartition(empty(), 26, "192.168.0.0/24", reserved)).to.equal(undefined);
        });

        it("returns undefined for a prefix shorter than the pool", () => {
            expect(allocatePartition(empty(), 8, "172.16.0.0/12", [])).to.equal(undefined);
        });

        it("takes the whole pool at equal length", () => {
            expect(allocatePartition(empty(), 24, "10.9.8.0/24", [])).to.equal("10.9.8.0/24");
        });

        it("takes a small block of a large pool", () => {
            expect(allocatePartition(empty(), 30, "10.0.0.0/8", ["10.128.0.0/9"])).to.equal(
                "10.127.255.252/30",
            );
        });

        it("returns undefined for a malformed pool", () => {
            expect(allocatePartition(empty(), 24, "fd00::/64", [])).to.equal(undefined);
        });

        it("carves from the WinNAT network's prefix", () => {
            const layout = ws2016Host(WS2016, [network("CustomNat1", "nat", "172.25.31.0/24")]);
            expect(allocatePartition(layout, 24, allocationPool(layout), [])).to.equal("172.25.30.0/24");
        });

        it("picks a block that passes checkPartition", () => {
            for (const layout of [ws2016Host(), ws2022Host()]) {
                const pool = allocationPool(layout);
                const block = allocatePartition(layout, 22, pool, []);
                expect(block).to.be.a("string");
                expect(partitionFailures(layout, block)).to.deep.equal([]);
            }
        });

        it("avoids C09's networks and the host address", () => {
            const block = allocatePartition(ws2022Host(), 20, "172.21.0.0/16", []);
            expect(block).to.equal("172.21.240.0/20");
            const below = allocatePartition(ws2022Host(), 20, "172.21.0.0/19", []);
            expect(below).to.equal("172.21.0.0/20");
        });
    });
});
