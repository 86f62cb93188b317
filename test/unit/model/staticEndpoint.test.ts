import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { FailureList } from "../../../provider/model/failures";
import {
    type AddressHolder,
    addressMismatch,
    checkAddressFitsNetwork,
    checkStaticEndpoint,
    diffStaticEndpoint,
    EndpointClaims,
    type EndpointNetwork,
    findAddressConflicts,
    findAttachment,
    findMacConflicts,
    type MacHolder,
    networkWarnings,
    normalizeContainer,
    normalizeMacAddress,
} from "../../../provider/model/staticEndpoint";
import { UNKNOWN_VALUE } from "../../../provider/model/unknown";

const HOST = { name: "web-01", docker: { url: "npipe:////./pipe/docker_engine" } };
const CONTAINER_ID = "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2";
const NETWORK_ID = "0f0e0d0c0b0a0f0e0d0c0b0a0f0e0d0c0b0a0f0e0d0c0b0a0f0e0d0c0b0a0f0e";

function endpoint(changes: Record<string, unknown> = {}): Record<string, unknown> {
    return { host: HOST, container: "web", network: "tlan1", ipv4Address: "192.168.1.207", ...changes };
}

function failuresOf(raw: Record<string, unknown>): { property: string; reason: string }[] {
    return checkStaticEndpoint(raw).failures.items;
}

const TRANSPARENT: EndpointNetwork = {
    name: "tlan1",
    driver: "transparent",
    subnet: "192.168.1.0/24",
    gateway: "192.168.1.254",
};

function fitFailures(address: string, network: EndpointNetwork = TRANSPARENT) {
    const failures = new FailureList();
    checkAddressFitsNetwork(address, network, failures);
    return failures.items;
}

describe("checkStaticEndpoint", () => {
    it("accepts a complete endpoint and defaults allowStop", () => {
        const { inputs, failures } = checkStaticEndpoint(endpoint());
        expect(failures.items).to.deep.equal([]);
        expect(inputs.allowStop).to.equal(false);
    });

    it("normalizes the MAC to Docker's form", () => {
        const { inputs, failures } = checkStaticEndpoint(endpoint({ macAddress: "00-15-5D-0A-0B-0C" }));
        expect(failures.items).to.deep.equal([]);
        expect(inputs.macAddress).to.equal("00:15:5d:0a:0b:0c");
    });

    it("accepts the owner and the serialized provider", () => {
        expect(failuresOf(endpoint({ owner: "p/s/web", __provider: "serialized" }))).to.deep.equal([]);
    });

    it("treats a null MAC as none", () => {
        const { inputs, failures } = checkStaticEndpoint(endpoint({ macAddress: null }));
        expect(failures.items).to.deep.equal([]);
        expect("macAddress" in inputs).to.equal(false);
    });

    const unknownKeys: [string, string][] = [
        ["a misspelt MAC", "macAdress"],
        ["another address name", "ipAddress"],
        ["a setting in another case", "AllowStop"],
    ];
    for (const [name, key] of unknownKeys) {
        it(`rejects ${name} and lists the settings`, () => {
            const failures = failuresOf(endpoint({ [key]: "00:15:5d:0a:0b:0c" }));
            expect(failures.map((failure) => failure.property)).to.deep.equal([key]);
            expect(failures[0].reason).to.match(/is not a StaticEndpoint setting/);
            expect(failures[0].reason).to.include(
                "host, container, network, ipv4Address, macAddress, allowStop",
            );
        });
    }

    it("skips unknown values during preview", () => {
        const raw = endpoint({
            container: UNKNOWN_VALUE,
            network: UNKNOWN_VALUE,
            ipv4Address: UNKNOWN_VALUE,
        });
        expect(failuresOf(raw)).to.deep.equal([]);
    });

    const rejected: [string, Record<string, unknown>, string, RegExp][] = [
        ["missing container", { container: undefined }, "container", /is required/],
        ["empty network", { network: "" }, "network", /is required/],
        ["network with spaces", { network: " tlan1" }, "network", /spaces around it; write "tlan1"/],
        ["missing address", { ipv4Address: undefined }, "ipv4Address", /is required/],
        [
            "address with prefix",
            { ipv4Address: "192.168.1.207/24" },
            "ipv4Address",
            /give the address only \("192\.168\.1\.207"\)/,
        ],
        ["IPv6 address", { ipv4Address: "fd00::7" }, "ipv4Address", /IPv6/],
        ["leading zeros", { ipv4Address: "192.168.001.207" }, "ipv4Address", /not an IPv4 address/],
        ["octet out of range", { ipv4Address: "192.168.1.300" }, "ipv4Address", /not an IPv4 address/],
        ["bad MAC", { macAddress: "00:15:5d:0a:0b" }, "macAddress", /six hex pairs/],
        ["MAC of mixed separators", { macAddress: "00:15-5d:0a:0b:0c" }, "macAddress", /six hex pairs/],
        ["multicast MAC", { macAddress: "01:00:5e:00:00:01" }, "macAddress", /multicast or broadcast/],
        ["broadcast MAC", { macAddress: "ff:ff:ff:ff:ff:ff" }, "macAddress", /multicast or broadcast/],
        ["all-zero MAC", { macAddress: "00:00:00:00:00:00" }, "macAddress", /all-zero/],
        ["allowStop not boolean", { allowStop: "yes" }, "allowStop", /"yes" is a string, not a boolean/],
        ["missing host", { host: undefined }, "host", /./],
        ["numeric container", { container: 5 }, "container", /^5 is a number, not a string; .*"web-01"/],
        ["network as a list", { network: ["tlan1"] }, "network", /^\["tlan1"\] is a list, not a string/],
        [
            "numeric address",
            { ipv4Address: 5 },
            "ipv4Address",
            /^5 is a number, not a string; .*"10\.20\.0\.50"/,
        ],
        [
            "address as an object",
            { ipv4Address: { address: "10.0.0.5" } },
            "ipv4Address",
            /^\{"address":"10\.0\.0\.5"\} is an object, not a string/,
        ],
        [
            "numeric MAC",
            { macAddress: 12 },
            "macAddress",
            /^12 is a number, not a string; .*00:15:5d:0a:0b:0c/,
        ],
        ["boolean MAC", { macAddress: true }, "macAddress", /^true is a boolean, not a string/],
        ["allowStop as a number", { allowStop: 1 }, "allowStop", /^1 is a number, not a boolean/],
    ];
    for (const [name, changes, property, reason] of rejected) {
        it(`rejects ${name}`, () => {
            const failures = failuresOf(endpoint(changes));
            expect(failures.map((failure) => failure.property)).to.include(property);
            expect(failures.find((failure) => failure.property === property)?.reason).to.match(reason);
        });
    }
});

describe("normalizeMacAddress", () => {
    const cases: [string, string | undefined][] = [
        ["00:15:5D:0A:0B:0C", "00:15:5d:0a:0b:0c"],
        ["00-15-5d-0a-0b-0c", "00:15:5d:0a:0b:0c"],
        ["0015.5d0a.0b0c", "00:15:5d:0a:0b:0c"],
        ["00155d0a0b0c", "00:15:5d:0a:0b:0c"],
        ["00:15:5d:0a:0b:0g", undefined],
        ["00155d0a0b0c0d", undefined],
    ];
    for (const [text, expected] of cases) {
        it(`reads ${text}`, () => {
            expect(normalizeMacAddress(text)).to.equal(expected);
        });
    }
});

describe("checkAddressFitsNetwork", () => {
    it("accepts a host address inside the subnet", () => {
        expect(fitFailures("192.168.1.207")).to.deep.equal([]);
    });

    const rejected: [string, string, EndpointNetwork, string, RegExp][] = [
        [
            "outside the subnet",
            "192.168.2.7",
            TRANSPARENT,
            "ipv4Address",
            /outside the subnet 192\.168\.1\.0\/24/,
        ],
        [
            "the network address",
            "192.168.1.0",
            TRANSPARENT,
            "ipv4Address",
            /network address of 192\.168\.1\.0\/24/,
        ],
        ["the broadcast address", "192.168.1.255", TRANSPARENT, "ipv4Address", /broadcast address/],
        ["the gateway", "192.168.1.254", TRANSPARENT, "ipv4Address", /is the gateway of network "tlan1"/],
        [
            "a transparent network without subnet",
            "192.168.1.207",
            { name: "dhcp", driver: "transparent" },
            "network",
            /get addresses from DHCP.*subnet and gateway/,
        ],
        [
            "an l2bridge network without subnet",
            "10.20.0.7",
            { name: "l2", driver: "l2bridge" },
            "network",
            /l2bridge networks take static addresses only/,
        ],
        [
            "the default nat network",
            "172.25.16.7",
            { name: "nat", driver: "nat", subnet: "172.25.16.0/20", gateway: "172.25.16.1" },
            "network",
            /created itself.*user-defined/,
        ],
    ];
    for (const [name, address, network, property, reason] of rejected) {
        it(`rejects ${name}`, () => {
            const failures = fitFailures(address, network);
            expect(failures.map((failure) => failure.property)).to.deep.equal([property]);
            expect(failures[0].reason).to.match(reason);
        });
    }

    it("accepts an l2bridge network with subnet", () => {
        const network = { name: "l2", driver: "l2bridge", subnet: "10.20.0.0/24", gateway: "10.20.0.1" };
        expect(fitFailures("10.20.0.7", network)).to.deep.equal([]);
    });

    it("warns about DHCP on transparent networks only", () => {
        expect(networkWarnings("192.168.1.207", TRANSPARENT).join()).to.match(/DHCP server on that segment/);
        expect(
            networkWarnings("10.20.0.7", { name: "l2", driver: "l2bridge", subnet: "10.20.0.0/24" }),
        ).to.deep.equal([]);
    });
});

describe("findAddressConflicts", () => {
    const holders: AddressHolder[] = [
        {
            kind: "container",
            containerId: "ffff0000ffff0000",
            containerName: "db",
            address: "192.168.1.20",
            networkName: "tlan1",
        },
        {
            kind: "hns-endpoint",
            endpointId: "6d5c0e8a-1111-2222-3333-444455556666",
            containerIds: [],
            address: "192.168.1.21",
        },
        { kind: "host-adapter", interfaceAlias: "vEthernet (tlan)", address: "192.168.1.10" },
        { kind: "stack", owner: "p/s/other", address: "192.168.1.22" },
        {
            kind: "container",
            containerId: CONTAINER_ID,
            containerName: "web",
            address: "192.168.1.207",
            networkName: "tlan1",
        },
        {
            kind: "hns-endpoint",
            endpointId: "aaaa0000-1111-2222-3333-444455556666",
            containerIds: [CONTAINER_ID],
            address: "192.168.1.207",
        },
    ];
    const self = { containerId: CONTAINER_ID };

    const taken: [string, string, RegExp][] = [
        ["another container", "192.168.1.20", /taken by container "db" \(ffff0000ffff\) on network "tlan1"/],
        ["an HNS endpoint", "192.168.1.21", /HNS endpoint 6d5c0e8a-.*Get-HnsEndpoint/],
        ["a host adapter", "192.168.1.10", /adapter "vEthernet \(tlan\)"/],
        ["another endpoint of the stack", "192.168.1.22", /also requested by p\/s\/other/],
    ];
    for (const [name, address, reason] of taken) {
        it(`reports an address held by ${name}`, () => {
            const reasons = findAddressConflicts(address, holders, self);
            expect(reasons).to.have.length(1);
            expect(reasons[0]).to.match(reason);
        });
    }

    it("ignores the container's own address", () => {
        expect(findAddressConflicts("192.168.1.207", holders, self)).to.deep.equal([]);
    });

    it("reports the container's address to another container", () => {
        expect(findAddressConflicts("192.168.1.207", holders, { containerId: "0000" })).to.have.length(2);
    });

    it("ignores free addresses", () => {
        expect(findAddressConflicts("192.168.1.99", holders, self)).to.deep.equal([]);
    });
});

describe("findMacConflicts", () => {
    const MAC = "00:15:5d:0a:0b:0c";
    const holders: MacHolder[] = [
        {
            kind: "container",
            containerId: "ffff0000ffff0000",
            containerName: "db",
            macAddress: "00:15:5d:0a:0b:01",
            networkName: "tlan1",
        },
        {
            kind: "hns-endpoint",
            endpointId: "1d5c0e8a-1111-2222-3333-444455556666",
            containerIds: ["ffff0000ffff0000"],
            macAddress: "00-15-5D-0A-0B-01",
        },
        {
            kind: "hns-endpoint",
            endpointId: "6d5c0e8a-1111-2222-3333-444455556666",
            containerIds: [],
            macAddress: "00-15-5D-0A-0B-02",
        },
        { kind: "host-adapter", adapterName: "Ethernet 2", macAddress: "00-15-5D-0A-0B-03" },
        { kind: "host-adapter", adapterName: "vEthernet (tlan)", macAddress: "00-15-5D-0A-0B-03" },
        {
            kind: "container",
            containerId: CONTAINER_ID,
            containerName: "web",
            macAddress: MAC,
            networkName: "tlan1",
        },
        {
            kind: "hns-endpoint",
            endpointId: "aaaa0000-1111-2222-3333-444455556666",
            containerIds: [CONTAINER_ID],
            macAddress: "00-15-5D-0A-0B-0C",
        },
    ];
    const self = { containerId: CONTAINER_ID };

    it("names the container that holds the MAC once", () => {
        const reasons = findMacConflicts("00:15:5d:0a:0b:01", holders, self);
        expect(reasons).to.have.length(1);
        expect(reasons[0]).to.match(/MAC 00:15:5d:0a:0b:01 is taken by container "db" \(ffff0000ffff\)/);
        expect(reasons[0]).to.match(/leave macAddress out/);
    });

    it("names an HNS endpoint without a container", () => {
        const reasons = findMacConflicts("00:15:5d:0a:0b:02", holders, self);
        expect(reasons).to.have.length(1);
        expect(reasons[0]).to.match(/HNS endpoint 6d5c0e8a-.*\(no container\).*Get-HnsEndpoint/);
    });

    it("names host adapters that share the MAC in one reason", () => {
        const reasons = findMacConflicts("00:15:5d:0a:0b:03", holders, self);
        expect(reasons).to.deep.equal([
            'MAC 00:15:5d:0a:0b:03 belongs to the host\'s adapter "Ethernet 2", "vEthernet (tlan)"; ' +
                "choose another MAC, or leave macAddress out so that the host chooses one",
        ]);
    });

    it("ignores the container's own MAC", () => {
        expect(findMacConflicts(MAC, holders, self)).to.deep.equal([]);
    });

    it("reports the container's MAC to another container", () => {
        const reasons = findMacConflicts(MAC, holders, { containerId: "0000" });
        expect(reasons).to.have.length(1);
        expect(reasons[0]).to.match(/taken by container "web"/);
    });

    it("ignores a free MAC", () => {
        expect(findMacConflicts("00:15:5d:0a:0b:99", holders, self)).to.deep.equal([]);
    });
});

describe("EndpointClaims", () => {
    it("reports a second owner of an address", () => {
        const claims = new EndpointClaims();
        expect(claims.claim("p/s/a", "h", NETWORK_ID, "10.0.0.5", "web")).to.deep.equal({
            address: undefined,
            container: undefined,
        });
        expect(claims.claim("p/s/b", "h", NETWORK_ID, "10.0.0.5", "db").address).to.equal("p/s/a");
    });

    it("reports a second owner of a MAC in any form", () => {
        const claims = new EndpointClaims();
        const first = claims.claim("p/s/a", "h", NETWORK_ID, "10.0.0.5", "web", "00:15:5d:0a:0b:0c");
        expect(first.macAddress).to.equal(undefined);
        const second = claims.claim("p/s/b", "h", NETWORK_ID, "10.0.0.6", "db", "00-15-5D-0A-0B-0C");
        expect(second.macAddress).to.equal("p/s/a");
        expect(second.address).to.equal(undefined);
        expect(second.container).to.equal(undefined);
    });

    it("ignores other networks and no MAC", () => {
        const claims = new EndpointClaims();
        claims.claim("p/s/a", "h", NETWORK_ID, "10.0.0.5", "web", "00:15:5d:0a:0b:0c");
        expect(
            claims.claim("p/s/b", "h", "other", "10.0.0.5", "db", "00:15:5d:0a:0b:0c").macAddress,
        ).to.equal(undefined);
        expect(claims.claim("p/s/c", "h", NETWORK_ID, "10.0.0.7", "cache").macAddress).to.equal(undefined);
    });

    it("releases a MAC when its owner claims another", () => {
        const claims = new EndpointClaims();
        claims.claim("p/s/a", "h", NETWORK_ID, "10.0.0.5", "web", "00:15:5d:0a:0b:0c");
        claims.claim("p/s/a", "h", NETWORK_ID, "10.0.0.5", "web", "00:15:5d:0a:0b:0d");
        expect(
            claims.claim("p/s/b", "h", NETWORK_ID, "10.0.0.6", "db", "00:15:5d:0a:0b:0c").macAddress,
        ).to.equal(undefined);
    });

    it("reports a second endpoint of one container on a network", () => {
        const claims = new EndpointClaims();
        claims.claim("p/s/a", "h", NETWORK_ID, "10.0.0.5", "web");
        expect(claims.claim("p/s/b", "h", NETWORK_ID, "10.0.0.6", "web").container).to.equal("p/s/a");
    });

    it("keeps hosts and networks apart", () => {
        const claims = new EndpointClaims();
        claims.claim("p/s/a", "h1", NETWORK_ID, "10.0.0.5", "web");
        expect(claims.claim("p/s/b", "h2", NETWORK_ID, "10.0.0.5", "web")).to.deep.equal({
            address: undefined,
            container: undefined,
        });
        expect(claims.claim("p/s/c", "h1", "other", "10.0.0.5", "web").address).to.equal(undefined);
    });

    it("lets an owner claim again with a new address", () => {
        const claims = new EndpointClaims();
        claims.claim("p/s/a", "h", NETWORK_ID, "10.0.0.5", "web");
        claims.claim("p/s/a", "h", NETWORK_ID, "10.0.0.6", "web");
        expect(claims.claim("p/s/b", "h", NETWORK_ID, "10.0.0.5", "db").address).to.equal(undefined);
    });
});

describe("diffStaticEndpoint", () => {
    const olds = {
        ...endpoint({ allowStop: false }),
        containerId: CONTAINER_ID,
        containerName: "web",
        networkId: NETWORK_ID,
        networkName: "tlan1",
        macAddress: "00:15:5d:aa:bb:cc",
        requestedMacAddress: null,
    };

    it("finds no change for the same inputs", () => {
        expect(diffStaticEndpoint(olds, endpoint({ allowStop: false }))).to.deep.equal({
            replaces: [],
            updates: [],
        });
    });

    it("ignores the MAC in effect when none was requested", () => {
        expect(diffStaticEndpoint(olds, endpoint()).updates).to.deep.equal([]);
    });

    const cases: [string, Record<string, unknown>, string[], string[]][] = [
        ["a new address", { ipv4Address: "192.168.1.208" }, [], ["ipv4Address"]],
        ["a requested MAC", { macAddress: "00-15-5D-0A-0B-0C" }, [], ["macAddress"]],
        ["allowStop", { allowStop: true }, [], ["allowStop"]],
        ["another container", { container: "db" }, ["container"], []],
        ["another network", { network: "tlan2" }, ["network"], []],
        [
            "another Docker URL",
            { host: { ...HOST, docker: { url: "tcp://web-02:2376" } } },
            ["host.docker.url"],
            [],
        ],
        ["another host name", { host: { ...HOST, name: "web-01a" } }, [], ["host.name"]],
        ["the container by id", { container: CONTAINER_ID }, [], []],
        ["the container by id prefix", { container: CONTAINER_ID.slice(0, 12) }, [], []],
        ["the network by id", { network: NETWORK_ID }, [], []],
        ["an unknown address", { ipv4Address: UNKNOWN_VALUE }, [], ["ipv4Address"]],
        ["an unknown container", { container: UNKNOWN_VALUE }, ["container"], []],
    ];
    for (const [name, changes, replaces, updates] of cases) {
        it(`handles ${name}`, () => {
            const result = diffStaticEndpoint(olds, endpoint({ allowStop: false, ...changes }));
            expect(result.replaces).to.deep.equal(replaces);
            expect(result.updates).to.deep.equal(updates);
        });
    }

    it("is symmetric", () => {
        const news = endpoint({ allowStop: false, container: CONTAINER_ID, ipv4Address: "192.168.1.9" });
        expect(diffStaticEndpoint(news, olds)).to.deep.equal(diffStaticEndpoint(olds, news));
    });
});

describe("addressMismatch", () => {
    const context = { container: "test", network: "test-network", driver: "transparent", hostName: "web-01" };

    it("accepts the requested address", () => {
        expect(addressMismatch("192.168.1.207", "192.168.1.207", context)).to.equal(undefined);
    });

    it("explains a DHCP override from the posted case", () => {
        // The requested and leased addresses of a posted case where DHCP replaced --ip.
        const posted = fs.readFileSync(
            path.join(
                __dirname,
                "../../../../test/fixtures/windows/C38-transparent-static-ip-ignored-dhcp.txt",
            ),
            "utf8",
        );
        const requested = /--ip="([\d.]+)"/.exec(posted)?.[1] as string;
        const leased = /IPv4 Address[ .]*: ([\d.]+)/.exec(posted)?.[1] as string;
        const message = addressMismatch(requested, leased, context) as string;
        expect(message).to.include("requested 192.168.1.207");
        expect(message).to.include("shows 192.168.1.186");
        expect(message).to.match(/DHCP server on the segment/);
        expect(message).to.match(/MacAddressSpoofing On/);
        expect(message).to.match(/l2bridge/);
    });

    it("reports a missing address", () => {
        expect(addressMismatch("10.20.0.7", "", { ...context, driver: "l2bridge" })).to.match(
            /shows no address/,
        );
    });
});

describe("normalizeContainer", () => {
    const inspect = {
        Id: CONTAINER_ID,
        Name: "/web",
        State: { Status: "running", Running: true },
        HostConfig: { Isolation: "process" },
        NetworkSettings: {
            Networks: {
                tlan1: {
                    IPAMConfig: { IPv4Address: "192.168.1.207" },
                    NetworkID: NETWORK_ID,
                    EndpointID: "e".repeat(64),
                    IPAddress: "192.168.1.207",
                    MacAddress: "00:15:5D:AA:BB:CC",
                },
                nat: {
                    IPAMConfig: null,
                    NetworkID: "n".repeat(64),
                    EndpointID: "",
                    IPAddress: "",
                    MacAddress: "",
                },
            },
        },
    };

    it("reads an inspect object", () => {
        const container = normalizeContainer(inspect);
        expect(container.name).to.equal("web");
        expect(container.running).to.equal(true);
        expect(container.isolation).to.equal("process");
        const attachment = findAttachment(container, { id: NETWORK_ID });
        expect(attachment?.requestedIpv4Address).to.equal("192.168.1.207");
        expect(attachment?.macAddress).to.equal("00:15:5d:aa:bb:cc");
        const nat = findAttachment(container, { name: "nat" });
        expect(nat?.ipv4Address).to.equal(undefined);
        expect(nat?.requestedIpv4Address).to.equal(undefined);
    });

    it("reads a list entry", () => {
        const container = normalizeContainer({ Id: CONTAINER_ID, Names: ["/db"], State: "exited" });
        expect(container.name).to.equal("db");
        expect(container.running).to.equal(false);
        expect(container.status).to.equal("exited");
        expect(container.attachments).to.deep.equal([]);
    });
});
