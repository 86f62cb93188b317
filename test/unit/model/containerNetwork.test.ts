import { expect } from "chai";
import { checkContainerNetwork } from "../../../provider/model/containerNetwork";
import type { InputFailure } from "../../../provider/model/failures";
import { UNKNOWN_VALUE } from "../../../provider/model/unknown";
import { containerNetworkProvider } from "../../../provider/resources/containerNetworkProvider";

const TLS_HOST = {
    name: "web-01",
    docker: {
        url: "tcp://web-01:2376",
        tls: { caFile: "/etc/wcn/ca.pem", certFile: "/etc/wcn/cert.pem", keyFile: "/etc/wcn/key.pem" },
    },
};

const MAC_START = "00-15-5D-20-00-00";
const MAC_END = "00-15-5D-20-FF-FF";

/** Returns a valid nat network with the given changes applied. */
function nat(changes: Record<string, unknown> = {}): Record<string, unknown> {
    return { host: TLS_HOST, name: "app-nat", ...changes };
}

/** Returns a valid static transparent network with the given changes applied. */
function transparent(changes: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        host: TLS_HOST,
        name: "app-lan",
        driver: "transparent",
        subnet: "192.168.127.0/24",
        gateway: "192.168.127.1",
        windows: { adapterName: "Ethernet 2" },
        ...changes,
    };
}

/** Returns a valid l2bridge network with the given changes applied. */
function l2bridge(changes: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        host: TLS_HOST,
        name: "app-l2",
        driver: "l2bridge",
        subnet: "10.20.0.0/24",
        gateway: "10.20.0.1",
        windows: { adapterName: "Ethernet 3" },
        ...changes,
    };
}

function withHost(docker: Record<string, unknown>, name = "web-01"): Record<string, unknown> {
    return nat({ host: { name, docker } });
}

function failuresOf(raw: Record<string, unknown>): InputFailure[] {
    return checkContainerNetwork(raw).failures.items;
}

function describeFailures(failures: InputFailure[]): string {
    return failures.length === 0
        ? "no failures"
        : failures.map((f) => `${f.property}: ${f.reason}`).join("\n");
}

interface BadCase {
    name: string;
    input: Record<string, unknown>;
    property: string;
    /** Parts of the message users rely on: the offending value and the fix. */
    reason: RegExp[];
}

const BAD_CASES: BadCase[] = [
    {
        name: "malformed subnet",
        input: nat({ subnet: "172.20.0/16" }),
        property: "subnet",
        reason: [/"172\.20\.0\/16"/, /not an IPv4 CIDR/, /address\/length/],
    },
    {
        name: "subnet with host bits offers the network address",
        input: nat({ subnet: "172.22.16.0/16" }),
        property: "subnet",
        reason: [/"172\.22\.16\.0\/16"/, /host bits/, /"172\.22\.0\.0\/16"/],
    },
    {
        name: "subnet too small for containers",
        input: nat({ subnet: "172.20.0.0/31" }),
        property: "subnet",
        reason: [/"172\.20\.0\.0\/31"/, /30 or less/],
    },
    {
        name: "unspecified subnet 0.0.0.0/0",
        input: nat({ subnet: "0.0.0.0/0" }),
        property: "subnet",
        reason: [/"0\.0\.0\.0\/0"/, /more than a \/8/, /omit it/],
    },
    {
        name: "subnet that is not a string",
        input: nat({ subnet: 172 }),
        property: "subnet",
        reason: [/172 is not a CIDR string/],
    },
    {
        name: "IPv6 subnet",
        input: nat({ subnet: "fd00:1::/64" }),
        property: "subnet",
        reason: [/"fd00:1::\/64"/, /IPv6/, /use an IPv4 CIDR/],
    },
    {
        name: "IPv6 gateway",
        input: nat({ subnet: "172.20.0.0/16", gateway: "fd00:1::1" }),
        property: "gateway",
        reason: [/"fd00:1::1"/, /IPv6/, /use an IPv4 address/],
    },
    {
        name: "gateway that is not an address",
        input: nat({ subnet: "172.20.0.0/16", gateway: "router" }),
        property: "gateway",
        reason: [/"router"/, /not an IPv4 address/],
    },
    {
        name: "gateway outside the subnet",
        input: nat({ subnet: "172.20.0.0/16", gateway: "172.21.0.1" }),
        property: "gateway",
        reason: [/172\.21\.0\.1/, /outside the subnet 172\.20\.0\.0\/16/, /inside it/],
    },
    {
        name: "gateway on the network address",
        input: nat({ subnet: "172.20.0.0/16", gateway: "172.20.0.0" }),
        property: "gateway",
        reason: [/172\.20\.0\.0 is the network or broadcast address/, /host address/],
    },
    {
        name: "gateway on the broadcast address",
        input: nat({ subnet: "172.20.0.0/16", gateway: "172.20.255.255" }),
        property: "gateway",
        reason: [/172\.20\.255\.255 is the network or broadcast address/, /host address/],
    },
    {
        name: "gateway without subnet",
        input: nat({ gateway: "172.20.0.1" }),
        property: "gateway",
        reason: [/needs a subnet/, /set subnet as well/],
    },
    {
        name: "internal network",
        input: nat({ internal: true }),
        property: "internal",
        reason: [/not supported by Windows/, /remove it/],
    },
    {
        name: "IP range",
        input: nat({ subnet: "172.16.0.0/12", ipRange: "172.30.0.0/24" }),
        property: "ipRange",
        reason: [/Windows does not support IP ranges/, /remove it/],
    },
    {
        name: "auxiliary addresses",
        input: nat({ subnet: "172.20.0.0/16", auxAddresses: { router: "172.20.0.2" } }),
        property: "auxAddresses",
        reason: [/Windows does not support auxiliary addresses/, /remove them/],
    },
    {
        name: "IPv6 switch",
        input: nat({ enableIpv6: true }),
        property: "enableIpv6",
        reason: [/IPv4 only/, /remove it/],
    },
    {
        name: "IPAM driver",
        input: nat({ ipamDriver: "dhcp" }),
        property: "ipamDriver",
        reason: [/built-in IPAM/, /remove it/],
    },
    {
        name: "IPAM options",
        input: nat({ ipamOptions: { foo: "bar" } }),
        property: "ipamOptions",
        reason: [/no IPAM options/, /remove them/],
    },
    {
        name: "adapter on a nat network",
        input: nat({ windows: { adapterName: "Ethernet 2" } }),
        property: "windows.adapterName",
        reason: [
            /"Ethernet 2"/,
            /cannot be set on a nat network/,
            /Remove it, or use the transparent or l2bridge driver/,
        ],
    },
    {
        name: "VLAN on a nat network",
        input: nat({ windows: { vlanId: 20 } }),
        property: "windows.vlanId",
        reason: [/cannot be set on a nat network/, /Remove it, or use the transparent or l2bridge driver/],
    },
    {
        name: "l2bridge without subnet",
        input: l2bridge({ subnet: undefined, gateway: undefined }),
        property: "subnet",
        reason: [/required for l2bridge/, /physical network's subnet/],
    },
    {
        name: "l2bridge without gateway",
        input: l2bridge({ subnet: undefined, gateway: undefined }),
        property: "gateway",
        reason: [/required for l2bridge/, /physical network's gateway/],
    },
    {
        name: "l2bridge without adapter",
        input: l2bridge({ windows: undefined }),
        property: "windows.adapterName",
        reason: [/required for the l2bridge driver/, /Get-NetAdapter -Physical/],
    },
    {
        name: "transparent without windows options",
        input: transparent({ windows: undefined }),
        property: "windows.adapterName",
        reason: [/required for the transparent driver/, /Get-NetAdapter -Physical/],
    },
    {
        name: "transparent with empty windows options",
        input: transparent({ windows: {} }),
        property: "windows.adapterName",
        reason: [/required for the transparent driver/, /"Ethernet 2"/],
    },
    {
        name: "transparent subnet without gateway",
        input: transparent({ gateway: undefined }),
        property: "gateway",
        reason: [/required when a transparent network has a subnet/, /drop both for DHCP/],
    },
    {
        name: "empty adapter name",
        input: transparent({ windows: { adapterName: "  " } }),
        property: "windows.adapterName",
        reason: [/is empty/, /physical adapter name/],
    },
    {
        name: "host vNIC as adapter",
        input: transparent({ windows: { adapterName: "vEthernet (prodSwitch)" } }),
        property: "windows.adapterName",
        reason: [
            /"vEthernet \(prodSwitch\)"/,
            /Hyper-V host vNIC/,
            /0x57/,
            /physical adapter behind the switch/,
        ],
    },
    {
        name: "VLAN 0",
        input: transparent({ windows: { adapterName: "Ethernet 2", vlanId: 0 } }),
        property: "windows.vlanId",
        reason: [/^0 is not a VLAN id/, /1 to 4094/],
    },
    {
        name: "VLAN 4095",
        input: transparent({ windows: { adapterName: "Ethernet 2", vlanId: 4095 } }),
        property: "windows.vlanId",
        reason: [/^4095 is not a VLAN id/, /1 to 4094/],
    },
    {
        name: "fractional VLAN",
        input: transparent({ windows: { adapterName: "Ethernet 2", vlanId: 1.5 } }),
        property: "windows.vlanId",
        reason: [/^1\.5 is not a VLAN id/, /whole number from 1 to 4094/],
    },
    {
        name: "VLAN given as text",
        input: transparent({ windows: { adapterName: "Ethernet 2", vlanId: "20" } }),
        property: "windows.vlanId",
        reason: [/^"20" is not a VLAN id/],
    },
    {
        name: "DNS server name instead of address",
        input: transparent({ windows: { adapterName: "Ethernet 2", dnsServers: ["10.0.0.53", "dns.corp"] } }),
        property: "windows.dnsServers[1]",
        reason: [/"dns\.corp"/, /not an IPv4 address/, /for example "10\.0\.0\.53"/],
    },
    {
        name: "IPv6 DNS server",
        input: transparent({ windows: { adapterName: "Ethernet 2", dnsServers: ["fd00::53"] } }),
        property: "windows.dnsServers[0]",
        reason: [/"fd00::53"/, /IPv4/],
    },
    {
        name: "DNS servers as one string",
        input: transparent({ windows: { adapterName: "Ethernet 2", dnsServers: "10.0.0.53" } }),
        property: "windows.dnsServers",
        reason: [/"10\.0\.0\.53" is not a list/, /array/],
    },
    {
        name: "DNS suffix with a leading hyphen",
        input: transparent({ windows: { adapterName: "Ethernet 2", dnsSuffix: "-corp.example.com" } }),
        property: "windows.dnsSuffix",
        reason: [/"-corp\.example\.com"/, /not a DNS domain name/, /corp\.example\.com/],
    },
    {
        name: "DNS suffix with an empty label",
        input: transparent({ windows: { adapterName: "Ethernet 2", dnsSuffix: "corp..example.com" } }),
        property: "windows.dnsSuffix",
        reason: [/"corp\.\.example\.com"/, /not a DNS domain name/],
    },
    {
        name: "outbound NAT on a nat network",
        input: nat({ windows: { outboundNat: true } }),
        property: "windows.outboundNat",
        reason: [/cannot be set on a nat network/, /l2bridge and overlay/, /Remove it/],
    },
    {
        name: "outbound NAT given as text",
        input: l2bridge({ windows: { adapterName: "Ethernet 3", outboundNat: "true" } }),
        property: "windows.outboundNat",
        reason: [/"true" is not a boolean/, /use true or false/],
    },
    {
        name: "NAT exceptions without outbound NAT",
        input: l2bridge({ windows: { adapterName: "Ethernet 3", outboundNatExceptions: ["10.0.0.0/8"] } }),
        property: "windows.outboundNatExceptions",
        reason: [/needs windows\.outboundNat set to true/, /remove the exceptions/],
    },
    {
        name: "NAT exception with host bits",
        input: l2bridge({
            windows: { adapterName: "Ethernet 3", outboundNat: true, outboundNatExceptions: ["10.0.0.1/8"] },
        }),
        property: "windows.outboundNatExceptions[0]",
        reason: [/"10\.0\.0\.1\/8"/, /canonical CIDR/],
    },
    {
        name: "MAC pool with colons",
        input: transparent({
            windows: { adapterName: "Ethernet 2", macPools: [{ start: "00:15:5D:20:00:00", end: MAC_END }] },
        }),
        property: "windows.macPools[0].start",
        reason: [/"00:15:5D:20:00:00"/, /dashed form/, /00-15-5D-20-00-00/],
    },
    {
        name: "MAC pool without end",
        input: transparent({ windows: { adapterName: "Ethernet 2", macPools: [{ start: MAC_START }] } }),
        property: "windows.macPools[0].end",
        reason: [/undefined is not a MAC address/],
    },
    {
        name: "reversed MAC pool",
        input: transparent({
            windows: { adapterName: "Ethernet 2", macPools: [{ start: MAC_END, end: MAC_START }] },
        }),
        property: "windows.macPools[0]",
        reason: [/starts at 00-15-5D-20-FF-FF, after its end 00-15-5D-20-00-00/, /swap them/],
    },
    {
        name: "empty HNS network name",
        input: nat({ windows: { hnsNetworkName: " " } }),
        property: "windows.hnsNetworkName",
        reason: [/is empty/, /remove it/],
    },
    {
        name: "windows options that are not an object",
        input: nat({ windows: "Ethernet 2" }),
        property: "windows",
        reason: [/"Ethernet 2" is not an object/, /adapterName/],
    },
    {
        name: "upper-case driver gets a hint",
        input: nat({ driver: "NAT" }),
        property: "driver",
        reason: [/"NAT" is not a driver name/, /lower case/, /use "nat"/],
    },
    {
        name: "driver that is not a string",
        input: nat({ driver: 7 }),
        property: "driver",
        reason: [/^7 is not a driver name/],
    },
    {
        name: "predefined name nat",
        input: nat({ name: "nat" }),
        property: "name",
        reason: [/"nat"/, /predefined network/, /choose another name/],
    },
    {
        name: "predefined name none",
        input: nat({ name: "none" }),
        property: "name",
        reason: [/"none"/, /predefined network/, /choose another name/],
    },
    {
        name: "predefined name in upper case",
        input: nat({ name: "NAT" }),
        property: "name",
        reason: [/"NAT"/, /predefined network/],
    },
    {
        name: "name with a space",
        input: nat({ name: "app net" }),
        property: "name",
        reason: [/"app net" is not a usable network name/, /letters, digits/],
    },
    {
        name: "name with a slash",
        input: nat({ name: "app/net" }),
        property: "name",
        reason: [/"app\/net" is not a usable network name/, /letters, digits/],
    },
    {
        name: "missing name",
        input: nat({ name: undefined }),
        property: "name",
        reason: [/is required/, /app-nat/],
    },
    {
        name: "label with the reserved prefix",
        input: nat({ labels: { "io.pulumi-wcn.owner": "someone" } }),
        property: 'labels["io.pulumi-wcn.owner"]',
        reason: [/io\.pulumi-wcn\./, /reserves/, /rename it/],
    },
    {
        name: "label value that is not a string",
        input: nat({ labels: { team: 5 } }),
        property: 'labels["team"]',
        reason: [/^5 is not a string/, /string values only/],
    },
    {
        name: "labels that are not a map",
        input: nat({ labels: ["team=payments"] }),
        property: "labels",
        reason: [/map of strings/],
    },
    {
        name: "driver option value that is not a string",
        input: nat({ driverOptions: { "com.docker.network.windowsshim.vlanid": 20 } }),
        property: 'driverOptions["com.docker.network.windowsshim.vlanid"]',
        reason: [/^20 is not a string/],
    },
    {
        name: "driver option setting hnsid",
        input: nat({
            driverOptions: { "com.docker.network.windowsshim.hnsid": "A546A47A-7368-444A-90EC-4599C874DB0B" },
        }),
        property: 'driverOptions["com.docker.network.windowsshim.hnsid"]',
        reason: [/written by the engine/, /remove it/],
    },
    {
        name: "driver option that a typed option also sets",
        input: transparent({
            windows: { adapterName: "Ethernet 2", vlanId: 20 },
            driverOptions: { "com.docker.network.windowsshim.vlanid": "20" },
        }),
        property: 'driverOptions["com.docker.network.windowsshim.vlanid"]',
        reason: [/covered by the typed option windows\.vlanId/, /set windows\.vlanId instead/],
    },
    {
        name: "raw interface option bypassing the adapter checks",
        input: nat({ driverOptions: { "com.docker.network.windowsshim.interface": "vEthernet (x)" } }),
        property: 'driverOptions["com.docker.network.windowsshim.interface"]',
        reason: [/windows\.adapterName/],
    },
    {
        name: "adopt that is not a boolean",
        input: nat({ adopt: "yes" }),
        property: "adopt",
        reason: [/"yes" is not a boolean/, /true or false/],
    },
    {
        name: "missing host",
        input: nat({ host: undefined }),
        property: "host",
        reason: [/is required/, /docker: \{ url \}/],
    },
    {
        name: "host without name",
        input: withHost({ url: "unix:///var/run/docker.sock" }, ""),
        property: "host.name",
        reason: [/is required/, /web-01/],
    },
    {
        name: "host without docker endpoint",
        input: nat({ host: { name: "web-01" } }),
        property: "host.docker",
        reason: [/is required/, /tcp:\/\/web-01:2376/],
    },
    {
        name: "docker url with an http scheme",
        input: withHost({ url: "http://web-01:2375" }),
        property: "host.docker.url",
        reason: [/"http:\/\/web-01:2375" is not a Docker endpoint/, /tcp:\/\/HOST:2376/, /npipe:/],
    },
    {
        name: "tcp without client certificate and key",
        input: withHost({ url: "tcp://web-01:2376", tls: { caFile: "/etc/wcn/ca.pem" } }),
        property: "host.docker.tls",
        reason: [/client certificate and key/, /certFile or certConfigKey/, /tls\.disabled/],
    },
    {
        name: "tcp without key",
        input: withHost({
            url: "tcp://web-01:2376",
            tls: { caFile: "/etc/wcn/ca.pem", certFile: "/etc/wcn/cert.pem" },
        }),
        property: "host.docker.tls",
        reason: [/client certificate and key/, /keyFile or keyConfigKey/],
    },
    {
        name: "tcp without CA",
        input: withHost({
            url: "tcp://web-01:2376",
            tls: { certFile: "/etc/wcn/cert.pem", keyFile: "/etc/wcn/key.pem" },
        }),
        property: "host.docker.tls",
        reason: [/needs the CA/, /caFile or caConfigKey/],
    },
    {
        name: "API version that is not one",
        input: withHost({ ...TLS_HOST.docker, apiVersion: "latest" }),
        property: "host.docker.apiVersion",
        reason: [/"latest" is not a Docker API version/, /"1\.40"/],
    },
    {
        name: "time limit of zero",
        input: withHost({ ...TLS_HOST.docker, timeoutMs: 0 }),
        property: "host.docker.timeoutMs",
        reason: [/^0 is not a positive whole number of milliseconds/],
    },
    {
        name: "ssh without key",
        input: withHost({ url: "ssh://admin@web-01" }),
        property: "host.docker.ssh",
        reason: [/required for ssh:\/\/ endpoints/, /ssh\.keyFile or ssh\.keyConfigKey/],
    },
];

describe("checkContainerNetwork", () => {
    describe("valid base inputs", () => {
        for (const [name, input] of [
            ["nat base", nat()],
            ["transparent base", transparent()],
            ["l2bridge base", l2bridge()],
        ] as const) {
            it(`${name} has no failures`, () => {
                const failures = failuresOf(input);
                expect(failures, describeFailures(failures)).to.deep.equal([]);
            });
        }
    });

    describe("rejects bad inputs", () => {
        for (const bad of BAD_CASES) {
            it(bad.name, () => {
                const failures = failuresOf(bad.input);
                const reasons = failures
                    .filter((failure) => failure.property === bad.property)
                    .map((failure) => failure.reason);
                expect(
                    reasons,
                    `failure on ${bad.property} among:\n${describeFailures(failures)}`,
                ).to.not.deep.equal([]);
                for (const pattern of bad.reason) {
                    expect(
                        reasons.some((reason) => pattern.test(reason)),
                        `${pattern} in a reason on ${bad.property}:\n${reasons.join("\n")}`,
                    ).to.equal(true);
                }
            });
        }
    });

    it("reports every failure at once", () => {
        const failures = failuresOf({
            host: { name: "web-01", docker: { url: "http://web-01" } },
            name: "app net",
            driver: "nat",
            subnet: "172.22.16.0/16",
            internal: true,
            ipRange: "172.22.1.0/24",
            windows: { adapterName: "Ethernet 2", vlanId: 4095, dnsServers: ["dns.corp"] },
            labels: { "io.pulumi-wcn.managed-by": "me" },
            driverOptions: { "com.docker.network.windowsshim.hnsid": "x" },
        });
        const properties = failures.map((failure) => failure.property);
        for (const expected of [
            "host.docker.url",
            "name",
            "subnet",
            "internal",
            "ipRange",
            "windows.adapterName",
            "windows.vlanId",
            "windows.dnsServers[0]",
            'labels["io.pulumi-wcn.managed-by"]',
            'driverOptions["com.docker.network.windowsshim.hnsid"]',
        ]) {
            expect(properties, `${expected} among the failures`).to.include(expected);
        }
    });

    describe("accepts good inputs", () => {
        const GOOD: [string, Record<string, unknown>][] = [
            ["nat without subnet", nat()],
            ["nat with subnet only", nat({ subnet: "172.20.0.0/16" })],
            ["nat with subnet and gateway", nat({ subnet: "172.20.0.0/16", gateway: "172.20.0.1" })],
            [
                "nat with DNS and HNS name",
                nat({
                    windows: {
                        dnsServers: ["10.0.0.53"],
                        dnsSuffix: "corp.example.com",
                        hnsNetworkName: "app",
                    },
                }),
            ],
            ["transparent with adapter on DHCP", transparent({ subnet: undefined, gateway: undefined })],
            ["transparent with static addressing", transparent()],
            [
                "transparent with VLAN and MAC pool",
                transparent({
                    windows: {
                        adapterName: "Ethernet 2",
                        vlanId: 4094,
                        macPools: [{ start: MAC_START, end: MAC_END }],
                    },
                }),
            ],
            ["l2bridge with subnet, gateway and adapter", l2bridge()],
            [
                "l2bridge with outbound NAT exceptions",
                l2bridge({
                    windows: {
                        adapterName: "Ethernet 3",
                        outboundNat: true,
                        outboundNatExceptions: ["10.0.0.0/8", "192.168.1.10"],
                    },
                }),
            ],
            [
                "Linux bridge driver",
                nat({
                    driver: "bridge",
                    host: { name: "ci", docker: { url: "unix:///var/run/docker.sock" } },
                }),
            ],
            [
                "raw driver options and labels",
                nat({
                    driverOptions: { "com.docker.network.windowsshim.routingdomain": "rd1" },
                    labels: { team: "payments" },
                }),
            ],
            [
                "tcp with insecureSkipVerify and no CA",
                withHost({
                    url: "tcp://web-01:2376",
                    tls: { certFile: "/c.pem", keyFile: "/k.pem", insecureSkipVerify: true },
                }),
            ],
            [
                "tcp with TLS from config keys",
                withHost({
                    url: "tcp://web-01:2376",
                    tls: { caConfigKey: "ca", certConfigKey: "cert", keyConfigKey: "key" },
                }),
            ],
            ["tcp with TLS disabled", withHost({ url: "tcp://lab-01:2375", tls: { disabled: true } })],
            [
                "ssh with key file",
                withHost({ url: "ssh://admin@web-01", ssh: { keyFile: "/home/ci/.ssh/id_ed25519" } }),
            ],
            ["npipe endpoint", withHost({ url: "npipe:////./pipe/docker_engine" })],
            ["simulated endpoint", withHost({ url: "sim:///tmp/host.json" })],
            ["API version with v prefix", withHost({ ...TLS_HOST.docker, apiVersion: "v1.41" })],
        ];
        for (const [name, input] of GOOD) {
            it(name, () => {
                const failures = failuresOf(input);
                expect(failures, describeFailures(failures)).to.deep.equal([]);
            });
        }
    });

    describe("defaults", () => {
        it("fills driver nat", () => {
            expect(checkContainerNetwork(nat()).inputs.driver).to.equal("nat");
        });

        it("fills adopt false", () => {
            expect(checkContainerNetwork(nat()).inputs.adopt).to.equal(false);
        });

        it("fills disconnectContainersOnDelete false", () => {
            expect(checkContainerNetwork(nat()).inputs.disconnectContainersOnDelete).to.equal(false);
        });

        it("keeps values that are set", () => {
            const { inputs } = checkContainerNetwork(
                transparent({ adopt: true, disconnectContainersOnDelete: true }),
            );
            expect(inputs.driver).to.equal("transparent");
            expect(inputs.adopt).to.equal(true);
            expect(inputs.disconnectContainersOnDelete).to.equal(true);
        });

        it("does not change the raw inputs", () => {
            const raw = nat();
            checkContainerNetwork(raw);
            expect(raw).to.not.have.property("driver");
        });
    });

    describe("accepts unknown values during preview", () => {
        const UNKNOWN_CASES: [string, Record<string, unknown>][] = [
            ["unknown name", nat({ name: UNKNOWN_VALUE })],
            ["unknown driver", nat({ driver: UNKNOWN_VALUE, windows: { adapterName: "Ethernet 2" } })],
            ["unknown subnet with gateway", nat({ subnet: UNKNOWN_VALUE, gateway: "172.20.0.1" })],
            ["unknown gateway", nat({ subnet: "172.20.0.0/16", gateway: UNKNOWN_VALUE })],
            ["unknown l2bridge addressing", l2bridge({ subnet: UNKNOWN_VALUE, gateway: UNKNOWN_VALUE })],
            ["unknown windows block", transparent({ windows: UNKNOWN_VALUE })],
            ["unknown adapter", transparent({ windows: { adapterName: UNKNOWN_VALUE } })],
            ["unknown VLAN", transparent({ windows: { adapterName: "Ethernet 2", vlanId: UNKNOWN_VALUE } })],
            [
                "unknown DNS servers",
                transparent({ windows: { adapterName: "Ethernet 2", dnsServers: UNKNOWN_VALUE } }),
            ],
            [
                "unknown DNS server entry",
                transparent({
                    windows: { adapterName: "Ethernet 2", dnsServers: ["10.0.0.53", UNKNOWN_VALUE] },
                }),
            ],
            [
                "unknown MAC pools",
                transparent({ windows: { adapterName: "Ethernet 2", macPools: UNKNOWN_VALUE } }),
            ],
            ["unknown label value", nat({ labels: { team: UNKNOWN_VALUE } })],
            ["unknown labels", nat({ labels: UNKNOWN_VALUE })],
            [
                "unknown driver option value",
                nat({ driverOptions: { "com.docker.network.windowsshim.routingdomain": UNKNOWN_VALUE } }),
            ],
            ["unknown host", nat({ host: UNKNOWN_VALUE })],
            ["unknown docker url", withHost({ url: UNKNOWN_VALUE })],
            ["unknown TLS file", withHost({ url: "tcp://web-01:2376", tls: { caFile: UNKNOWN_VALUE } })],
            ["unknown adopt", nat({ adopt: UNKNOWN_VALUE })],
            ["unknown disconnectContainersOnDelete", nat({ disconnectContainersOnDelete: UNKNOWN_VALUE })],
            ["unknown internal", nat({ internal: UNKNOWN_VALUE })],
            ["unknown IP range", nat({ ipRange: UNKNOWN_VALUE })],
        ];
        for (const [name, input] of UNKNOWN_CASES) {
            it(name, () => {
                const failures = failuresOf(input);
                expect(failures, describeFailures(failures)).to.deep.equal([]);
            });
        }

        it("keeps the unknown value in the checked inputs", () => {
            expect(checkContainerNetwork(nat({ subnet: UNKNOWN_VALUE })).inputs.subnet).to.equal(
                UNKNOWN_VALUE,
            );
        });

        it("still checks known label keys", () => {
            const failures = failuresOf(nat({ labels: { "io.pulumi-wcn.owner": UNKNOWN_VALUE } }));
            expect(failures.map((failure) => failure.property)).to.deep.equal([
                'labels["io.pulumi-wcn.owner"]',
            ]);
        });

        it("still checks known fields beside unknown ones", () => {
            const failures = failuresOf(nat({ subnet: UNKNOWN_VALUE, name: "app net" }));
            expect(failures.map((failure) => failure.property)).to.deep.equal(["name"]);
        });
    });
});

describe("checkContainerNetwork whitespace", () => {
    for (const [key, value] of [
        ["subnet", " 172.28.0.0/24"],
        ["gateway", "172.28.0.1 "],
    ]) {
        it(`rejects spaces around the ${key}`, () => {
            const raw = { ...nat({ subnet: "172.28.0.0/24", gateway: "172.28.0.1" }), [key]: value };
            const failures = checkContainerNetwork(raw).failures.items;
            expect(failures.map((failure) => failure.property)).to.deep.equal([key]);
            expect(failures[0].reason).to.contain(JSON.stringify(value.trim()));
        });
    }
});

describe("checkContainerNetwork vSwitch", () => {
    const BINDING = { switchName: "ext-lan", adapterNames: ["Ethernet 2", "Ethernet 3"] };

    it("accepts an adapter of the binding", () => {
        expect(failuresOf(transparent({ vSwitch: BINDING }))).to.deep.equal([]);
    });

    it("matches adapter names without case", () => {
        const failures = failuresOf(
            transparent({ vSwitch: BINDING, windows: { adapterName: "ethernet 3" } }),
        );
        expect(failures).to.deep.equal([]);
    });

    it("rejects an adapter outside the binding", () => {
        const failures = failuresOf(transparent({ vSwitch: BINDING, windows: { adapterName: "Ethernet" } }));
        expect(failures.map((failure) => failure.property)).to.deep.equal(["windows.adapterName"]);
        expect(failures[0].reason).to.contain('"Ethernet" is not one of the adapters of switch "ext-lan"');
        expect(failures[0].reason).to.contain('leave it out to use "Ethernet 2"');
    });

    it("rejects a binding on a nat network", () => {
        const failures = failuresOf(nat({ vSwitch: BINDING }));
        expect(failures.map((failure) => failure.property)).to.deep.equal(["vSwitchBinding"]);
        expect(failures[0].reason).to.contain("cannot be used with the nat driver");
    });

    it("rejects an unknown binding on overlay", () => {
        const failures = failuresOf(nat({ driver: "overlay", vSwitch: UNKNOWN_VALUE }));
        expect(failures.map((failure) => failure.property)).to.deep.equal(["vSwitchBinding"]);
        expect(failures[0].reason).to.contain("overlay driver");
    });

    it("accepts l2bridge and l2tunnel", () => {
        expect(
            failuresOf(l2bridge({ vSwitch: BINDING, windows: { adapterName: "Ethernet 2" } })),
        ).to.deep.equal([]);
        const tunnel = transparent({ driver: "l2tunnel", vSwitch: BINDING });
        expect(failuresOf(tunnel)).to.deep.equal([]);
    });

    it("rejects a malformed switch", () => {
        const failures = failuresOf(transparent({ vSwitch: { switchName: "ext-lan", adapterNames: [] } }));
        expect(failures.map((failure) => failure.property)).to.deep.equal(["vSwitchBinding"]);
    });

    it("accepts an unknown binding", () => {
        expect(failuresOf(transparent({ vSwitch: UNKNOWN_VALUE }))).to.deep.equal([]);
    });

    it("rejects the switch's own name", () => {
        const failures = failuresOf(transparent({ name: "EXT-LAN", vSwitch: BINDING }));
        expect(failures.map((failure) => failure.property)).to.deep.equal(["name"]);
        expect(failures[0].reason).to.contain('"EXT-LAN" is the name of the binding\'s switch');
    });

    it("accepts unknown adapters of the binding", () => {
        const failures = failuresOf(
            transparent({ vSwitch: { switchName: "ext-lan", adapterNames: UNKNOWN_VALUE } }),
        );
        expect(failures).to.deep.equal([]);
    });
});

describe("ContainerNetwork diff of vSwitch", () => {
    const BINDING = { switchName: "ext-lan", adapterNames: ["Ethernet 2"] };

    async function diffOf(olds: Record<string, unknown>, news: Record<string, unknown>) {
        const diff = containerNetworkProvider.diff as NonNullable<typeof containerNetworkProvider.diff>;
        return diff("id", olds, news);
    }

    it("updates when the binding is removed", async () => {
        const result = await diffOf(transparent({ vSwitch: BINDING }), transparent());
        expect(result.changes).to.equal(true);
        expect(result.replaces).to.deep.equal([]);
    });

    it("updates when a binding is added", async () => {
        const result = await diffOf(transparent(), transparent({ vSwitch: BINDING }));
        expect(result.changes).to.equal(true);
        expect(result.replaces).to.deep.equal([]);
    });

    it("replaces on another switch", async () => {
        const moved = { ...BINDING, switchName: "ext-lan2" };
        const result = await diffOf(transparent({ vSwitch: BINDING }), transparent({ vSwitch: moved }));
        expect(result.replaces).to.deep.equal(["vSwitch.switchName"]);
    });

    it("ignores the switch name's case", async () => {
        const upper = { ...BINDING, switchName: "EXT-LAN" };
        const result = await diffOf(transparent({ vSwitch: BINDING }), transparent({ vSwitch: upper }));
        expect(result.changes).to.equal(false);
    });
});
