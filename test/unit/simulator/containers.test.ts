import { expect } from "chai";
import { setDhcpOverride } from "../../../provider/simulator/out-of-band";
import { readHostState } from "../../../provider/simulator/state";
import {
    dockerFailure,
    expectDockerError,
    inspectNetwork,
    NANOSERVER,
    type SimulatorFixture,
    startFixture,
} from "./helpers";

const IMAGE = NANOSERVER.ws2022;

interface NetworkSettingsView {
    Networks: Record<
        string,
        {
            IPAddress: string;
            Gateway: string;
            MacAddress: string;
            NetworkID: string;
            EndpointID: string;
            IPPrefixLen: number;
        }
    >;
}

async function networkSettings(fixture: SimulatorFixture, name: string): Promise<NetworkSettingsView> {
    return (await fixture.docker.getContainer(name).inspect())
        .NetworkSettings as unknown as NetworkSettingsView;
}

describe("simulated engine: containers", () => {
    let fixture: SimulatorFixture;

    beforeEach(async () => {
        fixture = await startFixture("ws2022");
    });

    afterEach(async () => {
        await fixture.close();
    });

    it("create defaults to the nat network", async () => {
        await fixture.docker.createContainer({ Image: IMAGE, name: "web" });
        const settings = await networkSettings(fixture, "web");
        const nat = await inspectNetwork(fixture.docker, "nat");
        expect(Object.keys(settings.Networks)).to.deep.equal(["nat"]);
        expect(settings.Networks.nat.NetworkID).to.equal(nat.Id);
        expect(settings.Networks.nat.IPAddress).to.equal(nat.IPAM.Config[0].Subnet.replace(/\.0\/20$/, ".2"));
        expect(settings.Networks.nat.Gateway).to.equal(nat.IPAM.Config[0].Gateway);
        expect(settings.Networks.nat.MacAddress).to.match(/^00:15:5d(:[0-9a-f]{2}){3}$/);
        expect(settings.Networks.nat.EndpointID).to.match(/^[0-9a-f]{64}$/);
    });

    it("unknown image gives 404", async () => {
        await expectDockerError(
            fixture.docker.createContainer({
                Image: "mcr.microsoft.com/windows/nanoserver:ltsc2019",
                name: "x1",
            }),
            404,
            "No such image: mcr.microsoft.com/windows/nanoserver:ltsc2019",
        );
    });

    it("untagged image means latest", async () => {
        await expectDockerError(
            fixture.docker.createContainer({ Image: "mcr.microsoft.com/windows/nanoserver", name: "x1" }),
            404,
            "No such image: mcr.microsoft.com/windows/nanoserver",
        );
    });

    it("duplicate container name gives 409", async () => {
        const first = await fixture.docker.createContainer({ Image: IMAGE, name: "twin" });
        const failure = await dockerFailure(fixture.docker.createContainer({ Image: IMAGE, name: "twin" }));
        expect(failure.statusCode).to.equal(409);
        expect(failure.message).to.include(
            `The container name "/twin" is already in use by container "${first.id}"`,
        );
    });

    it("static address is honoured", async () => {
        await fixture.docker.createNetwork({
            Name: "tlan1",
            Driver: "transparent",
            IPAM: { Config: [{ Subnet: "192.168.50.0/24", Gateway: "192.168.50.1" }] },
        });
        await fixture.docker.createContainer({
            Image: IMAGE,
            name: "bcserver",
            HostConfig: { NetworkMode: "tlan1" },
            NetworkingConfig: {
                EndpointsConfig: { tlan1: { IPAMConfig: { IPv4Address: "192.168.50.202" } } },
            },
        });
        const settings = await networkSettings(fixture, "bcserver");
        expect(settings.Networks.tlan1.IPAddress).to.equal("192.168.50.202");
        expect(settings.Networks.tlan1.IPPrefixLen).to.equal(24);
        const state = await readHostState(fixture.statePath);
        expect(
            state.hnsEndpoints.find((endpoint) => endpoint.ipAddress === "192.168.50.202")?.isStatic,
        ).to.equal(true);
    });

    it("static address on nat is rejected", async () => {
        await expectDockerError(
            fixture.docker.createContainer({
                Image: IMAGE,
                name: "s1",
                NetworkingConfig: {
                    EndpointsConfig: { nat: { IPAMConfig: { IPv4Address: "172.25.16.9" } } },
                },
            }),
            400,
            "user specified IP address is supported on user defined networks only",
        );
    });

    it("static address needs a configured subnet", async () => {
        await fixture.docker.createNetwork({ Name: "auto", Driver: "nat" });
        await expectDockerError(
            fixture.docker.createContainer({
                Image: IMAGE,
                name: "s1",
                HostConfig: { NetworkMode: "auto" },
                NetworkingConfig: {
                    EndpointsConfig: { auto: { IPAMConfig: { IPv4Address: "172.25.32.9" } } },
                },
            }),
            400,
            "user specified IP address is supported only when connecting to networks with user configured subnets",
        );
    });

    it("static address outside the subnet is rejected", async () => {
        await fixture.docker.createNetwork({
            Name: "p",
            Driver: "nat",
            IPAM: { Config: [{ Subnet: "172.30.0.0/24" }] },
        });
        const failure = await dockerFailure(
            fixture.docker.createContainer({
                Image: IMAGE,
                name: "s1",
                HostConfig: { NetworkMode: "p" },
                NetworkingConfig: { EndpointsConfig: { p: { IPAMConfig: { IPv4Address: "172.30.1.9" } } } },
            }),
        );
        expect(failure.statusCode).to.equal(400);
        expect(failure.message).to.include(
            "no configured subnet or ip-range contain the IP address 172.30.1.9",
        );
    });

    it("taken static address fails endpoint creation", async () => {
        await fixture.docker.createNetwork({
            Name: "p",
            Driver: "nat",
            IPAM: { Config: [{ Subnet: "172.30.0.0/24" }] },
        });
        const settings = {
            HostConfig: { NetworkMode: "p" },
            NetworkingConfig: { EndpointsConfig: { p: { IPAMConfig: { IPv4Address: "172.30.0.9" } } } },
        };
        await fixture.docker.createContainer({ Image: IMAGE, name: "s1", ...settings });
        await expectDockerError(
            fixture.docker.createContainer({ Image: IMAGE, name: "s2", ...settings }),
            500,
            "failed to create endpoint s2 on network p: HNS failed with error : The object already exists. ",
        );
    });

    it("list shows running by default and all on request", async () => {
        const running = await fixture.docker.createContainer({ Image: IMAGE, name: "up1" });
        await fixture.docker.createContainer({ Image: IMAGE, name: "idle1" });
        await running.start();
        const defaults = await fixture.docker.listContainers();
        const all = await fixture.docker.listContainers({ all: true });
        expect(defaults.map((container) => container.Names[0])).to.deep.equal(["/up1"]);
        expect(all.map((container) => container.Names[0]).sort()).to.deep.equal(["/idle1", "/up1"]);
        expect(all.find((container) => container.Names[0] === "/up1")?.State).to.equal("running");
    });

    it("start and stop change the state", async () => {
        const container = await fixture.docker.createContainer({ Image: IMAGE, name: "svc" });
        await container.start();
        expect((await container.inspect()).State.Running).to.equal(true);
        await container.stop();
        const state = (await container.inspect()).State;
        expect(state.Running).to.equal(false);
        expect(state.Status).to.equal("exited");
    });

    it("start of a running container gives 304", async () => {
        const container = await fixture.docker.createContainer({ Image: IMAGE, name: "svc" });
        await container.start();
        const failure = await dockerFailure(container.start());
        expect(failure.statusCode).to.equal(304);
    });

    it("remove of a running container needs force", async () => {
        const container = await fixture.docker.createContainer({ Image: IMAGE, name: "svc" });
        await container.start();
        const failure = await dockerFailure(container.remove());
        expect(failure.statusCode).to.equal(409);
        expect(failure.message).to.match(
            /^You cannot remove a running container [0-9a-f]{64}\. Stop the container/,
        );
        await container.remove({ force: true });
        await expectDockerError(container.inspect(), 404, `No such container: ${container.id}`);
    });

    it("connect to a running container is rejected", async () => {
        await fixture.docker.createNetwork({ Name: "late", Driver: "nat" });
        const container = await fixture.docker.createContainer({ Image: IMAGE, name: "svc" });
        await container.start();
        const failure = await dockerFailure(fixture.docker.getNetwork("late").connect({ Container: "svc" }));
        expect(failure.statusCode).to.equal(400);
        expect(failure.message).to.match(/^cannot connect running container svc/);
    });

    it("connecting twice gives the endpoint error", async () => {
        await fixture.docker.createContainer({ Image: IMAGE, name: "svc" });
        await expectDockerError(
            fixture.docker.getNetwork("nat").connect({ Container: "svc" }),
            403,
            "endpoint with name svc already exists in network nat",
        );
    });

    it("disconnect of an unattached container gives 404", async () => {
        const network = await fixture.docker.createNetwork({ Name: "other", Driver: "nat" });
        const container = await fixture.docker.createContainer({ Image: IMAGE, name: "svc" });
        await expectDockerError(
            fixture.docker.getNetwork(network.id).disconnect({ Container: "svc" }),
            404,
            `container ${container.id} is not connected to the network other`,
        );
    });

    it("connect to a missing container gives 404", async () => {
        await expectDockerError(
            fixture.docker.getNetwork("nat").connect({ Container: "ghost" }),
            404,
            "No such container: ghost",
        );
    });

    it("port range binding is rejected", async () => {
        await expectDockerError(
            fixture.docker.createContainer({
                Image: IMAGE,
                name: "p1",
                HostConfig: { PortBindings: { "80/tcp": [{ HostPort: "8080-8081" }] } },
            }),
            500,
            "Windows does not support more than one host port in NAT settings",
        );
    });

    it("host IP binding is rejected", async () => {
        await expectDockerError(
            fixture.docker.createContainer({
                Image: IMAGE,
                name: "p1",
                HostConfig: { PortBindings: { "80/tcp": [{ HostIp: "192.168.50.10", HostPort: "8080" }] } },
            }),
            500,
            "Windows does not support host IP addresses in NAT settings",
        );
    });

    it("same host port twice fails with 0x20", async () => {
        const ports = { HostConfig: { PortBindings: { "80/tcp": [{ HostPort: "8080" }] } } };
        await fixture.docker.createContainer({ Image: IMAGE, name: "p1", ...ports });
        await expectDockerError(
            fixture.docker.createContainer({ Image: IMAGE, name: "p2", ...ports }),
            500,
            "failed to create endpoint p2 on network nat: hnsCall failed in Win32: The process cannot access the file because it is being used by another process. (0x20)",
        );
    });

    it("DHCP network leases an address at start", async () => {
        await fixture.docker.createNetwork({
            Name: "dhcp",
            Driver: "transparent",
            Options: { "com.docker.network.windowsshim.interface": "Ethernet" },
        });
        const container = await fixture.docker.createContainer({
            Image: IMAGE,
            name: "d1",
            HostConfig: { NetworkMode: "dhcp" },
        });
        expect((await networkSettings(fixture, "d1")).Networks.dhcp.IPAddress).to.equal("");
        await container.start();
        const settings = (await networkSettings(fixture, "d1")).Networks.dhcp;
        expect(settings.IPAddress).to.match(/^192\.168\.50\.\d+$/);
        expect(settings.IPAddress).to.not.equal("192.168.50.10");
        expect(settings.Gateway).to.equal("192.168.50.1");
    });

    it("DHCP override hides behind the requested address", async () => {
        await fixture.docker.createNetwork({
            Name: "tlan",
            Driver: "transparent",
            IPAM: { Config: [{ Subnet: "192.168.50.0/24", Gateway: "192.168.50.1" }] },
        });
        await setDhcpOverride(fixture.statePath, "tlan", true);
        const container = await fixture.docker.createContainer({
            Image: IMAGE,
            name: "d1",
            HostConfig: { NetworkMode: "tlan" },
            NetworkingConfig: {
                EndpointsConfig: { tlan: { IPAMConfig: { IPv4Address: "192.168.50.207" } } },
            },
        });
        await container.start();
        const docker = (await networkSettings(fixture, "d1")).Networks.tlan;
        const state = await readHostState(fixture.statePath);
        const hnsEndpoint = state.hnsEndpoints.find((endpoint) => endpoint.containerId === container.id);
        expect(docker.IPAddress).to.equal("192.168.50.207");
        expect(hnsEndpoint?.ipAddress).to.match(/^192\.168\.50\.\d+$/);
        expect(hnsEndpoint?.ipAddress).to.not.equal("192.168.50.207");
    });

    it("remove deletes the HNS endpoint", async () => {
        const container = await fixture.docker.createContainer({ Image: IMAGE, name: "gone1" });
        expect((await readHostState(fixture.statePath)).hnsEndpoints).to.have.length(1);
        await container.remove();
        expect((await readHostState(fixture.statePath)).hnsEndpoints).to.have.length(0);
    });
});
