import { expect } from "chai";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { startSimulatedEngine } from "../../../provider/simulator/engine";
import { stopService, startService } from "../../../provider/simulator/out-of-band";
import { PROFILE_NAMES, type ProfileName } from "../../../provider/simulator/profiles";
import {
    dockerClient,
    dockerFailure,
    expectDockerError,
    fixtureLine,
    makeTempDirectory,
    rawRequest,
    type SimulatorFixture,
    startFixture,
} from "./helpers";

describe("simulated engine: system endpoints", () => {
    let fixture: SimulatorFixture;

    beforeEach(async () => {
        fixture = await startFixture("ws2022");
    });

    afterEach(async () => {
        await fixture.close();
    });

    it("ping answers OK with Windows headers", async () => {
        const reply = await rawRequest(fixture.engine.port, "GET", "/_ping");
        expect(reply.status).to.equal(200);
        expect(reply.body).to.equal("OK");
        expect(reply.headers["api-version"]).to.equal("1.43");
        expect(reply.headers["ostype"]).to.equal("windows");
        expect(reply.headers["docker-experimental"]).to.equal("false");
    });

    it("ping works through dockerode", async () => {
        const answer = await fixture.docker.ping();
        expect(String(answer)).to.equal("OK");
    });

    it("version reports a Windows engine", async () => {
        const version = await fixture.docker.version();
        expect(version.Os).to.equal("windows");
        expect(version.ApiVersion).to.equal("1.43");
        expect(version.MinAPIVersion).to.equal("1.24");
        expect(version.KernelVersion).to.equal("10.0 20348 (20348.1.amd64fre.fe_release.210507-1500)");
    });

    it("info reports OS, kernel and Windows drivers", async () => {
        const info = await fixture.docker.info();
        expect(info.OSType).to.equal("windows");
        expect(info.OperatingSystem).to.match(
            /^Windows Server 2022 Datacenter Version 21H2 \(OS Build 20348\.\d+\)$/,
        );
        expect(info.KernelVersion).to.match(/^10\.0 20348 \(/);
        expect(info.Plugins.Network).to.include.members([
            "nat",
            "transparent",
            "l2bridge",
            "l2tunnel",
            "null",
        ]);
        expect(info.Plugins.Network).to.not.include("bridge");
        expect(info.Name).to.be.a("string").and.not.equal("");
        expect(info.ServerVersion).to.equal("24.0.7");
    });

    it("unversioned paths answer like versioned ones", async () => {
        const versioned = await rawRequest(fixture.engine.port, "GET", "/v1.40/version");
        const plain = await rawRequest(fixture.engine.port, "GET", "/version");
        expect(versioned.status).to.equal(200);
        expect(plain.status).to.equal(200);
        expect(JSON.parse(plain.body).Os).to.equal("windows");
    });

    it("client version above the engine's is rejected", async () => {
        const reply = await rawRequest(fixture.engine.port, "GET", "/v1.99/version");
        expect(reply.status).to.equal(400);
        expect(JSON.parse(reply.body).message).to.equal(
            "client version 1.99 is too new. Maximum supported API version is 1.43",
        );
    });

    it("client version below 1.24 is rejected", async () => {
        const reply = await rawRequest(fixture.engine.port, "GET", "/v1.12/info");
        expect(reply.status).to.equal(400);
        expect(JSON.parse(reply.body).message).to.match(
            /^client version 1\.12 is too old\. Minimum supported API version is 1\.24/,
        );
    });

    it("unknown path gives page not found", async () => {
        const reply = await rawRequest(fixture.engine.port, "GET", "/v1.40/volumes");
        expect(reply.status).to.equal(404);
        expect(JSON.parse(reply.body)).to.deep.equal({ message: "page not found" });
    });

    it("unknown method on known path gives page not found", async () => {
        const reply = await rawRequest(fixture.engine.port, "PUT", "/networks/create");
        expect(reply.status).to.equal(404);
    });

    it("malformed JSON body gives 400", async () => {
        const reply = await rawRequest(fixture.engine.port, "POST", "/networks/create", "{not json");
        expect(reply.status).to.equal(400);
        expect(JSON.parse(reply.body).message).to.match(/^invalid JSON in request body/);
    });

    it("stopped docker service drops connections", async () => {
        await stopService(fixture.statePath, "docker");
        const failure = await dockerFailure(fixture.docker.ping());
        expect(failure.statusCode).to.equal(undefined);
        const services = await startService(fixture.statePath, "docker");
        expect(services.docker.status).to.equal("Running");
        expect(String(await fixture.docker.ping())).to.equal("OK");
    });

    it("latency option still answers", async () => {
        const slow = await startFixture("ws2022", 20);
        try {
            expect(String(await slow.docker.ping())).to.equal("OK");
        } finally {
            await slow.close();
        }
    });
});

/** Build and a Docker API version each profile's engine accepts. */
const PROFILE_BUILDS: Record<ProfileName, { build: number; api: string }> = {
    "ws2016-rtm": { build: 14393, api: "v1.24" },
    ws2016: { build: 14393, api: "v1.40" },
    ws2019: { build: 17763, api: "v1.40" },
    ws2022: { build: 20348, api: "v1.40" },
    ws2025: { build: 26100, api: "v1.40" },
};

describe("simulated engine: profiles", () => {
    for (const profile of PROFILE_NAMES) {
        it(`${profile} info names its build`, async () => {
            const fixture = await startFixture(profile);
            try {
                const { build, api } = PROFILE_BUILDS[profile];
                const info = await dockerClient(fixture.engine.port, api).info();
                expect(info.OSType).to.equal("windows");
                expect(info.KernelVersion).to.match(new RegExp(`^10\\.0 ${build} \\(${build}\\.`));
                expect(info.OperatingSystem).to.match(/^Windows Server 20\d\d Datacenter/);
                expect(info.Plugins.Network).to.not.include("bridge");
            } finally {
                await fixture.close();
            }
        });
    }

    for (const profile of PROFILE_NAMES.filter((name) => name !== "ws2016-rtm")) {
        it(`${profile} operating system carries the build`, async () => {
            const fixture = await startFixture(profile);
            try {
                const info = await fixture.docker.info();
                expect(info.OperatingSystem).to.include(`OS Build ${PROFILE_BUILDS[profile].build}.`);
            } finally {
                await fixture.close();
            }
        });
    }

    it("ws2016-rtm matches the posted Docker 1.12 host", async () => {
        const posted = (prefix: string): string =>
            fixtureLine("C14-ws2016-second-nat-unspecified-error.txt", prefix).slice(prefix.length).trim();
        const fixture = await startFixture("ws2016-rtm");
        try {
            const docker = dockerClient(fixture.engine.port, "v1.24");
            const info = await docker.info();
            expect(info.ServerVersion).to.equal(posted("Server Version:"));
            expect(info.KernelVersion).to.equal(posted("Kernel Version:"));
            expect(info.Plugins.Network).to.deep.equal(posted(" Network:").split(" "));
            const version = await docker.version();
            expect(version.ApiVersion).to.equal("1.24");
            expect(version.MinAPIVersion).to.equal("1.24");
            await expectDockerError(
                dockerClient(fixture.engine.port, "v1.25").info(),
                400,
                "client version 1.25 is too new. Maximum supported API version is 1.24",
            );
        } finally {
            await fixture.close();
        }
    });

    it("ws2016 drivers match the posted plugin list without ics", async () => {
        const fixture = await startFixture("ws2016");
        try {
            const info = await fixture.docker.info();
            expect(info.Plugins.Network).to.deep.equal([
                "l2bridge",
                "l2tunnel",
                "nat",
                "null",
                "overlay",
                "transparent",
            ]);
        } finally {
            await fixture.close();
        }
    });

    it("ws2019 drivers include every posted 1709 driver", async () => {
        const posted = fixtureLine("C13-docker-info-win10-1709-second-nat-object-exists.txt", " Network:")
            .replace(" Network:", "")
            .trim()
            .split(" ");
        const fixture = await startFixture("ws2019");
        try {
            const info = await fixture.docker.info();
            expect(info.Plugins.Network).to.include.members(posted);
        } finally {
            await fixture.close();
        }
    });
});

describe("simulated engine: options", () => {
    const directories: string[] = [];

    async function tempDirectory(): Promise<string> {
        const directory = await makeTempDirectory();
        directories.push(directory);
        return directory;
    }

    after(async () => {
        await Promise.all(directories.map((directory) => fs.rm(directory, { recursive: true, force: true })));
    });

    it("non-loopback host is rejected", async () => {
        const directory = await tempDirectory();
        let failure: Error | null = null;
        try {
            await startSimulatedEngine({ statePath: path.join(directory, "host.json"), host: "0.0.0.0" });
        } catch (error) {
            failure = error as Error;
        }
        expect(failure?.message).to.match(/listens on 127\.0\.0\.1 only/);
    });

    it("unknown profile is rejected", async () => {
        const directory = await tempDirectory();
        let failure: Error | null = null;
        try {
            await startSimulatedEngine({ statePath: path.join(directory, "host.json"), profile: "ws2012" });
        } catch (error) {
            failure = error as Error;
        }
        expect(failure?.message).to.match(/unknown simulated host profile "ws2012"/);
    });

    it("profile different from the file is rejected", async () => {
        const directory = await tempDirectory();
        const statePath = path.join(directory, "host.json");
        const first = await startSimulatedEngine({ statePath, profile: "ws2019" });
        await first.close();
        let failure: Error | null = null;
        try {
            await startSimulatedEngine({ statePath, profile: "ws2022" });
        } catch (error) {
            failure = error as Error;
        }
        expect(failure?.message).to.match(/is a ws2019 host, not ws2022/);
    });

    it("url uses the bound port", async () => {
        const fixture = await startFixture();
        try {
            expect(fixture.engine.url).to.equal(`http://127.0.0.1:${fixture.engine.port}`);
            expect(path.isAbsolute(fixture.engine.statePath)).to.equal(true);
        } finally {
            await fixture.close();
        }
    });
});
