import { expect } from "chai";
import { type HostFacts, normalizeHostFacts } from "../../../provider/host/facts";
import { findManagementAddresses } from "../../../provider/host/managementAddress";
import type { HostSpec } from "../../../provider/host/spec";
import { parseFormatList, parseFormatTables } from "../../../provider/host/textFormats";
import { FailureList } from "../../../provider/model/failures";
import { validateHostSpec } from "../../../provider/model/hostSpec";
import type { ObservedNetwork } from "../../../provider/model/networkInspect";
import {
    checkBindingAgainstHost,
    checkManagementCutoff,
    checkVSwitchBindingInputs,
    diffBindingInputs,
    findSwitchDockerNetwork,
    type ManagementView,
    markedOwner,
    ownerMarker,
    userNetworksOnSwitch,
    type VSwitchBindingInputs,
} from "../../../provider/model/vSwitchBinding";
import type { RawHostFacts } from "../../../provider/powershell/facts";
import { readFixtureSections } from "../host/fixtureSections";

const SIM_HOST: HostSpec = { name: "web-01", docker: { url: "sim:///tmp/web-01.json" } };
const UNKNOWN_MANAGEMENT: ManagementView = { addresses: [], source: "" };

/** Facts of a Windows Server 2022 host with nothing on it, as the host-facts script prints them. */
function emptyHost(): Record<string, unknown> {
    return {
        os: {
            caption: "Microsoft Windows Server 2022 Datacenter",
            version: "10.0.20348",
            buildNumber: "20348",
        },
        powershell: { edition: "Desktop", version: "5.1.20348.1" },
        hypervPresent: true,
        netNat: [],
        vmSwitches: [],
        netAdapters: [],
        ipAddresses: [],
        hnsSource: "Get-HnsNetwork",
        hnsNetworks: [],
        daemonJson: { path: "C:\\ProgramData\\docker\\config\\daemon.json", exists: false, content: null },
        services: { hns: { Status: "Running" }, docker: { Status: "Running" } },
    };
}

function normalize(overrides: Record<string, unknown>): HostFacts {
    return normalizeHostFacts({ ...emptyHost(), ...overrides } as unknown as RawHostFacts);
}

/** Converts the aligned rows of a Get-NetAdapter table to the JSON the host-facts script prints. */
function adaptersFromTable(text: string): Record<string, unknown>[] {
    return parseFormatTables(text)[0]
        .rows.filter((row) => !row.misaligned)
        .map(({ cells }) => ({
            Name: cells.Name,
            InterfaceDescription: cells.InterfaceDescription,
            InterfaceIndex: Number(cells.ifIndex),
            MacAddress: cells.MacAddress ?? null,
            Status: cells.Status,
        }));
}

/** Converts the scalar fields of a Format-List switch to the JSON the script prints. */
function switchJson(record: Record<string, string>): Record<string, unknown> {
    const description = record.NetAdapterInterfaceDescription || null;
    return {
        Name: record.Name,
        Id: record.Id,
        SwitchType: record.SwitchType,
        AllowManagementOS: record.AllowManagementOS === "True",
        NetAdapterInterfaceDescription: description,
        NetAdapterInterfaceDescriptions: description === null ? [] : [description],
    };
}

function ipAddress(alias: string, address: string, prefixLength = 24): Record<string, unknown> {
    return { InterfaceAlias: alias, InterfaceIndex: 0, IPAddress: address, PrefixLength: prefixLength };
}

function binding(overrides: Partial<VSwitchBindingInputs> = {}): VSwitchBindingInputs {
    return {
        host: SIM_HOST,
        switchName: "ext-lan",
        adapterNames: ["PROD"],
        allowManagementOS: true,
        adopt: false,
        removeAdoptedOnDelete: false,
        ...overrides,
    };
}

function hostFailures(
    inputs: VSwitchBindingInputs,
    facts: HostFacts,
    management: ManagementView = UNKNOWN_MANAGEMENT,
): FailureList {
    const failures = new FailureList();
    checkBindingAgainstHost(inputs, facts, management, "web-01", failures);
    return failures;
}

function reasonsAt(failures: FailureList, property: string): string[] {
    return failures.items.filter((failure) => failure.property === property).map((failure) => failure.reason);
}

describe("VSwitchBinding input rules", () => {
    const valid = { host: SIM_HOST, switchName: "ext-lan", adapterNames: ["Ethernet 2"] };

    it("accepts the minimum and fills defaults", () => {
        const { inputs, failures } = checkVSwitchBindingInputs(valid);
        expect(failures.items).to.deep.equal([]);
        expect(inputs.allowManagementOS).to.equal(true);
        expect(inputs.adopt).to.equal(false);
        expect(inputs.removeAdoptedOnDelete).to.equal(false);
    });

    const cases: { name: string; change: Record<string, unknown>; property: string; pattern: RegExp }[] = [
        {
            name: "missing switchName",
            change: { switchName: "" },
            property: "switchName",
            pattern: /is required/,
        },
        {
            name: "nat switchName",
            change: { switchName: "NAT" },
            property: "switchName",
            pattern: /NAT networks/,
        },
        {
            name: "switchName with spaces",
            change: { switchName: " ext " },
            property: "switchName",
            pattern: /remove them/,
        },
        {
            name: "no adapters",
            change: { adapterNames: [] },
            property: "adapterNames",
            pattern: /is required/,
        },
        {
            name: "switchName not a string",
            change: { switchName: 5 },
            property: "switchName",
            pattern: /^5 is not a string; set it to the name of the external switch/,
        },
        {
            name: "adapters not a list",
            change: { adapterNames: "Ethernet 2" },
            property: "adapterNames",
            pattern: /^"Ethernet 2" is not a list; adapterNames must be a list .*such as \["Ethernet 2"\]/,
        },
        {
            name: "adapters a number",
            change: { adapterNames: 2 },
            property: "adapterNames",
            pattern: /^2 is not a list; .*such as \["Ethernet 2"\]/,
        },
        {
            name: "adapters missing",
            change: { adapterNames: undefined },
            property: "adapterNames",
            pattern: /is required: one or more/,
        },
        {
            name: "empty adapter name",
            change: { adapterNames: ["Ethernet", " "] },
            property: "adapterNames[1]",
            pattern: /not an adapter name/,
        },
        {
            name: "adapter listed twice",
            change: { adapterNames: ["Ethernet 2", "ethernet 2"] },
            property: "adapterNames[1]",
            pattern: /listed twice \(also adapterNames\[0\]\)/,
        },
        {
            name: "allowManagementOS not boolean",
            change: { allowManagementOS: "false" },
            property: "allowManagementOS",
            pattern: /not a boolean/,
        },
        { name: "adopt not boolean", change: { adopt: 1 }, property: "adopt", pattern: /not a boolean/ },
        {
            name: "removeAdoptedOnDelete not boolean",
            change: { removeAdoptedOnDelete: "yes" },
            property: "removeAdoptedOnDelete",
            pattern: /not a boolean/,
        },
        {
            name: "confirmation of another switch",
            change: { confirmManagementCutoff: "other" },
            property: "confirmManagementCutoff",
            pattern: /does not equal switchName "ext-lan"/,
        },
        {
            name: "host without PowerShell",
            change: { host: { name: "web-01", docker: { url: "npipe:////./pipe/docker_engine" } } },
            property: "host.powershell",
            pattern: /is required: Hyper-V switches/,
        },
        {
            name: "host address not IPv4",
            change: { host: { ...SIM_HOST, address: "web-01.corp" } },
            property: "host.address",
            pattern: /not an IPv4 address/,
        },
        {
            name: "nestedHost not an object",
            change: { nestedHost: "hv01" },
            property: "nestedHost",
            pattern: /must be an object/,
        },
        {
            name: "nestedHost without vmName",
            change: { nestedHost: { parent: { name: "hv01", docker: { url: "sim:///tmp/hv01.json" } } } },
            property: "nestedHost.vmName",
            pattern: /is required/,
        },
        {
            name: "nestedHost parent invalid",
            change: { nestedHost: { parent: { name: "hv01" }, vmName: "web-01" } },
            property: "nestedHost.parent.docker",
            pattern: /is required/,
        },
        {
            name: "nestedHost parent without PowerShell",
            change: {
                nestedHost: {
                    parent: { name: "hv01", docker: { url: "npipe:////./pipe/docker_engine" } },
                    vmName: "vm",
                },
            },
            property: "nestedHost.parent.powershell",
            pattern: /is required/,
        },
        {
            name: "nestedHost unknown key",
            change: {
                nestedHost: {
                    parent: { name: "hv01", docker: { url: "sim:///tmp/hv.json" } },
                    vmName: "vm",
                    vm: "x",
                },
            },
            property: "nestedHost.vm",
            pattern: /use parent and vmName/,
        },
    ];
    for (const testCase of cases) {
        it(`rejects ${testCase.name}`, () => {
            const { failures } = checkVSwitchBindingInputs({ ...valid, ...testCase.change });
            const reasons = reasonsAt(failures, testCase.property);
            expect(reasons, JSON.stringify(failures.items)).to.have.length(1);
            expect(reasons[0]).to.match(testCase.pattern);
        });
    }

    it("accepts a matching confirmation", () => {
        const { failures } = checkVSwitchBindingInputs({ ...valid, confirmManagementCutoff: "ext-lan" });
        expect(failures.items).to.deep.equal([]);
    });

    it("accepts a nested host", () => {
        const parent = { name: "hv01", docker: { url: "sim:///tmp/hv01.json" } };
        const { failures } = checkVSwitchBindingInputs({
            ...valid,
            nestedHost: { parent, vmName: "web-01" },
        });
        expect(failures.items).to.deep.equal([]);
    });

    it("accepts an IPv4 host address", () => {
        const failures = new FailureList();
        validateHostSpec({ ...SIM_HOST, address: "192.168.50.10" }, failures);
        expect(failures.items).to.deep.equal([]);
    });
});

describe("VSwitchBinding host rules", () => {
    describe("C18 adapter and its host vNIC", () => {
        const facts = normalize({ netAdapters: adaptersFromTable(readFixtureSections("C18")[0]) });

        it("rejects the host vNIC and names the NIC under it", () => {
            const failures = hostFailures(binding({ adapterNames: ["vEthernet (prodSwitch)"] }), facts);
            const [reason] = reasonsAt(failures, "adapterNames[0]");
            expect(reason).to.match(/host vNIC of switch "prodSwitch"/);
            expect(reason).to.match(/0x57/);
            expect(reason).to.match(/use "PROD", the physical adapter under it/);
        });

        it("rejects the NIC owned by another switch", () => {
            const failures = hostFailures(binding({ adapterNames: ["PROD"] }), facts);
            const [reason] = reasonsAt(failures, "adapterNames[0]");
            expect(reason).to.match(/bound to external switch "prodSwitch"/);
            expect(reason).to.match(/set switchName to "prodSwitch" with adopt: true/);
        });

        it("matches adapter names in any case", () => {
            const failures = hostFailures(binding({ adapterNames: ["prod"] }), facts);
            expect(reasonsAt(failures, "adapterNames[0]")[0]).to.match(/bound to external switch/);
        });
    });

    describe("C33 adapters of a client host", () => {
        const facts = normalize({ netAdapters: adaptersFromTable(readFixtureSections("C33")[3]) });

        it("accepts the wired adapter", () => {
            const failures = hostFailures(binding({ adapterNames: ["Ethernet"] }), facts);
            expect(failures.items).to.deep.equal([]);
        });

        it("rejects Wi-Fi and points to the wired adapter", () => {
            const [reason] = reasonsAt(
                hostFailures(binding({ adapterNames: ["Wi-Fi"] }), facts),
                "adapterNames[0]",
            );
            expect(reason).to.match(/is a Wi-Fi adapter/);
            expect(reason).to.match(/0x80070490/);
            expect(reason).to.match(/physical wired adapters free of other external switches: "Ethernet"$/);
        });

        it("rejects the network bridge", () => {
            const failures = hostFailures(binding({ adapterNames: ["Network Bridge"] }), facts);
            expect(reasonsAt(failures, "adapterNames[0]")[0]).to.match(/Network Bridge or LBFO team/);
        });

        it("rejects the Bluetooth adapter", () => {
            const failures = hostFailures(binding({ adapterNames: ["Bluetooth Network Connection"] }), facts);
            expect(reasonsAt(failures, "adapterNames[0]")[0]).to.match(/bluetooth adapter/);
        });

        it("rejects a missing adapter", () => {
            const failures = hostFailures(binding({ adapterNames: ["Ethernet 9"] }), facts);
            expect(reasonsAt(failures, "adapterNames[0]")[0]).to.match(
                /"Ethernet 9" not found on host web-01/,
            );
        });

        it("reports each adapter of a team", () => {
            const failures = hostFailures(binding({ adapterNames: ["Ethernet", "Wi-Fi"] }), facts);
            expect(reasonsAt(failures, "adapterNames[0]")).to.deep.equal([]);
            expect(reasonsAt(failures, "adapterNames[1]")).to.have.length(1);
        });
    });

    describe("C34 existing switches", () => {
        const [external] = parseFormatList(readFixtureSections("C34")[0]);
        const [privateNat] = parseFormatList(readFixtureSections("C34")[1]);
        const switchName = external.Name;
        const adapter = {
            Name: "Ethernet",
            InterfaceDescription: external.NetAdapterInterfaceDescription,
            InterfaceIndex: 3,
            MacAddress: "00-15-5D-00-00-01",
            Status: "Up",
        };
        const facts = normalize({
            netAdapters: [adapter],
            vmSwitches: [switchJson(external), switchJson({ ...privateNat, Name: "lab" })],
        });

        it("rejects an existing switch without adopt", () => {
            const failures = hostFailures(binding({ switchName, adapterNames: ["Ethernet"] }), facts);
            const [reason] = reasonsAt(failures, "switchName");
            expect(reason).to.match(
                /already exists on host web-01 \(external on "Ethernet", AllowManagementOS true\)/,
            );
            expect(reason).to.match(/set adopt: true/);
        });

        it("hints at a switch left by an interrupted run", () => {
            const failures = new FailureList();
            checkBindingAgainstHost(
                binding({ switchName, adapterNames: ["Ethernet"] }),
                facts,
                UNKNOWN_MANAGEMENT,
                "web-01",
                failures,
                [],
            );
            const [reason] = reasonsAt(failures, "switchName");
            expect(reason).to.match(/an interrupted run of this stack may have created it/);
            expect(reason).to.match(/set adopt: true with removeAdoptedOnDelete: true/);
        });

        it("gives no leftover hint for a switch Docker sees", () => {
            const seen = normalize({
                netAdapters: [adapter],
                vmSwitches: [switchJson(external)],
                hnsNetworks: [
                    {
                        ID: "6d6b2b4a-8b8b-4d55-9a44-0a5f5d2d3c11",
                        Name: switchName,
                        Type: "Transparent",
                        SwitchGuid: external.Id.toUpperCase(),
                        SwitchName: switchName,
                    },
                ],
            });
            const dockerNetwork: ObservedNetwork = {
                id: "d1",
                name: switchName,
                driver: "transparent",
                options: {},
                labels: {},
                endpoints: [],
                hnsId: "6d6b2b4a-8b8b-4d55-9a44-0a5f5d2d3c11",
            };
            const failures = new FailureList();
            checkBindingAgainstHost(
                binding({ switchName, adapterNames: ["Ethernet"] }),
                seen,
                UNKNOWN_MANAGEMENT,
                "web-01",
                failures,
                [dockerNetwork],
            );
            const [reason] = reasonsAt(failures, "switchName");
            expect(reason).to.match(/already exists/);
            expect(reason).not.to.match(/interrupted run/);
        });

        it("gives no leftover hint for a switch on other adapters", () => {
            const failures = new FailureList();
            checkBindingAgainstHost(
                binding({ switchName, adapterNames: ["Ethernet 2"] }),
                facts,
                UNKNOWN_MANAGEMENT,
                "web-01",
                failures,
                [],
            );
            const [reason] = reasonsAt(failures, "switchName");
            expect(reason).not.to.match(/interrupted run/);
        });

        it("adopts a matching switch", () => {
            const failures = new FailureList();
            const plan = checkBindingAgainstHost(
                binding({ switchName, adapterNames: ["Ethernet"], adopt: true }),
                facts,
                UNKNOWN_MANAGEMENT,
                "web-01",
                failures,
            );
            expect(failures.items).to.deep.equal([]);
            expect(plan.action).to.equal("adopt");
            expect(plan.existing?.id).to.equal("d2fccec7-ffaa-42d1-b4d3-fef843db2d99");
        });

        it("lists the differences of a switch it cannot adopt", () => {
            const failures = hostFailures(
                binding({ switchName, adapterNames: ["Ethernet"], adopt: true, allowManagementOS: false }),
                facts,
            );
            const [reason] = reasonsAt(failures, "adopt");
            expect(reason).to.match(/its AllowManagementOS is true, not false/);
        });

        it("rejects adopting a private switch", () => {
            const failures = hostFailures(
                binding({ switchName: "LAB", adapterNames: ["Ethernet"], adopt: true }),
                facts,
            );
            const [reason] = reasonsAt(failures, "adopt");
            expect(reason).to.match(/it is private, not external/);
            expect(reason).to.match(/bound to no adapter, not "Ethernet"/);
        });

        it("plans a new switch when none has the name", () => {
            const failures = new FailureList();
            const plan = checkBindingAgainstHost(
                binding({ switchName: "new", adapterNames: ["Ethernet"] }),
                facts,
                UNKNOWN_MANAGEMENT,
                "web-01",
                failures,
            );
            expect(plan.action).to.equal("create");
            expect(reasonsAt(failures, "adapterNames[0]")[0]).to.match(
                new RegExp(`bound to external switch "${switchName.replace(/[()]/g, "\\$&")}"`),
            );
        });
    });
});

describe("VSwitchBinding owner marker", () => {
    const owner = "infra/prod/lan";
    const adapter = {
        Name: "Ethernet 2",
        InterfaceDescription: "Intel NIC #2",
        InterfaceIndex: 5,
        MacAddress: "00-00-5E-00-53-02",
        Status: "Up",
    };
    const vnic = {
        Name: "vEthernet (ext-lan)",
        InterfaceDescription: "Hyper-V Virtual Ethernet Adapter",
        InterfaceIndex: 9,
        MacAddress: "00-00-5E-00-53-02",
        Status: "Up",
    };

    /** Facts of a host whose switch `ext-lan` on `Ethernet 2` has the given Notes. */
    function markedHost(notes: string | null, allowManagementOS = true): HostFacts {
        return normalize({
            netAdapters: allowManagementOS ? [adapter, vnic] : [adapter],
            ipAddresses: [ipAddress(allowManagementOS ? "vEthernet (ext-lan)" : "Ethernet 2", "10.20.0.5")],
            vmSwitches: [
                {
                    Name: "ext-lan",
                    Id: "5a1e0a56-0c4b-4f0e-9d8e-6f1c2b3a4d5e",
                    SwitchType: "External",
                    AllowManagementOS: allowManagementOS,
                    NetAdapterInterfaceDescription: "Intel NIC #2",
                    NetAdapterInterfaceDescriptions: ["Intel NIC #2"],
                    Notes: notes,
                },
            ],
        });
    }

    function planFor(inputs: VSwitchBindingInputs, facts: HostFacts, failures: FailureList) {
        return checkBindingAgainstHost(inputs, facts, UNKNOWN_MANAGEMENT, "web-01", failures, []);
    }

    it("reads the owner back from the marker", () => {
        expect(markedOwner(ownerMarker(owner))).to.equal(owner);
    });

    it("finds the marker among other notes", () => {
        const notes = `uplink for rack 4\r\n${ownerMarker(owner)}\r\nticket CHG-1`;
        expect(markedOwner(notes)).to.equal(owner);
    });

    it("finds no owner in other notes", () => {
        expect(markedOwner("uplink for rack 4")).to.equal(undefined);
        expect(markedOwner("")).to.equal(undefined);
        expect(markedOwner(undefined)).to.equal(undefined);
        expect(markedOwner("Managed by pulumi-wcn for ")).to.equal(undefined);
    });

    it("normalizes Notes into the facts", () => {
        expect(markedHost(ownerMarker(owner)).vmSwitches[0].notes).to.equal(ownerMarker(owner));
        expect(markedHost("").vmSwitches[0]).not.to.have.property("notes");
        expect(markedHost(null).vmSwitches[0]).not.to.have.property("notes");
    });

    it("resumes its own matching switch", () => {
        const failures = new FailureList();
        const plan = planFor(
            binding({ owner, adapterNames: ["Ethernet 2"] }),
            markedHost(ownerMarker(owner)),
            failures,
        );
        expect(failures.items).to.deep.equal([]);
        expect(plan.action).to.equal("resume");
        expect(plan.existing?.id).to.equal("5a1e0a56-0c4b-4f0e-9d8e-6f1c2b3a4d5e");
    });

    it("resumes without the cutoff check", () => {
        const failures = new FailureList();
        const plan = planFor(
            binding({ owner, adapterNames: ["Ethernet 2"], allowManagementOS: false }),
            markedHost(ownerMarker(owner), false),
            failures,
        );
        expect(failures.items).to.deep.equal([]);
        expect(plan.action).to.equal("resume");
    });

    it("rejects its own switch that differs", () => {
        const failures = new FailureList();
        planFor(
            binding({ owner, adapterNames: ["Ethernet 2"], allowManagementOS: false }),
            markedHost(ownerMarker(owner)),
            failures,
        );
        const [reason] = reasonsAt(failures, "switchName");
        expect(reason).to.match(
            /was created for this binding \(infra\/prod\/lan\) by a run that did not finish/,
        );
        expect(reason).to.match(/its AllowManagementOS is true, not false/);
        expect(reason).to.match(/Remove-VMSwitch -Name "ext-lan" -Force/);
    });

    it("rejects another owner's switch by name", () => {
        const failures = new FailureList();
        planFor(
            binding({ owner, adapterNames: ["Ethernet 2"] }),
            markedHost(ownerMarker("infra/staging/lan")),
            failures,
        );
        const [reason] = reasonsAt(failures, "switchName");
        expect(reason).to.match(/already exists on host web-01/);
        expect(reason).to.match(/managed by pulumi-wcn for infra\/staging\/lan/);
        expect(reason).not.to.match(/interrupted run/);
    });

    it("rejects a marked switch without an owner", () => {
        const failures = new FailureList();
        planFor(binding({ adapterNames: ["Ethernet 2"] }), markedHost(ownerMarker(owner)), failures);
        expect(reasonsAt(failures, "switchName")[0]).to.match(/managed by pulumi-wcn for infra\/prod\/lan/);
    });

    it("adopts another owner's switch without removal", () => {
        const failures = new FailureList();
        const plan = planFor(
            binding({ owner, adapterNames: ["Ethernet 2"], adopt: true }),
            markedHost(ownerMarker("infra/staging/lan")),
            failures,
        );
        expect(failures.items).to.deep.equal([]);
        expect(plan.action).to.equal("adopt");
    });

    it("rejects removing another owner's switch", () => {
        const failures = new FailureList();
        planFor(
            binding({ owner, adapterNames: ["Ethernet 2"], adopt: true, removeAdoptedOnDelete: true }),
            markedHost(ownerMarker("infra/staging/lan")),
            failures,
        );
        const [reason] = reasonsAt(failures, "removeAdoptedOnDelete");
        expect(reason).to.match(/managed by pulumi-wcn for infra\/staging\/lan/);
        expect(reason).to.match(/set removeAdoptedOnDelete to false/);
    });

    it("keeps adopt for its own switch", () => {
        const failures = new FailureList();
        const plan = planFor(
            binding({ owner, adapterNames: ["Ethernet 2"], adopt: true }),
            markedHost(ownerMarker(owner)),
            failures,
        );
        expect(failures.items).to.deep.equal([]);
        expect(plan.action).to.equal("adopt");
    });

    it("keeps adopt for another owner's switch", () => {
        const failures = new FailureList();
        const plan = planFor(
            binding({ owner, adapterNames: ["Ethernet 2"], adopt: true }),
            markedHost(ownerMarker("infra/staging/lan")),
            failures,
        );
        expect(failures.items).to.deep.equal([]);
        expect(plan.action).to.equal("adopt");
    });

    it("hints at adopt for an unmarked leftover", () => {
        const failures = new FailureList();
        planFor(binding({ owner, adapterNames: ["Ethernet 2"] }), markedHost(""), failures);
        const [reason] = reasonsAt(failures, "switchName");
        expect(reason).to.match(/set adopt: true with removeAdoptedOnDelete: true/);
    });
});

describe("VSwitchBinding management cutoff", () => {
    const netAdapters = [
        {
            Name: "Ethernet",
            InterfaceDescription: "Intel NIC",
            InterfaceIndex: 4,
            MacAddress: "00-00-5E-00-53-01",
            Status: "Up",
        },
        {
            Name: "Ethernet 2",
            InterfaceDescription: "Intel NIC #2",
            InterfaceIndex: 6,
            MacAddress: "00-00-5E-00-53-02",
            Status: "Up",
        },
    ];
    const facts = normalize({
        netAdapters,
        ipAddresses: [ipAddress("Ethernet", "192.168.50.10"), ipAddress("Ethernet 2", "10.20.0.5")],
    });
    const management: ManagementView = { addresses: ["192.168.50.10"], source: "host.address" };

    function cutoff(inputs: VSwitchBindingInputs, view: ManagementView, hostFacts = facts): string[] {
        const failures = new FailureList();
        checkManagementCutoff(inputs, hostFacts, view, "web-01", failures);
        return reasonsAt(failures, "allowManagementOS");
    }

    it("rejects the management adapter", () => {
        const [reason] = cutoff(
            binding({ adapterNames: ["Ethernet"], allowManagementOS: false }),
            management,
        );
        expect(reason).to.match(
            /carries the management address \(192\.168\.50\.10 on "Ethernet", from host\.address\)/,
        );
        expect(reason).to.match(/set confirmManagementCutoff to "ext-lan"/);
    });

    it("accepts another adapter", () => {
        expect(
            cutoff(binding({ adapterNames: ["Ethernet 2"], allowManagementOS: false }), management),
        ).to.deep.equal([]);
    });

    it("accepts a confirmed cutoff", () => {
        const inputs = binding({
            adapterNames: ["Ethernet"],
            allowManagementOS: false,
            confirmManagementCutoff: "ext-lan",
        });
        expect(cutoff(inputs, management)).to.deep.equal([]);
    });

    it("counts every address when the management address is unknown", () => {
        const [reason] = cutoff(
            binding({ adapterNames: ["Ethernet 2"], allowManagementOS: false }),
            UNKNOWN_MANAGEMENT,
        );
        expect(reason).to.match(/10\.20\.0\.5 on "Ethernet 2"/);
        expect(reason).to.match(/set host\.address/);
    });

    it("counts every address behind NAT", () => {
        const natted: ManagementView = { addresses: ["203.0.113.5"], source: "host.address" };
        const [reason] = cutoff(binding({ adapterNames: ["Ethernet"], allowManagementOS: false }), natted);
        expect(reason).to.match(/192\.168\.50\.10 on "Ethernet"/);
        expect(reason).to.match(/\(203\.0\.113\.5, from host\.address\) is on no adapter of the host/);
        expect(reason).to.match(/Set host\.address to the host's own address/);
    });

    it("uses the address found on the host", () => {
        const mixed: ManagementView = {
            addresses: ["203.0.113.5", "192.168.50.10"],
            source: "the WinRM endpoint host web-01",
        };
        expect(
            cutoff(binding({ adapterNames: ["Ethernet 2"], allowManagementOS: false }), mixed),
        ).to.deep.equal([]);
    });

    it("counts the address on the switch's host vNIC", () => {
        const moved = normalize({
            netAdapters,
            ipAddresses: [
                ipAddress("vEthernet (ext-lan)", "192.168.50.10"),
                ipAddress("Ethernet 2", "10.20.0.5"),
            ],
        });
        const [reason] = cutoff(
            binding({ adapterNames: ["Ethernet"], allowManagementOS: false }),
            management,
            moved,
        );
        expect(reason).to.match(/192\.168\.50\.10 on "vEthernet \(ext-lan\)"/);
    });

    it("applies to a new switch without management access", () => {
        const failures = hostFailures(
            binding({ adapterNames: ["Ethernet"], allowManagementOS: false }),
            facts,
            management,
        );
        expect(reasonsAt(failures, "allowManagementOS")).to.have.length(1);
    });

    it("does not apply to a new switch with management access", () => {
        const failures = hostFailures(binding({ adapterNames: ["Ethernet"] }), facts, management);
        expect(failures.items).to.deep.equal([]);
    });
});

describe("VSwitchBinding diff", () => {
    const olds = {
        host: SIM_HOST,
        switchName: "ext-lan",
        adapterNames: ["Ethernet 2"],
        allowManagementOS: true,
        adopt: false,
    };
    const cases: { name: string; change: Record<string, unknown>; changes: boolean; replaces: string[] }[] = [
        { name: "nothing", change: {}, changes: false, replaces: [] },
        {
            name: "default allowManagementOS",
            change: { allowManagementOS: undefined },
            changes: false,
            replaces: [],
        },
        { name: "allowManagementOS", change: { allowManagementOS: false }, changes: true, replaces: [] },
        { name: "switchName", change: { switchName: "ext-2" }, changes: true, replaces: ["switchName"] },
        { name: "switchName case", change: { switchName: "EXT-LAN" }, changes: false, replaces: [] },
        {
            name: "adapterNames",
            change: { adapterNames: ["Ethernet"] },
            changes: true,
            replaces: ["adapterNames"],
        },
        { name: "adapter name case", change: { adapterNames: ["ethernet 2"] }, changes: false, replaces: [] },
        {
            name: "host URL",
            change: { host: { ...SIM_HOST, docker: { url: "sim:///tmp/other.json" } } },
            changes: true,
            replaces: ["host"],
        },
        {
            name: "host display name",
            change: { host: { ...SIM_HOST, name: "web-1" } },
            changes: true,
            replaces: [],
        },
        {
            name: "removeAdoptedOnDelete",
            change: { removeAdoptedOnDelete: true },
            changes: true,
            replaces: [],
        },
        {
            name: "confirmation",
            change: { confirmManagementCutoff: "ext-lan" },
            changes: false,
            replaces: [],
        },
    ];
    for (const testCase of cases) {
        it(`handles ${testCase.name}`, () => {
            const result = diffBindingInputs(olds, { ...olds, ...testCase.change });
            expect(result.changes).to.equal(testCase.changes);
            expect(result.replaces).to.deep.equal(testCase.replaces);
        });
    }

    it("ignores the order of team members", () => {
        const team = { ...olds, adapterNames: ["Ethernet 2", "Ethernet 3"] };
        const result = diffBindingInputs(team, { ...team, adapterNames: ["Ethernet 3", "Ethernet 2"] });
        expect(result.changes).to.equal(false);
        expect(result.replaces).to.deep.equal([]);
    });
});

describe("VSwitchBinding Docker networks", () => {
    const switchId = "c08cb7b8-9b3c-408e-8e30-5e16a3aeb444";
    const removedSwitchId = "1f0c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e";
    const hnsId = "6d6b2b4a-8b8b-4d55-9a44-0a5f5d2d3c11";
    const userHnsId = "7e7c3c5b-9c9c-4e66-8b55-1b6f6e3e4d22";
    const staleHnsId = "8f8d4d6c-adad-4f77-9c66-2c7a7f4f5e33";
    const extLan = { name: "ext-lan", id: switchId };
    const onSwitch = (id: string, name: string, guid = switchId) => ({
        ID: id,
        Name: name,
        Type: "Transparent",
        SwitchGuid: guid.toUpperCase(),
        SwitchName: "ext-lan",
    });
    const facts = normalize({
        hnsNetworks: [onSwitch(hnsId, "ext-lan"), onSwitch(userHnsId, "app")],
    });
    /** HNS still lists the networks of a removed switch of the same name until it restarts. */
    const staleFacts = normalize({
        hnsNetworks: [onSwitch(staleHnsId, "ext-lan", removedSwitchId), onSwitch(userHnsId, "app")],
    });
    const network = (name: string, id: string | undefined, driver = "transparent"): ObservedNetwork => ({
        id: `${name}-id`,
        name,
        driver,
        options: {},
        labels: {},
        endpoints: [],
        ...(id === undefined ? {} : { hnsId: id }),
    });
    const networks = [network("nat", undefined, "nat"), network("app", userHnsId), network("ext-lan", hnsId)];

    it("prefers the network named after the switch", () => {
        expect(findSwitchDockerNetwork({ name: "EXT-LAN", id: switchId }, networks, facts)?.name).to.equal(
            "ext-lan",
        );
    });

    it("finds a user network on the switch", () => {
        expect(findSwitchDockerNetwork(extLan, [networks[1]], facts)?.name).to.equal("app");
    });

    it("falls back to the name without HNS facts", () => {
        expect(findSwitchDockerNetwork(extLan, [network("ext-lan", undefined)], undefined)?.name).to.equal(
            "ext-lan",
        );
    });

    it("finds none for another switch", () => {
        expect(findSwitchDockerNetwork({ name: "other" }, networks, facts)).to.equal(undefined);
    });

    it("ignores a stale network of a removed switch", () => {
        const stale = [network("ext-lan", staleHnsId)];
        expect(findSwitchDockerNetwork(extLan, stale, staleFacts)).to.equal(undefined);
    });

    it("ignores a network named after the switch on no switch", () => {
        const elsewhere = normalize({
            hnsNetworks: [{ ID: staleHnsId, Name: "ext-lan", Type: "Transparent", SwitchName: "ext-old" }],
        });
        expect(findSwitchDockerNetwork(extLan, [network("ext-lan", staleHnsId)], elsewhere)).to.equal(
            undefined,
        );
    });

    it("matches by name when HNS prints no switch id", () => {
        const named = normalize({
            hnsNetworks: [{ ID: hnsId, Name: "ext-lan", Type: "Transparent", SwitchName: "EXT-LAN" }],
        });
        expect(findSwitchDockerNetwork(extLan, networks, named)?.name).to.equal("ext-lan");
    });

    it("lists user networks without the switch's own", () => {
        expect(userNetworksOnSwitch(extLan, networks, facts).map((found) => found.name)).to.deep.equal([
            "app",
        ]);
    });

    it("lists no user networks of a removed switch", () => {
        expect(
            userNetworksOnSwitch(
                { name: "ext-lan", id: "0a0b0c0d-0000-4000-8000-000000000001" },
                networks,
                facts,
            ),
        ).to.deep.equal([]);
    });
});

describe("findManagementAddresses", () => {
    const noDns = async (): Promise<string[]> => {
        throw new Error("no DNS in this test");
    };

    it("prefers host.address", async () => {
        const found = await findManagementAddresses({ ...SIM_HOST, address: "192.168.50.10" }, noDns);
        expect(found).to.deep.equal({ addresses: ["192.168.50.10"], source: "host.address" });
    });

    it("is empty for a simulated host", async () => {
        expect((await findManagementAddresses(SIM_HOST, noDns)).addresses).to.deep.equal([]);
    });

    it("reads an IP literal in the Docker URL", async () => {
        const host: HostSpec = { name: "web-01", docker: { url: "tcp://10.1.2.3:2376" } };
        const found = await findManagementAddresses(host, noDns);
        expect(found.addresses).to.deep.equal(["10.1.2.3"]);
        expect(found.source).to.equal("the Docker URL host 10.1.2.3");
    });

    it("resolves the WinRM and SSH host names", async () => {
        const resolved: string[] = [];
        const resolve = async (name: string) => {
            resolved.push(name);
            return name === "web-01.corp" ? ["10.1.2.4"] : [];
        };
        const host: HostSpec = {
            name: "web-01",
            docker: { url: "npipe:////./pipe/docker_engine" },
            powershell: {
                transport: "winrm",
                endpoint: "https://web-01.corp:5986/wsman",
                auth: "ntlm",
                username: "wcn",
                passwordConfigKey: "pw",
            },
        };
        const found = await findManagementAddresses(host, resolve);
        expect(resolved).to.deep.equal(["web-01.corp"]);
        expect(found.addresses).to.deep.equal(["10.1.2.4"]);
    });

    it("skips a name that does not resolve", async () => {
        const host: HostSpec = {
            name: "web-01",
            docker: { url: "ssh://wcn@web-01.corp" },
            powershell: { transport: "ssh", host: "10.1.2.5", user: "wcn", keyFile: "/k" },
        };
        const found = await findManagementAddresses(host, noDns);
        expect(found).to.deep.equal({ addresses: ["10.1.2.5"], source: "the SSH host 10.1.2.5" });
    });
});
