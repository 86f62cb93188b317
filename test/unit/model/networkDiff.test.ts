import { expect } from "chai";
import { diffContainerNetwork } from "../../../provider/model/networkDiff";
import { UNKNOWN_VALUE } from "../../../provider/model/unknown";

type State = Record<string, unknown>;

/** Returns an l2bridge network that sets every managed property, as check returns it. */
function baseState(): State {
    return {
        host: {
            name: "web-01",
            docker: {
                url: "tcp://web-01:2376",
                apiVersion: "1.40",
                timeoutMs: 60000,
                tls: {
                    caFile: "/etc/wcn/ca.pem",
                    certFile: "/etc/wcn/cert.pem",
                    keyFile: "/etc/wcn/key.pem",
                },
            },
        },
        name: "app-l2",
        driver: "l2bridge",
        subnet: "10.20.0.0/24",
        gateway: "10.20.0.1",
        windows: {
            adapterName: "Ethernet 3",
            vlanId: 20,
            dnsServers: ["10.20.0.10", "10.20.0.11"],
            dnsSuffix: "corp.example.com",
            outboundNat: true,
            outboundNatExceptions: ["10.0.0.0/8", "192.168.0.0/16"],
            macPools: [{ start: "00-15-5D-20-00-00", end: "00-15-5D-20-FF-FF" }],
            disableGatewayDns: true,
            hnsNetworkName: "app-l2",
        },
        driverOptions: { "com.docker.network.windowsshim.routingdomain": "rd1" },
        labels: { team: "payments" },
        adopt: false,
        disconnectContainersOnDelete: false,
        owner: "infra/prod/app-l2",
    };
}

/** Returns the base state with the property at `path` set to `value`, or removed when `value` is undefined. */
function changed(path: string[], value: unknown): State {
    const state = baseState();
    let target = state;
    for (const key of path.slice(0, -1)) {
        target = target[key] as State;
    }
    const last = path[path.length - 1];
    if (value === undefined) {
        delete target[last];
    } else {
        target[last] = value;
    }
    return state;
}

function sorted(values: string[]): string[] {
    return [...values].sort();
}

const REPLACE_CASES: [string, State, string][] = [
    ["name", changed(["name"], "app-l2b"), "name"],
    ["driver", changed(["driver"], "transparent"), "driver"],
    ["subnet", changed(["subnet"], "10.20.0.0/25"), "subnet"],
    ["gateway", changed(["gateway"], "10.20.0.254"), "gateway"],
    ["adapter", changed(["windows", "adapterName"], "Ethernet 4"), "windows.adapterName"],
    ["VLAN", changed(["windows", "vlanId"], 21), "windows.vlanId"],
    ["DNS servers", changed(["windows", "dnsServers"], ["10.20.0.10"]), "windows.dnsServers"],
    ["DNS suffix", changed(["windows", "dnsSuffix"], "lab.example.com"), "windows.dnsSuffix"],
    ["outbound NAT", changed(["windows", "outboundNat"], false), "windows.outboundNat"],
    [
        "outbound NAT exceptions",
        changed(["windows", "outboundNatExceptions"], ["10.0.0.0/8"]),
        "windows.outboundNatExceptions",
    ],
    [
        "MAC pools",
        changed(["windows", "macPools"], [{ start: "00-15-5D-30-00-00", end: "00-15-5D-30-FF-FF" }]),
        "windows.macPools",
    ],
    ["gateway DNS", changed(["windows", "disableGatewayDns"], false), "windows.disableGatewayDns"],
    ["HNS network name", changed(["windows", "hnsNetworkName"], "app-l2-hns"), "windows.hnsNetworkName"],
    [
        "driver option value",
        changed(["driverOptions", "com.docker.network.windowsshim.routingdomain"], "rd2"),
        'driverOptions["com.docker.network.windowsshim.routingdomain"]',
    ],
    [
        "driver option added",
        changed(["driverOptions", "com.docker.network.windowsshim.vsid"], "5000"),
        'driverOptions["com.docker.network.windowsshim.vsid"]',
    ],
    ["label value", changed(["labels", "team"], "billing"), 'labels["team"]'],
    ["label added", changed(["labels", "tier"], "web"), 'labels["tier"]'],
    ["label removed", changed(["labels", "team"], undefined), 'labels["team"]'],
    ["docker url", changed(["host", "docker", "url"], "tcp://web-02:2376"), "host.docker.url"],
];

const UPDATE_CASES: [string, State, string][] = [
    ["host name", changed(["host", "name"], "web-01.corp"), "host.name"],
    ["API version", changed(["host", "docker", "apiVersion"], "1.41"), "host.docker.apiVersion"],
    ["time limit", changed(["host", "docker", "timeoutMs"], 30000), "host.docker.timeoutMs"],
    ["TLS files", changed(["host", "docker", "tls", "caFile"], "/etc/wcn/ca2.pem"), "host.docker.tls"],
    ["TLS verification", changed(["host", "docker", "tls", "insecureSkipVerify"], true), "host.docker.tls"],
    [
        "ssh settings",
        changed(["host", "docker", "ssh"], { keyFile: "/home/ci/.ssh/id_ed25519" }),
        "host.docker.ssh",
    ],
    ["adopt", changed(["adopt"], true), "adopt"],
    ["disconnect on delete", changed(["disconnectContainersOnDelete"], true), "disconnectContainersOnDelete"],
];

const NO_CHANGE_CASES: [string, State][] = [
    ["provider text", { ...baseState(), __provider: "exports.handler = function () {}" }],
    [
        "network id",
        { ...baseState(), networkId: "613343e5debb00c5b509cde6c9cdf814aa35f679e249a5f27db19f1874024887" },
    ],
    ["owner", changed(["owner"], "infra/staging/app-l2")],
    ["HNS id", { ...baseState(), hnsId: "a546a47a-7368-444a-90ec-4599c874db0b" }],
    [
        "engine outputs",
        {
            ...baseState(),
            effectiveSubnet: "10.20.0.0/24",
            effectiveGateway: "10.20.0.1",
            engineOsType: "windows",
            engineOperatingSystem: "Windows Server 2022 Datacenter",
            engineVersion: "24.0.7",
            adopted: true,
        },
    ],
    ["subnet with spaces", changed(["subnet"], " 10.20.0.0/24 ")],
    ["gateway with spaces", changed(["gateway"], " 10.20.0.1")],
    ["adapter name case", changed(["windows", "adapterName"], "ETHERNET 3")],
    ["DNS suffix case", changed(["windows", "dnsSuffix"], "Corp.Example.COM")],
    [
        "MAC pool case",
        changed(["windows", "macPools"], [{ start: "00-15-5d-20-00-00", end: "00-15-5d-20-ff-ff" }]),
    ],
    [
        "outbound NAT exception order",
        changed(["windows", "outboundNatExceptions"], ["192.168.0.0/16", "10.0.0.0/8"]),
    ],
    [
        "TLS key order",
        changed(["host", "docker", "tls"], {
            keyFile: "/etc/wcn/key.pem",
            certFile: "/etc/wcn/cert.pem",
            caFile: "/etc/wcn/ca.pem",
        }),
    ],
];

describe("diffContainerNetwork", () => {
    it("finds no change in identical states", () => {
        const diff = diffContainerNetwork(baseState(), baseState());
        expect(diff).to.deep.equal({ replaces: [], updates: [] });
    });

    describe("ignores what the user does not manage", () => {
        for (const [name, other] of NO_CHANGE_CASES) {
            it(name, () => {
                expect(diffContainerNetwork(baseState(), other)).to.deep.equal({ replaces: [], updates: [] });
            });
        }
    });

    describe("replaces on a managed setting", () => {
        for (const [name, news, property] of REPLACE_CASES) {
            it(name, () => {
                const diff = diffContainerNetwork(baseState(), news);
                expect(diff.replaces).to.deep.equal([property]);
                expect(diff.updates).to.deep.equal([]);
            });
        }
    });

    describe("updates in place on a connection setting or flag", () => {
        for (const [name, news, property] of UPDATE_CASES) {
            it(name, () => {
                const diff = diffContainerNetwork(baseState(), news);
                expect(diff.updates).to.deep.equal([property]);
                expect(diff.replaces).to.deep.equal([]);
            });
        }
    });

    describe("is symmetric", () => {
        for (const [name, other] of [...REPLACE_CASES, ...UPDATE_CASES]) {
            it(name, () => {
                const forward = diffContainerNetwork(baseState(), other);
                const backward = diffContainerNetwork(other, baseState());
                expect(sorted(backward.replaces)).to.deep.equal(sorted(forward.replaces));
                expect(sorted(backward.updates)).to.deep.equal(sorted(forward.updates));
            });
        }
    });

    describe("counts unknown news as changed", () => {
        const CASES: [string, State, string, "replaces" | "updates"][] = [
            ["unknown name", changed(["name"], UNKNOWN_VALUE), "name", "replaces"],
            ["unknown subnet", changed(["subnet"], UNKNOWN_VALUE), "subnet", "replaces"],
            ["unknown gateway", changed(["gateway"], UNKNOWN_VALUE), "gateway", "replaces"],
            ["unknown VLAN", changed(["windows", "vlanId"], UNKNOWN_VALUE), "windows", "replaces"],
            ["unknown windows block", changed(["windows"], UNKNOWN_VALUE), "windows", "replaces"],
            ["unknown label value", changed(["labels", "team"], UNKNOWN_VALUE), "labels", "replaces"],
            [
                "unknown driver options",
                changed(["driverOptions"], UNKNOWN_VALUE),
                "driverOptions",
                "replaces",
            ],
            [
                "unknown docker url",
                changed(["host", "docker", "url"], UNKNOWN_VALUE),
                "host.docker.url",
                "replaces",
            ],
            ["unknown host name", changed(["host", "name"], UNKNOWN_VALUE), "host.name", "updates"],
            ["unknown adopt", changed(["adopt"], UNKNOWN_VALUE), "adopt", "updates"],
        ];
        for (const [name, news, property, list] of CASES) {
            it(name, () => {
                expect(diffContainerNetwork(baseState(), news)[list]).to.include(property);
            });
        }

        it("counts an unknown that was unknown before too", () => {
            const state = changed(["subnet"], UNKNOWN_VALUE);
            expect(diffContainerNetwork(state, state).replaces).to.deep.equal(["subnet"]);
        });
    });

    describe("treats absent booleans as false", () => {
        const CASES: [string, string[]][] = [
            ["adopt", ["adopt"]],
            ["disconnectContainersOnDelete", ["disconnectContainersOnDelete"]],
            ["windows.outboundNat", ["windows", "outboundNat"]],
            ["windows.disableGatewayDns", ["windows", "disableGatewayDns"]],
        ];
        for (const [name, path] of CASES) {
            it(name, () => {
                const falseState = changed(path, false);
                const absentState = changed(path, undefined);
                expect(diffContainerNetwork(falseState, absentState)).to.deep.equal({
                    replaces: [],
                    updates: [],
                });
            });
        }

        it("absent driver is nat", () => {
            const explicit = { ...changed(["driver"], "nat"), windows: undefined };
            const implicit = { ...changed(["driver"], undefined), windows: undefined };
            expect(diffContainerNetwork(explicit, implicit)).to.deep.equal({ replaces: [], updates: [] });
        });

        it("absent windows block equals empty one", () => {
            expect(
                diffContainerNetwork(changed(["windows"], {}), changed(["windows"], undefined)),
            ).to.deep.equal({
                replaces: [],
                updates: [],
            });
        });

        it("absent labels equal empty labels", () => {
            expect(
                diffContainerNetwork(changed(["labels"], {}), changed(["labels"], undefined)),
            ).to.deep.equal({
                replaces: [],
                updates: [],
            });
        });
    });

    it("DNS server order matters", () => {
        const news = changed(["windows", "dnsServers"], ["10.20.0.11", "10.20.0.10"]);
        expect(diffContainerNetwork(baseState(), news).replaces).to.deep.equal(["windows.dnsServers"]);
    });

    it("reports each changed property once", () => {
        const news = { ...changed(["name"], "other"), subnet: "10.30.0.0/24", gateway: "10.30.0.1" };
        expect(sorted(diffContainerNetwork(baseState(), news).replaces)).to.deep.equal([
            "gateway",
            "name",
            "subnet",
        ]);
    });
});
