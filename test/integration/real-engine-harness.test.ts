// Self-test of the real-engine harness in test/support: the private dockerd, the test image and
// the skip-or-fail rule that integration and e2e suites rely on.

import { expect } from "chai";
import Docker from "dockerode";
import * as fs from "fs";

import { REQUIRE_REAL_COMPONENTS_ENV, requireOrSkip } from "../support/components";
import { ping, startPrivateDockerd } from "../support/dockerd";
import { realEngine, RealEngine } from "../support/engines";
import { ensureTestImage, TEST_IMAGE } from "../support/test-image";

// Names carry the process id so that runs against a shared WCN_TEST_DOCKER_HOST do not collide.
const NAME_PREFIX = `wcn-harness-${process.pid}`;

interface EngineError {
    statusCode?: number;
    json?: { message?: string };
}

async function expectEngineError(
    promise: Promise<unknown>,
    statusCode: number,
    messagePart: string,
): Promise<void> {
    let caught: unknown;
    try {
        await promise;
    } catch (error) {
        caught = error;
    }
    expect(caught, "expected the engine to reject the request").to.not.equal(undefined);
    const engineError = caught as EngineError;
    expect(engineError.statusCode).to.equal(statusCode);
    expect(engineError.json?.message ?? "").to.contain(messagePart);
}

async function removeTestObjects(docker: Docker): Promise<void> {
    const containers = await docker.listContainers({ all: true, filters: { name: [NAME_PREFIX] } });
    for (const container of containers) {
        await docker.getContainer(container.Id).remove({ force: true });
    }
    const networks = await docker.listNetworks({ filters: { name: [NAME_PREFIX] } });
    for (const network of networks) {
        await docker.getNetwork(network.Id).remove();
    }
}

function createBridgeNetwork(
    docker: Docker,
    name: string,
    subnet: string,
    gateway: string,
): Promise<Docker.Network> {
    return docker.createNetwork({
        Name: name,
        Driver: "bridge",
        CheckDuplicate: true,
        IPAM: { Driver: "default", Config: [{ Subnet: subnet, Gateway: gateway }] },
    });
}

describe("real engine harness", function () {
    let engine: RealEngine;

    before(async function () {
        engine = await realEngine(this);
    });

    after(async function () {
        if (engine !== undefined) {
            await removeTestObjects(engine.docker);
        }
    });

    it("reports Os linux from /version", async function () {
        const version = await engine.docker.version();
        expect(version.Os).to.equal("linux");
        expect(version.ApiVersion).to.equal(engine.apiVersion);
        expect(engine.url).to.equal(`unix://${engine.socketPath}`);
    });

    it("creates, inspects and removes a bridge network", async function () {
        const name = `${NAME_PREFIX}-net`;
        const network = await createBridgeNetwork(engine.docker, name, "10.231.1.0/24", "10.231.1.1");

        const inspected = await network.inspect();
        expect(inspected.Name).to.equal(name);
        expect(inspected.Driver).to.equal("bridge");
        expect(inspected.IPAM?.Config).to.deep.equal([{ Subnet: "10.231.1.0/24", Gateway: "10.231.1.1" }]);
        expect(inspected.Containers).to.deep.equal({});

        await network.remove();
        await expectEngineError(engine.docker.getNetwork(name).inspect(), 404, `network ${name} not found`);
    });

    describe("with the test image", function () {
        before(async function () {
            engine = await realEngine(this, { testImage: true });
        });

        it("has the busybox test image", async function () {
            const image = await engine.docker.getImage(TEST_IMAGE).inspect();
            expect(image.RepoTags).to.include(TEST_IMAGE);
            expect(image.Os).to.equal("linux");

            const idAgain = await ensureTestImage(engine.docker);
            expect(idAgain, "ensureTestImage must reuse the existing image").to.equal(image.Id);
        });

        it("creates a container with a static address", async function () {
            const networkName = `${NAME_PREFIX}-created`;
            const network = await createBridgeNetwork(
                engine.docker,
                networkName,
                "10.231.2.0/24",
                "10.231.2.1",
            );
            const container = await engine.docker.createContainer({
                name: `${NAME_PREFIX}-created`,
                Image: TEST_IMAGE,
                HostConfig: { NetworkMode: networkName },
                NetworkingConfig: {
                    EndpointsConfig: { [networkName]: { IPAMConfig: { IPv4Address: "10.231.2.10" } } },
                },
            });

            const containerInfo = await container.inspect();
            expect(containerInfo.State.Status).to.equal("created");
            expect(containerInfo.NetworkSettings.Networks[networkName]?.IPAMConfig?.IPv4Address).to.equal(
                "10.231.2.10",
            );

            // A created container has no endpoint yet, so the network lists no containers.
            const networkInfo = await network.inspect();
            expect(networkInfo.Containers).to.deep.equal({});

            await container.remove({ force: true });
            await network.remove();
        });
    });

    describe("with running containers", function () {
        before(async function () {
            engine = await realEngine(this, { runningContainers: true });
        });

        it("starts a container with its static address", async function () {
            const networkName = `${NAME_PREFIX}-running`;
            const network = await createBridgeNetwork(
                engine.docker,
                networkName,
                "10.231.3.0/24",
                "10.231.3.1",
            );
            const container = await engine.docker.createContainer({
                name: `${NAME_PREFIX}-running`,
                Image: TEST_IMAGE,
                HostConfig: { NetworkMode: networkName },
                NetworkingConfig: {
                    EndpointsConfig: { [networkName]: { IPAMConfig: { IPv4Address: "10.231.3.10" } } },
                },
            });
            await container.start();

            const containerInfo = await container.inspect();
            expect(containerInfo.State.Running).to.equal(true);
            expect(containerInfo.NetworkSettings.Networks[networkName]?.IPAddress).to.equal("10.231.3.10");

            const networkInfo = await network.inspect();
            const endpoints = Object.values(networkInfo.Containers ?? {});
            expect(endpoints).to.have.length(1);
            expect(endpoints[0]?.IPv4Address).to.equal("10.231.3.10/24");

            await expectEngineError(network.remove(), 403, "has active endpoints");

            // The image's command exits on SIGTERM, so a 5 s stop timeout is never reached.
            const stopStartedAt = Date.now();
            await container.stop({ t: 5 });
            expect(Date.now() - stopStartedAt).to.be.below(4_000);
            await container.remove();
            await network.remove();
        });
    });

    describe("startPrivateDockerd", function () {
        it("starts and stops a second daemon", async function () {
            requireOrSkip(
                this,
                "a second private dockerd",
                engine.daemon.ownsDaemon,
                "the shared engine comes from WCN_TEST_DOCKER_HOST, so this process may not be able to start dockerd",
            );
            const daemon = await startPrivateDockerd({ existingHost: null });
            let stopped = false;
            try {
                expect(daemon.ownsDaemon).to.equal(true);
                expect(daemon.socketPath).to.not.equal(engine.socketPath);
                await ping(daemon.socketPath);
                const version = await new Docker({ socketPath: daemon.socketPath }).version();
                expect(version.Os).to.equal("linux");
                expect(daemon.readLogTail()).to.contain("API listen on");

                await daemon.stop();
                stopped = true;
                const pid = daemon.pid;
                expect(pid).to.be.a("number");
                expect(() => process.kill(pid as number, 0), "dockerd must have exited").to.throw();
                expect(
                    fs.existsSync(daemon.tempDir as string),
                    "the temporary folder must be removed",
                ).to.equal(false);
            } finally {
                if (!stopped) {
                    await daemon.stop();
                }
            }
        });
    });
});

describe("requireOrSkip", function () {
    let savedSetting: string | undefined;

    beforeEach(function () {
        savedSetting = process.env[REQUIRE_REAL_COMPONENTS_ENV];
    });

    afterEach(function () {
        if (savedSetting === undefined) {
            delete process.env[REQUIRE_REAL_COMPONENTS_ENV];
        } else {
            process.env[REQUIRE_REAL_COMPONENTS_ENV] = savedSetting;
        }
    });

    it("returns for an available component", function () {
        process.env[REQUIRE_REAL_COMPONENTS_ENV] = "1";
        expect(() => requireOrSkip(this, "pwsh", true, "unused")).to.not.throw();
    });

    it("fails naming the missing component", function () {
        process.env[REQUIRE_REAL_COMPONENTS_ENV] = "1";
        expect(() => requireOrSkip(this, "pwsh", false, "pwsh not found on PATH")).to.throw(
            "pwsh is required (WCN_REQUIRE_REAL_COMPONENTS=1) but not available: pwsh not found on PATH",
        );
    });
});
