import { expect } from "chai";
import {
    findHnsNetworkById,
    HnsDataError,
    isNatNetwork,
    joinEndpointsToNetworks,
    normalizeHnsEndpoint,
    normalizeHnsEndpoints,
    normalizeHnsNetwork,
    normalizeHnsNetworks,
    parseHnsEndpointsJson,
    parseHnsNetworksJson,
} from "../../../provider/host/hns";
import { FormattedTextError, parseFormatList, parseFormatTables } from "../../../provider/host/textFormats";
import { readFixture } from "../model/windowsFixtures";
import { readFixtureSections } from "./fixtureSections";

const REJECTED = /cannot read nested HNS data from formatted text; request JSON/;

/** Parses the HNS create responses that the C09 tool printed after `Response: `. */
function c09Responses(): unknown[] {
    return readFixture("C09")
        .split("\n")
        .filter((line) => line.startsWith("Response: "))
        .map((line) => JSON.parse(line.slice("Response: ".length)) as unknown);
}

/**
 * Parses the complete part of the C25 fragment: from the `"ID"` of the ICS network up to its
 * `Version`, with the posted line break inside `TotalEndpoints` joined. The fragment as a whole
 * starts and ends mid-object.
 */
function c25IcsNetwork(): unknown {
    const fragment = readFixtureSections("C25")[1].replace("\n", "");
    const start = fragment.indexOf('"ID":"C08CB7B8');
    const end = fragment.indexOf(',"Resources"');
    return JSON.parse(`{${fragment.slice(start, end)}}`) as unknown;
}

describe("normalizeHnsNetwork", () => {
    describe("C09b v1 create response", () => {
        const network = normalizeHnsNetwork(JSON.parse(readFixture("C09b")));

        it("lower-cases the id", () => {
            expect(network.id).to.equal("404947ac-fc8f-4229-a4b5-595b9161f3a8");
        });

        it("keeps the Docker id as name", () => {
            expect(network.name).to.equal("82cb42b9d3bfbe5847c3736cac7494d9915e474a7d1a3c5068a0d35938456f72");
        });

        it("reads the Docker network id", () => {
            expect(network.dockerNetworkId).to.equal(network.name);
        });

        it("reads the type", () => {
            expect(network.type).to.equal("nat");
        });

        it("reads the subnet and gateway", () => {
            expect(network.subnets).to.deep.equal([
                { prefix: "172.21.16.0/20", reportedPrefix: "172.21.16.0/20", gateway: "172.21.16.1" },
            ]);
        });

        it("reads the NAT name", () => {
            expect(network.natName).to.equal("NAT8177E9BF-266D-4BBD-8B97-0340A82921E2");
        });

        it("reads the VLAN policy", () => {
            expect(network.vlan).to.equal(1);
        });

        it("has no switch name", () => {
            expect(network.switchName).to.equal(undefined);
        });

        it("has no switch id", () => {
            expect(network.switchGuid).to.equal(undefined);
        });

        it("keeps the raw object with its misspelt keys", () => {
            expect(JSON.stringify(network.raw)).to.include('"CompartmendId":0');
        });

        it("is a NAT network", () => {
            expect(isNatNetwork(network)).to.equal(true);
        });
    });

    describe("C09 two NAT networks on one host", () => {
        const networks = normalizeHnsNetworks(c09Responses());

        it("reads both", () => {
            expect(networks.map((network) => network.id)).to.deep.equal([
                "404947ac-fc8f-4229-a4b5-595b9161f3a8",
                "c8026314-fc13-42cc-b41b-4df9873b1d11",
            ]);
        });

        it("reads both prefixes", () => {
            expect(networks.map((network) => network.subnets[0].prefix)).to.deep.equal([
                "172.21.16.0/20",
                "192.168.0.0/22",
            ]);
        });

        it("reads both VLANs", () => {
            expect(networks.map((network) => network.vlan)).to.deep.equal([1, 2]);
        });

        it("C09c Docker ids match the HNS names", () => {
            const restored = [...readFixture("C09c").matchAll(/\(ID: ([0-9a-f]{64})\) exists: true/g)].map(
                (match) => match[1],
            );
            expect(networks.map((network) => network.dockerNetworkId)).to.deep.equal(restored);
        });
    });

    describe("C25 ICS Default Switch", () => {
        const network = normalizeHnsNetwork(c25IcsNetwork());

        it("reads the type in lower case", () => {
            expect(network.type).to.equal("ics");
        });

        it("is not a NAT network", () => {
            expect(isNatNetwork(network)).to.equal(false);
        });

        it("reads the name", () => {
            expect(network.name).to.equal("Default Switch");
        });

        it("reads the switch name", () => {
            expect(network.switchName).to.equal("Default Switch");
        });

        it("reads the switch id in lower case", () => {
            expect(network.switchGuid).to.equal("c08cb7b8-9b3c-408e-8e30-5e16a3aeb444");
        });

        it("reads the ICS NAT name", () => {
            expect(network.natName).to.equal("ICSA5F76249-52FE-4AD4-8448-B9759C15F6DC");
        });

        it("reads the subnet", () => {
            expect(network.subnets).to.deep.equal([
                {
                    prefix: "192.168.184.176/28",
                    reportedPrefix: "192.168.184.176/28",
                    gateway: "192.168.184.177",
                },
            ]);
        });

        it("has no Docker id", () => {
            expect(network.dockerNetworkId).to.equal(undefined);
        });

        it("has no VLAN", () => {
            expect(network.vlan).to.equal(undefined);
        });
    });

    describe("C35 legacy Get-ContainerNetwork row", () => {
        const row = parseFormatTables(readFixture("C35"))[0].rows[0];
        const network = normalizeHnsNetwork(row.cells);

        it("reads the id", () => {
            expect(network.id).to.equal("70c6f3b7-f5fe-462d-94f8-ecc73f83c2c3");
        });

        it("reads the name", () => {
            expect(network.name).to.equal("testNet");
        });

        it("reads Mode as the type", () => {
            expect(network.type).to.equal("transparent");
        });

        it("reads the empty subnet list", () => {
            expect(network.subnets).to.deep.equal([]);
        });
    });

    describe("accepts layout variants", () => {
        it("a 5.1 value and Count wrapper", () => {
            const wrapped = { value: c09Responses(), Count: 2 };
            expect(normalizeHnsNetworks(wrapped)).to.have.length(2);
        });

        it("one network where a list is expected", () => {
            const networks = normalizeHnsNetworks(JSON.parse(readFixture("C09b")));
            expect(networks.map((network) => network.type)).to.deep.equal(["nat"]);
        });

        it("null as an empty list", () => {
            expect(normalizeHnsNetworks(null)).to.deep.equal([]);
        });

        it("lower-case keys", () => {
            const network = normalizeHnsNetwork({
                id: "A546A47A-7368-444A-90EC-4599C874DB0B",
                name: "x",
                type: "NAT",
            });
            expect(network.id).to.equal("a546a47a-7368-444a-90ec-4599c874db0b");
            expect(network.type).to.equal("nat");
        });

        it("IpSubnets when AddressPrefix is missing", () => {
            const network = normalizeHnsNetwork({
                ID: "A546A47A-7368-444A-90EC-4599C874DB0B",
                Type: "nat",
                Subnets: [{ GatewayAddress: "10.1.0.1", IpSubnets: [{ IpAddressPrefix: "10.1.0.0/24" }] }],
            });
            expect(network.subnets).to.deep.equal([
                { prefix: "10.1.0.0/24", reportedPrefix: "10.1.0.0/24", gateway: "10.1.0.1" },
            ]);
        });

        it("NAT allocators when Subnets are missing", () => {
            const output = (JSON.parse(readFixture("C09b")) as { Output: Record<string, unknown> }).Output;
            const withoutSubnets = { ...output, Subnets: null };
            expect(normalizeHnsNetwork(withoutSubnets).subnets).to.deep.equal([
                { prefix: "172.21.16.0/20", reportedPrefix: "172.21.16.0/20" },
            ]);
        });

        it("a prefix with host bits", () => {
            const network = normalizeHnsNetwork({
                ID: "A546A47A-7368-444A-90EC-4599C874DB0B",
                Type: "nat",
                Subnets: [{ AddressPrefix: "172.31.0.1/20" }],
            });
            expect(network.subnets[0].prefix).to.equal("172.31.0.0/20");
            expect(network.subnets[0].reportedPrefix).to.equal("172.31.0.1/20");
        });

        it("a v2 VLAN policy", () => {
            const network = normalizeHnsNetwork({
                Id: "A546A47A-7368-444A-90EC-4599C874DB0B",
                Type: "L2Bridge",
                Policies: [{ Type: "VLAN", Settings: { IsolationId: 42 } }],
                ManagementIP: "10.0.0.5",
            });
            expect(network.vlan).to.equal(42);
            expect(network.managementIp).to.equal("10.0.0.5");
            expect(network.type).to.equal("l2bridge");
        });
    });

    describe("rejects what it cannot read", () => {
        it("a network without id", () => {
            expect(() => normalizeHnsNetwork({ Name: "nat", Type: "nat" })).to.throw(
                HnsDataError,
                /without a GUID id/,
            );
        });

        it("a failed HNS response", () => {
            const failure = { Error: "The parameter is incorrect. ", ErrorCode: 2147942487, Success: false };
            expect(() => normalizeHnsNetwork(failure)).to.throw(HnsDataError, /0x80070057/);
        });

        it("C08 subnets printed as Format-List text", () => {
            const record = parseFormatList(readFixture("C08"))[0];
            expect(() => normalizeHnsNetwork(record)).to.throw(FormattedTextError, REJECTED);
        });
    });
});

describe("parseHnsNetworksJson", () => {
    it("reads compressed JSON", () => {
        const networks = parseHnsNetworksJson(JSON.stringify(c09Responses()));
        expect(networks.map((network) => network.natName)).to.deep.equal([
            "NAT8177E9BF-266D-4BBD-8B97-0340A82921E2",
            "NATEBB494F4-4929-4CBA-A426-472E8CEB3E93",
        ]);
    });

    it("reads empty output as no networks", () => {
        expect(parseHnsNetworksJson("")).to.deep.equal([]);
    });

    const REJECTED_CASES: [string, () => string][] = [
        ["C06b console-wrapped verbose JSON", () => readFixture("C06b")],
        ["C06b the wrapped result line alone", () => readFixture("C06b").split("VERBOSE: Result :\n")[1]],
        ["C08 Format-List", () => readFixture("C08")],
        ["C08b Format-List", () => readFixture("C08b")],
        ["C25 log fragment", () => readFixtureSections("C25")[1]],
        ["C09 tool output", () => readFixture("C09")],
        [
            "JSON with a shallow depth",
            () => '[{"ID":"A546A47A-7368-444A-90EC-4599C874DB0B","Subnets":"System.Object[]"}]',
        ],
    ];
    for (const [name, text] of REJECTED_CASES) {
        it(`rejects ${name}`, () => {
            expect(() => parseHnsNetworksJson(text())).to.throw(FormattedTextError, REJECTED);
        });
    }
});

describe("normalizeHnsEndpoint", () => {
    describe("C10 endpoint", () => {
        const endpoint = normalizeHnsEndpoint(parseFormatList(readFixture("C10"))[0]);

        it("reads the id", () => {
            expect(endpoint.id).to.equal("5e6298c2-4638-494e-be6b-ff6fef942c06");
        });

        it("reads the network id", () => {
            expect(endpoint.networkId).to.equal("76177bd4-a2b5-43a6-9cb8-a37d9d903123");
        });

        it("reads the network name", () => {
            expect(endpoint.networkName).to.equal("nat");
        });

        it("reads the address", () => {
            expect(endpoint.ipAddress).to.equal("172.27.148.101");
        });

        it("reads the prefix length as a number", () => {
            expect(endpoint.prefixLength).to.equal(20);
        });

        it("reads the gateway", () => {
            expect(endpoint.gateway).to.equal("172.27.144.1");
        });

        it("reads the MAC", () => {
            expect(endpoint.mac).to.equal("00-15-5D-CD-BE-47");
        });

        it("reads the DNS servers", () => {
            expect(endpoint.dnsServers).to.deep.equal(["192.168.1.15"]);
        });

        it("reads the DNS suffix", () => {
            expect(endpoint.dnsSuffix).to.equal("internal.example.com");
        });

        it("reads no shared containers", () => {
            expect(endpoint.containerIds).to.deep.equal([]);
        });
    });

    it("reads the JSON layout with a namespace and containers", () => {
        const endpoint = normalizeHnsEndpoint({
            ID: "5E6298C2-4638-494E-BE6B-FF6FEF942C06",
            VirtualNetwork: "76177BD4-A2B5-43A6-9CB8-A37D9D903123",
            DNSServerList: "10.0.0.2,10.0.0.3",
            Namespace: { ID: "2C094B9E-AF3A-4DC1-97D8-821B68603D23" },
            SharedContainers: ["F1A55C56D0A7464DC5AF4A7B4A313A5D232745CF558D83144C6DFE23774C7FE1"],
        });
        expect(endpoint.dnsServers).to.deep.equal(["10.0.0.2", "10.0.0.3"]);
        expect(endpoint.namespaceId).to.equal("2c094b9e-af3a-4dc1-97d8-821b68603d23");
        expect(endpoint.containerIds).to.deep.equal([
            "f1a55c56d0a7464dc5af4a7b4a313a5d232745cf558d83144c6dfe23774c7fe1",
        ]);
    });

    it("reads the v2 layout", () => {
        const endpoint = normalizeHnsEndpoint({
            ID: "5E6298C2-4638-494E-BE6B-FF6FEF942C06",
            HostComputeNetwork: "76177BD4-A2B5-43A6-9CB8-A37D9D903123",
            IpConfigurations: [{ IpAddress: "172.27.148.101", PrefixLength: 20 }],
            Dns: { ServerList: ["192.168.1.15"], Domain: "internal.example.com" },
            MacAddress: "00:15:5d:cd:be:47",
        });
        expect(endpoint.networkId).to.equal("76177bd4-a2b5-43a6-9cb8-a37d9d903123");
        expect(endpoint.ipAddress).to.equal("172.27.148.101");
        expect(endpoint.prefixLength).to.equal(20);
        expect(endpoint.dnsServers).to.deep.equal(["192.168.1.15"]);
        expect(endpoint.dnsSuffix).to.equal("internal.example.com");
        expect(endpoint.mac).to.equal("00-15-5D-CD-BE-47");
    });

    it("rejects an endpoint without network id", () => {
        expect(() => normalizeHnsEndpoint({ ID: "5e6298c2-4638-494e-be6b-ff6fef942c06" })).to.throw(
            HnsDataError,
        );
    });

    it("rejects C10 as text", () => {
        expect(() => parseHnsEndpointsJson(readFixture("C10"))).to.throw(FormattedTextError, REJECTED);
    });

    it("reads a single endpoint as a list", () => {
        const record = parseFormatList(readFixture("C10"))[0];
        expect(normalizeHnsEndpoints(record).map((endpoint) => endpoint.id)).to.deep.equal([
            "5e6298c2-4638-494e-be6b-ff6fef942c06",
        ]);
    });
});

describe("joinEndpointsToNetworks", () => {
    const endpoint = normalizeHnsEndpoint(parseFormatList(readFixture("C10"))[0]);
    /** The C09b network, renumbered to the upper-case form of the C10 endpoint's network id. */
    const output = (JSON.parse(readFixture("C09b")) as { Output: Record<string, unknown> }).Output;
    const natNetwork = normalizeHnsNetwork({ ...output, ID: "76177BD4-A2B5-43A6-9CB8-A37D9D903123" });
    const otherNetwork = normalizeHnsNetwork(c25IcsNetwork());
    const join = joinEndpointsToNetworks([natNetwork, otherNetwork], [endpoint]);

    it("joins by GUID in either case", () => {
        expect(join.byNetwork.get(natNetwork.id)?.map((item) => item.id)).to.deep.equal([endpoint.id]);
    });

    it("gives other networks an empty list", () => {
        expect(join.byNetwork.get(otherNetwork.id)).to.deep.equal([]);
    });

    it("reports endpoints of unknown networks", () => {
        const unmatched = joinEndpointsToNetworks([otherNetwork], [endpoint]).unmatched;
        expect(unmatched.map((item) => item.id)).to.deep.equal([endpoint.id]);
    });

    it("finds a network by an upper-case id in braces", () => {
        expect(
            findHnsNetworkById([otherNetwork, natNetwork], "{76177BD4-A2B5-43A6-9CB8-A37D9D903123}"),
        ).to.equal(natNetwork);
    });
});
