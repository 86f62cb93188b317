import { expect } from "chai";
import { FailureList } from "../../../provider/model/failures";
import {
    checkHostNatConfig,
    checkPrefixAgainstHost,
    checkRemovalsAllowed,
    currentDaemonValues,
    daemonEdits,
    desiredDaemonValues,
    type HostNatState,
    planHostNat,
} from "../../../provider/model/hostNatConfig";
import type { ObservedNetwork } from "../../../provider/model/networkInspect";
import { UNKNOWN_VALUE } from "../../../provider/model/unknown";

const HOST = {
    name: "web-01",
    docker: { url: "npipe:////./pipe/docker_engine" },
    powershell: { transport: "local" },
};

function network(
    name: string,
    subnet: string | undefined,
    changes: Partial<ObservedNetwork> = {},
): ObservedNetwork {
    return {
        id: `${name}-id`.padEnd(64, "0"),
        name,
        driver: "nat",
        subnet,
        options: {},
        labels: {},
        hnsId: `${name}-hns`,
        endpoints: [],
        ...changes,
    };
}

function state(changes: Partial<HostNatState> = {}): HostNatState {
    return {
        hostName: "web-01",
        daemonSettings: undefined,
        networks: [network("nat", "172.25.16.0/20")],
        winNatGeneration: false,
        ...changes,
    };
}

describe("checkHostNatConfig", () => {
    it("fills in the defaults", () => {
        const { inputs, failures } = checkHostNatConfig({ host: HOST });
        expect(failures.items).to.deep.equal([]);
        expect(inputs).to.include({ defaultNatNetwork: true, restartTimeoutSeconds: 120 });
        expect(inputs.allowRemoveNetworks).to.deep.equal([]);
    });

    const rejected: [string, Record<string, unknown>, string, RegExp][] = [
        ["a prefix with host bits", { fixedCidr: "172.30.1.0/16" }, "fixedCidr", /172\.30\.0\.0\/16/],
        ["an IPv6 prefix", { fixedCidr: "fd00::/64" }, "fixedCidr", /IPv6/],
        ["text that is no prefix", { fixedCidr: "nat" }, "fixedCidr", /not an IPv4 CIDR/],
        ["a prefix too small for containers", { fixedCidr: "172.30.0.0/31" }, "fixedCidr", /8 to 30/],
        [
            "a prefix with the default network off",
            { fixedCidr: "172.30.0.0/16", defaultNatNetwork: false },
            "fixedCidr",
            /remove one of them/,
        ],
        ["a flag that is not boolean", { defaultNatNetwork: "no" }, "defaultNatNetwork", /boolean/],
        [
            "allow lists that are not lists of names",
            { allowRemoveNetworks: "app" },
            "allowRemoveNetworks",
            /list of names/,
        ],
        ["a timeout out of range", { restartTimeoutSeconds: 5 }, "restartTimeoutSeconds", /10 to 3600/],
        [
            "a host without a PowerShell channel",
            { host: { name: "web-01", docker: { url: "tcp://web-01:2376" } } },
            "host.powershell",
            /is required: HostNatConfig edits daemon\.json/,
        ],
    ];
    for (const [label, changes, property, reason] of rejected) {
        it(`rejects ${label}`, () => {
            const { failures } = checkHostNatConfig({ host: HOST, ...changes });
            const matching = failures.items.filter((failure) => failure.property === property);
            expect(matching, JSON.stringify(failures.items)).to.have.length(1);
            expect(matching[0].reason).to.match(reason);
        });
    }

    it("warns about a public prefix", () => {
        const { failures, warnings } = checkHostNatConfig({ host: HOST, fixedCidr: "15.16.0.0/16" });
        expect(failures.items).to.deep.equal([]);
        expect(warnings.join()).to.match(/15\.16\.0\.0\/16 is not a private range/);
    });

    it("accepts unknown values during preview", () => {
        const { failures } = checkHostNatConfig({ host: HOST, fixedCidr: UNKNOWN_VALUE });
        expect(failures.items).to.deep.equal([]);
    });
});

describe("daemon.json edits", () => {
    it("sets a prefix and drops bridge none", () => {
        const current = currentDaemonValues({ bridge: "none", debug: true });
        const wanted = desiredDaemonValues({ fixedCidr: "172.30.0.0/16", defaultNatNetwork: true });
        expect(daemonEdits(current, wanted)).to.deep.equal({
            set: { "fixed-cidr": "172.30.0.0/16" },
            remove: ["bridge"],
        });
    });

    it("turns the default network off", () => {
        const current = currentDaemonValues({ "fixed-cidr": "172.30.0.0/16" });
        const wanted = desiredDaemonValues({ defaultNatNetwork: false });
        expect(daemonEdits(current, wanted)).to.deep.equal({
            set: { bridge: "none" },
            remove: ["fixed-cidr"],
        });
    });

    it("changes nothing when the file already matches", () => {
        const current = currentDaemonValues({ "fixed-cidr": "172.30.0.0/16", debug: true });
        const wanted = desiredDaemonValues({ fixedCidr: "172.30.0.0/16", defaultNatNetwork: true });
        expect(daemonEdits(current, wanted)).to.deep.equal({ set: {}, remove: [] });
    });
});

describe("planHostNat", () => {
    it("removes the default network when its prefix changes", () => {
        const plan = planHostNat(state(), { fixedCidr: "172.30.0.0/16", bridge: null });
        expect(plan.removals.map((removal) => removal.name)).to.deep.equal(["nat"]);
        expect(plan.noop).to.equal(false);
    });

    it("is a no-op when the file and the default network already match", () => {
        const plan = planHostNat(
            state({
                daemonSettings: { "fixed-cidr": "172.30.0.0/16" },
                networks: [network("nat", "172.30.0.0/16")],
            }),
            { fixedCidr: "172.30.0.0/16", bridge: null },
        );
        expect(plan.noop).to.equal(true);
    });

    it("removes the default network when it is turned off, and only that one", () => {
        const plan = planHostNat(
            state({ networks: [network("nat", "172.25.16.0/20"), network("app", "172.17.0.0/16")] }),
            {
                fixedCidr: null,
                bridge: "none",
            },
        );
        expect(plan.removals.map((removal) => removal.name)).to.deep.equal(["nat"]);
        expect(plan.set).to.deep.equal({ bridge: "none" });
    });

    it("removes NAT networks the new prefix overlaps", () => {
        const plan = planHostNat(
            state({
                networks: [
                    network("nat", "172.25.16.0/20"),
                    network("app", "172.30.5.0/24"),
                    network("web", "172.17.0.0/16"),
                ],
            }),
            {
                fixedCidr: "172.30.0.0/16",
                bridge: null,
            },
        );
        expect(plan.removals.map((removal) => removal.name)).to.deep.equal(["nat", "app"]);
    });

    it("removes every NAT network when the new prefix leaves the WinNAT prefix", () => {
        const plan = planHostNat(
            state({
                winNatGeneration: true,
                winNatPrefix: "172.16.0.0/12",
                networks: [network("nat", "172.25.16.0/20"), network("web", "172.17.0.0/16")],
            }),
            { fixedCidr: "192.168.200.0/24", bridge: null },
        );
        expect(plan.removals.map((removal) => removal.name)).to.deep.equal(["nat", "web"]);
        expect(plan.removals[1].reason).to.match(/outside the WinNAT prefix 172\.16\.0\.0\/12/);
    });

    it("keeps partitions when the new prefix stays inside the WinNAT prefix", () => {
        const plan = planHostNat(
            state({
                winNatGeneration: true,
                winNatPrefix: "172.16.0.0/12",
                networks: [network("nat", "172.25.16.0/20"), network("web", "172.17.0.0/16")],
            }),
            { fixedCidr: "172.20.0.0/16", bridge: null },
        );
        expect(plan.removals.map((removal) => removal.name)).to.deep.equal(["nat"]);
    });

    it("removes the default network to go back to the engine's prefix", () => {
        const plan = planHostNat(
            state({
                daemonSettings: { "fixed-cidr": "172.30.0.0/16" },
                networks: [network("nat", "172.30.0.0/16")],
            }),
            { fixedCidr: null, bridge: null },
        );
        expect(plan.remove).to.deep.equal(["fixed-cidr"]);
        expect(plan.removals.map((removal) => removal.name)).to.deep.equal(["nat"]);
    });
});

describe("checkRemovalsAllowed", () => {
    const attached = network("nat", "172.25.16.0/20", {
        endpoints: [{ containerId: "c".repeat(64), name: "web-1", ipv4Address: "172.25.16.5" }],
    });

    it("refuses a network and a container the user did not name", () => {
        const plan = planHostNat(state({ networks: [attached, network("app", "172.30.5.0/24")] }), {
            fixedCidr: "172.30.0.0/16",
            bridge: null,
        });
        const failures = new FailureList();
        checkRemovalsAllowed(
            plan,
            { allowRemoveNetworks: [], allowDetachContainers: [] },
            "web-01",
            failures,
        );
        const byProperty = Object.fromEntries(
            failures.items.map((failure) => [failure.property, failure.reason]),
        );
        expect(byProperty.allowRemoveNetworks).to.match(
            /remove network "app" \(172\.30\.5\.0\/24\) on host web-01/,
        );
        expect(byProperty.allowRemoveNetworks).to.match(/add "app" to allowRemoveNetworks/);
        expect(byProperty.allowDetachContainers).to.match(/detach "web-1" from network "nat"/);
    });

    it("allows what the user named, by container name or full id", () => {
        const plan = planHostNat(state({ networks: [attached, network("app", "172.30.5.0/24")] }), {
            fixedCidr: "172.30.0.0/16",
            bridge: null,
        });
        for (const container of ["web-1", "c".repeat(64)]) {
            const failures = new FailureList();
            checkRemovalsAllowed(
                plan,
                { allowRemoveNetworks: ["app"], allowDetachContainers: [container] },
                "web-01",
                failures,
            );
            expect(failures.items).to.deep.equal([]);
        }
    });
});

describe("checkPrefixAgainstHost", () => {
    it("names the adapter whose address the prefix covers", () => {
        const plan = planHostNat(state(), { fixedCidr: "192.168.50.0/24", bridge: null });
        const failures = new FailureList();
        checkPrefixAgainstHost(
            "192.168.50.0/24",
            plan,
            state().networks,
            [{ adapter: "Ethernet", address: "192.168.50.10", prefixLength: 24 }],
            "web-01",
            failures,
        );
        expect(failures.items.map((failure) => failure.property)).to.deep.equal(["fixedCidr"]);
        expect(failures.items[0].reason).to.match(/address 192\.168\.50\.10\/24 of adapter "Ethernet"/);
        expect(failures.items[0].reason).to.match(/stops Docker from starting/);
    });

    it("accepts a WinNAT partition inside the new prefix", () => {
        const networks = [network("nat", "172.25.16.0/20"), network("orders", "172.24.1.0/24")];
        const plan = { set: { "fixed-cidr": "172.24.0.0/16" }, remove: [], removals: [], noop: false };
        const onWinNat = new FailureList();
        checkPrefixAgainstHost("172.24.0.0/16", plan, networks, [], "web-01", onWinNat, true);
        expect(onWinNat.items).to.deep.equal([]);
        const onHns = new FailureList();
        checkPrefixAgainstHost("172.24.0.0/16", plan, networks, [], "web-01", onHns, false);
        expect(onHns.items.map((failure) => failure.reason).join()).to.match(/overlaps network "orders"/);
    });

    it("skips the networks when nothing changes", () => {
        const networks = [
            network("nat", "172.24.0.0/16"),
            network("lan", "172.24.9.0/24", { driver: "transparent" }),
        ];
        const plan = planHostNat(state({ daemonSettings: { "fixed-cidr": "172.24.0.0/16" }, networks }), {
            fixedCidr: "172.24.0.0/16",
            bridge: null,
        });
        expect(plan.noop).to.equal(true);
        const failures = new FailureList();
        checkPrefixAgainstHost("172.24.0.0/16", plan, networks, [], "web-01", failures);
        expect(failures.items).to.deep.equal([]);
    });

    it("rejects overlap with kept networks", () => {
        const networks = [
            network("nat", "172.25.16.0/20"),
            network("lan", "10.20.0.0/24", { driver: "transparent" }),
        ];
        const plan = planHostNat(state({ networks }), { fixedCidr: "10.20.0.0/16", bridge: null });
        const failures = new FailureList();
        checkPrefixAgainstHost("10.20.0.0/16", plan, networks, [], "web-01", failures);
        expect(failures.items.map((failure) => failure.reason).join()).to.match(
            /overlaps network "lan" \(10\.20\.0\.0\/24\)/,
        );
    });
});
