import { expect } from "chai";
import { type HostFacts, normalizeHostFacts } from "../../../provider/host/facts";
import { FormattedTextError, parseFormatList, parseFormatTables } from "../../../provider/host/textFormats";
import type { RawHostFacts } from "../../../provider/powershell/facts";
import { readFixture } from "../model/windowsFixtures";
import { readFixtureSections } from "./fixtureSections";

/** Returns the facts of a Windows Server 2019 host with nothing on it, as PowerShell 7 prints them. */
function emptyHost(): Record<string, unknown> {
    return {
        os: {
            caption: "Microsoft Windows Server 2019 Datacenter",
            version: "10.0.17763",
            buildNumber: "17763",
            ubr: 1999,
        },
        powershell: { edition: "Core", version: "7.6.0" },
        hypervPresent: true,
        netNat: [],
        vmSwitches: [],
        netAdapters: [],
        ipAddresses: [],
        hnsSource: "Get-HnsNetwork",
        hnsNetworks: [],
        daemonJson: { path: "C:\\ProgramData\\docker\\config\\daemon.json", exists: false, content: null },
        services: {
            hns: { Status: "Running", StartType: "Manual" },
            docker: { Status: "Running", StartType: "Automatic" },
        },
    };
}

/** Normalizes `emptyHost()` with some keys replaced, the way a test feeds a variant the types do not allow. */
function normalize(overrides: Record<string, unknown>): HostFacts {
    return normalizeHostFacts({ ...emptyHost(), ...overrides } as unknown as RawHostFacts);
}

const WS2016 = {
    caption: "Microsoft Windows Server 2016 Standard",
    version: "10.0.14393",
    buildNumber: "14393",
};

/** Returns the aligned rows of the first Format-Table table in a fixture section. */
function tableRows(text: string): Record<string, string>[] {
    return parseFormatTables(text)[0]
        .rows.filter((row) => !row.misaligned)
        .map((row) => row.cells);
}

/** Converts a Get-NetAdapter table row to the JSON the host-facts script prints for it. */
function adapterFromRow(cells: Record<string, string>): Record<string, unknown> {
    return {
        Name: cells.Name,
        InterfaceDescription: cells.InterfaceDescription,
        InterfaceIndex: Number(cells.ifIndex),
        MacAddress: cells.MacAddress ?? null,
        Status: cells.Status,
    };
}

/** Returns the C09b network as Get-HnsNetwork prints it (the create response without its envelope). */
function c09bNetwork(): unknown {
    return (JSON.parse(readFixture("C09b")) as { Output: unknown }).Output;
}

describe("normalizeHostFacts", () => {
    describe("C07 Windows Server 2016 with Hyper-V", () => {
        const switches = tableRows(readFixtureSections("C07")[4]);
        const netNat = parseFormatList(readFixtureSections("C07")[5]);
        const facts = normalize({ os: WS2016, vmSwitches: switches, netNat });

        it("reads the WinNAT prefix", () => {
            expect(facts.netNat.map((nat) => nat.prefix)).to.deep.equal(["172.25.16.0/20"]);
        });

        it("reads the WinNAT name", () => {
            expect(facts.netNat[0].name).to.equal("H86ba7d44-ccf2-4b0c-b6cb-1cf824bd155b");
        });

        it("reads Active from text", () => {
            expect(facts.netNat[0].active).to.equal(true);
        });

        it("trusts Get-NetNat before 2019", () => {
            expect(facts.netNatAuthoritative).to.equal(true);
        });

        it("lower-cases switch types", () => {
            expect(facts.vmSwitches.map((vmSwitch) => vmSwitch.switchType)).to.deep.equal([
                "external",
                "internal",
                "internal",
            ]);
        });

        it("reads the external switch's adapter", () => {
            expect(facts.vmSwitches[0].adapterDescriptions).to.deep.equal([
                "Intel(R) 82574L Gigabit Network Connection",
            ]);
        });

        it("reads a blank description as none", () => {
            expect(facts.vmSwitches[1].adapterDescriptions).to.deep.equal([]);
        });

        it("finds no problem with an Internal nat switch", () => {
            expect(facts.problems).to.deep.equal([]);
        });
    });

    describe("C07b prefix with host bits", () => {
        const netNat = parseFormatList(readFixtureSections("C07b")[0]);
        const facts = normalize({ os: WS2016, netNat });

        it("clears the host bits", () => {
            expect(facts.netNat[0].prefix).to.equal("172.31.0.0/20");
        });

        it("keeps the prefix as reported", () => {
            expect(facts.netNat[0].reportedPrefix).to.equal("172.31.0.1/20");
        });
    });

    describe("C17 empty Get-NetNat", () => {
        it("is normal on Windows Server 2019", () => {
            const facts = normalize({ netNat: [], hnsNetworks: [c09bNetwork()] });
            expect(facts.netNatAuthoritative).to.equal(false);
            expect(facts.problems).to.deep.equal([]);
        });

        it("is normal when 5.1 printed nothing for it", () => {
            const facts = normalize({ netNat: undefined, hnsNetworks: [c09bNetwork()] });
            expect(facts.netNat).to.deep.equal([]);
            expect(facts.problems).to.deep.equal([]);
        });

        it("is broken NAT on Windows Server 2016", () => {
            const facts = normalize({ os: WS2016, netNat: null, hnsNetworks: [c09bNetwork()] });
            expect(facts.problems.map((problem) => problem.code)).to.deep.equal(["winnat-missing"]);
            expect(facts.problems[0].message).to.match(/do not create the WinNAT by hand/);
        });

        it("needs a NAT network to matter", () => {
            const facts = normalize({ os: WS2016, netNat: [] });
            expect(facts.problems).to.deep.equal([]);
        });
    });

    describe("C18 NIC and its host vNIC share a MAC", () => {
        const rows = tableRows(readFixtureSections("C18")[0]);
        const facts = normalize({ netAdapters: rows.map(adapterFromRow) });
        const [prod, vnic] = facts.adapters;

        it("reads both adapters", () => {
            expect(facts.adapters.map((adapter) => adapter.name)).to.deep.equal([
                "PROD",
                "vEthernet (prodSwitch)",
            ]);
        });

        it("classifies the NIC as physical", () => {
            expect(prod.kind).to.equal("physical");
        });

        it("classifies the host vNIC", () => {
            expect(vnic.kind).to.equal("host-vnic");
        });

        it("reads the vNIC's switch name", () => {
            expect(vnic.hostVnicSwitchName).to.equal("prodSwitch");
        });

        it("links the twins by MAC", () => {
            expect(prod.sharesMacWith).to.deep.equal(["vEthernet (prodSwitch)"]);
            expect(vnic.sharesMacWith).to.deep.equal(["PROD"]);
        });

        it("infers the NIC's switch from the shared MAC", () => {
            expect(prod.boundSwitch).to.deep.equal({ name: "prodSwitch", evidence: "shared-mac" });
        });

        it("reads the interface index", () => {
            expect(prod.ifIndex).to.equal(24);
        });

        it("prefers the switch's own binding", () => {
            const bound = normalize({
                netAdapters: rows.map(adapterFromRow),
                vmSwitches: {
                    Name: "prodSwitch",
                    SwitchType: "External",
                    NetAdapterInterfaceDescription: prod.description,
                },
            });
            expect(bound.adapters[0].boundSwitch).to.deep.equal({
                name: "prodSwitch",
                evidence: "switch-binding",
            });
            expect(bound.vmSwitches[0].adapterNames).to.deep.equal(["PROD"]);
        });
    });

    describe("C33 adapters of a client host", () => {
        const rows = tableRows(readFixtureSections("C33")[3]);
        const facts = normalize({ netAdapters: rows.map(adapterFromRow) });
        const EXPECTED: [string, string][] = [
            ["Ethernet", "physical"],
            ["Network Bridge", "bridge-or-team"],
            ["vEthernet (Default Switch)", "host-vnic"],
            ["Wi-Fi", "wifi"],
            ["vEthernet (External Wifi)", "host-vnic"],
            ["Bluetooth Network Connection", "bluetooth"],
            ["vEthernet (External LAN)", "host-vnic"],
        ];
        for (const [name, kind] of EXPECTED) {
            it(`${name} is ${kind}`, () => {
                expect(facts.adapters.find((adapter) => adapter.name === name)?.kind).to.equal(kind);
            });
        }

        it("drops the row that is no adapter", () => {
            expect(facts.adapters).to.have.length(EXPECTED.length);
        });

        it("reads the switch of a host vNIC", () => {
            const vnic = facts.adapters.find((adapter) => adapter.name === "vEthernet (External Wifi)");
            expect(vnic?.hostVnicSwitchName).to.equal("External Wifi");
        });
    });

    describe("classifies adapters without English names", () => {
        it("Wi-Fi by media type", () => {
            const facts = normalize({
                netAdapters: [
                    {
                        Name: "WLAN",
                        InterfaceDescription: "Realtek RTL8822CE",
                        PhysicalMediaType: "Native 802.11",
                    },
                ],
            });
            expect(facts.adapters[0].kind).to.equal("wifi");
        });

        it("a renamed NIC by description", () => {
            const facts = normalize({
                netAdapters: [
                    {
                        Name: "Conexão Local 2",
                        InterfaceDescription: "Intel(R) Ethernet Connection (2) I219-LM",
                        Virtual: false,
                    },
                ],
            });
            expect(facts.adapters[0].kind).to.equal("physical");
        });

        it("a host vNIC by description alone", () => {
            const facts = normalize({
                netAdapters: [
                    {
                        Name: "Ethernet 2",
                        InterfaceDescription: "Hyper-V Virtual Ethernet Adapter #4",
                        Virtual: true,
                    },
                ],
            });
            expect(facts.adapters[0].kind).to.equal("host-vnic");
        });

        it("another virtual adapter by the Virtual flag", () => {
            const facts = normalize({
                netAdapters: [{ Name: "vpn", InterfaceDescription: "WireGuard Tunnel", Virtual: true }],
            });
            expect(facts.adapters[0].kind).to.equal("virtual");
        });
    });

    describe("C34 switches", () => {
        /** Converts the scalar fields of a Format-List switch to the JSON the script prints. */
        function switchJson(record: Record<string, string>, descriptions: string[]): Record<string, unknown> {
            return {
                Name: record.Name,
                Id: record.Id,
                SwitchType: record.SwitchType,
                AllowManagementOS: record.AllowManagementOS === "True",
                NetAdapterInterfaceDescription: record.NetAdapterInterfaceDescription || null,
                NetAdapterInterfaceDescriptions: descriptions,
            };
        }
        const [external] = parseFormatList(readFixtureSections("C34")[0]);
        const [privateNat] = parseFormatList(readFixtureSections("C34")[1]);
        const [fixedNat] = parseFormatList(readFixtureSections("C34")[2]);

        it("rejects the Format-List list text", () => {
            expect(() => normalize({ vmSwitches: [external] })).to.throw(FormattedTextError);
        });

        it("reads the external switch", () => {
            const facts = normalize({
                vmSwitches: [switchJson(external, [external.NetAdapterInterfaceDescription])],
            });
            expect(facts.vmSwitches[0].switchType).to.equal("external");
            expect(facts.vmSwitches[0].allowManagementOS).to.equal(true);
            expect(facts.vmSwitches[0].adapterDescriptions).to.deep.equal([
                "Microsoft Hyper-V Network Adapter",
            ]);
            expect(facts.vmSwitches[0].id).to.equal("d2fccec7-ffaa-42d1-b4d3-fef843db2d99");
        });

        it("binds the external switch's adapter by description", () => {
            const facts = normalize({
                vmSwitches: [switchJson(external, [external.NetAdapterInterfaceDescription])],
                netAdapters: [
                    { Name: "Ethernet", InterfaceDescription: "Microsoft Hyper-V Network Adapter" },
                ],
            });
            expect(facts.vmSwitches[0].adapterNames).to.deep.equal(["Ethernet"]);
            expect(facts.adapters[0].boundSwitch).to.deep.equal({
                name: "Microsoft Hyper-V Network Adapter - Virtual Switch",
                evidence: "switch-binding",
            });
            expect(facts.adapters[0].kind).to.equal("physical");
        });

        it("reports a Private nat switch", () => {
            const facts = normalize({ vmSwitches: [switchJson(privateNat, [])] });
            expect(facts.problems.map((problem) => problem.code)).to.deep.equal(["nat-switch-not-internal"]);
            expect(facts.problems[0].subject).to.equal("nat");
            expect(facts.problems[0].message).to.match(/is private \(AllowManagementOS false\)/);
            expect(facts.problems[0].message).to.match(/the provider does not change it/);
        });

        it("accepts the fixed nat switch", () => {
            const facts = normalize({ vmSwitches: [switchJson(fixedNat, [])] });
            expect(facts.problems).to.deep.equal([]);
        });

        it("reports a Private nat switch printed as a number", () => {
            const facts = normalize({ vmSwitches: [{ ...switchJson(privateNat, []), SwitchType: 0 }] });
            expect(facts.vmSwitches[0].switchType).to.equal("private");
            expect(facts.problems.map((problem) => problem.code)).to.deep.equal(["nat-switch-not-internal"]);
        });
    });

    describe("C12 daemon.json", () => {
        const content = readFixture("C12");
        const facts = normalize({
            daemonJson: { path: "C:\\ProgramData\\docker\\config\\daemon.json", exists: true, content },
        });

        it("parses the settings", () => {
            expect(facts.daemonJson.settings).to.deep.equal({
                debug: true,
                experimental: true,
                bridge: "none",
            });
        });

        it("sees the default nat disabled", () => {
            expect(facts.daemonJson.defaultNatDisabled).to.equal(true);
        });

        it("keeps the content as printed", () => {
            expect(facts.daemonJson.content).to.equal(content);
        });

        it("reports content that is not JSON", () => {
            const broken = normalize({
                daemonJson: { path: "d.json", exists: true, content: '{"debug": true,' },
            });
            expect(broken.problems.map((problem) => problem.code)).to.deep.equal(["daemon-json-invalid"]);
        });

        it("accepts a byte order mark", () => {
            const withBom = normalize({
                daemonJson: { path: "d.json", exists: true, content: `\uFEFF${content}` },
            });
            expect(withBom.daemonJson.defaultNatDisabled).to.equal(true);
        });
    });

    describe("C09b HNS networks in the facts", () => {
        it("normalizes them", () => {
            const facts = normalize({ hnsNetworks: [c09bNetwork()] });
            expect(facts.hnsNetworks.map((network) => network.id)).to.deep.equal([
                "404947ac-fc8f-4229-a4b5-595b9161f3a8",
            ]);
        });

        it("rejects them as Format-List text", () => {
            expect(() => normalize({ hnsNetworks: readFixture("C08") })).to.throw(FormattedTextError);
        });
    });

    describe("accepts PowerShell layout variants", () => {
        it("a 5.1 value and Count wrapper", () => {
            const facts = normalize({
                netNat: {
                    value: [{ Name: "nat", InternalIPInterfaceAddressPrefix: "172.20.0.0/16" }],
                    Count: 1,
                },
            });
            expect(facts.netNat.map((nat) => nat.prefix)).to.deep.equal(["172.20.0.0/16"]);
        });

        it("one object where a list is expected", () => {
            const facts = normalize({
                netNat: { Name: "nat", InternalIPInterfaceAddressPrefix: "172.20.0.0/16" },
            });
            expect(facts.netNat).to.have.length(1);
        });

        it("service enums printed as numbers", () => {
            const facts = normalize({
                services: { hns: { Status: 4, StartType: 3 }, docker: { Status: 1, StartType: 2 } },
            });
            expect(facts.services.hns).to.deep.equal({ status: "running", startType: "manual" });
            expect(facts.services.docker).to.deep.equal({ status: "stopped", startType: "automatic" });
        });

        it("service names in lower case", () => {
            expect(normalize({}).services.docker).to.deep.equal({
                status: "running",
                startType: "automatic",
            });
        });

        it("a missing service", () => {
            expect(normalize({ services: { hns: null } }).services).to.deep.equal({});
        });

        it("a System.Version object", () => {
            const facts = normalize({
                powershell: {
                    edition: "Desktop",
                    version: { Major: 5, Minor: 1, Build: 17763, Revision: 1 },
                },
            });
            expect(facts.powershell).to.deep.equal({ edition: "Desktop", version: "5.1.17763.1", major: 5 });
        });

        it("a missing edition", () => {
            expect(normalize({ powershell: { version: "7.6.0" } }).powershell.edition).to.equal("Core");
        });

        it("a build number as a number", () => {
            expect(
                normalize({ os: { caption: "x", version: "10.0.20348", buildNumber: 20348 } }).os.build,
            ).to.equal(20348);
        });

        it("a build number from the version", () => {
            expect(normalize({ os: { caption: "x", version: "10.0.14393" } }).os.build).to.equal(14393);
        });

        it("the HNS source in another case", () => {
            expect(normalize({ hnsSource: "get-containernetwork" }).hnsSource).to.equal(
                "Get-ContainerNetwork",
            );
        });

        it("an unknown HNS source", () => {
            expect(normalize({ hnsSource: 3 }).hnsSource).to.equal("none");
        });

        it("booleans as text", () => {
            expect(normalize({ hypervPresent: "False" }).hypervPresent).to.equal(false);
        });

        it("upper-case switch ids in braces", () => {
            const facts = normalize({
                vmSwitches: [{ Name: "lan", Id: "{D2FCCEC7-FFAA-42D1-B4D3-FEF843DB2D99}", SwitchType: 2 }],
            });
            expect(facts.vmSwitches[0].id).to.equal("d2fccec7-ffaa-42d1-b4d3-fef843db2d99");
            expect(facts.vmSwitches[0].switchType).to.equal("external");
        });

        it("MACs with colons", () => {
            const facts = normalize({
                netAdapters: [
                    { Name: "lan", InterfaceDescription: "Intel(R) I350", MacAddress: "00:15:5d:a1:63:26" },
                ],
            });
            expect(facts.adapters[0].mac).to.equal("00-15-5D-A1-63-26");
        });

        it("IP addresses with their network", () => {
            const facts = normalize({
                ipAddresses: [
                    {
                        InterfaceAlias: "vEthernet (nat)",
                        InterfaceIndex: 9,
                        IPAddress: "172.25.16.1",
                        PrefixLength: 20,
                    },
                ],
            });
            expect(facts.ipAddresses).to.deep.equal([
                {
                    interfaceAlias: "vEthernet (nat)",
                    ifIndex: 9,
                    address: "172.25.16.1",
                    prefixLength: 20,
                    prefix: "172.25.16.0/20",
                },
            ]);
        });
    });
});
