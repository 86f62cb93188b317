import { expect } from "chai";
import {
    inspectNetwork,
    listNetworkViews,
    NANOSERVER,
    rawRequest,
    readFixture,
    type SimulatorFixture,
    startFixture,
} from "./helpers";

const INTERFACE = "com.docker.network.windowsshim.interface";
const VLAN = "com.docker.network.windowsshim.vlanid";
const DNS_SERVERS = "com.docker.network.windowsshim.dnsservers";
const DNS_SUFFIX = "com.docker.network.windowsshim.dnssuffix";
const HNS_ID = "com.docker.network.windowsshim.hnsid";
const UPPER_GUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

describe("simulated engine: networks", () => {
    let fixture: SimulatorFixture;

    beforeEach(async () => {
        fixture = await startFixture("ws2022");
    });

    afterEach(async () => {
        await fixture.close();
    });

    it("default nat and none networks exist", async () => {
        const networks = await listNetworkViews(fixture.docker);
        const names = networks.map((network) => network.Name).sort();
        expect(names).to.deep.equal(["nat", "none"]);
        const nat = networks.find((network) => network.Name === "nat");
        expect(nat?.Driver).to.equal("nat");
        expect(nat?.IPAM.Config[0]?.Subnet).to.match(/^172\.(1[6-9]|2\d|3[01])\.\d+\.0\/20$/);
        expect(nat?.Options[HNS_ID]).to.match(UPPER_GUID);
    });

    it("create returns a 64-hex id and empty warning", async () => {
        const network = await fixture.docker.createNetwork({
            Name: "app",
            Driver: "nat",
            CheckDuplicate: true,
            IPAM: { Driver: "default", Config: [{ Subnet: "172.30.0.0/24", Gateway: "172.30.0.1" }] },
        });
        expect(network.id).to.match(/^[0-9a-f]{64}$/);
        const inspect = await inspectNetwork(fixture.docker, network.id);
        expect(inspect.Id).to.equal(network.id);
        expect(inspect.Name).to.equal("app");
    });

    it("inspect has the Windows shape", async () => {
        const network = await fixture.docker.createNetwork({
            Name: "shape",
            Driver: "nat",
            IPAM: { Config: [{ Subnet: "172.30.1.0/24", Gateway: "172.30.1.1" }] },
            Labels: { owner: "wcn" },
        });
        const inspect = await inspectNetwork(fixture.docker, network.id);
        const posted = JSON.parse(readFixture("C01-inspect-nat-2025-no-networkname.json"))[0];
        const postedKeys = Object.keys(posted).filter((key) => key !== "EnableIPv4");
        expect(Object.keys(inspect)).to.deep.equal(postedKeys);
        expect(inspect.Scope).to.equal("local");
        expect(inspect.EnableIPv6).to.equal(false);
        expect(inspect.IPAM).to.deep.equal({
            Driver: "windows",
            Options: {},
            Config: [{ Subnet: "172.30.1.0/24", Gateway: "172.30.1.1" }],
        });
        expect(inspect.ConfigFrom).to.deep.equal({ Network: "" });
        expect(inspect.Containers).to.deep.equal({});
        expect(inspect.Labels).to.deep.equal({ owner: "wcn" });
        expect(inspect.Created).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    });

    it("engine adds hnsid and withholds interface, vlanid and dnsservers", async () => {
        const network = await fixture.docker.createNetwork({
            Name: "tlan",
            Driver: "transparent",
            IPAM: { Config: [{ Subnet: "192.168.50.0/24", Gateway: "192.168.50.1" }] },
            Options: {
                [INTERFACE]: "Ethernet",
                [VLAN]: "11",
                [DNS_SERVERS]: "192.168.50.2",
                [DNS_SUFFIX]: "corp.example",
            },
        });
        const options = (await inspectNetwork(fixture.docker, network.id)).Options;
        expect(options[HNS_ID]).to.match(UPPER_GUID);
        expect(options).to.not.have.property(INTERFACE);
        expect(options).to.not.have.property(VLAN);
        expect(options).to.not.have.property(DNS_SERVERS);
        expect(options[DNS_SUFFIX]).to.equal("corp.example");
    });

    it("nat without subnet reports the HNS subnet and gateway .1", async () => {
        const network = await fixture.docker.createNetwork({ Name: "auto", Driver: "nat" });
        const config = (await inspectNetwork(fixture.docker, network.id)).IPAM.Config[0];
        const defaultNat = (await inspectNetwork(fixture.docker, "nat")).IPAM.Config[0];
        expect(config.Subnet).to.match(/^172\.\d+\.\d+\.0\/20$/);
        expect(config.Gateway).to.equal(config.Subnet.replace(/\.0\/20$/, ".1"));
        expect(config.Subnet).to.not.equal(defaultNat.Subnet);
    });

    it("transparent without subnet reports 0.0.0.0/0", async () => {
        const network = await fixture.docker.createNetwork({ Name: "dhcp", Driver: "transparent" });
        expect((await inspectNetwork(fixture.docker, network.id)).IPAM.Config).to.deep.equal([
            { Subnet: "0.0.0.0/0" },
        ]);
    });

    it("inspect finds by name, id and prefix", async () => {
        const network = await fixture.docker.createNetwork({ Name: "lookup", Driver: "nat" });
        expect((await inspectNetwork(fixture.docker, "lookup")).Id).to.equal(network.id);
        expect((await inspectNetwork(fixture.docker, network.id)).Name).to.equal("lookup");
        expect((await inspectNetwork(fixture.docker, network.id.slice(0, 12))).Name).to.equal("lookup");
    });

    it("list filter name matches substrings", async () => {
        await fixture.docker.createNetwork({ Name: "web-frontend", Driver: "nat" });
        await fixture.docker.createNetwork({ Name: "web-backend", Driver: "nat" });
        await fixture.docker.createNetwork({ Name: "db", Driver: "nat" });
        const names = (await listNetworkViews(fixture.docker, { name: ["web"] })).map(
            (network) => network.Name,
        );
        expect(names.sort()).to.deep.equal(["web-backend", "web-frontend"]);
    });

    it("list filters by label key and value", async () => {
        await fixture.docker.createNetwork({ Name: "a", Driver: "nat", Labels: { stack: "dev", team: "x" } });
        await fixture.docker.createNetwork({ Name: "b", Driver: "nat", Labels: { stack: "prod" } });
        const byKey = await listNetworkViews(fixture.docker, { label: ["team"] });
        const byValue = await listNetworkViews(fixture.docker, { label: ["stack=prod"] });
        expect(byKey.map((network) => network.Name)).to.deep.equal(["a"]);
        expect(byValue.map((network) => network.Name)).to.deep.equal(["b"]);
    });

    it("list filters by id and driver", async () => {
        const created = await fixture.docker.createNetwork({ Name: "t", Driver: "transparent" });
        const byId = await listNetworkViews(fixture.docker, { id: [created.id.slice(0, 10)] });
        const byDriver = await listNetworkViews(fixture.docker, { driver: ["transparent"] });
        expect(byId.map((network) => network.Name)).to.deep.equal(["t"]);
        expect(byDriver.map((network) => network.Name)).to.deep.equal(["t"]);
    });

    it("list accepts the map form of filters", async () => {
        await fixture.docker.createNetwork({ Name: "mapped", Driver: "nat" });
        const encoded = encodeURIComponent(JSON.stringify({ name: { mapped: true } }));
        const reply = await fetchJson(fixture.engine.port, `/networks?filters=${encoded}`);
        expect((reply as { Name: string }[]).map((network) => network.Name)).to.deep.equal(["mapped"]);
    });

    it("remove deletes the network", async () => {
        const network = await fixture.docker.createNetwork({ Name: "gone", Driver: "nat" });
        await network.remove();
        const names = (await listNetworkViews(fixture.docker)).map((entry) => entry.Name);
        expect(names).to.not.include("gone");
    });

    it("connect and disconnect a stopped container", async () => {
        const network = await fixture.docker.createNetwork({
            Name: "side",
            Driver: "nat",
            IPAM: { Config: [{ Subnet: "172.31.5.0/24" }] },
        });
        const container = await fixture.docker.createContainer({ Image: NANOSERVER.ws2022, name: "c1" });
        await network.connect({
            Container: "c1",
            EndpointConfig: { IPAMConfig: { IPv4Address: "172.31.5.50" } },
        });
        const attached = (await inspectNetwork(fixture.docker, network.id)).Containers[container.id];
        expect(attached.Name).to.equal("c1");
        expect(attached.IPv4Address).to.equal("172.31.5.50/24");
        expect(attached.MacAddress).to.match(/^00:15:5d(:[0-9a-f]{2}){3}$/);
        expect(attached.EndpointID).to.match(/^[0-9a-f]{64}$/);
        await network.disconnect({ Container: container.id });
        expect((await inspectNetwork(fixture.docker, network.id)).Containers).to.deep.equal({});
    });

    it("prune removes unused custom networks", async () => {
        await fixture.docker.createNetwork({ Name: "unused", Driver: "nat" });
        const used = await fixture.docker.createNetwork({ Name: "used", Driver: "nat" });
        await fixture.docker.createContainer({
            Image: NANOSERVER.ws2022,
            name: "holder",
            HostConfig: { NetworkMode: "used" },
        });
        const result = await fixture.docker.pruneNetworks();
        expect(result.NetworksDeleted).to.deep.equal(["unused"]);
        expect((await inspectNetwork(fixture.docker, used.id)).Name).to.equal("used");
    });
});

describe("simulated engine: version-specific network shapes", () => {
    it("ws2025 reports IPAM driver default and EnableIPv4", async () => {
        const fixture = await startFixture("ws2025");
        try {
            const network = await fixture.docker.createNetwork({
                Name: "n",
                Driver: "nat",
                IPAM: { Config: [{ Subnet: "172.22.240.0/27" }] },
            });
            const inspect = await inspectNetwork(fixture.docker, network.id);
            const posted = JSON.parse(readFixture("C01-inspect-nat-2025-no-networkname.json"))[0];
            expect(Object.keys(inspect)).to.deep.equal(Object.keys(posted));
            expect(inspect.EnableIPv4).to.equal(true);
            expect(inspect.IPAM).to.deep.equal({
                Driver: "default",
                Options: {},
                Config: [{ Subnet: "172.22.240.0/27", Gateway: "172.22.240.1" }],
            });
        } finally {
            await fixture.close();
        }
    });

    it("ws2019 reports IPAM options null", async () => {
        const fixture = await startFixture("ws2019");
        try {
            const inspect = await inspectNetwork(fixture.docker, "nat");
            expect(inspect.IPAM.Driver).to.equal("windows");
            expect(inspect.IPAM.Options).to.equal(null);
        } finally {
            await fixture.close();
        }
    });

    it("container entry has the posted keys", async () => {
        const fixture = await startFixture("ws2022");
        try {
            const container = await fixture.docker.createContainer({
                Image: NANOSERVER.ws2022,
                name: "bcserver",
            });
            const entry = (await inspectNetwork(fixture.docker, "nat")).Containers[container.id];
            const posted = readFixture("C04-inspect-transparent-tlan1-2022-truncated.txt");
            const postedKeys = ["Name", "EndpointID", "MacAddress", "IPv4Address", "IPv6Address"];
            postedKeys.forEach((key) => expect(posted).to.include(`"${key}"`));
            expect(Object.keys(entry)).to.deep.equal(postedKeys);
        } finally {
            await fixture.close();
        }
    });
});

async function fetchJson(port: number, requestPath: string): Promise<unknown> {
    return JSON.parse((await rawRequest(port, "GET", requestPath)).body);
}
