import { expect } from "chai";
import { type HostFacts, normalizeHostFacts } from "../../../provider/host/facts";
import { parseFormatTables } from "../../../provider/host/textFormats";
import { FailureList } from "../../../provider/model/failures";
import type { ObservedNetwork } from "../../../provider/model/networkInspect";
import {
    checkUplink,
    describeRemovedSwitch,
    EXTERNAL_CREATE_ATTEMPTS,
    EXTERNAL_CREATE_RETRY_DELAYS_MS,
    findRemovedSwitch,
    type PlannedUplink,
    RetriesExhaustedError,
    retryWithDelays,
} from "../../../provider/model/uplink";
import { classifyWindowsText, isUplinkRejection } from "../../../provider/model/windowsErrors";
import type { RawHostFacts } from "../../../provider/powershell/facts";
import { fixtureLine, readFixtureSections } from "../host/fixtureSections";

const SERVER_2019 = "Microsoft Windows Server 2019 Datacenter";

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

/**
 * Builds an HNS network as Get-HnsNetwork prints it. `SwitchName` and `SwitchGuid` are printed only
 * when given, as on hosts whose output lacks them.
 */
function hnsNetwork(fields: {
    id: string;
    name: string;
    type: string;
    adapterName?: string;
    subnet?: string;
    switchName?: string;
    switchGuid?: string;
}): Record<string, unknown> {
    return {
        ID: fields.id,
        Name: fields.name,
        Type: fields.type,
        NetworkAdapterName: fields.adapterName ?? "",
        Subnets: fields.subnet === undefined ? [] : [{ AddressPrefix: fields.subnet }],
        ...(fields.switchName === undefined ? {} : { SwitchName: fields.switchName }),
        ...(fields.switchGuid === undefined ? {} : { SwitchGuid: fields.switchGuid }),
    };
}

/** Normalizes host facts with the given adapters, switches and HNS networks. */
function facts(parts: {
    caption?: string;
    adapters: Record<string, unknown>[];
    switches?: Record<string, unknown>[];
    hnsNetworks?: Record<string, unknown>[];
}): HostFacts {
    const raw = {
        os: { caption: parts.caption ?? SERVER_2019, version: "10.0.17763", buildNumber: "17763" },
        powershell: { edition: "Desktop", version: "5.1.17763.1" },
        hypervPresent: true,
        netNat: [],
        vmSwitches: parts.switches ?? [],
        netAdapters: parts.adapters,
        ipAddresses: [],
        hnsSource: "Get-HnsNetwork",
        hnsNetworks: parts.hnsNetworks ?? [],
        daemonJson: { path: "C:\\ProgramData\\docker\\config\\daemon.json", exists: false, content: null },
        services: { hns: { Status: "Running" }, docker: { Status: "Running" } },
    };
    return normalizeHostFacts(raw as unknown as RawHostFacts);
}

function dockerNetwork(fields: Partial<ObservedNetwork> & { name: string; driver: string }): ObservedNetwork {
    return { id: `${fields.name}-id`, options: {}, labels: {}, endpoints: [], ...fields };
}

/** Runs the rules and returns the failures and warnings. */
function check(
    planned: Partial<PlannedUplink> & { adapterName: string },
    hostFacts: HostFacts,
    networks: ObservedNetwork[] = [],
) {
    const failures = new FailureList();
    const warnings = checkUplink(
        { networkName: "app-lan", driver: "transparent", ...planned },
        { hostName: "web-01", facts: hostFacts, networks },
        failures,
    );
    return { failures: failures.items, warnings };
}

/** The C18 host: the physical NIC `PROD` under switch `prodSwitch`, and that switch's host vNIC. */
const C18_ROWS = tableRows(readFixtureSections("C18")[0]);
const PROD_DESCRIPTION = C18_ROWS[0].InterfaceDescription;
const PROD_SWITCH = {
    Name: "prodSwitch",
    SwitchType: "External",
    NetAdapterInterfaceDescription: PROD_DESCRIPTION,
};
const PROD_SWITCH_NETWORK = hnsNetwork({
    id: "5e1b9c3a-77d2-4f5e-9a39-0e5d7a1c2b40",
    name: "prodSwitch",
    type: "Transparent",
    adapterName: "PROD",
});

/** The C33 client host: a disconnected NIC, a Network Bridge, Wi-Fi, host vNICs and Bluetooth. */
const C33_ROWS = tableRows(readFixtureSections("C33")[3]);

describe("checkUplink", () => {
    describe("C18 host vNIC as uplink", () => {
        const hostFacts = facts({ adapters: C18_ROWS.map(adapterFromRow) });
        const { failures } = check({ adapterName: "vEthernet (prodSwitch)" }, hostFacts);

        it("fails at the adapter", () => {
            expect(failures.map((failure) => failure.property)).to.deep.equal(["windows.adapterName"]);
        });

        it("names the vNIC's switch", () => {
            expect(failures[0].reason).to.contain('host vNIC of Hyper-V switch "prodSwitch"');
        });

        it("names the physical NIC with the same MAC", () => {
            expect(failures[0].reason).to.contain(
                'Name "PROD", the physical adapter with the same MAC address',
            );
            expect(failures[0].reason).to.contain("00-00-5E-00-53-01");
        });

        it("offers a binding with adopt", () => {
            expect(failures[0].reason).to.contain(
                'use switch "prodSwitch" through a VSwitchBinding with adopt: true',
            );
        });

        it("quotes the HNS error", () => {
            expect(failures[0].reason).to.contain("(0x57)");
        });
    });

    describe("C18 physical NIC under an out-of-band switch", () => {
        it("fails while Docker does not see the switch", () => {
            const hostFacts = facts({ adapters: C18_ROWS.map(adapterFromRow), switches: [PROD_SWITCH] });
            const { failures } = check({ adapterName: "PROD" }, hostFacts);
            expect(failures).to.have.length(1);
            expect(failures[0].property).to.equal("windows.adapterName");
            expect(failures[0].reason).to.contain('bound to Hyper-V switch "prodSwitch"');
            expect(failures[0].reason).to.contain(
                'switchName "prodSwitch", adapterNames ["PROD"] and adopt: true',
            );
            expect(failures[0].reason).to.contain("or choose another adapter");
        });

        it("passes once HNS shows the switch", () => {
            const hostFacts = facts({
                adapters: C18_ROWS.map(adapterFromRow),
                switches: [PROD_SWITCH],
                hnsNetworks: [PROD_SWITCH_NETWORK],
            });
            expect(check({ adapterName: "PROD" }, hostFacts).failures).to.deep.equal([]);
        });

        it("passes on a binding that adopts the switch", () => {
            const hostFacts = facts({ adapters: C18_ROWS.map(adapterFromRow), switches: [PROD_SWITCH] });
            const vSwitch = { switchName: "prodSwitch", adapterNames: ["PROD"] };
            expect(check({ adapterName: "PROD", vSwitch }, hostFacts).failures).to.deep.equal([]);
        });

        it("rejects a second network on the switch", () => {
            const hostFacts = facts({
                adapters: C18_ROWS.map(adapterFromRow),
                switches: [PROD_SWITCH],
                hnsNetworks: [
                    PROD_SWITCH_NETWORK,
                    hnsNetwork({
                        id: "9d4c2e71-3b1a-4c8e-8f0d-6a5b4c3d2e1f",
                        name: "prod3-docker-id",
                        type: "Transparent",
                        adapterName: "PROD",
                        subnet: "192.168.127.0/24",
                    }),
                ],
            });
            const prod3 = dockerNetwork({
                name: "prod3",
                driver: "transparent",
                hnsId: "9d4c2e71-3b1a-4c8e-8f0d-6a5b4c3d2e1f",
            });
            const { failures } = check({ adapterName: "PROD" }, hostFacts, [prod3]);
            expect(failures).to.have.length(1);
            expect(failures[0].reason).to.contain('already carries the transparent network "prod3"');
        });

        it("ignores the network it replaces", () => {
            const hostFacts = facts({
                adapters: C18_ROWS.map(adapterFromRow),
                switches: [PROD_SWITCH],
                hnsNetworks: [
                    PROD_SWITCH_NETWORK,
                    hnsNetwork({
                        id: "9d4c2e71-3b1a-4c8e-8f0d-6a5b4c3d2e1f",
                        name: "old-docker-id",
                        type: "Transparent",
                        adapterName: "PROD",
                        subnet: "192.168.127.0/24",
                    }),
                ],
            });
            const old = dockerNetwork({
                name: "app-lan",
                driver: "transparent",
                hnsId: "9d4c2e71-3b1a-4c8e-8f0d-6a5b4c3d2e1f",
            });
            expect(check({ adapterName: "PROD" }, hostFacts, [old]).failures).to.deep.equal([]);
        });
    });

    describe("C33 client host adapters", () => {
        const hostFacts = facts({
            caption: "Microsoft Windows 10 Pro",
            adapters: C33_ROWS.map(adapterFromRow),
        });
        const CASES: [string, string][] = [
            ["Wi-Fi", "is a Wi-Fi adapter"],
            ["Network Bridge", "is a Network Bridge or LBFO team"],
            ["Bluetooth Network Connection", "is a bluetooth adapter"],
            ["vEthernet (External Wifi)", 'host vNIC of Hyper-V switch "External Wifi"'],
        ];
        for (const [adapterName, expected] of CASES) {
            it(`rejects ${adapterName}`, () => {
                const { failures } = check({ adapterName }, hostFacts);
                expect(failures).to.have.length(1);
                expect(failures[0].reason).to.contain(`"${adapterName}" on host web-01 `);
                expect(failures[0].reason).to.contain(expected);
            });
        }

        it("lists the wired adapters for a missing one", () => {
            const { failures } = check({ adapterName: "Ethernet 9" }, hostFacts);
            expect(failures).to.have.length(1);
            expect(failures[0].reason).to.contain('"Ethernet 9" is not a network adapter on host web-01');
            expect(failures[0].reason).to.contain('Its wired physical adapters are: "Ethernet".');
        });

        it("warns about a disconnected NIC", () => {
            const { failures, warnings } = check({ adapterName: "Ethernet" }, hostFacts);
            expect(failures).to.deep.equal([]);
            expect(
                warnings.some((warning) => warning.includes('"Ethernet" on host web-01 is Disconnected')),
            ).to.equal(true);
        });

        it("warns about a client edition", () => {
            const { warnings } = check({ adapterName: "Ethernet" }, hostFacts);
            expect(warnings.some((warning) => warning.includes('runs "Microsoft Windows 10 Pro"'))).to.equal(
                true,
            );
        });

        it("does not warn for l2tunnel", () => {
            const { warnings } = check({ adapterName: "Ethernet", driver: "l2tunnel" }, hostFacts);
            expect(warnings.some((warning) => warning.includes("client edition"))).to.equal(false);
        });
    });

    describe("C07 switch that Docker shows", () => {
        const [switchRow] = tableRows(readFixtureSections("C07")[4]);
        const lan = {
            Name: "Ethernet",
            InterfaceDescription: switchRow.NetAdapterInterfaceDescription,
            Status: "Up",
            MacAddress: "00-00-5E-00-53-10",
        };
        const hostFacts = facts({
            adapters: [lan],
            switches: [
                {
                    Name: switchRow.Name,
                    SwitchType: switchRow.SwitchType,
                    NetAdapterInterfaceDescription: lan.InterfaceDescription,
                },
            ],
            hnsNetworks: [
                hnsNetwork({
                    id: "295e2fb5-4331-4c8e-8f0d-6a5b4c3d2e10",
                    name: switchRow.Name,
                    type: "Transparent",
                    adapterName: "Ethernet",
                }),
            ],
        });

        it("reuses the switch for a new network", () => {
            const adopted = dockerNetwork({
                name: "external-virtual",
                driver: "transparent",
                hnsId: "295e2fb5-4331-4c8e-8f0d-6a5b4c3d2e10",
            });
            expect(check({ adapterName: "Ethernet" }, hostFacts, [adopted]).failures).to.deep.equal([]);
        });

        it("rejects a Docker network bound by option", () => {
            const other = dockerNetwork({
                name: "lan-b",
                driver: "l2bridge",
                options: { "com.docker.network.windowsshim.interface": "ethernet" },
            });
            const { failures } = check({ adapterName: "Ethernet" }, hostFacts, [other]);
            expect(failures).to.have.length(1);
            expect(failures[0].reason).to.contain('already carries the l2bridge network "lan-b"');
        });
    });

    describe("C34 binding switch", () => {
        const nic = {
            Name: "Ethernet",
            InterfaceDescription: "Microsoft Hyper-V Network Adapter",
            Status: "Up",
            MacAddress: "00-15-5D-00-00-01",
        };
        const spare = { Name: "Ethernet 2", InterfaceDescription: "Intel(R) 82574L", Status: "Up" };
        const switchName = /^Name\s*:\s*(.+)$/m.exec(readFixtureSections("C34")[0])![1].trim();
        const hostFacts = facts({
            adapters: [nic, spare],
            switches: [
                {
                    Name: switchName,
                    SwitchType: "External",
                    NetAdapterInterfaceDescription: nic.InterfaceDescription,
                },
            ],
        });

        it("accepts an adapter of the switch", () => {
            const vSwitch = { switchName, adapterNames: ["Ethernet"] };
            expect(check({ adapterName: "Ethernet", vSwitch }, hostFacts).failures).to.deep.equal([]);
        });

        it("accepts a binding that moves the switch", () => {
            // The binding replaces the switch on the new adapter before the network is created.
            const vSwitch = { switchName, adapterNames: ["Ethernet 2"] };
            const { failures } = check({ adapterName: "Ethernet 2", vSwitch }, hostFacts);
            expect(failures).to.deep.equal([]);
        });

        it("rejects a switch that is not External", () => {
            const internal = facts({
                adapters: [nic, spare],
                switches: [{ Name: switchName, SwitchType: "Internal" }],
            });
            const vSwitch = { switchName, adapterNames: ["Ethernet"] };
            const { failures } = check({ adapterName: "Ethernet", vSwitch }, internal);
            expect(failures.map((failure) => failure.property)).to.deep.equal(["vSwitchBinding"]);
            expect(failures[0].reason).to.contain("not External");
        });

        it("only checks existence before the switch exists", () => {
            const vSwitch = { switchName: "ext-lan", adapterNames: ["Ethernet", "Ethernet 7"] };
            const { failures } = check({ adapterName: "Ethernet", vSwitch }, hostFacts);
            expect(failures).to.deep.equal([
                {
                    property: "vSwitchBinding",
                    reason:
                        '"Ethernet 7" is not a network adapter on host web-01. Its wired physical adapters are: ' +
                        '"Ethernet" (bound to switch "Microsoft Hyper-V Network Adapter - Virtual Switch"), "Ethernet 2".',
                },
            ]);
        });

        it("only checks existence while the binding is unknown", () => {
            const { failures } = check({ adapterName: "Ethernet", bindingPending: true }, hostFacts);
            expect(failures).to.deep.equal([]);
        });
    });
});

describe("findRemovedSwitch", () => {
    // The external switch of C34 (Get-VMSwitch | Format-List), with its name and id as posted.
    const c34 = readFixtureSections("C34")[0];
    const switchName = /^Name\s*:\s*(.+)$/m.exec(c34)![1].trim();
    const switchId = /^Id\s*:\s*(.+)$/m.exec(c34)![1].trim();
    const nic = { Name: "Ethernet", InterfaceDescription: "Microsoft Hyper-V Network Adapter", Status: "Up" };
    const externalSwitch = {
        Name: switchName,
        Id: switchId,
        SwitchType: "External",
        NetAdapterInterfaceDescription: nic.InterfaceDescription,
    };
    const networkId = "2b592111-10d4-4e66-ad8b-0db000390a42";
    const lan = (fields: { switchName?: string; switchGuid?: string; type?: string }) =>
        hnsNetwork({
            id: networkId.toUpperCase(),
            name: "d47ebcee91527a817c5d5413919ed9f592d5152cd7fcdcb0f56fda5b41caa287",
            type: fields.type ?? "Transparent",
            adapterName: "Ethernet",
            subnet: "10.20.0.0/25",
            ...fields,
        });
    const hostWith = (switches: Record<string, unknown>[], network: Record<string, unknown>) =>
        facts({ adapters: [nic], switches, hnsNetworks: [network] });

    it("returns nothing while the switch exists", () => {
        const network = lan({ switchName, switchGuid: switchId.toUpperCase() });
        expect(findRemovedSwitch(networkId, hostWith([externalSwitch], network))).to.equal(undefined);
    });

    it("reports a switch removed by hand", () => {
        const network = lan({ switchName, switchGuid: switchId.toUpperCase() });
        expect(findRemovedSwitch(networkId, hostWith([], network))).to.deep.equal({
            name: switchName,
            id: switchId.toLowerCase(),
        });
    });

    it("reports a switch re-created under the old name", () => {
        const network = lan({ switchName, switchGuid: switchId.toUpperCase() });
        const recreated = { ...externalSwitch, Id: "512558e5-3a9b-405e-ae61-ab02d985e4d2" };
        const removed = findRemovedSwitch(networkId, hostWith([recreated], network));
        expect(removed?.id).to.equal(switchId.toLowerCase());
    });

    it("matches by name without SwitchGuid", () => {
        const network = lan({ switchName: switchName.toUpperCase() });
        expect(findRemovedSwitch(networkId, hostWith([externalSwitch], network))).to.equal(undefined);
        expect(findRemovedSwitch(networkId, hostWith([], network))).to.deep.equal({
            name: switchName.toUpperCase(),
            id: undefined,
        });
    });

    it("cannot tell without SwitchGuid and SwitchName", () => {
        expect(findRemovedSwitch(networkId, hostWith([], lan({})))).to.equal(undefined);
    });

    it("ignores an HNS network the facts do not list", () => {
        const network = lan({ switchName, switchGuid: switchId });
        const other = "6a6ef554-5ab9-41e6-ab12-4ab015fae7e7";
        expect(findRemovedSwitch(other, hostWith([], network))).to.equal(undefined);
    });

    it("ignores networks without an uplink", () => {
        const network = lan({ switchName: "nat", switchGuid: switchId, type: "NAT" });
        expect(findRemovedSwitch(networkId, hostWith([], network))).to.equal(undefined);
    });

    it("names the switch for messages", () => {
        expect(describeRemovedSwitch({ name: "ext-lan", id: switchId })).to.equal(
            `switch "ext-lan" (id ${switchId})`,
        );
        expect(describeRemovedSwitch({ name: "ext-lan" })).to.equal('switch "ext-lan"');
        expect(describeRemovedSwitch({ id: switchId })).to.equal(`switch (id ${switchId})`);
    });
});

describe("uplink error classes", () => {
    const WORDINGS: [string, string][] = [
        ["C18", fixtureLine("C18", "Error response from daemon")],
        ["C20 raw response", readFixtureSections("C20")[0].split("\n")[1]],
        ["C20 legacy", fixtureLine("C20", "HNS failed with error")],
        ["C07 capital P", fixtureLine("C07", "The Parameter is incorrect")],
        ["lower case", "hnscall failed in win32: the parameter is incorrect. (0x57)"],
    ];
    for (const [label, text] of WORDINGS) {
        it(`classifies ${label} as invalid parameter`, () => {
            expect(classifyWindowsText(text)).to.equal("invalid-parameter");
            expect(isUplinkRejection(text)).to.equal(true);
        });
    }

    it("treats the C33 bind failure as an uplink rejection", () => {
        const text = fixtureLine("C33", "bind failed");
        expect(classifyWindowsText(text)).to.equal("element-not-found");
        expect(isUplinkRejection(text)).to.equal(true);
    });

    it("keeps the C26 object-exists apart", () => {
        const text = fixtureLine("C26", "The object already exists");
        expect(classifyWindowsText(text)).to.equal("already-exists");
        expect(isUplinkRejection(text)).to.equal(false);
    });
});

describe("retryWithDelays", () => {
    const retryable = (error: unknown) => (error as Error).message === "exists";

    it("returns after a retried failure", async () => {
        const waits: number[] = [];
        let calls = 0;
        const result = await retryWithDelays(
            async () => {
                calls += 1;
                if (calls === 1) {
                    throw new Error("exists");
                }
                return "id";
            },
            {
                delaysMs: EXTERNAL_CREATE_RETRY_DELAYS_MS,
                isRetryable: retryable,
                sleep: async (ms) => void waits.push(ms),
            },
        );
        expect(result).to.equal("id");
        expect(waits).to.deep.equal([EXTERNAL_CREATE_RETRY_DELAYS_MS[0]]);
    });

    it("gives up after the last delay", async () => {
        const waits: number[] = [];
        let calls = 0;
        const failed = await retryWithDelays(
            async () => {
                calls += 1;
                throw new Error("exists");
            },
            {
                delaysMs: EXTERNAL_CREATE_RETRY_DELAYS_MS,
                isRetryable: retryable,
                sleep: async (ms) => void waits.push(ms),
            },
        ).catch((error: unknown) => error);
        expect(failed).to.be.instanceOf(RetriesExhaustedError);
        expect((failed as RetriesExhaustedError).tries).to.equal(EXTERNAL_CREATE_ATTEMPTS);
        expect(calls).to.equal(EXTERNAL_CREATE_ATTEMPTS);
        expect(waits).to.deep.equal([...EXTERNAL_CREATE_RETRY_DELAYS_MS]);
    });

    it("does not retry other errors", async () => {
        let calls = 0;
        const failed = await retryWithDelays(
            async () => {
                calls += 1;
                throw new Error("parameter is incorrect");
            },
            {
                delaysMs: EXTERNAL_CREATE_RETRY_DELAYS_MS,
                isRetryable: retryable,
                sleep: async () => undefined,
            },
        ).catch((error: unknown) => error);
        expect((failed as Error).message).to.equal("parameter is incorrect");
        expect(failed).not.to.be.instanceOf(RetriesExhaustedError);
        expect(calls).to.equal(1);
    });
});
