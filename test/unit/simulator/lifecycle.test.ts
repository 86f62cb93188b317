import { expect } from "chai";
import {
    createExternalSwitchOutOfBand,
    deleteNetworkOutOfBand,
    rebootHost,
    removeHnsNetworkOutOfBand,
    restartNetworkingServices,
    setDaemonJson,
    addHostAdapter,
    startService,
    stopService,
} from "../../../provider/simulator/out-of-band";
import type { ProfileName } from "../../../provider/simulator/profiles";
import { readHostState } from "../../../provider/simulator/state";
import {
    expectDockerError,
    inspectNetwork,
    listNetworkViews,
    NANOSERVER,
    rawRequest,
    type SimulatorFixture,
    startFixture,
} from "./helpers";

const HNS_ID = "com.docker.network.windowsshim.hnsid";

async function withFixture(
    profile: ProfileName,
    body: (fixture: SimulatorFixture) => Promise<void>,
): Promise<void> {
    const fixture = await startFixture(profile);
    try {
        await body(fixture);
    } finally {
        await fixture.close();
    }
}

async function networkIds(fixture: SimulatorFixture): Promise<Map<string, { id: string; hnsId: string }>> {
    const networks = await listNetworkViews(fixture.docker);
    return new Map(
        networks.map((network) => [network.Name, { id: network.Id, hnsId: network.Options[HNS_ID] ?? "" }]),
    );
}

async function createCustomNetworks(fixture: SimulatorFixture): Promise<void> {
    await fixture.docker.createNetwork({
        Name: "mycustomnetwork",
        Driver: "nat",
        IPAM: { Config: [{ Subnet: "172.31.250.0/24", Gateway: "172.31.250.254" }] },
    });
    await fixture.docker.createNetwork({
        Name: "tlan",
        Driver: "transparent",
        IPAM: { Config: [{ Subnet: "192.168.60.0/24", Gateway: "192.168.60.1" }] },
    });
}

describe("simulated host: reboot", () => {
    it("ws2019 loses custom nat networks", async () => {
        await withFixture("ws2019", async (fixture) => {
            await createCustomNetworks(fixture);
            const before = await networkIds(fixture);
            await rebootHost(fixture.statePath);
            const after = await networkIds(fixture);
            expect(after.has("mycustomnetwork")).to.equal(false);
            expect(after.get("tlan")?.id).to.equal(before.get("tlan")?.id);
            expect(after.get("tlan")?.hnsId).to.not.equal(before.get("tlan")?.hnsId);
            expect(after.has("nat")).to.equal(true);
        });
    });

    it("ws2022 re-creates custom nat with the same id", async () => {
        await withFixture("ws2022", async (fixture) => {
            await createCustomNetworks(fixture);
            const before = await networkIds(fixture);
            await rebootHost(fixture.statePath);
            const after = await networkIds(fixture);
            expect(after.get("mycustomnetwork")?.id).to.equal(before.get("mycustomnetwork")?.id);
            expect(after.get("mycustomnetwork")?.hnsId).to.not.equal(before.get("mycustomnetwork")?.hnsId);
            expect(after.get("tlan")?.id).to.equal(before.get("tlan")?.id);
            const custom = await inspectNetwork(fixture.docker, "mycustomnetwork");
            expect(custom.IPAM.Config).to.deep.equal([
                { Subnet: "172.31.250.0/24", Gateway: "172.31.250.254" },
            ]);
        });
    });

    it("ws2016 keeps nat with a new HNS id", async () => {
        await withFixture("ws2016", async (fixture) => {
            const before = await networkIds(fixture);
            await rebootHost(fixture.statePath);
            const after = await networkIds(fixture);
            expect(after.get("nat")?.id).to.equal(before.get("nat")?.id);
            expect(after.get("nat")?.hnsId).to.not.equal(before.get("nat")?.hnsId);
            expect((await readHostState(fixture.statePath)).bootCount).to.equal(1);
        });
    });

    it("reboot stops containers and they restart with endpoints", async () => {
        await withFixture("ws2022", async (fixture) => {
            const container = await fixture.docker.createContainer({ Image: NANOSERVER.ws2022, name: "svc" });
            await container.start();
            await rebootHost(fixture.statePath);
            const stopped = await container.inspect();
            expect(stopped.State.Running).to.equal(false);
            expect((await readHostState(fixture.statePath)).hnsEndpoints).to.have.length(0);
            await container.start();
            const nat = await inspectNetwork(fixture.docker, "nat");
            expect(Object.keys(nat.Containers)).to.deep.equal([container.id]);
        });
    });

    it("ws2019 container on a lost network cannot start", async () => {
        await withFixture("ws2019", async (fixture) => {
            await createCustomNetworks(fixture);
            const container = await fixture.docker.createContainer({
                Image: NANOSERVER.ws2019,
                name: "svc",
                HostConfig: { NetworkMode: "mycustomnetwork" },
            });
            await rebootHost(fixture.statePath);
            await expectDockerError(container.start(), 404, "network mycustomnetwork not found");
        });
    });
});

describe("simulated host: out-of-band changes", () => {
    it("deleted network disappears from the engine", async () => {
        await withFixture("ws2022", async (fixture) => {
            await fixture.docker.createNetwork({ Name: "drift", Driver: "nat" });
            await deleteNetworkOutOfBand(fixture.statePath, "drift");
            await expectDockerError(
                fixture.docker.getNetwork("drift").inspect(),
                404,
                "network drift not found",
            );
        });
    });

    it("removed HNS network breaks endpoints until restart", async () => {
        await withFixture("ws2022", async (fixture) => {
            const network = await fixture.docker.createNetwork({ Name: "half", Driver: "nat" });
            await removeHnsNetworkOutOfBand(fixture.statePath, network.id);
            await expectDockerError(
                fixture.docker.createContainer({
                    Image: NANOSERVER.ws2022,
                    name: "c1",
                    HostConfig: { NetworkMode: "half" },
                }),
                500,
                "failed to create endpoint c1 on network half: HNS failed with error : The object identifier does not represent a valid object. ",
            );
            await restartNetworkingServices(fixture.statePath);
            const restored = await inspectNetwork(fixture.docker, "half");
            expect(restored.Id).to.equal(network.id);
        });
    });

    it("out-of-band switch is invisible until restart", async () => {
        await withFixture("ws2022", async (fixture) => {
            await createExternalSwitchOutOfBand(fixture.statePath, {
                name: "prodSwitch",
                adapterName: "Ethernet 2",
            });
            const before = await rawRequest(fixture.engine.port, "POST", "/networks/create", {
                Name: "prod3",
                Driver: "transparent",
                Options: { "com.docker.network.windowsshim.interface": "Ethernet 2" },
            });
            expect(before.status).to.equal(500);
            expect(JSON.parse(before.body).message).to.equal(
                "hnsCall failed in Win32: The parameter is incorrect. (0x57)",
            );
            await restartNetworkingServices(fixture.statePath);
            const adopted = await inspectNetwork(fixture.docker, "prodSwitch");
            expect(adopted.Driver).to.equal("transparent");
            expect(adopted.Options["com.docker.network.windowsshim.networkname"]).to.equal("prodSwitch");
        });
    });

    it("switch creation moves the address to the vNIC", async () => {
        await withFixture("ws2022", async (fixture) => {
            await createExternalSwitchOutOfBand(fixture.statePath, {
                name: "prodSwitch",
                adapterName: "Ethernet 2",
            });
            const state = await readHostState(fixture.statePath);
            const physical = state.adapters.find((adapter) => adapter.name === "Ethernet 2");
            const vnic = state.adapters.find((adapter) => adapter.name === "vEthernet (prodSwitch)");
            expect(physical?.ipv4Addresses).to.deep.equal([]);
            expect(vnic?.ipv4Addresses).to.deep.equal([{ address: "10.20.0.5", prefixLength: 24 }]);
            expect(vnic?.macAddress).to.equal(physical?.macAddress);
            expect(vnic?.interfaceDescription).to.match(/^Hyper-V Virtual Ethernet Adapter/);
        });
    });

    it("removing an HNS-made network restores the adapter", async () => {
        await withFixture("ws2022", async (fixture) => {
            const network = await fixture.docker.createNetwork({
                Name: "t",
                Driver: "transparent",
                Options: { "com.docker.network.windowsshim.interface": "Ethernet" },
            });
            await network.remove();
            const state = await readHostState(fixture.statePath);
            expect(state.vmSwitches.filter((vmSwitch) => vmSwitch.switchType === "External")).to.have.length(
                0,
            );
            expect(
                state.adapters.find((adapter) => adapter.name === "Ethernet")?.ipv4Addresses,
            ).to.deep.equal([{ address: "192.168.50.10", prefixLength: 24 }]);
        });
    });

    it("added adapter can carry a transparent network", async () => {
        await withFixture("ws2022", async (fixture) => {
            await addHostAdapter(fixture.statePath, {
                name: "SLOT 1 Port 2",
                interfaceDescription: "Broadcom NetXtreme Gigabit Ethernet",
                ifIndex: 30,
                macAddress: "00-00-5E-00-53-10",
                kind: "physical",
                physicalMediaType: "802.3",
                status: "Up",
                ipv4Addresses: [],
            });
            const network = await fixture.docker.createNetwork({
                Name: "new_ns",
                Driver: "transparent",
                Options: { "com.docker.network.windowsshim.interface": "SLOT 1 Port 2" },
            });
            const state = await readHostState(fixture.statePath);
            expect(
                state.hnsNetworks.find((candidate) => candidate.name === network.id)?.networkAdapterName,
            ).to.equal("SLOT 1 Port 2");
        });
    });
});

describe("simulated host: daemon.json", () => {
    it("bridge none leaves no default nat after restart", async () => {
        await withFixture("ws2022", async (fixture) => {
            await setDaemonJson(fixture.statePath, '{\n  "bridge": "none"\n}');
            await removeHnsNetworkOutOfBand(fixture.statePath, "nat");
            await restartNetworkingServices(fixture.statePath);
            const names = (await listNetworkViews(fixture.docker)).map((network) => network.Name);
            expect(names).to.deep.equal(["none"]);
        });
    });

    it("fixed-cidr moves the default nat", async () => {
        await withFixture("ws2022", async (fixture) => {
            await setDaemonJson(fixture.statePath, '{ "fixed-cidr": "172.28.0.0/16" }');
            await removeHnsNetworkOutOfBand(fixture.statePath, "nat");
            await restartNetworkingServices(fixture.statePath);
            const nat = await inspectNetwork(fixture.docker, "nat");
            expect(nat.IPAM.Config).to.deep.equal([{ Subnet: "172.28.0.0/16", Gateway: "172.28.0.1" }]);
        });
    });

    it("invalid daemon.json keeps docker stopped", async () => {
        await withFixture("ws2022", async (fixture) => {
            await setDaemonJson(fixture.statePath, "{ bridge: none");
            const services = await restartNetworkingServices(fixture.statePath);
            expect(services.docker.status).to.equal("Stopped");
            expect(services.docker.lastError).to.match(
                /^unable to configure the Docker daemon with file C:\\ProgramData\\Docker\\config\\daemon\.json: /,
            );
        });
    });

    const HOST_SUBNET_FAILURES: [ProfileName, string][] = [
        ["ws2016-rtm", "HNS failed with error : The parameter is incorrect. "],
        ["ws2016", "HNS failed with error : The parameter is incorrect. "],
        ["ws2019", "hnsCall failed in Win32: The parameter is incorrect. (0x57)"],
        ["ws2022", "hnsCall failed in Win32: The parameter is incorrect. (0x57)"],
    ];
    for (const [profile, hnsText] of HOST_SUBNET_FAILURES) {
        it(`${profile} fixed-cidr on a host subnet fails the start`, async () => {
            await withFixture(profile, async (fixture) => {
                await stopService(fixture.statePath, "docker");
                await removeHnsNetworkOutOfBand(fixture.statePath, "nat");
                await setDaemonJson(fixture.statePath, '{ "fixed-cidr": "10.20.0.0/24" }');
                const services = await startService(fixture.statePath, "docker");
                expect(services.docker.status).to.equal("Stopped");
                expect(services.docker.lastError).to.equal(
                    `Error starting daemon: Error initializing network controller: Error creating default network: ${hnsText}`,
                );
                const state = await readHostState(fixture.statePath);
                expect(state.hnsNetworks.filter((network) => network.type === "nat")).to.deep.equal([]);
                expect(state.winNats).to.deep.equal([]);
            });
        });
    }

    it("unknown key keeps docker stopped", async () => {
        await withFixture("ws2022", async (fixture) => {
            await setDaemonJson(
                fixture.statePath,
                '{ "debug": true, "fixed-cdir": "10.1.0.0/24", "Bridge": "none", "log-level": "warn" }',
            );
            const services = await restartNetworkingServices(fixture.statePath);
            expect(services.docker.status).to.equal("Stopped");
            expect(services.docker.lastError).to.equal(
                "unable to configure the Docker daemon with file C:\\ProgramData\\Docker\\config\\daemon.json: " +
                    "the following directives don't match any configuration option: fixed-cdir, Bridge",
            );
        });
    });

    it("common dockerd keys start docker", async () => {
        await withFixture("ws2022", async (fixture) => {
            const daemonJson = {
                debug: true,
                "log-level": "info",
                "registry-mirrors": ["https://mirror.example.com"],
                "insecure-registries": ["registry.example.com:5000"],
                hosts: ["npipe://", "tcp://0.0.0.0:2376"],
                tlsverify: true,
                tlscacert: "C:\\ProgramData\\docker\\certs.d\\ca.pem",
                "data-root": "D:\\docker",
                "storage-opts": ["size=40GB"],
                "exec-opts": ["isolation=process"],
                dns: ["10.20.0.2"],
                features: { buildkit: false },
                "fixed-cidr": "172.28.0.0/16",
            };
            await setDaemonJson(fixture.statePath, JSON.stringify(daemonJson, null, 2));
            const services = await restartNetworkingServices(fixture.statePath);
            expect(services.docker).to.deep.equal({ status: "Running", lastError: null });
        });
    });

    for (const profile of ["ws2016", "ws2022"] as ProfileName[]) {
        it(`${profile} keeps the old nat when only fixed-cidr changes`, async () => {
            await withFixture(profile, async (fixture) => {
                const before = await readHostState(fixture.statePath);
                await setDaemonJson(fixture.statePath, '{ "fixed-cidr": "10.99.0.0/24" }');
                const services = await restartNetworkingServices(fixture.statePath);
                expect(services.docker.status).to.equal("Running");
                const nat = await inspectNetwork(fixture.docker, "nat");
                expect(nat.IPAM.Config).to.deep.equal([{ Subnet: "172.25.16.0/20", Gateway: "172.25.16.1" }]);
                const after = await readHostState(fixture.statePath);
                expect(after.winNats).to.deep.equal(before.winNats);
            });
        });
    }

    it("ws2016 nat comes back on a new fixed-cidr", async () => {
        await withFixture("ws2016", async (fixture) => {
            await stopService(fixture.statePath, "docker");
            await removeHnsNetworkOutOfBand(fixture.statePath, "nat");
            expect((await readHostState(fixture.statePath)).winNats).to.deep.equal([]);
            await setDaemonJson(fixture.statePath, '{ "fixed-cidr": "10.99.0.0/24" }');
            const services = await startService(fixture.statePath, "docker");
            expect(services.docker).to.deep.equal({ status: "Running", lastError: null });
            const nat = await inspectNetwork(fixture.docker, "nat");
            expect(nat.IPAM.Config).to.deep.equal([{ Subnet: "10.99.0.0/24", Gateway: "10.99.0.1" }]);
            const state = await readHostState(fixture.statePath);
            expect(state.winNats.map((winNat) => winNat.internalIPInterfaceAddressPrefix)).to.deep.equal([
                "10.99.0.0/24",
            ]);
            await expectDockerError(
                fixture.docker.createNetwork({
                    Name: "CustomNat1",
                    Driver: "nat",
                    IPAM: { Config: [{ Subnet: "172.16.0.0/16" }] },
                }),
                500,
                "HNS failed with error : The parameter is incorrect. ",
            );
        });
    });

    it("ws2016 partition left behind blocks a new fixed-cidr", async () => {
        await withFixture("ws2016", async (fixture) => {
            await fixture.docker.createNetwork({
                Name: "CustomNat1",
                Driver: "nat",
                IPAM: { Config: [{ Subnet: "172.16.0.0/16", Gateway: "172.16.0.1" }] },
            });
            await stopService(fixture.statePath, "docker");
            await removeHnsNetworkOutOfBand(fixture.statePath, "nat");
            await setDaemonJson(fixture.statePath, '{ "fixed-cidr": "10.99.0.0/24" }');
            const services = await startService(fixture.statePath, "docker");
            expect(services.docker.status).to.equal("Stopped");
            expect(services.docker.lastError).to.equal(
                "Error starting daemon: Error initializing network controller: Error creating default network: HNS failed with error : The parameter is incorrect. ",
            );
            const state = await readHostState(fixture.statePath);
            expect(state.winNats.map((winNat) => winNat.internalIPInterfaceAddressPrefix)).to.deep.equal([
                "172.16.0.0/12",
            ]);
        });
    });
});
